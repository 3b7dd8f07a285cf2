"""The reports (/reports/): every figure against a small hand-made data set with known answers, the role rule
(schedulers get no result data, in the page, the charts or the CSVs), CSV escaping, the period form and caching.

The data: May 2030 (the clock is frozen at Wednesday 5 June 2030), one room, one radiologist.
  A1 Mon 6 May   completed, was confirmed, booked 1 hour before        result: performed, 40 min, expected 45
  A2 Tue 7 May   completed, booked 2 days before                       result: performed, 50 min, expected 45
  A3 Wed 8 May   did not attend, read the preparation, 12 days before
  A4 Thu 9 May   cancelled 22 h before (late), the patient asked, opted out of reminders, 5 days before
  A5 Tue 14 May  cancelled 13 days before (early), unwell, 43 days before
  A6 Wed 15 May  cancelled 1 h before (late), no reason code, booked exactly 2 days before
  A11 Tue 21 May completed, 30 min booked, booked on 1 February        result: performed, 60 min, expected 30
  A12 Wed 22 May completed, booked 21 days before                      result: cannulation failed, pain
Outside the period: one on Tue 30 April and one on Thu 6 June.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from procedures.models import Appointment, PreparationRead, ProcedureResult
from procedures.reports import catalogue, queries, result_queries
from procedures.reports.period import Filters, preset_span
from procedures.reports.sql import percentile_of
from procedures.reports.tables import Table
from reminders.models import Reminder
from tests.clinic import TODAY, at
from tests.factories import AppointmentFactory, PatientFactory, ProcedureResultFactory, reminder_rule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

Status = Appointment.Status
MAY = Filters("custom", TODAY.replace(month=5, day=1), TODAY.replace(month=5, day=31))


def day(n: int, month: int = 5):
    return at(TODAY.replace(month=month, day=n), "10:00")


@pytest.fixture
def clinic(room, room2, radiologist, settings):
    settings.CLINIC_OPENING_HOURS = "Mon-Fri 08:00-18:00"

    def make(start, status, *, created, changed=None, reason="", minutes=45, patient=None):
        appointment = AppointmentFactory(
            room=room,
            radiologist=radiologist,
            scheduled_start=start,
            expected_duration=minutes,
            status=status,
            cancel_reason_code=reason,
            cancellation_reason="Cancelled" if status == Status.CANCELLED else "",
            status_changed_at=changed or start,
            patient=patient or PatientFactory(),
        )
        Appointment.objects.filter(pk=appointment.pk).update(created_at=created)
        return appointment

    a1 = make(day(6), Status.CONFIRMED, created=day(6) - timedelta(hours=1))
    a1.status = Status.COMPLETED
    a1.save()  # its history keeps the confirmation
    a2 = make(day(7), Status.COMPLETED, created=day(5))
    a3 = make(day(8), Status.NO_SHOW, created=day(26, 4))
    PreparationRead.objects.create(appointment=a3, content={}, content_hash="x")
    opted_out = PatientFactory(reminders_opt_out_at=day(1))
    a4 = make(day(9), Status.CANCELLED, created=day(4), changed=at(TODAY.replace(month=5, day=8), "12:00"),
              reason="patient_request", patient=opted_out)  # fmt: skip
    a5 = make(day(14), Status.CANCELLED, created=day(1, 4), changed=day(1), reason="unwell")
    a6 = make(day(15), Status.CANCELLED, created=day(13), changed=day(15) - timedelta(hours=1))
    a11 = make(day(21), Status.COMPLETED, created=day(1, 2), minutes=30)
    a12 = make(day(22), Status.COMPLETED, created=day(1))
    make(day(30, 4), Status.COMPLETED, created=day(1, 4))
    make(day(6, 6), Status.BOOKED, created=day(1))

    def result(appointment, minutes, **details):
        started = appointment.scheduled_start + timedelta(minutes=5)
        return ProcedureResultFactory(
            appointment=appointment, started_at=started, ended_at=started + timedelta(minutes=minutes), **details
        )

    result(a1, 40)
    result(a2, 50, findings=["normal"])
    result(a11, 60, birads="2", findings=["ductal_ectasia", "filling_defect"])
    ProcedureResultFactory(
        appointment=a12,
        outcome=ProcedureResult.Outcome.CANNULATION_FAILED,
        started_at=None,
        ended_at=None,
        duct_cannulated=False,
        complications=ProcedureResult.Complication.PAIN,
        findings=[],
    )
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5, "a6": a6, "a11": a11, "a12": a12}


def rows(table: Table) -> dict:
    return {row[0]: row[1:] for row in table.rows}


def test_appointments_per_week_by_what_became_of_them(clinic):
    table = queries.weekly(MAY)
    assert table.columns[:4] == ["Week", "Completed", "Did not attend", "Cancelled: The patient asked"]
    by_week = {row[0]: dict(zip(table.columns[1:], row[1:], strict=True)) for row in table.rows}
    assert list(by_week) == ["2030-04-29", "2030-05-06", "2030-05-13", "2030-05-20", "2030-05-27"]
    assert sum(by_week["2030-04-29"].values()) == 0  # 30 April is before the period
    first = by_week["2030-05-06"]
    assert (first["Completed"], first["Did not attend"], first["Cancelled: The patient asked"]) == (2, 1, 1)
    assert sum(first.values()) == 4
    second = by_week["2030-05-13"]
    assert second["Cancelled: Unwell or infection"] == 1 and second["Cancelled: No reason recorded"] == 1
    assert sum(second.values()) == 2
    assert by_week["2030-05-20"]["Completed"] == 2 and sum(by_week["2030-05-27"].values()) == 0


def test_did_not_attend_and_late_cancellation_rates_by_month(clinic):
    # Due: 8 in May less A5 (cancelled 13 days ahead) = 7; one did not attend; A4 and A6 cancelled late.
    assert rows(queries.attendance(MAY)) == {"2030-05": [7, 1, 14.3, 2, 28.6]}


def test_rates_split_by_what_the_patient_did_with_the_reminders(clinic):
    assert rows(queries.engagement(MAY)) == {
        "Confirmed attendance": [1, 0, 0.0, 0, 0.0],
        "Did not confirm": [6, 1, 16.7, 2, 33.3],
        "Read the preparation": [1, 1, 100.0, 0, 0.0],
        "Did not read the preparation": [6, 0, 0.0, 2, 33.3],
        "Had opted out of reminders": [1, 0, 0.0, 1, 100.0],
        "Had not opted out": [6, 1, 16.7, 1, 16.7],
    }


def test_a_month_with_nothing_due_has_no_rate(room):
    june = Filters("custom", TODAY.replace(day=20), TODAY.replace(day=30))
    assert rows(queries.attendance(june)) == {"2030-06": [0, 0, None, 0, None]}


@pytest.fixture
def reminders(clinic):
    confirmation, day_before = reminder_rule("booking_confirmation"), reminder_rule("day_before")
    a1, a2 = clinic["a1"], clinic["a2"]

    def make(appointment, rule, channel, status, n, **details):
        send_at = appointment.scheduled_start - timedelta(days=1)
        return Reminder.objects.create(appointment=appointment, rule=rule, stage=rule.stage, channel=channel,
                                       for_start=appointment.scheduled_start, occasion=str(n), send_at=send_at,
                                       status=status, **details)  # fmt: skip

    for n, delay in enumerate([0, 10, 20, 30, 40]):
        reminder = make(a1, confirmation, "email", "sent", n, sent_at=a1.scheduled_start)
        Reminder.objects.filter(pk=reminder.pk).update(sent_at=reminder.send_at + timedelta(minutes=delay))
    make(a2, day_before, "sms", "failed", 1, last_error="Provider said no")
    make(a2, day_before, "sms", "failed", 2, last_error="Provider said no")
    make(a2, day_before, "sms", "skipped", 3, last_error='=HYPERLINK("http://evil")')
    make(a2, day_before, "sms", "pending", 4)


def test_reminders_per_channel_and_stage_with_minutes_from_due_to_sent(reminders):
    table = queries.reminders(MAY)
    assert table.rows == [
        ["Email", "Booking confirmation", 5, 0, 0, 0, 0, 20.0, 36.0],  # p90 of 0..40: 30 + 0.6 x 10
        ["SMS", "The day before", 0, 2, 1, 1, 0, None, None],
    ]
    assert percentile_of([0, 10, 20, 30, 40], 0.9) == 36.0


def test_why_reminders_failed_or_were_skipped(reminders):
    assert queries.reminder_reasons(MAY).rows == [
        ["SMS", "Failed", "Provider said no", 2],
        ["SMS", "Skipped", '=HYPERLINK("http://evil")', 1],
    ]


def test_expected_against_actual_duration_and_overrun_rate(clinic, radiologist):
    # Performed: 40 (45 booked), 50 (45 booked, overran), 60 (30 booked, overran); the failed one has no times.
    figures = [3, 45.0, 42.0, 50.0, 58.0, 2, 66.7]
    assert result_queries.durations(MAY).rows == [
        ["Procedure type", "Ductogram", *figures],
        ["Radiologist", "Adaeze Okafor", *figures],
    ]


def test_results_without_a_booked_radiologist_are_grouped_apart(clinic):
    Appointment.objects.filter(pk=clinic["a2"].pk).update(radiologist=None)
    table = result_queries.durations(MAY)
    assert [row[:3] for row in table.rows] == [
        ["Procedure type", "Ductogram", 3],
        ["Radiologist", "Adaeze Okafor", 2],
        ["Radiologist", "No radiologist booked", 1],
    ]


def test_booking_lead_time_distribution_and_median(clinic):
    table = queries.lead_time(MAY)
    assert rows(table) == {
        "Under 1 day": [1, 12.5],
        "1–2 days": [2, 25.0],
        "3–7 days": [1, 12.5],
        "8–14 days": [1, 12.5],
        "15–28 days": [1, 12.5],
        "29–56 days": [1, 12.5],
        "57 days or more": [1, 12.5],
    }
    # Lead days sorted: 0.04, 2, 2, 5, 12, 21, 43, 108.96 (1 Feb 10:00 GMT to 21 May 10:00 BST).
    assert dict(table.summary) == {"Median lead time (days)": 8.5, "90th percentile lead time (days)": 62.8}


def test_room_utilisation_is_booked_minutes_of_live_appointments_over_open_minutes(clinic):
    # Live in May: A1 45 + A2 45 + A11 30 + A12 45 = 165 minutes; open: 23 weekdays x 600 minutes.
    assert rows(queries.utilisation(MAY)) == {"Mammo Room 1": [165, 13800, 1.2], "Mammo Room 2": [0, 13800, 0.0]}


def test_outcomes_complications_birads_and_findings(clinic):
    table = result_queries.results(MAY)
    counts = {(section, label): n for section, label, n in table.rows}
    assert counts[("Outcome", "Performed")] == 3
    assert counts[("Outcome", "Not performed: cannulation failed")] == 1
    assert counts[("Outcome", "Not performed: no discharge on the day")] == 0
    assert counts[("Complications", "None")] == 3 and counts[("Complications", "Pain")] == 1
    assert counts[("BI-RADS", "4A - Low suspicion")] == 3 and counts[("BI-RADS", "2 - Benign")] == 1
    assert counts[("Findings", "Filling defect")] == 2
    assert counts[("Findings", "Normal")] == 1 and counts[("Findings", "Ductal ectasia")] == 1
    assert counts[("Findings", "Other")] == 0


def test_room_and_radiologist_filters(clinic, room2):
    AppointmentFactory(room=room2, scheduled_start=day(20), status=Status.COMPLETED, expected_duration=60)
    in_room2 = Filters("custom", MAY.first, MAY.last, room_id=room2.pk)
    assert rows(queries.attendance(in_room2)) == {"2030-05": [1, 0, 0.0, 0, 0.0]}
    assert rows(queries.utilisation(in_room2)) == {"Mammo Room 2": [60, 13800, 0.4]}
    nobody = Filters("custom", MAY.first, MAY.last, radiologist_id=clinic["a1"].radiologist_id + 1000)
    assert rows(queries.attendance(nobody)) == {"2030-05": [0, 0, None, 0, None]}


# The page, the charts, the CSVs, and who sees what.

MAY_QUERY = "period=custom&from=2030-05-01&to=2030-05-31"
RESULT_WORDS = ["BI-RADS", "Overran", "Expected against actual", "Filling defect", "cannulation failed", "Pain"]


def test_the_page_shows_every_chart_as_an_image_with_its_table_and_csv(clinic, as_radiologist):
    response = as_radiologist.get(f"/reports/?{MAY_QUERY}")
    assert response.status_code == 200
    html = response.content.decode()
    for chart in catalogue.CHARTS:
        assert f'src="/reports/charts/{chart.slug}.svg?{MAY_QUERY.replace("&", "&amp;")}"' in html
        assert f'href="/reports/data/{chart.slug}.csv?{MAY_QUERY.replace("&", "&amp;")}"' in html
    assert '<th scope="col">Did-not-attend rate (%)</th>' in html and "<caption>" in html
    assert "less than 48 hours before the start" in html  # the definition of a late cancellation
    assert " style=" not in html
    for word in RESULT_WORDS:
        assert word in html


def test_each_chart_is_an_svg_image(clinic, as_radiologist):
    for chart in catalogue.CHARTS:
        response = as_radiologist.get(f"/reports/charts/{chart.slug}.svg?{MAY_QUERY}")
        assert response.status_code == 200, chart.slug
        assert response["Content-Type"] == "image/svg+xml"
        assert response.content.lstrip().startswith(b"<?xml") and b"<svg" in response.content


def test_a_scheduler_sees_no_result_data_in_the_page_the_charts_or_the_csvs(clinic, as_scheduler):
    html = as_scheduler.get(f"/reports/?{MAY_QUERY}").content.decode()
    for word in RESULT_WORDS:
        assert word not in html
    for slug in ("durations", "results"):
        assert as_scheduler.get(f"/reports/charts/{slug}.svg?{MAY_QUERY}").status_code == 404
        assert as_scheduler.get(f"/reports/data/{slug}.csv?{MAY_QUERY}").status_code == 404
    for slug in [c.slug for c in catalogue.CHARTS if not c.results_only]:
        svg = as_scheduler.get(f"/reports/charts/{slug}.svg?{MAY_QUERY}").content.decode()
        data = as_scheduler.get(f"/reports/data/{slug}.csv?{MAY_QUERY}").content.decode()
        for word in RESULT_WORDS:
            assert word not in svg and word not in data, (slug, word)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get("/reports/").status_code == 302
    assert client.get("/reports/charts/weekly.svg").status_code == 302


def test_a_csv_holds_the_tables_numbers_with_formulas_escaped(reminders, as_scheduler):
    response = as_scheduler.get(f"/reports/data/reminder-reasons.csv?{MAY_QUERY}")
    assert response["Content-Type"].startswith("text/csv")
    assert "reminder-reasons-2030-05-01-to-2030-05-31.csv" in response["Content-Disposition"]
    assert response.content.decode().splitlines() == [
        "Channel,Outcome,Reason,Reminders",
        "SMS,Failed,Provider said no,2",
        'SMS,Skipped,"\'=HYPERLINK(""http://evil"")",1',
    ]
    lead = as_scheduler.get(f"/reports/data/lead-time.csv?{MAY_QUERY}").content.decode()
    assert "Median lead time (days),8.5" in lead


@pytest.mark.parametrize(
    ("value", "shown"),
    [("=1+2", "'=1+2"), ("+44", "'+44"), ("-3", "'-3"), ("@SUM", "'@SUM"), ("\tx", "'\tx"), ("\rx", "'\rx"),
     ("plain", "plain"), (None, ""), (12, "12"), (-1.5, "'-1.5")],
)  # fmt: skip
def test_csv_cells_that_a_spreadsheet_would_read_as_formulas_get_a_quote(value, shown):
    table = Table(caption="t", columns=["Room"], rows=[[value]], summary=[("Note", value)])
    header, row, _, summary = list(csv.reader(io.StringIO(table.to_csv(), newline="")))
    assert (header, row, summary) == (["Room"], [shown], ["Note", shown])


def test_the_periods():
    assert preset_span("this_month", TODAY) == (TODAY.replace(day=1), TODAY.replace(day=30))
    assert preset_span("last_month", TODAY) == (TODAY.replace(month=5, day=1), TODAY.replace(month=5, day=31))
    assert preset_span("this_quarter", TODAY) == (TODAY.replace(month=4, day=1), TODAY.replace(month=6, day=30))
    assert preset_span("last_month", TODAY.replace(month=1, day=15)) == (
        TODAY.replace(year=2029, month=12, day=1),
        TODAY.replace(year=2029, month=12, day=31),
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=custom&from=2030-05-31&to=2030-05-01", None),
        ("period=custom&from=nonsense", "From"),
        ("period=custom&from=2020-01-01&to=2030-01-01", None),
        ("period=weekly", "Period"),
        ("room=999999", "Room"),
        ("radiologist=abc", "Radiologist"),
    ],
)
def test_filters_that_cannot_be_used_show_this_month_and_say_why(query, field, as_scheduler):
    response = as_scheduler.get(f"/reports/?{query}")
    assert response.status_code == 200
    assert response.context["filters"] == Filters("this_month", TODAY.replace(day=1), TODAY.replace(day=30))
    problem = response.content.decode().split('id="filter-problem"')[1].split("</div>")[0]
    reasons = [error for errors in response.context["form"].errors.values() for error in errors]
    assert reasons and all(escape(reason) in problem for reason in reasons), "each reason is in the banner"
    if field:
        assert f"<li>{field}: " in problem


def test_figures_are_cached_per_period_filters_and_role(clinic, as_scheduler, radiologist):
    as_scheduler.get(f"/reports/?{MAY_QUERY}")
    as_scheduler.get(f"/reports/charts/weekly.svg?{MAY_QUERY}")
    with CaptureQueriesContext(connection) as queries_run:  # the session, the user, the form's choices only
        assert as_scheduler.get(f"/reports/?{MAY_QUERY}").status_code == 200
        assert as_scheduler.get(f"/reports/charts/weekly.svg?{MAY_QUERY}").status_code == 200
    assert not [q["sql"] for q in queries_run if "procedures_appointment" in q["sql"] or "reminder" in q["sql"]]
    table = catalogue.table(catalogue.BY_SLUG["attendance"], MAY, radiologist)
    AppointmentFactory(scheduled_start=day(28), status=Status.NO_SHOW)
    assert catalogue.table(catalogue.BY_SLUG["attendance"], MAY, radiologist).rows == table.rows  # still cached
    weekly = catalogue.BY_SLUG["weekly"]
    in_room = Filters("custom", MAY.first, MAY.last, room_id=clinic["a1"].room_id)
    keys = {
        catalogue.cache_key(weekly, MAY, radiologist, "table"),
        catalogue.cache_key(weekly, in_room, radiologist, "table"),
        catalogue.cache_key(weekly, MAY, clinic["a1"].created_by or as_scheduler_user(as_scheduler), "table"),
    }
    assert len(keys) == 3


def as_scheduler_user(client):
    from django.contrib.auth import get_user

    return get_user(client)


def test_a_long_period_still_draws(as_scheduler):
    response = as_scheduler.get("/reports/charts/weekly.svg?period=custom&from=2028-01-01&to=2030-06-30")
    assert response.status_code == 200 and b"<svg" in response.content
