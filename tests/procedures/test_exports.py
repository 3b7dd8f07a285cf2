"""The appointments export (/reports/export/ and `manage.py export_appointments`): the columns each role gets, labels
or codes, times with their offsets, cells a spreadsheet would run as formulas, the clinic-time date range, the link
from the reports page, and streaming with flat memory.
"Now" is Wed 5 June 2030, 12:00 London (BST, UTC+1)."""

import csv
import html
import io
import random
import re
import tracemalloc
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from procedures.exports import selectors as export_selectors
from procedures.exports.selectors import (
    COLUMNS,
    LANGUAGE_COLUMNS,
    NHS_NUMBER_COLUMNS,
    RESULT_COLUMNS,
    spreadsheet_safe,
)
from procedures.models import Appointment, Patient, ProcedureResult, ProcedureType, Room
from tests.clinic import LONDON, THURSDAY, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory, ProcedureResultFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

URL = "/reports/export/"
BASE_HEADERS = [column.header for column in COLUMNS]
RESULT_HEADERS = [column.header for column in RESULT_COLUMNS]
LANGUAGE_HEADERS = [column.header for column in LANGUAGE_COLUMNS]  # late, so the columns before keep their places
NHS_HEADERS = [column.header for column in NHS_NUMBER_COLUMNS]  # last, after the languages, for the same reason
JUNE = {"from": "2030-06-01", "to": "2030-06-30"}


def body(response) -> str:
    """The file as a spreadsheet reads it: UTF-8, the byte-order mark taken as the encoding's signature."""
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode()), "Excel needs the byte-order mark to read UTF-8"
    return raw.decode("utf-8-sig")


def rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response))))


@pytest.fixture
def day_with_a_result(radiologist):
    """Thursday: one completed ductogram with a logged result, and one cancelled booking."""
    done = ProcedureResultFactory(
        appointment__scheduled_start=at(THURSDAY, "09:00"),
        appointment__radiologist=radiologist,
        appointment__patient=PatientFactory(mrn="H-LOVELACE", given_name="Ada", family_name="Lovelace"),
        appointment__room=Room.objects.get_or_create(name="Mammo Room 1")[0],
        complications=ProcedureResult.Complication.VASOVAGAL,
        findings=["filling_defect", "ductal_ectasia"],
    )
    cancelled = AppointmentFactory(
        scheduled_start=at(THURSDAY, "11:00"),
        status=Appointment.Status.CANCELLED,
        cancel_reason_code=Appointment.CancelReason.UNWELL,
        cancellation_reason="Mastitis, rebook in 3 weeks",
    )
    return done, cancelled


def test_a_radiologist_gets_the_result_columns(as_radiologist, day_with_a_result):
    response = as_radiologist.get(URL, JUNE)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="appointments-2030-06-01-2030-06-30.csv"'
    assert "no-store" in response["Cache-Control"]
    text = body(response)
    assert text.splitlines()[0].split(",") == BASE_HEADERS + RESULT_HEADERS + LANGUAGE_HEADERS + NHS_HEADERS
    done, cancelled = csv.DictReader(io.StringIO(text))
    result, _ = day_with_a_result
    assert done == {
        "appointment_id": str(result.appointment_id),
        "date": "2030-06-06",
        "start": "2030-06-06T09:00:00+01:00",  # clinic time with its offset (BST), though stored as 08:00 UTC
        "mrn": "H-LOVELACE",
        "family_name": "Lovelace",
        "given_name": "Ada",
        "room": "Mammo Room 1",
        "radiologist": "Adaeze Okafor",
        "status": "Completed",
        "cancel_reason_code": "",
        "cancel_reason": "",
        "expected_minutes": "45",
        "laterality": "Left",
        "discharge": "Bloody",
        "referrer": "Dr Jones, Breast Clinic",
        "created_at": "2030-06-05T12:00:00+01:00",  # frozen now, in clinic time, to the second
        "outcome": "Performed",
        "started_at": "2030-06-06T09:05:00+01:00",
        "ended_at": "2030-06-06T09:45:00+01:00",
        "actual_minutes": "40",
        "duct_cannulated": "yes",
        "complications": "Vasovagal",
        "complication_details": "",
        "birads": "4A - Low suspicion",
        "findings": "Filling defect; Ductal ectasia",
        "recommendation": "Surgical referral (duct excision)",
        "language": "English",
        "needs_interpreter": "no",
        "nhs_number": "",
    }
    assert (cancelled["status"], cancelled["cancel_reason_code"], cancelled["cancel_reason"]) == (
        "Cancelled",
        "Unwell or infection",
        "Mastitis, rebook in 3 weeks",
    )
    assert all(cancelled[h] == "" for h in RESULT_HEADERS if h != "findings") and cancelled["findings"] == ""


