"""The admin's date hierarchies and filters stay up whatever dates are stored: rows at the calendar's two ends (saved
before the booking horizons existed, or by hand) are listed and found, and no drill-down or filter is a 500."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.urls import reverse

from prepapp.admin_dates import SafeDateHierarchy, period_bounds
from procedures.models import Appointment, PatientRequest, PreparationRead, ProcedureResult, SafetyAnswers
from reminders.models import Reminder
from tests.factories import ProcedureResultFactory, reminder_rule

pytestmark = pytest.mark.django_db

LAST = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)  # still 9999 in London; 10000 in Tokyo
LAST_INSTANT = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
# Midnight starting 1 January of the year 1 in London, whose local mean time was 75 s behind UTC; a row before it
# (FIRST) is in the year 0 there, which no Python date can hold.
FIRST_SHOWN = datetime(1, 1, 1, 0, 1, 15, tzinfo=UTC)
FIRST = datetime(1, 1, 1, tzinfo=UTC)
ORDINARY = datetime(2030, 6, 5, 9, 0, tzinfo=UTC)

# Beyond the hierarchy's own links: the calendar's ends, and nonsense, which is an error flag, not a 500.
DRILL_DOWNS = [
    ("9999",),
    ("9999", "12"),
    ("9999", "12", "31"),
    ("1",),
    ("1", "1"),
    ("1", "1", "1"),
    ("0",),
    ("10000",),
    ("9999", "13"),
    ("9999", "12", "32"),
    ("2030", "2", "30"),
    ("abc",),
    ("-1",),
    # Past what a date, or even a machine integer, holds, and what is not a number at all, in each part (None: the
    # part left out): the admin's error flag or the list, never a 500 (the probe's year 9223372036854775807 was one).
    ("9223372036854775807",),
    ("9223372036854775808",),
    ("-9223372036854775809",),
    ("9" * 5000,),  # more digits than Python turns into a number
    ("2030", "9223372036854775807"),
    ("2030", "6", "9223372036854775807"),
    ("9223372036854775807", "9223372036854775807", "9223372036854775807"),
    ("2030", "-1"),
    ("2030", "6", "0"),
    ("",),
    ("2030", "", ""),
    ("1e4",),
    ("2030.0",),
    ("2030", "six"),
    ("2030", "6", "fifth"),
    ("2030", None, "31"),
    (None, "13"),
    (None, "9223372036854775807", "9223372036854775807"),
    (None, None, "abc"),
]


def hierarchy_admins():
    return [(model, model_admin) for model, model_admin in admin.site._registry.items() if model_admin.date_hierarchy]


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def rows_at_the_ends():
    """An appointment, result, reminder and patient-page rows at each end of the calendar, written as an old
    database might hold them (bypassing every rule), and one ordinary row of each. A result is also logged in the
    year 0 of London's time: its time is in no list column (the model's and the list's own display of a time
    outside the calendar, as for an appointment in the year 0, are not the hierarchy's to mend)."""
    dates = {"last": LAST, "last_instant": LAST_INSTANT, "first": FIRST_SHOWN, "ordinary": ORDINARY}
    made = {}
    rule = reminder_rule("booking_confirmation")
    for name, when in dates.items():
        result = ProcedureResultFactory()
        appointment = result.appointment
        ProcedureResult.objects.filter(pk=result.pk).update(logged_at=FIRST if name == "first" else when)
        request = PatientRequest.objects.create(appointment=appointment, kind="cancel")
        PatientRequest.objects.filter(pk=request.pk).update(created_at=when)
        answers = SafetyAnswers.objects.create(
            appointment=appointment, **dict.fromkeys(SafetyAnswers.QUESTION_FIELDS, "no")
        )
        SafetyAnswers.objects.filter(pk=answers.pk).update(answered_at=when)
        read = PreparationRead.objects.create(appointment=appointment, content={}, content_hash="x" * 64)
        PreparationRead.objects.filter(pk=read.pk).update(read_at=when)
        Reminder.objects.bulk_create(
            [
                Reminder(
                    appointment=appointment,
                    rule=rule,
                    stage=rule.stage,
                    channel="email",
                    for_start=when,
                    send_at=when,
                    status=Reminder.Status.CANCELLED,
                )
            ]
        )
        made[name] = appointment
    # Last, so no factory trips over them: the appointments themselves at the ends.
    for name, when in dates.items():
        Appointment.objects.filter(pk=made[name].pk).update(scheduled_start=when)
    return made


def _hierarchy_links(response) -> list[str]:
    hierarchy = response.context["cl"].date_hierarchy_choices() or {}
    links = [choice["link"] for choice in hierarchy.get("choices", []) if choice.get("link")]
    return links + ([hierarchy["back"]["link"]] if hierarchy.get("back") else [])


def _filter_links(response) -> list[str]:
    cl = response.context["cl"]
    return [choice["query_string"] for spec in cl.filter_specs for choice in spec.choices(cl)]


