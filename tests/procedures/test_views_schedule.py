"""The schedule as the scheduling desk and the nurses use it: a day by room and time, a week, the printed list."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procedures.clinic_time import clinic_datetime, day_bounds
from procedures.models import Appointment
from procedures.patient_page import services as patient_services
from procedures.schedule import ROW_MINUTES, bookings_between, build_day, day_schedule
from procedures.services import confirm_attendance
from tests.clinic import FRIDAY, LONDON, MONDAY, SATURDAY, THURSDAY, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory, RadiologistFactory, RoomFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

DAY_URL = reverse("procedures:day")
ALL_CLEAR = {"discharge_present": "yes", "pregnant": "no", "contrast_allergy": "no", "infection": "no"}
ALL_CLEAR |= {"blood_thinners": "no"}


def day_page(client, day: date):
    response = client.get(DAY_URL, {"date": day.isoformat()})
    assert response.status_code == 200
    return response


def test_today_is_the_home_page_and_shows_the_bookings_in_their_rooms(as_scheduler, room1, room2):
    AppointmentFactory(
        patient=PatientFactory(given_name="Amelia", family_name="Hughes", mrn="RX100001"),
        room=room1,
        scheduled_start=at(TODAY, "14:00"),
    )
    AppointmentFactory(
        patient=PatientFactory(given_name="Priya", family_name="Shah", mrn="RX100002"),
        room=room2,
        scheduled_start=at(TODAY, "15:30"),
        status=Appointment.Status.CONFIRMED,
    )
    page = as_scheduler.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Wednesday 5 June 2030" in html
    for text in ("Amelia Hughes", "RX100001", "Priya Shah", "RX100002", "Mammo Room 1", "Mammo Room 2"):
        assert text in html
    blocks = {b.appointment.patient.mrn: b for b in page.context["schedule"].blocks}
    assert blocks["RX100001"].column == 2 and blocks["RX100002"].column == 3
    assert html.count("Not confirmed</span>") == 1 and html.count("Confirmed&nbsp;✓</span>") == 1


def test_a_booking_is_a_block_as_long_as_its_expected_duration(as_scheduler, room1):
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "09:30"), expected_duration=45)
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "10:15"), expected_duration=60)
    page = day_page(as_scheduler, THURSDAY)
    first, second = page.context["schedule"].blocks
    # The grid starts at opening time, 08:00, one row per five minutes.
    assert (first.row, first.span) == (90 // ROW_MINUTES + 1, 45 // ROW_MINUTES)
    assert (second.row, second.span) == (135 // ROW_MINUTES + 1, 60 // ROW_MINUTES)
    assert second.row == first.row + first.span  # back to back, no gap and no overlap
    html = page.content.decode()
    assert 'data-grid-row="20" data-grid-span="9"' in html  # header row + 18 rows before 09:30


def test_the_block_shows_status_side_radiologist_and_a_patient_no_reminder_can_reach(as_scheduler, room1):
    AppointmentFactory(
        patient=PatientFactory(given_name="Helen", family_name="Baker", email="", mobile=""),
        room=room1,
        radiologist=RadiologistFactory(first_name="Maria", last_name="Lindqvist"),
        scheduled_start=at(THURSDAY, "11:00"),
        laterality=Appointment.Laterality.RIGHT,
    )
    html = day_page(as_scheduler, THURSDAY).content.decode()
    assert "Helen Baker" in html and "Right" in html and "Maria Lindqvist" in html
    assert "No reminders" in html


def test_the_whole_card_opens_the_appointment_where_check_in_and_did_not_attend_are(as_scheduler, room1):
    booked = AppointmentFactory(
        patient=PatientFactory(given_name="Amelia", family_name="Hughes"),
        room=room1,
        scheduled_start=at(TODAY, "11:30"),
    )
    html = as_scheduler.get("/").content.decode()
    card = html.split('class="booking status-booked"')[1].split("</div>")[0]
    links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', card, re.S)
    assert [href for href, _ in links] == [reverse("procedures:appointment", args=[booked.pk])]
    assert "Amelia Hughes" in links[0][1] and "11:30" in links[0][1]  # the name opens the appointment too
    week = as_scheduler.get(reverse("procedures:week")).content.decode()
    week_card = week.split('class="week-booking status-booked"')[1].split("</div>")[0]
    assert re.findall(r'href="([^"]+)"', week_card) == [reverse("procedures:appointment", args=[booked.pk])]
    opened = as_scheduler.get(reverse("procedures:appointment", args=[booked.pk])).content.decode()
    assert reverse("procedures:check-in", args=[booked.pk]) in opened
    assert reverse("procedures:no-show", args=[booked.pk]) in opened


def test_today_has_a_now_line_at_the_current_five_minutes_and_other_days_none(as_scheduler, room1):
    # "Now" is 12:00 on Wednesday; the grid starts at 08:00 with a header row.
    schedule = as_scheduler.get("/").context["schedule"]
    assert schedule.now_row == 240 // ROW_MINUTES + 1
    html = as_scheduler.get("/").content.decode()
    assert f'id="now-line" data-grid-row="{schedule.now_row + 1}"' in html
    assert "Now 12:00" in html
    assert 'id="now-line"' not in day_page(as_scheduler, THURSDAY).content.decode()


def test_no_now_line_before_the_grid_starts_or_after_it_ends(room1):
    def now_row(hour: int, minute: int):
        return build_day(TODAY, rooms=[room1], appointments=[], now=clinic_datetime(TODAY, time(hour, minute))).now_row

    last_row = 10 * 60 // ROW_MINUTES  # 08:00 to 18:00
    assert (now_row(6, 30), now_row(8, 0), now_row(17, 59), now_row(18, 0)) == (None, 1, last_row, None)


def test_an_open_day_with_no_bookings_says_so_and_offers_its_free_times(as_scheduler, room1):
    page = day_page(as_scheduler, THURSDAY)
    html = page.content.decode()
    assert "No bookings on this day yet." in html
    cells = page.context["schedule"].free_cells
    assert len(cells) == 40  # 08:00 to 17:45, every quarter hour
    assert f'href="/appointments/new/?room={room1.pk}&amp;start=2030-06-06T08:00"' in html


def test_a_closed_day_says_the_clinic_is_closed(as_scheduler, room1):
    page = day_page(as_scheduler, SATURDAY)
    assert "The clinic is closed on Saturdays" in page.content.decode()
    assert page.context["schedule"].blocks == []


def test_past_times_and_booked_times_are_not_offered_as_free(as_scheduler, room1, room2):
    AppointmentFactory(room=room1, scheduled_start=at(TODAY, "14:00"), expected_duration=50)
    cells = day_page(as_scheduler, TODAY).context["schedule"].free_cells
    room1_starts = {timezone.localtime(c.start).strftime("%H:%M") for c in cells if c.room == room1}
    assert "11:45" not in room1_starts and "12:00" not in room1_starts  # now is 12:00
    assert "12:15" in room1_starts
    assert {"14:00", "14:15", "14:30", "14:45"}.isdisjoint(room1_starts)  # 14:00-14:50 covers part of 14:45
    assert "15:00" in room1_starts
    assert "14:00" in {timezone.localtime(c.start).strftime("%H:%M") for c in cells if c.room == room2}


def test_cancelled_and_missed_appointments_are_listed_below_not_drawn(as_scheduler, room1):
    AppointmentFactory(
        patient=PatientFactory(given_name="Grace", family_name="O'Neill"),
        room=room1,
        scheduled_start=at(THURSDAY, "09:00"),
        status=Appointment.Status.CANCELLED,
        cancellation_reason="Patient unwell",
        cancel_reason_code=Appointment.CancelReason.UNWELL,
    )
    page = day_page(as_scheduler, THURSDAY)
    assert page.context["schedule"].blocks == []
    html = page.content.decode()
    # The schedule's own rows (not Appointments) give the reason as the other pages do: the label, then the words.
    assert "Cancelled or did not attend" in html and "Unwell or infection: Patient unwell" in html
    assert "09:00" in {timezone.localtime(c.start).strftime("%H:%M") for c in page.context["schedule"].free_cells}


def test_previous_and_next_skip_the_weekend_and_today_comes_back(as_scheduler, room1):
    html = day_page(as_scheduler, FRIDAY).content.decode()
    assert f'href="{DAY_URL}?date=2030-06-10" rel="next"' in html  # Friday -> Monday
    html = day_page(as_scheduler, MONDAY).content.decode()
    assert f'href="{DAY_URL}?date=2030-06-07" rel="prev"' in html  # Monday -> Friday
    assert f'href="{DAY_URL}">Today</a>' in html


def test_a_date_that_is_not_a_date_shows_today_and_says_why(as_scheduler, room1):
    page = as_scheduler.get(DAY_URL, {"date": "2030-02-30"})
    assert page.status_code == 200
    assert page.context["day"] == TODAY
    assert "is not a date" in page.content.decode()


def test_only_bookings_of_that_clinic_day_appear_at_the_edges_of_local_midnight(as_scheduler, room1):
    # 23:30 London time on Thursday is 22:30 UTC: it belongs to Thursday, not Friday.
    late = AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "23:30"), expected_duration=30)
    early = AppointmentFactory(room=room1, scheduled_start=at(FRIDAY, "00:15"), expected_duration=30)
    thursday = [b.appointment.pk for b in day_page(as_scheduler, THURSDAY).context["schedule"].blocks]
    friday = [b.appointment.pk for b in day_page(as_scheduler, FRIDAY).context["schedule"].blocks]
    assert thursday == [late.pk] and friday == [early.pk]
    # The grid widens past clinic hours so the odd booking is still drawn.
    schedule = day_schedule(THURSDAY)
    assert timezone.localtime(schedule.grid_start).strftime("%H:%M") == "08:00"
    assert schedule.blocks[0].row + schedule.blocks[0].span - 1 == schedule.row_count


def test_the_day_view_runs_the_same_queries_for_one_booking_or_forty(as_scheduler, django_assert_max_num_queries):
    rooms = [RoomFactory(name=f"Room {n}") for n in range(1, 5)]
    radiologists = [RadiologistFactory() for _ in rooms]
    AppointmentFactory(room=rooms[0], scheduled_start=at(THURSDAY, "08:00"))
    with django_assert_max_num_queries(8) as few:
        day_page(as_scheduler, THURSDAY)
    for i in range(1, 40):
        room = rooms[i % 4]
        AppointmentFactory(
            room=room,
            radiologist=radiologists[i % 4],
            scheduled_start=at(THURSDAY, "08:00") + timedelta(minutes=45 * (i // 4)),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = day_page(as_scheduler, THURSDAY)
    assert len(page.context["schedule"].blocks) == 40


def test_the_week_shows_each_weekday_with_its_bookings(as_scheduler, room1):
    AppointmentFactory(
        patient=PatientFactory(given_name="Fatima", family_name="Begum", mrn="RX200001"),
        room=room1,
        scheduled_start=at(THURSDAY, "10:00"),
    )
    page = as_scheduler.get(reverse("procedures:week"), {"date": FRIDAY.isoformat()})
    assert page.status_code == 200
    days = page.context["days"]
    assert [d.day.weekday() for d in days] == [0, 1, 2, 3, 4]  # no weekend: closed and empty
    assert [len(d.live) for d in days] == [0, 0, 0, 1, 0]
    html = page.content.decode()
    assert "Week of 3 June – 9 June 2030" in html
    assert "Fatima Begum" in html and "RX200001" in html
    assert html.count("No bookings.") == 4
    assert f'href="{reverse("procedures:week")}?date=2030-06-10" rel="next"' in html


def test_a_weekend_booking_shows_its_day_in_the_week(as_scheduler, room1):
    AppointmentFactory(room=room1, scheduled_start=at(SATURDAY, "10:00"))
    days = as_scheduler.get(reverse("procedures:week")).context["days"]
    assert [d.day for d in days][-1] == SATURDAY


def test_the_week_view_runs_the_same_queries_for_one_booking_or_forty(as_scheduler, django_assert_max_num_queries):
    rooms = [RoomFactory(name=f"Room {n}") for n in range(1, 5)]
    AppointmentFactory(room=rooms[0], scheduled_start=at(MONDAY, "08:00"))
    url = reverse("procedures:week")
    with django_assert_max_num_queries(8) as few:
        assert as_scheduler.get(url, {"date": MONDAY.isoformat()}).status_code == 200
    for i in range(1, 40):
        day = MONDAY + timedelta(days=i % 5)
        AppointmentFactory(room=rooms[i % 4], scheduled_start=at(day, "08:00") + timedelta(minutes=45 * (i // 20)))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = as_scheduler.get(url, {"date": MONDAY.isoformat()})
    assert sum(len(d.live) for d in page.context["days"]) == 40


def test_the_printable_list_has_every_live_booking_by_room_then_time(as_scheduler, room1, room2):
    AppointmentFactory(
        patient=PatientFactory(given_name="Chloe", family_name="Martin", date_of_birth=date(1987, 9, 9)),
        room=room2,
        scheduled_start=at(THURSDAY, "09:00"),
        notes="Needs a chaperone",
    )
    AppointmentFactory(patient=PatientFactory(family_name="Later"), room=room1, scheduled_start=at(THURSDAY, "11:00"))
    AppointmentFactory(patient=PatientFactory(family_name="Earlier"), room=room1, scheduled_start=at(THURSDAY, "08:00"))
    AppointmentFactory(
        patient=PatientFactory(family_name="Cancelled"),
        room=room1,
        scheduled_start=at(THURSDAY, "10:00"),
        status=Appointment.Status.CANCELLED,
        cancellation_reason="Unwell",
    )
    page = as_scheduler.get(reverse("procedures:day-print"), {"date": THURSDAY.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("EARLIER") < html.index("LATER") < html.index("MARTIN")
    assert "CANCELLED" not in html
    assert "09/09/1987" in html and "Needs a chaperone" in html
    assert "data-print>Print</button>" in html and "js/print.js" in html


def printed_rows(client, day: date) -> dict[str, str]:
    """The printed list's rows by the patient's family name (as printed, in capitals)."""
    html = client.get(reverse("procedures:day-print"), {"date": day.isoformat()}).content.decode()
    rows = html.split("<tr>")[1:]
    return {
        re.search(r'class="print-patient"[^>]*>([^,]+),', row).group(1): row for row in rows if "print-patient" in row
    }


def cells(row: str) -> list[str]:
    """The row's cells as text, tags and spacing taken out."""
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_the_printed_list_says_what_the_desk_needs_flags_phones_confirmed_and_read(as_scheduler, room1):
    """Thursday, from Wednesday noon: one patient confirmed, read the preparation and flagged a contrast allergy;
    one did none of it and has no number on file; one answered with nothing to flag and has come in."""
    ready = AppointmentFactory(
        room=room1,
        scheduled_start=at(THURSDAY, "09:00"),
        patient=PatientFactory(family_name="Ready", mobile="+447911000123", phone="+442079460018"),
    )
    confirm_attendance(ready)
    content = patient_services.preparation_content(ready.procedure_type)
    patient_services.record_preparation_read(ready, seen_hash=patient_services.content_hash(content))
    patient_services.answer_safety_questions(ready, **{**ALL_CLEAR, "contrast_allergy": "yes"})
    AppointmentFactory(
        room=room1, scheduled_start=at(THURSDAY, "10:00"), patient=PatientFactory(family_name="Silent", mobile="")
    )
    here = AppointmentFactory(
        room=room1,
        scheduled_start=at(THURSDAY, "11:00"),
        patient=PatientFactory(family_name="Here", mobile="+447911000456"),
    )
    patient_services.answer_safety_questions(here, **ALL_CLEAR)
    Appointment.objects.filter(pk=here.pk).update(status=Appointment.Status.CHECKED_IN)  # as if on the day

    rows = printed_rows(as_scheduler, THURSDAY)
    headers = ["Time", "Patient", "Phone", "Side, discharge", "Radiologist", "Confirmed"]
    headers += ["Preparation read", "Safety answers", "Notes", "Arrived"]
    html = as_scheduler.get(reverse("procedures:day-print"), {"date": THURSDAY.isoformat()}).content.decode()
    assert re.findall(r"<th[^>]*>([^<]+)</th>", html)[: len(headers)] == headers
    ready_cells, silent, here_cells = (cells(rows[name]) for name in ("READY", "SILENT", "HERE"))
    assert ready_cells[1].endswith(f"MRN {ready.patient.mrn} born {ready.patient.date_of_birth:%d/%m/%Y}")
    assert ready_cells[2] == "Mobile 07911 000123 Phone 020 7946 0018"
    assert ready_cells[5:8] == ["Yes ✓", "Yes ✓ 5 Jun", "Contrast allergy"]
    assert silent[2] == "None on file"
    assert silent[5:8] == ["No", "No: overdue", "Not answered"]  # two days before, the preparation is overdue
    assert here_cells[2] == "Mobile 07911 000456"
    assert here_cells[5:8] == ["Checked in", "No", "Safety answers ✓"]