def test_codes_instead_of_labels_when_asked(as_radiologist, day_with_a_result):
    done, cancelled = rows(as_radiologist.get(URL, {**JUNE, "codes": "1"}))
    assert [done[h] for h in ("status", "laterality", "discharge", "outcome", "complications", "birads")] == [
        "completed",
        "left",
        "bloody",
        "performed",
        "vasovagal",
        "4A",
    ]
    assert (done["findings"], done["recommendation"], done["language"]) == (
        "filling_defect; ductal_ectasia",
        "surgical_referral",
        "en-gb",
    )
    assert (cancelled["status"], cancelled["cancel_reason_code"]) == ("cancelled", "unwell")
    assert done["start"] == "2030-06-06T09:00:00+01:00"  # times are the same either way
    assert rows(as_radiologist.get(URL, {**JUNE, "codes": "0"}))[0]["status"] == "Completed"


def test_every_time_has_its_seconds_and_the_offset_of_its_moment(as_radiologist):
    """Winter is +00:00 in London; the hour the clocks go back happens twice, told apart by the offset."""
    AppointmentFactory(scheduled_start=datetime(2030, 1, 15, 9, 30, 15, tzinfo=UTC))
    AppointmentFactory(scheduled_start=datetime(2030, 10, 27, 0, 30, tzinfo=UTC))  # 01:30 BST
    AppointmentFactory(scheduled_start=datetime(2030, 10, 27, 1, 30, tzinfo=UTC))  # 01:30 GMT, an hour later
    winter = rows(as_radiologist.get(URL, {"from": "2030-01-15", "to": "2030-01-15"}))
    assert [r["start"] for r in winter] == ["2030-01-15T09:30:15+00:00"]
    twice = rows(as_radiologist.get(URL, {"from": "2030-10-27", "to": "2030-10-27"}))
    assert [r["start"] for r in twice] == ["2030-10-27T01:30:00+01:00", "2030-10-27T01:30:00+00:00"]
    assert [datetime.fromisoformat(r["start"]).astimezone(UTC).hour for r in twice] == [0, 1]


def test_each_row_carries_its_appointments_id(as_scheduler, day_with_a_result):
    done, cancelled = day_with_a_result
    assert [int(r["appointment_id"]) for r in rows(as_scheduler.get(URL, JUNE))] == [
        done.appointment_id,
        cancelled.pk,
    ]


def test_one_room_or_one_radiologists_appointments(as_scheduler, radiologist, day_with_a_result):
    done, cancelled = day_with_a_result
    room = done.appointment.room
    assert [int(r["appointment_id"]) for r in rows(as_scheduler.get(URL, {**JUNE, "room": room.pk}))] == [
        done.appointment_id
    ]
    theirs = rows(as_scheduler.get(URL, {**JUNE, "radiologist": radiologist.pk}))
    assert [int(r["appointment_id"]) for r in theirs] == [done.appointment_id]
    refused = as_scheduler.get(URL, {**JUNE, "room": "Mammo Room 1"})
    assert refused.status_code == 400 and "Give the room as its number" in refused.content.decode()


def test_a_schedulers_export_has_no_result_columns_or_data(as_scheduler, day_with_a_result):
    response = as_scheduler.get(URL, JUNE)
    text = body(response)
    assert response.status_code == 200
    assert text.splitlines()[0].split(",") == BASE_HEADERS + LANGUAGE_HEADERS + NHS_HEADERS
    assert set(rows(as_scheduler.get(URL, JUNE))[0]) == set(BASE_HEADERS + LANGUAGE_HEADERS + NHS_HEADERS)
    for leak in ("Performed", "4A", "Filling defect", "Surgical referral", "Vasovagal", "09:05", "09:45"):
        assert leak not in text
    codes = body(as_scheduler.get(URL, {**JUNE, "codes": "1"}))
    for leak in ("performed", "filling_defect", "surgical_referral", "vasovagal"):
        assert leak not in codes


def test_the_scheduler_query_never_reads_results(as_scheduler, day_with_a_result):
    with CaptureQueriesContext(connection) as queries:
        body(as_scheduler.get(URL, JUNE))
    assert not any("procedureresult" in q["sql"].lower() for q in queries.captured_queries)