def _get(client, base: str, link: str):
    query = urlsplit(link).query
    response = client.get(f"{base}?{query}")
    assert response.status_code in (200, 302), (base, query, response.status_code)
    if response.status_code == 302:
        assert urlsplit(response["Location"]).query.endswith("e=1"), (base, query)  # the admin's error flag
        return None
    return response


def test_every_admin_with_a_date_hierarchy_is_crawled_below():
    assert len(HIERARCHY_MODELS) >= 8  # appointments, reminders, results, what patients send, the waiting list, ...
    for model in HIERARCHY_MODELS:
        assert isinstance(admin.site._registry[model], SafeDateHierarchy), model


# One test per changelist, so the crawl spreads over the test workers.
HIERARCHY_MODELS = [model for model, _admin in hierarchy_admins()]


@pytest.mark.parametrize("model", HIERARCHY_MODELS, ids=lambda m: m._meta.model_name)
def test_the_admin_changelists_survive_year_9999_rows(admin_client, rows_at_the_ends, model):
    """Every date hierarchy link, followed down to the day, and the calendar's ends typed in; every filter choice,
    on the whole list and within the last day of the calendar."""
    model_admin = admin.site._registry[model]
    base, field = changelist(model), model_admin.date_hierarchy
    top = admin_client.get(base)
    assert top.status_code == 200, model
    assert top.context["cl"].result_count == model.objects.count(), model  # every row is listed
    parts = ("year", "month", "day")
    typed = [
        "?" + "&".join(f"{field}__{n}={v}" for n, v in zip(parts, p, strict=False) if v is not None)
        for p in DRILL_DOWNS
    ]
    seen, to_visit = {""}, _hierarchy_links(top) + typed
    while to_visit:
        link = to_visit.pop()
        if urlsplit(link).query in seen:
            continue
        seen.add(urlsplit(link).query)
        if response := _get(admin_client, base, link):
            to_visit += _hierarchy_links(response)
    last_day = _get(admin_client, base, typed[2])
    for link in _filter_links(top) + _filter_links(last_day):
        _get(admin_client, base, link)
    assert len(seen) > 1 + len(typed)  # the calendar's own links were followed, not only the typed ends


@pytest.mark.parametrize("model", [Appointment, Reminder, ProcedureResult, PatientRequest])
def test_drilling_into_the_last_year_month_and_day_finds_the_rows_there(admin_client, rows_at_the_ends, model):
    field = admin.site._registry[model].date_hierarchy
    at_the_end = {
        Appointment: {"pk__in": [rows_at_the_ends["last"].pk, rows_at_the_ends["last_instant"].pk]},
    }.get(model, {f"{field}__gte": LAST})
    expected = set(model.objects.filter(**at_the_end).values_list("pk", flat=True))
    assert len(expected) == 2
    for query in ("year=9999", "year=9999&{f}__month=12", "year=9999&{f}__month=12&{f}__day=31"):
        response = admin_client.get(f"{changelist(model)}?{field}__{query.format(f=field)}")
        assert response.status_code == 200, query
        assert {row.pk for row in response.context["cl"].result_list} == expected, query


def test_an_ordinary_year_still_drills_down_to_its_day(admin_client, rows_at_the_ends):
    base = changelist(Appointment)
    ordinary = rows_at_the_ends["ordinary"]
    response = admin_client.get(base, {"scheduled_start__year": 2030, "scheduled_start__month": 6})
    assert [row.pk for row in response.context["cl"].result_list] == [ordinary.pk]
    titles = [choice["title"] for choice in response.context["cl"].date_hierarchy_choices()["choices"]]
    assert titles == ["5 June"]
    # The ends are listed but not offered: the only year left is 2030, so Django opens it at its one month.
    offered = admin_client.get(base).context["cl"].date_hierarchy_choices()["choices"]
    assert [choice["title"] for choice in offered] == ["5 June"]


def test_period_bounds_never_leave_the_calendar(settings):
    settings.TIME_ZONE = "Asia/Tokyo"  # ahead of UTC (9:18:59 by local mean time): year 1 starts before the calendar
    tokyo_lmt = timedelta(hours=9, minutes=18, seconds=59)
    assert period_bounds("1", None, None, aware=True) == (
        None,
        datetime(1, 12, 31, tzinfo=UTC) + timedelta(1) - tokyo_lmt,
    )
    assert period_bounds("9999", "12", "31", aware=True) == (datetime(9999, 12, 30, 15, tzinfo=UTC), None)
    assert period_bounds("9999", None, None, aware=False)[1] is None
    with pytest.raises(IncorrectLookupParameters):
        period_bounds("2030", "2", "30", aware=True)


@pytest.mark.parametrize(
    "year, month, day",
    [
        ("9223372036854775807", None, None),
        ("2030", "9223372036854775807", None),
        ("2030", "6", "9223372036854775807"),
        ("-9223372036854775809", "1", "1"),
        ("9" * 5000, None, None),
        ("twenty", None, None),
    ],
)
def test_a_period_past_any_date_is_a_bad_lookup_not_an_overflow(year, month, day):
    for aware in (True, False):
        with pytest.raises(IncorrectLookupParameters):
            period_bounds(year, month, day, aware=aware)
