"""/metrics: what an on-call person alerts on, for a Prometheus scraper that holds the token, and nothing for anyone
else. The outbox figures are read from the rows at scrape time; request latency is observed per route."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from procedures.links import patient_token
from reminders import services
from reminders.models import Reminder
from tests.clinic import FAR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]

TOKEN = "scrape-me-Zq8v1L0pT4xR7nW2"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} from an authorised scrape."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def by_channel(figures, name: str, channel: str, delivery: str | None = None) -> float:
    labels = {"channel": channel} | ({"delivery": delivery} if delivery else {})
    return figures[(name, tuple(sorted(labels.items())))]


# Who may read them


def test_metrics_answer_nobody_while_no_token_is_set(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 404
    assert response.content == b"Metrics are off: set METRICS_TOKEN to turn them on.\n"


@pytest.mark.parametrize(
    "authorization",
    [None, f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer", "Bearer ", "Bearer é"],
)
def test_metrics_refuse_a_scraper_without_the_token(client, metrics_token, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    response = client.get("/metrics", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"ductogram_" not in response.content


def test_metrics_answer_the_scraper_with_the_token(client, metrics_token):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert b"ductogram_reminders_due" in response.content


# The outbox


def test_metrics_count_due_overdue_sent_and_failed_reminders_per_channel(client, metrics_token, book, frozen_now):
    now = timezone.now()
    book(FAR)
    book(FAR + timedelta(hours=2))
    rows = Reminder.objects.order_by("pk")
    emails = list(rows.filter(channel="email").values_list("pk", flat=True))
    texts = list(rows.filter(channel="sms").values_list("pk", flat=True))
    assert len(emails) >= 5 and len(texts) >= 3
    # Everything later, then: two emails due (one for 20 minutes, overdue), one claimed and being sent, due 1 minute;
    # an email failed 10 minutes ago and one 2 hours ago; two texts sent just now and one 2 hours ago.
    rows.update(status=Reminder.Status.PENDING, send_at=FAR - timedelta(days=1))
    Reminder.objects.filter(pk=emails[0]).update(send_at=now - timedelta(minutes=20))
    Reminder.objects.filter(pk=emails[1]).update(send_at=now - timedelta(minutes=2))
    Reminder.objects.filter(pk=emails[2]).update(status=Reminder.Status.SENDING, send_at=now - timedelta(minutes=1))
    Reminder.objects.filter(pk=emails[3]).update(status=Reminder.Status.FAILED, send_at=now - timedelta(minutes=10))
    Reminder.objects.filter(pk=emails[4]).update(status=Reminder.Status.FAILED, send_at=now - timedelta(hours=2))
    Reminder.objects.filter(pk__in=texts[:2]).update(status=Reminder.Status.SENT, sent_at=now, send_at=now)
    two_hours_ago = now - timedelta(hours=2)
    Reminder.objects.filter(pk=texts[2]).update(
        status=Reminder.Status.SENT, sent_at=two_hours_ago, send_at=two_hours_ago
    )
    services.cache_set_last_dispatch(now - timedelta(seconds=30))

    figures = scrape(client)

    assert figures[("ductogram_outbox_readable", ())] == 1
    assert by_channel(figures, "ductogram_reminders_due", "email", "worker") == 3
    assert by_channel(figures, "ductogram_reminders_overdue", "email", "worker") == 1
    assert by_channel(figures, "ductogram_reminders_oldest_due_age_seconds", "email", "worker") == 20 * 60
    assert by_channel(figures, "ductogram_reminders_due", "sms", "worker") == 0
    assert by_channel(figures, "ductogram_reminders_oldest_due_age_seconds", "sms", "worker") == 0
    assert by_channel(figures, "ductogram_reminders_sent_last_hour", "sms", "worker") == 2
    assert by_channel(figures, "ductogram_reminders_sent_last_hour", "email", "worker") == 0
    assert by_channel(figures, "ductogram_reminders_failed_last_hour", "email", "worker") == 1
    assert by_channel(figures, "ductogram_reminders_failed_last_hour", "sms", "worker") == 0
    # Letters are staff's to post: there, with zeros, and told apart from the workers' rows.
    assert by_channel(figures, "ductogram_reminders_due", "letter", "staff") == 0
    assert (
        figures[("ductogram_reminders_last_dispatch_timestamp_seconds", ())]
        == (now - timedelta(seconds=30)).timestamp()
    )


def test_a_due_reminder_becomes_overdue_after_five_minutes(client, metrics_token, book, frozen_now):
    appointment = book(FAR)
    rows = appointment.reminders.filter(channel="email").order_by("pk")
    rows.update(send_at=FAR - timedelta(days=1))
    Reminder.objects.filter(pk=rows[0].pk).update(status=Reminder.Status.PENDING, send_at=timezone.now())

    frozen_now.shift(timedelta(minutes=5))
    assert by_channel(scrape(client), "ductogram_reminders_overdue", "email", "worker") == 1
    frozen_now.shift(timedelta(seconds=-1))
    assert by_channel(scrape(client), "ductogram_reminders_overdue", "email", "worker") == 0


def test_metrics_say_when_no_dispatch_is_recorded(client, metrics_token):
    assert scrape(client)[("ductogram_reminders_last_dispatch_timestamp_seconds", ())] == 0


# Request latency


def test_request_latency_is_counted_by_route_method_and_status_class_never_by_path(
    client, metrics_token, book, frozen_now
):
    token = patient_token(book(FAR))
    route = (("method", "GET"), ("route", "patient:page"), ("status", "2xx"))
    unknown = (("method", "GET"), ("route", "patient:page"), ("status", "4xx"))
    before = scrape(client)

    assert client.get(f"/p/{token}/").status_code == 200
    assert client.get("/p/not-a-token/").status_code == 404
    client.generic("BREW", f"/p/{token}/")
    after_body = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    after = scrape(client)

    count = "ductogram_http_request_duration_seconds_count"
    assert after[(count, route)] - before.get((count, route), 0) == 1
    assert after[(count, unknown)] - before.get((count, unknown), 0) == 1
    assert after[("ductogram_http_request_duration_seconds_bucket", tuple(sorted((*route, ("le", "+Inf")))))] >= 1
    assert token not in after_body and "not-a-token" not in after_body
    # A method nobody uses is one label, not a new series each.
    assert 'method="BREW"' not in after_body and 'method="other"' in after_body


# Several web processes (gunicorn's workers) add up


def test_with_a_multiprocess_directory_every_process_counts_towards_one_scrape(tmp_path):
    """Two processes, as two gunicorn workers, each serving scrapes: the second's last scrape counts both."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "prepapp.settings",
        "DEBUG": "true",
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        # No tables here: the outbox is unreadable, and the scrape says so instead of failing.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    scrapes = "\n".join(
        [
            "import django; django.setup()",
            "from django.test import Client",
            "import sys",
            "for _ in range(int(sys.argv[1])):",
            f"    response = Client().get('/metrics', HTTP_AUTHORIZATION='Bearer {TOKEN}')",
            "print(response.content.decode())",
        ]
    )

    def serve(count: int) -> str:
        done = subprocess.run(
            [sys.executable, "-c", scrapes, str(count)],
            cwd=Path(django_settings.BASE_DIR),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    serve(2)
    last = serve(3)

    figures = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(last)
        for sample in family.samples
    }
    route = (("method", "GET"), ("route", "metrics"), ("status", "2xx"))
    # A scrape is observed after its answer is made: the first process's 2, and 2 of the second's 3.
    assert figures[("ductogram_http_request_duration_seconds_count", route)] == 4
    assert figures[("ductogram_outbox_readable", ())] == 0
    assert len(list(shared.glob("histogram_*.db"))) == 2
