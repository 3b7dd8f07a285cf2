"""The W3C Nu Html Checker (vnu.jar, the checker behind validator.w3.org/nu) reports no error on any HTML a patient
or a member of staff is shown: every email body the reminders can make (each stage, with full and with link-only
content, a late booking's folded content, the FAQ cut at five answers), and every patient and staff page state the
browser tests reach (tests/e2e/test_accessibility.py's PAGES), rendered here by Django's test client. Warnings are
allowed; errors are not.

Run it with `make vnu`. It needs Java 17+ and vnu.jar: `apt-get install default-jre-headless` and
`npm install --prefix var/vnu --ignore-scripts vnu-jar` (what `make vnu` and .ci/run do), or VNU_JAR=/path/to/vnu.jar.
Without them these tests are skipped, saying which is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from procedures.calendar_feeds.services import create_feed
from procedures.links import patient_token, unsubscribe_token
from procedures.models import Appointment, FaqEntry, PatientRequest, ProcedureResult, SafetyAnswers
from procedures.services import book_appointment, cancel_appointment, confirm_attendance, mark_no_show, record_result
from reminders.channels import default_consent
from reminders.models import Reminder
from reminders.services import delivery_failed, opt_out
from reminders.stages import CONTENT_STAGES, Stage
from tests.clinic import FAR, NOW
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    ProcedureResultFactory,
    ProcedureTypeFactory,
    RadiologistFactory,
    RoomFactory,
    SchedulerFactory,
    offer_of_an_earlier_time,
)
from tests.messages import render_for

PROJECT = Path(__file__).resolve().parent.parent
VNU_JAR = Path(os.environ.get("VNU_JAR") or PROJECT / "var/vnu/node_modules/vnu-jar/build/dist/vnu.jar")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]


def _missing() -> str:
    if not shutil.which("java"):
        return "needs Java 17+ for the Nu Html Checker: apt-get install default-jre-headless (or run make vnu)"
    if not VNU_JAR.is_file():
        return f"needs vnu.jar at {VNU_JAR}: npm install --prefix var/vnu --ignore-scripts vnu-jar (or run make vnu)"
    return ""


needs_vnu = pytest.mark.skipif(bool(_missing()), reason=_missing() or "vnu is here")


def nu_errors(documents: dict[str, str], folder: Path) -> list[str]:
    """Check every document in one run of the checker; its errors as "name:line: message" lines."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for name, html in documents.items():
        path = (folder / (re.sub(r"[^\w.-]+", "_", name) + ".html")).resolve()
        path.write_text(html, encoding="utf-8")
        names[str(path)] = name
    run = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout", "--exit-zero-always", *names],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    errors = []
    for m in json.loads(run.stdout)["messages"]:
        if m["type"] in ("error", "non-document-error"):  # the latter: a file it could not read
            where = names.get(m.get("url", "").removeprefix("file:"), m.get("url"))
            errors.append(f"{where}:{m.get('lastLine', '?')}: {m['message']}  [{m.get('extract', '')}]")
    return errors


# Emails


def email_bodies(appointment: Appointment) -> dict[str, str]:
    """Every HTML body the email channel makes for this appointment: each stage, with the content the rules give it,
    and a booking confirmation carrying every stage's content (a late booking)."""
    bodies = {}
    start = appointment.scheduled_start
    for stage in Stage.values:
        content = [stage] if stage in CONTENT_STAGES else []
        previous = start - timedelta(days=3) if stage == Stage.RESCHEDULED else None
        message = render_for(appointment, stage, "email", start, content, previous_start=previous)
        bodies[stage] = message.html
    late = render_for(appointment, Stage.BOOKING_CONFIRMATION, "email", start, list(CONTENT_STAGES))
    bodies["late-booking"] = late.html
    return bodies


