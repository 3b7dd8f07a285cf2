"""The failsafes of issue 23 in a real browser: the front desk closes a day left open, one click a row; a radiologist
records the action on a suspicious result, which leaves the follow-up list; a scheduler rebooks a procedure not
performed in one click from the list, and the follow-up closes.

Headless Chromium (the Debian `chromium` package) through Playwright, against pytest-django's live server. Skipped,
saying why, where either is missing. The clock is the real one, so the clinic day used is the last weekday before
today. With UPDATE_SCREENSHOTS=1 it also saves docs/end-of-day.png and docs/followups.png for the README.
"""

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from procedures import services
from procedures.models import Appointment, FollowUp, ProcedureResult
from tests.clinic import at
from tests.e2e.conftest import PASSWORD, sync_api
from tests.factories import AppointmentFactory, PatientFactory, RadiologistFactory, RoomFactory, SchedulerFactory

DOCS = Path(__file__).resolve().parents[2] / "docs"

# serialized_rollback: the flush after a transactional test must not take the migrations' rows (groups, DUCTOGRAM).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def last_clinic_day() -> date:
    day = timezone.localdate() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def screenshot(page, name: str, tmp_path: Path) -> None:
    target = DOCS / name if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path / name
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000


def sign_in(browser, live_server, username: str):
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return context, page


def test_the_front_desk_closes_a_day_left_open_one_click_a_row(live_server, browser, tmp_path):
    expect, day = sync_api.expect, last_clinic_day()
    SchedulerFactory(username="sam", first_name="Sam", last_name="Patel")
    okafor = RadiologistFactory(first_name="Adaeze", last_name="Okafor")
    lindqvist = RadiologistFactory(first_name="Maria", last_name="Lindqvist")
    room1, room2 = RoomFactory(name="Mammo Room 1"), RoomFactory(name="Mammo Room 2")
    rows = []
    for hhmm, room, who, (given, family, mrn), status in (
        ("09:00", room1, okafor, ("Amelia", "Hughes", "RX100001"), "booked"),
        ("09:30", room2, lindqvist, ("Grace", "O'Neill", "RX100003"), "confirmed"),
        ("11:00", room1, okafor, ("Fatima", "Begum", "RX100004"), "booked"),
        ("14:00", room2, lindqvist, ("Helen", "Baker", "RX100006"), "confirmed"),
    ):
        patient = PatientFactory(given_name=given, family_name=family, mrn=mrn, mobile="+447911123456")
        rows.append(
            AppointmentFactory(
                patient=patient, room=room, radiologist=who, scheduled_start=at(day, hhmm), status=status
            )
        )
    AppointmentFactory(room=room2, radiologist=lindqvist, scheduled_start=at(day, "10:30"), status="checked_in")
    came, missed, rebook, discharged = rows

    context, page = sign_in(browser, live_server, "sam")
    try:
        page.get_by_role("link", name="End of day", exact=True).click()
        expect(page.get_by_role("heading", name=re.compile(r"^End of day"))).to_be_visible()
        page.locator("#earlier-days a").first.click()  # the day left open
        expect(page.locator(".end-of-day-row")).to_have_count(4)
        screenshot(page, "end-of-day.png", tmp_path)

        page.locator(f"#open-{came.pk}").get_by_role("button", name="Attended, result pending").click()
        expect(page.locator(".alert-success")).to_contain_text("Recorded Amelia Hughes as attended")
        missed_row = page.locator(f"#open-{missed.pk}")
        missed_row.get_by_label("Why Grace O'Neill did not attend").select_option("forgot")
        missed_row.get_by_label("Next step for Grace O'Neill").select_option("referrer_told")
        missed_row.get_by_role("button", name="Did not attend").click()
        expect(page.locator(".alert-success")).to_contain_text("Next step recorded: referrer told.")
        page.locator(f"#open-{rebook.pk}").get_by_role("button", name="Did not attend").click()  # as it stands
        expect(page.locator(".alert-success")).to_contain_text("Rebook offered: on the follow-up list")
        last = page.locator(f"#open-{discharged.pk}")
        last.get_by_label("Next step for Helen Baker").select_option("discharged")
        last.get_by_role("button", name="Did not attend").click()

        expect(page.locator("#day-closed")).to_contain_text("Nothing left open")
        statuses = dict(Appointment.objects.filter(pk__in=[a.pk for a in rows]).values_list("pk", "status"))
        assert statuses == {came.pk: "checked_in", missed.pk: "no_show", rebook.pk: "no_show", discharged.pk: "no_show"}
        assert list(FollowUp.objects.values_list("appointment_id", flat=True)) == [rebook.pk]
    finally:
        context.close()