def test_one_query_for_every_row_with_the_result_left_joined(as_radiologist, day_with_a_result):
    ProcedureResultFactory.create_batch(3, appointment__scheduled_start=at(THURSDAY, "14:00"))
    with CaptureQueriesContext(connection) as queries:
        assert len(rows(as_radiologist.get(URL, JUNE))) == 5
    (export,) = [q["sql"] for q in queries.captured_queries if "procedures_appointment" in q["sql"]]
    assert 'LEFT OUTER JOIN "procedures_procedureresult"' in export


def test_staff_only(client, day_with_a_result):
    response = client.get(URL, JUNE)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(UserFactory(is_staff=True))  # signed in, but no staff role
    assert client.get(URL, JUNE).status_code == 403


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ({}, "Give the from and to dates as YYYY-MM-DD"),
        ({"from": "2030-06-01"}, "Give the to date as YYYY-MM-DD"),
        ({"from": "June", "to": "2030-06-30"}, "Give the from date as YYYY-MM-DD"),
        ({"from": "2030-02-30", "to": "2030-06-30"}, "Give the from date"),
        ({"from": "2030-06-30", "to": "2030-06-01"}, "The 'to' date (1 Jun 2030) is before the 'from' date"),
        ({"from": "2028-01-01", "to": "2030-12-31"}, "1,096 days is too long for one export: ask for at most 366"),
    ],
)
def test_a_bad_range_is_refused_with_a_sentence(as_scheduler, query, sentence):
    response = as_scheduler.get(URL, query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert sentence in response.content.decode()


def test_a_year_is_allowed(as_scheduler):
    assert as_scheduler.get(URL, {"from": "2028-01-01", "to": "2028-12-31"}).status_code == 200  # 366 days


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_starts_get_an_apostrophe(start):
    assert spreadsheet_safe(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("-", "'-"),  # a lone dash typed for an unknown name: shown as typed, never read as a formula
        ("-5", "'-5"),
        ("Smith-Jones", "Smith-Jones"),  # a dash or sign inside is ordinary text
        ("O'Neil", "O'Neil"),
        ("a=b", "a=b"),
        ("name@example.com", "name@example.com"),
        (" =1", " =1"),
        ("", ""),
        (None, ""),
        (45, "45"),
    ],
)
def test_ordinary_values_stay_as_they_are(value, cell):
    assert spreadsheet_safe(value) == cell


def test_the_export_escapes_every_text_cell(as_radiologist, ductogram, room):
    patient = PatientFactory(mrn="+4471234", given_name="-", family_name='=HYPERLINK("http://x")')
    appointment = AppointmentFactory(
        scheduled_start=at(THURSDAY, "10:00"),
        patient=patient,
        referrer="@SUM(A1)",
        status=Appointment.Status.CANCELLED,
        cancellation_reason="\tcmd|' /C calc'!A0",
    )
    ProcedureResultFactory(appointment=appointment, complication_details="-2+3")
    (row,) = rows(as_radiologist.get(URL, JUNE))
    assert row["mrn"] == "'+4471234"
    assert row["given_name"] == "'-"
    assert row["family_name"] == '\'=HYPERLINK("http://x")'
    assert row["referrer"] == "'@SUM(A1)"
    assert row["cancel_reason"] == "'\tcmd|' /C calc'!A0"
    assert row["complication_details"] == "'-2+3"


def test_the_range_is_clinic_days_inclusive(as_scheduler):
    """A booking at 00:30 BST on the last day is 23:30 UTC the day before: it is in; 00:30 BST the day after is not;
    23:30 BST on the day before the first is 22:30 UTC on it: it is out."""
    last = date(2030, 6, 7)
    inside = [
        AppointmentFactory(scheduled_start=datetime(2030, 6, 6, 23, 30, tzinfo=UTC)),  # 00:30 BST Fri 7
        AppointmentFactory(scheduled_start=datetime(2030, 6, 7, 22, 59, tzinfo=UTC)),  # 23:59 BST Fri 7
        AppointmentFactory(scheduled_start=datetime(2030, 6, 5, 23, 0, tzinfo=UTC)),  # 00:00 BST Thu 6
    ]
    AppointmentFactory(scheduled_start=datetime(2030, 6, 7, 23, 30, tzinfo=UTC))  # 00:30 BST Sat 8
    AppointmentFactory(scheduled_start=datetime(2030, 6, 5, 22, 30, tzinfo=UTC))  # 23:30 BST Wed 5
    got = rows(as_scheduler.get(URL, {"from": "2030-06-06", "to": last.isoformat()}))
    assert [(r["date"], r["start"]) for r in got] == [
        ("2030-06-06", "2030-06-06T00:00:00+01:00"),
        ("2030-06-07", "2030-06-07T00:30:00+01:00"),
        ("2030-06-07", "2030-06-07T23:59:00+01:00"),
    ]
    assert {r["mrn"] for r in got} == {a.patient.mrn for a in inside}