@needs_vnu
def test_every_email_body_passes_the_nu_checker(settings, tmp_path):
    ductogram, room = ProcedureTypeFactory(), RoomFactory()
    appointment = book_appointment(
        patient=PatientFactory(), procedure_type=ductogram, room=room, scheduled_start=FAR, laterality="left"
    )
    documents = {}
    for content in ("full", "link"):
        settings.REMINDER_EMAIL_CONTENT = content
        documents.update({f"email-{content}-{name}": html for name, html in email_bodies(appointment).items()})
    # Every FAQ answer at every stage: the email cuts them at five and points to the page for the rest.
    settings.REMINDER_EMAIL_CONTENT = "full"
    FaqEntry.objects.filter(kind__in=FaqEntry.KINDS_IN_REMINDERS).update(stages=list(CONTENT_STAGES))
    documents.update({f"email-many-faq-{name}": html for name, html in email_bodies(appointment).items()})
    # In each shipped language (Urdu right to left), and in English with the interpreter sentence in Romanian.
    for language in ("cy", "pl", "ur", "ro"):
        appointment.patient.language = language
        documents.update({f"email-{language}-{name}": html for name, html in email_bodies(appointment).items()})
    assert len(documents) >= 3 * len(Stage.values)
    assert all("<html" in html for html in documents.values())

    errors = nu_errors(documents, tmp_path)
    assert not errors, f"{len(errors)} Nu checker error(s):\n" + "\n".join(errors)


# Pages


def build_clinic() -> dict:
    """The people and bookings tests/e2e/test_accessibility.py's pages show, on the frozen clinic day."""
    ductogram = ProcedureTypeFactory()
    room1, room2 = RoomFactory(name="Mammo Room 1"), RoomFactory(name="Mammo Room 2")
    okafor = RadiologistFactory(username="okafor", first_name="Adaeze", last_name="Okafor")
    details = {"procedure_type": ductogram, "radiologist": okafor, "laterality": "left", "discharge": "bloody"}

    def booking(given_name: str, *, hours: int, room=room1) -> Appointment:
        patient = PatientFactory(given_name=given_name)
        return book_appointment(patient=patient, room=room, scheduled_start=FAR + timedelta(hours=hours), **details)

    confirmed = booking("Grace", hours=2, room=room2)
    confirm_attendance(confirmed)
    stopped = booking("Fatima", hours=4)
    opt_out(stopped.patient)
    worried = booking("Helen", hours=6)
    SafetyAnswers.objects.create(
        appointment=worried,
        discharge_present="no",
        pregnant="unsure",
        contrast_allergy="yes",
        infection="no",
        blood_thinners="yes",
        note="Aspirin every morning.",
    )
    PatientRequest.objects.create(appointment=worried, kind="reschedule", message="An afternoon would be easier.")
    # A reply by text that was neither YES nor MOVE: on /requests/ in her words (escaped).
    PatientRequest.objects.create(appointment=confirmed, kind="message", message="What time again? <b>& parking?</b>")
    # A text the provider could not deliver, with nothing else to reach her: "Not reached" on /calls/.
    texts_only = PatientFactory(given_name="Nia", email="", channels=["sms"])
    unreached = book_appointment(patient=texts_only, room=room2, scheduled_start=FAR + timedelta(hours=7), **details)
    text = unreached.reminders.get(stage="booking_confirmation", channel="sms")
    Reminder.objects.filter(pk=text.pk).update(status="sent", sent_at=NOW, provider_message_id="SM-vnu")
    text.refresh_from_db()
    delivery_failed(text, reason="The provider reports the text undelivered (code 30003).")
    AppointmentFactory(scheduled_start=FAR + timedelta(hours=3), room=room2, radiologist=okafor, status="no_show")
    cancel_appointment(booking("Olivia", hours=1, room=room2), reason="Had a cold", reason_code="unwell")
    # Reached only by post, in large print: her confirmation letter is due on /letters/ at once.
    address = {"address_line1": "14 Riverside Court", "town": "London", "postcode": "SE1 7EH"}
    by_post = PatientFactory(email="", mobile="", channels=default_consent(), needs_large_print=True, **address)
    book_appointment(patient=by_post, room=room1, scheduled_start=FAR + timedelta(hours=5), **details)
    earlier = NOW - timedelta(days=1)
    awaiting = AppointmentFactory(room=room2, radiologist=okafor, scheduled_start=earlier, status="checked_in")
    done = ProcedureResultFactory(
        appointment__room=room1,
        appointment__radiologist=okafor,
        appointment__scheduled_start=earlier - timedelta(hours=2),
        performed_by=okafor,
    ).appointment
    # Patients who need an interpreter: the badge on the schedules, the printed and call lists, and the worklist.
    for patient, language in ((worried.patient, "pl"), (awaiting.patient, "ro")):
        patient.language, patient.needs_interpreter = language, True
        patient.save()
    # The follow-up list's two kinds: a suspicious result for the radiologist, a missed appointment to rebook.
    suspicious = AppointmentFactory(
        room=room1, radiologist=okafor, scheduled_start=earlier - timedelta(hours=4), status="checked_in"
    )
    start = suspicious.scheduled_start + timedelta(minutes=5)
    record_result(
        ProcedureResult(
            appointment=suspicious,
            started_at=start,
            ended_at=start + timedelta(minutes=40),
            duct_cannulated=True,
            birads="4B",
            recommendation="surgical_referral",
            performed_by=okafor,
        ),
        by=okafor,
    )
    missed_to_rebook = AppointmentFactory(room=room2, scheduled_start=earlier - timedelta(hours=3))
    mark_no_show(missed_to_rebook, reason="forgot", next_step="rebook")
    return {
        "scheduler": SchedulerFactory(username="sam", first_name="Sam", last_name="Patel"),
        "radiologist": okafor,
        "admin": User.objects.create_superuser("boss", "boss@clinic.example", "correct-horse-battery"),
        "coming": booking("Amelia", hours=0),
        # The patient page in Welsh, and in Urdu (right to left).
        "welsh": AppointmentFactory(patient=PatientFactory(given_name="Carys", language="cy"), scheduled_start=FAR),
        "urdu": AppointmentFactory(patient=PatientFactory(given_name="Shazia", language="ur"), scheduled_start=FAR),
        "confirmed": confirmed,
        "stopped": stopped,
        "awaiting_result": awaiting,
        "with_result": done,
        "started": AppointmentFactory(room=room1, scheduled_start=timezone.now() - timedelta(minutes=30)),
        "feed": create_feed(by=okafor, kind="radiologist", user=okafor)[0],
    }