def test_a_safety_answer_that_needs_a_call_is_printed_with_the_call(as_scheduler, room1):
    worried = AppointmentFactory(
        room=room1, scheduled_start=at(THURSDAY, "09:00"), patient=PatientFactory(family_name="Worried")
    )
    patient_services.answer_safety_questions(worried, **{**ALL_CLEAR, "pregnant": "unsure", "blood_thinners": "yes"})
    safety = cells(printed_rows(as_scheduler, THURSDAY)["WORRIED"])[7]
    assert safety == "Call patient Pregnancy: not sure Blood thinners"


def test_the_printed_list_costs_the_same_queries_however_busy_the_day(as_scheduler, room1, django_assert_num_queries):
    url, day = reverse("procedures:day-print"), {"date": THURSDAY.isoformat()}
    AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "08:00"))
    with CaptureQueriesContext(connection) as few:
        as_scheduler.get(url, day)
    for n in range(1, 12):
        answered = AppointmentFactory(room=room1, scheduled_start=at(THURSDAY, "08:00") + timedelta(minutes=45 * n))
        patient_services.answer_safety_questions(answered, **ALL_CLEAR)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(as_scheduler.get(url, day).context["lines"]) == 12


def test_the_printable_list_of_an_empty_day_says_so(as_scheduler, room1):
    page = as_scheduler.get(reverse("procedures:day-print"), {"date": THURSDAY.isoformat()})
    assert "No bookings on this day." in page.content.decode()


