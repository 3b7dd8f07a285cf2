"""No-show risk, explained (issue 20, point 3): the points rule's factors each add their points with their reason,
the bands, the flag with its reasons on the day view, worklist and call list, the call the day before for a high
risk, flat query counts, and the report's calibration on a small known history.

"Now" is Wednesday 5 June 2030, 12:00 London (tests/clinic.py)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from procedures import noshow
from procedures.models import Appointment, PatientCall, PreparationRead
from procedures.patient_page import selectors
from procedures.reports import catalogue, risk_queries
from procedures.reports.period import Filters
from procedures.worklist.selectors import todays_list
from reminders.models import Reminder
from reminders.stages import Stage
from tests.clinic import MONDAY, NOW, THURSDAY, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory, reminder_rule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

Status = Appointment.Status
SUNDAY = date(2030, 6, 9)


def earlier(patient, status: str, on: date, **fields) -> Appointment:
    """One of the patient's past appointments, ended as `status`."""
    return AppointmentFactory(patient=patient, scheduled_start=at(on, "10:00"), status=status, **fields)


def late_cancellation(patient, on: date) -> Appointment:
    start = at(on, "10:00")
    return earlier(
        patient, Status.CANCELLED, on, status_changed_at=start - timedelta(hours=20), cancellation_reason="Unwell"
    )


def scored(appointment: Appointment, as_of=None) -> noshow.Risk:
    """The appointment's risk as the staff lists see it: read with the patient flags' facts, as of now."""
    annotated = selectors.with_patient_flags(Appointment.objects.filter(pk=appointment.pk)).get()
    return noshow.risk_of(annotated, as_of or timezone.now())


def plain(when, **patient) -> Appointment:
    """Confirmed, the preparation read, reachable, booked this week, no history: nothing against it."""
    appointment = AppointmentFactory(patient=PatientFactory(**patient), scheduled_start=when, status=Status.CONFIRMED)
    PreparationRead.objects.create(appointment=appointment, content={}, content_hash="x")
    return appointment


def risky(when, **patient) -> Appointment:
    """As `plain`, but the patient did not attend twice before: a high risk (3 + 3 points)."""
    appointment = plain(when, **patient)
    earlier(appointment.patient, Status.NO_SHOW, date(2030, 3, 4))
    earlier(appointment.patient, Status.NO_SHOW, date(2030, 4, 8))
    return appointment


# The rule.


def test_a_confirmed_reachable_patient_with_no_history_has_no_risk(room):
    risk = scored(plain(at(THURSDAY, "10:00")))
    assert (risk.points, risk.band, risk.reasons) == (0, "low", ())


def _earlier_no_show(appointment):
    earlier(appointment.patient, Status.NO_SHOW, date(2030, 5, 2))


def _late_cancellation(appointment):
    late_cancellation(appointment.patient, date(2030, 5, 2))


def _not_confirmed(appointment):
    Appointment.objects.filter(pk=appointment.pk).update(status=Status.BOOKED)
    Appointment.history.model.objects.filter(id=appointment.pk).delete()


def _preparation_unread(appointment):
    PreparationRead.objects.filter(appointment=appointment).delete()


def _booked_long_ago(appointment):
    Appointment.objects.filter(pk=appointment.pk).update(created_at=NOW - timedelta(days=60))


def _opted_out(appointment):
    appointment.patient.reminders_opt_out_at = NOW - timedelta(days=3)
    appointment.patient.save()


def _no_channels(appointment):
    appointment.patient.channels = []
    appointment.patient.save()


def _message_did_not_arrive(appointment):
    Reminder.objects.create(
        appointment=appointment,
        rule=reminder_rule(Stage.WEEK_BEFORE),
        for_start=appointment.scheduled_start,
        channel="sms",
        send_at=NOW - timedelta(days=3),
        status=Reminder.Status.FAILED,
        fallback=Reminder.Fallback.CALL,
        undelivered_at=NOW - timedelta(days=2),
    )


@pytest.mark.parametrize(
    ("make_it_so", "points", "reason"),
    [
        (_earlier_no_show, 3, "Earlier did-not-attend (+3)"),
        (_late_cancellation, 1, "Earlier late cancellation (less than two days before) (+1)"),
        (_not_confirmed, 1, "Unconfirmed two days before (+1)"),
        (_preparation_unread, 1, "Had not read the preparation two days before (+1)"),
        (_booked_long_ago, 1, "Booked 6 weeks or more ahead (+1)"),
        (_opted_out, 2, "No reminder reaches the patient (+2)"),
        (_no_channels, 2, "No reminder reaches the patient (+2)"),
        (_message_did_not_arrive, 2, "No reminder reaches the patient (+2)"),
    ],
)
def test_each_factor_adds_its_points_with_its_reason(room, make_it_so, points, reason):
    appointment = plain(at(THURSDAY, "10:00"))  # tomorrow: confirmation and reading count by now
    make_it_so(appointment)
    risk = scored(appointment)
    assert risk.points == points
    assert risk.reasons == (reason,)