def page_states(c: dict) -> dict[str, tuple[str | None, str, str, dict | None]]:
    """name: (who, method, path, data). `who` is a key of the clinic (None: a patient, signed out)."""
    day = f"{timezone.localtime(c['coming'].scheduled_start):%Y-%m-%d}"
    coming, stopped = c["coming"], c["stopped"]
    p = f"/p/{patient_token(coming)}"
    u = f"/u/{unsubscribe_token(coming.patient)}/"
    result_add = f"/admin/procedures/procedureresult/add/?appointment={c['awaiting_result'].pk}"
    return {
        "day": ("scheduler", "get", f"/schedule/?date={day}", None),
        "week": ("scheduler", "get", f"/schedule/week/?date={day}", None),
        "day-print": ("scheduler", "get", f"/schedule/print/?date={day}", None),
        "book": ("scheduler", "get", "/appointments/new/", None),
        "book-errors": ("scheduler", "post", "/appointments/new/", {}),
        "book-free-times": ("scheduler", "post", "/appointments/new/", {"action": "times", "start_date": day}),
        "appointment": ("scheduler", "get", f"/appointments/{coming.pk}/", None),
        "reschedule": ("scheduler", "get", f"/appointments/{coming.pk}/reschedule/", None),
        "reschedule-errors": ("scheduler", "post", f"/appointments/{coming.pk}/reschedule/", {}),
        "cancel": ("scheduler", "get", f"/appointments/{coming.pk}/cancel/", None),
        "cancel-errors": ("scheduler", "post", f"/appointments/{coming.pk}/cancel/", {}),
        "requests": ("scheduler", "get", "/requests/", None),
        "calls": ("scheduler", "get", "/calls/", None),
        "patients": ("scheduler", "get", "/patients/", None),
        "patients-found": ("scheduler", "get", "/patients/?q=Amelia", None),
        "patients-similar": ("scheduler", "get", "/patients/?q=Ameliaa", None),
        "letters": ("scheduler", "get", "/letters/", None),
        "patient": ("scheduler", "get", f"/patients/{coming.patient.pk}/", None),
        "patient-contact-errors": (
            "scheduler",
            "post",
            f"/patients/{coming.patient.pk}/",
            {"email": "not an address", "mobile": coming.patient.mobile, "channels": ["email", "sms"]},
        ),
        "reports-scheduler": ("scheduler", "get", "/reports/", None),
        "worklist": ("radiologist", "get", "/worklist/", None),
        "appointment-started": ("scheduler", "get", f"/appointments/{c['started'].pk}/", None),
        "appointment-with-result": ("radiologist", "get", f"/appointments/{c['with_result'].pk}/", None),
        "reports": ("radiologist", "get", "/reports/", None),
        "not-allowed": ("scheduler", "get", "/worklist/", None),
        "end-of-day": ("scheduler", "get", "/end-of-day/", None),
        "followups": ("radiologist", "get", "/followups/", None),
        "followups-scheduler": ("scheduler", "get", "/followups/", None),
        "calendar-feeds": ("radiologist", "get", "/calendar/", None),
        "calendar-feeds-admin": ("admin", "get", "/calendar/", None),
        "calendar-feed-errors": ("admin", "post", "/calendar/new/", {"subject": ""}),
        "calendar-feed-made": ("radiologist", "post", "/calendar/new/", {"mine": "1"}),
        "calendar-feed-revoke": ("radiologist", "get", f"/calendar/{c['feed'].pk}/revoke/", None),
        "login": (None, "get", "/accounts/login/", None),
        "login-errors": (None, "post", "/accounts/login/", {"username": "sam", "password": "not-the-password"}),
        "admin-index": ("admin", "get", "/admin/", None),
        "admin-appointments": ("admin", "get", "/admin/procedures/appointment/", None),
        "admin-patients-interpreter": ("admin", "get", "/admin/procedures/patient/?needs_interpreter__exact=1", None),
        "admin-patient-change": (
            "admin",
            "get",
            f"/admin/procedures/patient/{c['awaiting_result'].patient_id}/change/",
            None,
        ),
        "patient-interpreter": ("scheduler", "get", f"/patients/{c['awaiting_result'].patient_id}/", None),
        "admin-appointment-change": (
            "radiologist",
            "get",
            f"/admin/procedures/appointment/{c['awaiting_result'].pk}/change/",
            None,
        ),
        "admin-results": ("radiologist", "get", "/admin/procedures/procedureresult/", None),
        "admin-result-add": ("radiologist", "get", result_add, None),
        "admin-result-errors": ("radiologist", "post", result_add, {"appointment": c["awaiting_result"].pk}),
        "admin-result-change": (
            "radiologist",
            "get",
            f"/admin/procedures/procedureresult/{c['with_result'].result.pk}/change/",
            None,
        ),
        "patient-page": (None, "get", f"{p}/", None),
        "patient-page-errors": (None, "post", f"{p}/safety/", {}),
        "patient-page-confirmed": (None, "get", f"/p/{patient_token(c['confirmed'])}/", None),
        "patient-page-stopped": (None, "get", f"/p/{patient_token(stopped)}/", None),
        "patient-stop": (None, "get", f"{p}/stop/", None),
        "patient-offer": (None, "get", f"{p}/offer/{offer_of_an_earlier_time(coming).pk}/", None),
        "waitlist": ("scheduler", "get", "/waitlist/", None),
        "patient-restart": (None, "get", f"/p/{patient_token(stopped)}/restart/", None),
        "not-found": (None, "get", "/p/not-a-real-link/", None),
        "patient-page-cy": (None, "get", f"/p/{patient_token(c['welsh'])}/", None),
        "patient-page-ur": (None, "get", f"/p/{patient_token(c['urdu'])}/", None),
        "patient-page-errors-ur": (None, "post", f"/p/{patient_token(c['urdu'])}/safety/", {}),
        "patient-stop-ur": (None, "get", f"/p/{patient_token(c['urdu'])}/stop/", None),
        "unsubscribe": (None, "get", u, None),
        # Last: these stop the coming patient's reminders.
        "patient-stopped-now": (None, "post", f"{p}/stop/", {}),
        "unsubscribed": (None, "post", u, {}),
    }


@needs_vnu
def test_every_patient_and_staff_page_state_passes_the_nu_checker(tmp_path):
    clinic = build_clinic()
    documents = {}
    for name, (who, method, path, data) in page_states(clinic).items():
        client = Client()
        if who is not None:
            client.force_login(clinic[who])
        response = getattr(client, method)(path, data) if data is not None else client.get(path)
        assert response["Content-Type"].startswith("text/html"), (name, response.status_code)
        assert response.status_code in (200, 400, 403, 404), (name, response.status_code)
        documents[name] = response.content.decode()

    errors = nu_errors(documents, tmp_path)
    assert not errors, f"{len(errors)} Nu checker error(s):\n" + "\n".join(errors)


@needs_vnu
def test_the_checker_does_find_errors(tmp_path):
    """The check can fail: the email's meta tag as it was (no content) and an obsolete element are errors."""
    broken = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="x-apple-disable-message-reformatting"><title>t</title></head>'
        "<body><center>old</center></body></html>"
    )

    errors = nu_errors({"broken": broken}, tmp_path)

    assert len(errors) == 2, errors
    assert any("meta" in e for e in errors) and any("center" in e for e in errors)