def test_a_radiologist_sees_the_schedule_but_is_not_offered_free_times_to_book(as_radiologist, room1):
    page = day_page(as_radiologist, THURSDAY)
    html = page.content.decode()
    assert 'class="free-slot"' not in html
    assert "Book a ductogram" not in html


# --- Clock changes: the day is laid out in real minutes, shown in clinic time. --------------------------------


def test_the_day_the_clocks_go_forward_is_23_hours_and_the_day_they_go_back_25():
    for day, hours in ((date(2031, 3, 30), 23), (date(2031, 10, 26), 25), (date(2031, 3, 31), 24)):
        start, end = day_bounds(day)
        assert timezone.localtime(start) == at(day, "00:00")
        assert timezone.localtime(end) == at(day + timedelta(days=1), "00:00")
        assert (end.timestamp() - start.timestamp()) / 3600 == hours


def test_a_wall_clock_time_the_clocks_skip_or_repeat_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="does not exist on Sun 30 Mar"):
        clinic_datetime(date(2031, 3, 30), time(1, 30))
    with pytest.raises(ValueError, match="happens twice on Sun 26 Oct"):
        clinic_datetime(date(2031, 10, 26), time(1, 30))
    assert clinic_datetime(date(2031, 3, 31), time(10, 0)).utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize("sunday", [date(2031, 3, 30), date(2031, 10, 26)], ids=["spring", "autumn"])