def test_confirmation_and_reading_do_not_count_until_two_days_before(room):
    next_week = AppointmentFactory(scheduled_start=at(MONDAY, "10:00"))  # booked, unread, five days away
    assert scored(next_week).points == 0
    assert scored(next_week, as_of=at(MONDAY, "10:00") - timedelta(days=2)).points == 2


def test_repeats_count_up_to_their_limit_and_the_points_make_the_band(room):
    patient = PatientFactory()
    for month in (1, 2, 3):
        earlier(patient, Status.NO_SHOW, date(2030, month, 7))
    for month in (4, 5, 5):
        late_cancellation(patient, date(2030, month, 14 if month == 4 else 20))
    risk = scored(AppointmentFactory(patient=patient, scheduled_start=at(MONDAY, "10:00")))
    assert risk.reasons == (
        "Earlier did-not-attend ×2 (+6)",
        "Earlier late cancellation (less than two days before) ×2 (+2)",
    )
    assert (risk.points, risk.band) == (8, "high")
    assert [noshow.band_of(n) for n in range(7)] == ["low"] * 3 + ["medium"] * 2 + ["high"] * 2


def test_an_early_cancellation_and_an_attended_visit_add_nothing(room):
    patient = PatientFactory()
    earlier(patient, Status.COMPLETED, date(2030, 4, 1))
    start = at(date(2030, 5, 1), "10:00")
    earlier(patient, Status.CANCELLED, date(2030, 5, 1), status_changed_at=start - timedelta(days=9),
            cancellation_reason="Holiday")  # fmt: skip
    assert scored(AppointmentFactory(patient=patient, scheduled_start=at(MONDAY, "10:00"))).points == 0


# The pages.


def test_the_day_view_flags_a_likely_no_show_with_its_reasons_and_not_the_others(as_scheduler, room):
    risky(at(THURSDAY, "10:00"), given_name="Risky")
    plain(at(THURSDAY, "11:00"), given_name="Steady")
    html = as_scheduler.get(reverse("procedures:day"), {"date": THURSDAY.isoformat()}).content.decode()
    assert html.count("No-show risk: high") == 1
    assert escape("6 points: Earlier did-not-attend ×2 (+6)") in html  # the reasons, in the badge's title
    assert "Steady" in html  # drawn, without a flag: one flag for the two


def test_the_worklist_flags_a_likely_no_show_today(client, radiologist, room):
    client.force_login(radiologist)
    risky(at(TODAY, "15:00"), given_name="Risky")
    plain(at(TODAY, "16:00"), given_name="Steady")
    rows = todays_list(radiologist)
    labels = {a.patient.given_name: [f.label for f in a.flags] for a in rows}
    assert "No-show risk: high" in labels["Risky"] and not any("No-show" in f for f in labels["Steady"])
    html = client.get(reverse("procedures:worklist")).content.decode()
    assert html.count("No-show risk: high") == 1


def test_a_high_risk_goes_on_the_call_list_the_day_before_and_not_earlier(as_scheduler, room):
    tomorrow = risky(at(THURSDAY, "10:00"), given_name="Tomorrow")
    next_week = risky(at(MONDAY, "10:00"), given_name="Monday")
    plain(at(THURSDAY, "11:00"), given_name="Steady")
    rows = {a.pk: reasons for a, reasons in selectors.call_list()}
    assert list(rows) == [tomorrow.pk]
    assert rows[tomorrow.pk] == [
        "Likely not to attend (high no-show risk, 6 points: Earlier did-not-attend ×2 (+6)): confirm they are coming."
    ]
    html = as_scheduler.get(reverse("procedures:calls")).content.decode()
    assert "Likely not to attend" in html and "No-show risk: high" in html
    assert "Monday" not in html and "Steady" not in html

    on_sunday = {a.pk for a, _ in selectors.call_list(now=at(SUNDAY, "09:00"))}
    assert next_week.pk in on_sunday  # the day before Monday's appointment


def test_a_call_logged_the_day_before_takes_the_patient_off_the_list(room, scheduler):
    tomorrow = risky(at(THURSDAY, "10:00"))
    PatientCall.objects.create(appointment=tomorrow, called_by=scheduler, note="Coming")
    assert selectors.call_list() == []