def test_a_single_day_across_the_clocks_going_back(as_scheduler):
    """Sunday 27 October 2030 lasts 25 hours in London; all of it is that day."""
    AppointmentFactory(scheduled_start=datetime(2030, 10, 26, 23, 0, tzinfo=UTC))  # 00:00 BST
    AppointmentFactory(scheduled_start=datetime(2030, 10, 27, 23, 59, tzinfo=UTC))  # 23:59 GMT
    AppointmentFactory(scheduled_start=datetime(2030, 10, 28, 0, 0, tzinfo=UTC))  # Monday
    got = rows(as_scheduler.get(URL, {"from": "2030-10-27", "to": "2030-10-27"}))
    assert [r["start"] for r in got] == ["2030-10-27T00:00:00+01:00", "2030-10-27T23:59:00+00:00"]


def test_the_command_writes_what_the_view_sends(as_radiologist, scheduler, day_with_a_result, tmp_path):
    with_results = body(as_radiologist.get(URL, JUNE))
    as_radiologist.force_login(scheduler)
    without = body(as_radiologist.get(URL, JUNE))

    bom = "\ufeff"  # each file starts with one, as the view's does
    out = io.StringIO()
    call_command("export_appointments", "--from", "2030-06-01", "--to", "2030-06-30", stdout=out)
    assert out.getvalue() == bom + without
    call_command("export_appointments", "--from=2030-06-01", "--to=2030-06-30", "--with-results", stdout=out)
    assert out.getvalue() == bom + without + bom + with_results

    target = tmp_path / "june.csv"
    call_command("export_appointments", "--from=2030-06-01", "--to=2030-06-30", "--with-results", f"--output={target}")
    assert target.read_bytes() == (bom + with_results).encode()
    assert with_results.count("\r\n") == 3 and "\r\r" not in with_results  # header and two rows, CRLF once

    with pytest.raises(CommandError, match="too long for one export"):
        call_command("export_appointments", "--from=2020-01-01", "--to=2030-06-30")


def export_link(page, link_id: str = "export-link") -> str:
    match = re.search(rf'id="{link_id}" href="([^"]+)"', page.content.decode())
    assert match, f"no #{link_id} on the page"
    return html.unescape(match.group(1))


@pytest.mark.usefixtures("own_cache")
def test_the_export_link_downloads_the_period_shown(as_radiologist, day_with_a_result):
    """Last month (May, "now" being 5 June) holds one appointment; June's two are not in its download."""
    may = AppointmentFactory(scheduled_start=at(date(2030, 5, 20), "10:00"))
    page = as_radiologist.get("/reports/", {"period": "last_month"})
    assert "1 May 2030 to 31 May 2030" in page.content.decode()
    link = export_link(page)
    assert link == f"{URL}?from=2030-05-01&to=2030-05-31"
    download = as_radiologist.get(link)
    assert download["Content-Disposition"] == 'attachment; filename="appointments-2030-05-01-2030-05-31.csv"'
    assert [int(r["appointment_id"]) for r in rows(download)] == [may.pk]
    (coded,) = rows(as_radiologist.get(export_link(page, "export-codes-link")))
    assert (coded["appointment_id"], coded["status"]) == (str(may.pk), "booked")

    june = as_radiologist.get("/reports/", {"period": "custom", "from": "2030-06-01", "to": "2030-06-30"})
    assert len(rows(as_radiologist.get(export_link(june)))) == 2


@pytest.mark.usefixtures("own_cache")
def test_the_export_link_keeps_the_room_and_radiologist_chosen(as_scheduler, radiologist, day_with_a_result):
    done, _ = day_with_a_result
    query = {"period": "custom", "from": "2030-06-01", "to": "2030-06-30", "room": done.appointment.room_id}
    page = as_scheduler.get("/reports/", {**query, "radiologist": radiologist.pk})
    assert "in the room and of the radiologist chosen above" in page.content.decode()
    assert [int(r["appointment_id"]) for r in rows(as_scheduler.get(export_link(page)))] == [done.appointment_id]