def test_a_clinic_open_on_the_sunday_the_clocks_change_draws_real_minutes(settings, room1, sunday):
    settings.CLINIC_OPENING_HOURS = "Mon-Fri 08:00-18:00; Sun 00:00-04:00"
    with time_machine.travel(datetime(2031, 3, 1, 12, 0, tzinfo=LONDON), tick=False):
        appointment = AppointmentFactory(room=room1, scheduled_start=at(sunday, "03:00"), expected_duration=30)
        schedule = build_day(sunday, rooms=[room1], appointments=[appointment])
    real_minutes = (at(sunday, "03:00").timestamp() - at(sunday, "00:00").timestamp()) / 60
    assert real_minutes in (120, 240)  # one hour skipped in spring, repeated in autumn
    block = schedule.blocks[0]
    assert block.row == real_minutes // ROW_MINUTES + 1
    labels = [timezone.localtime(label.moment).strftime("%H:%M") for label in schedule.labels]
    assert labels[0] == "00:00" and labels[-1] == "03:45"
    assert len(labels) == (at(sunday, "04:00").timestamp() - at(sunday, "00:00").timestamp()) / 60 / 15
    if sunday.month == 3:
        assert "01:30" not in labels
    else:
        assert labels.count("01:30") == 2


def test_the_monday_after_the_clocks_go_forward_starts_at_eight_clinic_time(client, scheduler, room1):
    monday = date(2031, 3, 31)
    with time_machine.travel(datetime(2031, 3, 26, 12, 0, tzinfo=LONDON), tick=False):
        client.force_login(scheduler)
        AppointmentFactory(room=room1, scheduled_start=at(monday, "08:00"))
        page = day_page(client, monday)
    schedule = page.context["schedule"]
    assert schedule.grid_start == datetime(2031, 3, 31, 7, 0, tzinfo=UTC)  # 08:00 BST
    assert schedule.blocks[0].row == 1
    assert "08:00–08:45" in page.content.decode()