def _queries(fetch) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fetch()
    return len(ctx.captured_queries)


def test_the_day_view_and_call_list_score_many_appointments_in_as_many_queries_as_few(as_scheduler, room):
    def day_view():
        return as_scheduler.get(reverse("procedures:day"), {"date": THURSDAY.isoformat()})

    risky(at(THURSDAY, "08:00"))
    risky(at(THURSDAY, "08:30"))
    few, few_calls = _queries(day_view), _queries(selectors.call_list)
    for i in range(12):
        risky(at(THURSDAY, f"{14 + i // 4:02d}:{15 * (i % 4):02d}"))
    assert _queries(day_view) == few
    assert _queries(selectors.call_list) == few_calls == 1
    assert len(selectors.call_list()) == 14


def test_the_worklist_scores_many_appointments_in_as_many_queries_as_few(client, radiologist, room):
    client.force_login(radiologist)
    risky(at(TODAY, "13:00"))
    few = _queries(lambda: client.get(reverse("procedures:worklist")))
    for i in range(10):
        risky(at(TODAY, f"{14 + i // 4:02d}:{15 * (i % 4):02d}"))
    assert _queries(lambda: client.get(reverse("procedures:worklist"))) == few


# The report.

MAY = Filters("custom", date(2030, 5, 1), date(2030, 5, 31))


def test_the_report_compares_the_band_predicted_two_days_before_with_who_did_not_attend(room):
    """Six settled May appointments: two of high risk (one missed), one medium (missed), three low (one missed).
    A cancelled one is left out; a confirmation given only the day before does not count."""
    twice_missed = PatientFactory()
    earlier(twice_missed, Status.NO_SHOW, date(2030, 2, 4))
    earlier(twice_missed, Status.NO_SHOW, date(2030, 3, 4))
    earlier(twice_missed, Status.NO_SHOW, date(2030, 5, 6))  # high: 6 (+ unconfirmed, unread)
    earlier(twice_missed, Status.COMPLETED, date(2030, 5, 20))  # high: two earlier no-shows, 6 points and more
    once_missed = PatientFactory(channels=[])
    earlier(once_missed, Status.NO_SHOW, date(2030, 5, 8))  # medium: unreachable 2, unconfirmed 1, unread 1
    for on, status in ((date(2030, 5, 13), Status.COMPLETED), (date(2030, 5, 14), Status.NO_SHOW)):
        steady = earlier(PatientFactory(), status, on)
        confirmed = Appointment.history.model.objects.filter(id=steady.pk).order_by("history_date").first()
        confirmed.status, confirmed.history_date = Status.CONFIRMED, at(on, "10:00") - timedelta(days=5)
        confirmed.save()
        PreparationRead.objects.create(
            appointment=steady, content={}, content_hash="x", read_at=at(on, "10:00") - timedelta(days=4)
        )
    late_confirmer = earlier(PatientFactory(), Status.COMPLETED, date(2030, 5, 15))
    row = Appointment.history.model.objects.filter(id=late_confirmer.pk).first()
    row.status, row.history_date = Status.CONFIRMED, at(date(2030, 5, 14), "09:00")  # the day before: too late
    row.save()
    late_cancellation(PatientFactory(), date(2030, 5, 21))  # cancelled: not in the figures

    table = risk_queries.calibration(MAY)
    got = {row[0]: row[1:] for row in table.rows}
    assert got["High"] == [2, 1, 50.0, 8.0]
    assert got["Medium"] == [1, 1, 100.0, 4.0]
    assert got["Low"] == [3, 1, 33.3, 0.7]
    chart = catalogue.BY_SLUG["noshow-risk"]
    assert "two days before" in chart.note


def test_the_reports_page_shows_the_risk_chart_and_its_table(as_scheduler, room):
    earlier(PatientFactory(), Status.NO_SHOW, date(2030, 5, 8))
    page = as_scheduler.get(reverse("procedures:reports"), {"period": "last_month"}).content.decode()
    assert "No-show risk: predicted band against actual did-not-attend rate" in page
    svg = as_scheduler.get(reverse("procedures:report-chart", args=["noshow-risk"]), {"period": "last_month"})
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")


def test_the_call_list_shows_the_rule_each_factor_with_its_points(as_scheduler):
    html = as_scheduler.get(reverse("procedures:calls")).content.decode()
    assert "How the no-show risk is scored" in html
    for words, each, _most in noshow.weights_table():
        assert f"<td>{escape(words)}</td><td>+{each}</td>" in html
    assert "high 5 or more" in html