@pytest.mark.usefixtures("own_cache")
def test_a_period_longer_than_an_export_says_so_instead_of_a_link(as_scheduler):
    page = as_scheduler.get("/reports/", {"period": "custom", "from": "2028-01-01", "to": "2030-06-30"})
    text = page.content.decode()
    assert 'id="export-link"' not in text
    assert "The appointments export covers at most a year (366 days)" in text


@pytest.mark.parametrize(
    ("query", "options"),
    [
        ({}, []),
        ({"codes": "1"}, ["--codes"]),
        ({"room": "ROOM"}, ["--room=ROOM"]),
    ],
)
def test_the_command_and_the_download_write_the_same_bytes(as_radiologist, day_with_a_result, tmp_path, query, options):
    room = str(day_with_a_result[0].appointment.room_id)
    query = {name: value.replace("ROOM", room) for name, value in query.items()}
    downloaded = b"".join(as_radiologist.get(URL, {**JUNE, **query}).streaming_content)
    target = tmp_path / "june.csv"
    options = [option.replace("ROOM", room) for option in options]
    call_command(
        "export_appointments", "--from=2030-06-01", "--to=2030-06-30", "--with-results", *options, f"--output={target}"
    )
    assert target.read_bytes() == downloaded
    assert downloaded.count(b"\r\n") == (3 if "room" not in query else 2)


def seed(count: int, first_day: date, *, with_results: bool) -> None:
    """`count` appointments from `first_day` on, written with bulk_create: 20 rooms, back to back, 30 minutes each,
    day and night (no overlap in a room, so PostgreSQL's exclusion constraints accept them); every other one with
    a result. Text is long enough that holding every row would show."""
    ductogram = ProcedureType.objects.get(code="DUCTOGRAM")
    rooms = Room.objects.bulk_create([Room(name=f"Export Room {n:02d}") for n in range(20)])
    rng = random.Random(11)
    patients = Patient.objects.bulk_create(
        Patient(mrn=f"X{n:08d}", given_name=f"Given{n}", family_name=f"Family-{n}", date_of_birth=date(1970, 1, 1))
        for n in range(count)
    )
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=LONDON)
    appointments = Appointment.objects.bulk_create(
        (
            Appointment(
                patient=patients[n],
                procedure_type=ductogram,
                room=rooms[n % 20],
                scheduled_start=start + timedelta(minutes=30 * (n // 20)),
                expected_duration=30,
                laterality=rng.choice(Appointment.Laterality.values),
                discharge=rng.choice(Appointment.Discharge.values),
                referrer=f"Dr Referrer {n}, Breast Clinic, Rose Wing",
                status=Appointment.Status.COMPLETED,
            )
            for n in range(count)
        ),
        batch_size=5000,
    )
    if with_results:
        ProcedureResult.objects.bulk_create(
            (
                ProcedureResult(
                    appointment=a,
                    started_at=a.scheduled_start,
                    ended_at=a.scheduled_start + timedelta(minutes=25),
                    duct_cannulated=True,
                    findings=["normal"],
                    birads="1",
                    report="No filling defect. " * 5,
                )
                for a in appointments[::2]
            ),
            batch_size=5000,
        )


# Eight of the export's chunks, made 250 rows here (2,000 in use) so the test needs few rows: holding every row
# peaks at about 3.2 MB (measured), while streaming peaks at about 1.4 MB, one chunk's worth over what the request
# itself holds, whatever the row count. The bound sits between. bench/exports.py measures the real chunk size.
MEMORY_CHUNK = 250
MEMORY_ROWS = 8 * MEMORY_CHUNK
MEMORY_BOUND = 2 * 1024 * 1024  # bytes


def test_memory_stays_flat_while_streaming(as_radiologist, monkeypatch):
    """bench/exports.py does the same over 100,000 rows and prints the figures, with the peak of holding them."""
    monkeypatch.setattr(export_selectors, "CHUNK_SIZE", MEMORY_CHUNK)
    seed(MEMORY_ROWS, TODAY, with_results=True)
    response = as_radiologist.get(URL, {"from": TODAY.isoformat(), "to": (TODAY + timedelta(days=60)).isoformat()})
    assert isinstance(response, StreamingHttpResponse)
    lines = size = 0
    tracemalloc.start()
    try:
        for chunk in response.streaming_content:
            lines += 1
            size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == MEMORY_ROWS + 1
    assert size > 256 * 1024  # more than 256 kB of CSV went by ...
    print(f"peak {peak / 2**20:.2f} MB over {size / 2**20:.1f} MB of CSV")
    assert peak < MEMORY_BOUND, f"peak {peak / 2**20:.1f} MB"  # ... while memory stayed a few MB