def test_the_schedule_asks_the_patients_own_rule_whether_reminders_can_reach_them(room1):
    """The schedules read patients as plain values (procedures/schedule/bookings.py) but answer "can reminders reach
    her?" with Patient.reminder_channels itself: every way of being unreachable shows, and only those."""
    ways = {
        "email and mobile": {},
        "no email, no mobile": {"email": "", "mobile": ""},
        "texts only, no mobile": {"channels": ["sms"], "mobile": ""},
        "email only, has email": {"channels": ["email"], "mobile": ""},
        "opted out": {"reminders_opt_out_at": at(TODAY, "09:00")},
        "wants none": {"channels": []},
        "replied STOP, texts only": {"channels": ["sms"], "sms_stopped_at": at(TODAY, "09:00")},
    }
    patients = {}
    for n, (way, details) in enumerate(ways.items()):
        patients[way] = PatientFactory(**details)
        AppointmentFactory(
            patient=patients[way], room=room1, scheduled_start=at(THURSDAY, "08:00") + timedelta(hours=n)
        )
    start, end = day_bounds(THURSDAY)
    seen = {b.patient.mrn: b.patient.can_receive_reminders for b in bookings_between(start, end)}
    assert seen == {p.mrn: p.can_receive_reminders for p in patients.values()}
    assert [way for way, p in patients.items() if seen[p.mrn]] == ["email and mobile", "email only, has email"]