def test_a_suspicious_result_leaves_the_follow_up_list_only_with_an_action_and_a_rebook_takes_one_click(
    live_server, browser, tmp_path
):
    expect, day = sync_api.expect, last_clinic_day()
    SchedulerFactory(username="sam", first_name="Sam", last_name="Patel")
    okafor = RadiologistFactory(username="okafor", first_name="Adaeze", last_name="Okafor")
    lindqvist = RadiologistFactory(first_name="Maria", last_name="Lindqvist")
    room1, room2 = RoomFactory(name="Mammo Room 1"), RoomFactory(name="Mammo Room 2")

    def logged(hhmm, room, who, name, **fields):
        given, family, mrn = name
        appointment = AppointmentFactory(
            patient=PatientFactory(given_name=given, family_name=family, mrn=mrn),
            room=room,
            radiologist=who,
            scheduled_start=at(day, hhmm),
            status="checked_in",
            referrer="Dr Jones, Breast Clinic",
        )
        start = at(day, hhmm) + timedelta(minutes=5)
        values = {"started_at": start, "ended_at": start + timedelta(minutes=38), "duct_cannulated": True}
        if fields.get("outcome", "performed") != "performed":
            values = {}
        values.update(fields)
        return services.record_result(ProcedureResult(appointment=appointment, performed_by=who, **values), by=who)

    suspicious = logged(
        "09:00", room1, okafor, ("Amelia", "Hughes", "RX100001"), birads="4B", recommendation="surgical_referral"
    )
    logged("09:30", room2, lindqvist, ("Grace", "O'Neill", "RX100003"), birads="5", recommendation="surgical_referral")
    not_done = logged("11:00", room1, okafor, ("Fatima", "Begum", "RX100004"), outcome="no_discharge")
    logged("14:00", room2, lindqvist, ("Helen", "Baker", "RX100006"), birads="2", recommendation="repeat_ductography")
    missed = AppointmentFactory(
        patient=PatientFactory(given_name="Olivia", family_name="Clarke", mrn="RX100007"),
        room=room1,
        radiologist=okafor,
        scheduled_start=at(day, "15:00"),
    )
    services.mark_no_show(missed, reason="not_known", next_step="rebook")
    assert FollowUp.objects.count() == 5

    context, page = sign_in(browser, live_server, "okafor")
    try:
        page.get_by_role("link", name=re.compile(r"^Follow-ups open")).click()
        expect(page.locator(".followup-row")).to_have_count(5)
        mine = page.locator(f'[data-followup="{suspicious.appointment.follow_up.pk}"]')
        expect(mine).to_contain_text("BI-RADS 4B; Surgical referral (duct excision)")
        expect(mine).to_contain_text("Yours")
        screenshot(page, "followups.png", tmp_path)

        mine.get_by_role("button", name="Record").click()  # nothing chosen: the browser asks for an action first
        expect(page.locator(".followup-row")).to_have_count(5)
        mine.get_by_label("Action taken for Amelia Hughes").select_option("referred_to_surgeons")
        mine.get_by_label("Note for Amelia Hughes").fill("Breast surgeons, urgent two-week pathway")
        mine.get_by_role("button", name="Record").click()
        expect(page.locator(".alert-success")).to_contain_text("Follow-up closed for Amelia Hughes")
        expect(page.locator(".followup-row")).to_have_count(4)
        expect(page.locator("#followups-closed")).to_contain_text("urgent two-week pathway")
    finally:
        context.close()

    context, page = sign_in(browser, live_server, "sam")
    try:
        page.get_by_role("link", name="Follow-ups", exact=True).click()
        expect(page.locator(".followup-row")).to_have_count(3)  # the rebooks, without the results' words
        expect(page.locator("#followups-open")).not_to_contain_text("BI-RADS")
        row = page.locator(f'[data-followup="{not_done.appointment.follow_up.pk}"]')
        row.get_by_role("link", name=re.compile(r"^Rebook from")).click()  # one click: the form, filled
        expect(page.locator("#booking-rebook")).to_contain_text("Rebooking Fatima Begum")
        page.locator(".free-time").first.click()  # a free time on the day the interval suggests
        expect(page).to_have_url(re.compile(r"/appointments/\d+/$"))
        expect(page.locator(".alert-success").first).to_contain_text("Booked Fatima Begum")
        follow_up = FollowUp.objects.get(appointment=not_done.appointment)
        assert follow_up.action == "rebooked" and follow_up.rebooked_as.patient == not_done.appointment.patient
    finally:
        context.close()
