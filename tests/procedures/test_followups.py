"""Issue 23, point 2: follow-ups as a failsafe. A result with BI-RADS 4A or higher, a surgical referral, a short-
interval follow-up, a repeat ductography or a procedure not performed, and a did-not-attend with a rebook offered,
go on the follow-up list (/followups/) with who must act, until someone records the action taken; a rebook is one
click from the list, with the interval suggested; the reports count the open ones by age. "Now" is Wed 5 June 2030,
12:00 London."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures import services
from procedures.followups import selectors
from procedures.models import Appointment, FollowUp, ProcedureResult
from procedures.reports import followup_queries
from procedures.reports.period import Filters
from tests.clinic import MONDAY, NOW, TODAY, at
from tests.factories import AppointmentFactory, PatientFactory, RadiologistFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

LIST = "/followups/"
YESTERDAY = TODAY - timedelta(days=1)


def logged(when=None, *, by=None, **fields) -> ProcedureResult:
    """A result logged through the service, as the admin logs one, for a patient who came."""
    start = when or at(YESTERDAY, "10:00")
    appointment = AppointmentFactory(
        scheduled_start=start,
        status=Appointment.Status.CHECKED_IN,
        radiologist=fields.pop("booked_with", None),
        patient=fields.pop("patient", None) or PatientFactory(),
    )
    values = {
        "outcome": "performed",
        "started_at": start,
        "ended_at": start + timedelta(minutes=40),
        "duct_cannulated": True,
        "findings": ["normal"],
        "birads": "2",
        "recommendation": "routine",
        "performed_by": by,
    }
    values.update(fields)
    if values["outcome"] != "performed":
        values.update(started_at=None, ended_at=None, duct_cannulated=None)
    return services.record_result(ProcedureResult(appointment=appointment, **values), by=by)


def open_ids(user) -> list[int]:
    return [f.appointment_id for f in selectors.open_list(user)]


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-followup="(\d+)"', html)]


def test_a_birads_4b_result_appears_on_the_follow_up_list_and_leaves_it_only_when_an_action_is_recorded(
    client, radiologist
):
    result = logged(by=radiologist, findings=["filling_defect"], birads="4B", recommendation="ultrasound")
    follow_up = FollowUp.objects.get(appointment=result.appointment)
    assert (follow_up.reasons, follow_up.must_act, follow_up.radiologist) == ("BI-RADS 4B", "radiologist", radiologist)
    client.force_login(radiologist)
    html = client.get(LIST).content.decode()
    assert row_ids(html) == [follow_up.pk]
    assert "BI-RADS 4B" in html and "Adaeze Okafor" in html and "Yours" in html

    # Correcting something else, or viewing it, does not close it; only a recorded action does.
    result.report = "Filling defect at 3 o'clock."
    services.record_result(result, by=radiologist)
    refused = client.post(reverse("procedures:followup-action", args=[follow_up.pk]), {"action": ""}, follow=True)
    assert "Nothing recorded for" in refused.content.decode()
    assert open_ids(radiologist) == [result.appointment_id]

    response = client.post(
        reverse("procedures:followup-action", args=[follow_up.pk]),
        {"action": "imaging_arranged", "note": "US-guided biopsy booked for 12 Jun", "next": LIST},
        follow=True,
    )

    said = [str(m) for m in response.context["messages"]]
    assert said == [
        f"Follow-up closed for {result.appointment.patient.full_name}: further imaging or biopsy arranged "
        "(US-guided biopsy booked for 12 Jun). It leaves the list."
    ]
    assert open_ids(radiologist) == []
    html = response.content.decode()
    assert "Nothing to follow up" in html and 'id="followups-closed"' in html and "US-guided biopsy" in html
    follow_up.refresh_from_db()
    assert (follow_up.closed_by, follow_up.closed_at) == (radiologist, NOW)


@pytest.mark.parametrize(
    ("fields", "reasons", "must_act", "rebook_days"),
    [
        ({"birads": "4A", "recommendation": "surgical_referral"}, "BI-RADS 4A; Surgical referral (duct excision)",
         "radiologist", None),
        ({"birads": "3", "recommendation": "short_interval"}, "Short-interval follow-up", "radiologist", None),
        ({"birads": "2", "recommendation": "repeat_ductography"}, "Repeat ductography", "schedulers", 28),
        ({"outcome": "no_discharge", "birads": "", "recommendation": ""}, "Not performed: no discharge on the day",
         "schedulers", 14),
        ({"outcome": "postponed_infection", "birads": "", "recommendation": ""}, "Postponed: infection",
         "schedulers", 28),
        ({"birads": "5", "recommendation": "repeat_ductography"}, "BI-RADS 5; Repeat ductography", "radiologist", 28),
    ],
)  # fmt: skip
def test_who_must_act_and_when_a_rebook_is_due(radiologist, fields, reasons, must_act, rebook_days):
    follow_up = FollowUp.objects.get(appointment=logged(by=radiologist, **fields).appointment)
    assert (follow_up.reasons, follow_up.must_act) == (reasons, must_act)
    assert follow_up.radiologist == (radiologist if must_act == "radiologist" else None)
    expected = YESTERDAY + timedelta(days=rebook_days) if rebook_days else None
    assert follow_up.rebook_from == expected


def test_a_benign_result_opens_none_and_a_correction_opens_updates_or_closes_one(radiologist):
    result = logged(by=radiologist)
    assert not FollowUp.objects.exists()

    result.birads, result.recommendation = "4C", "surgical_referral"
    services.record_result(result, by=radiologist)
    follow_up = FollowUp.objects.get()
    assert follow_up.is_open and follow_up.reasons.startswith("BI-RADS 4C")

    result.birads, result.recommendation = "2", "routine"  # a typing slip, corrected
    services.record_result(result, by=radiologist)
    follow_up.refresh_from_db()
    assert follow_up.action == FollowUp.Action.NO_LONGER_NEEDED and follow_up.closed_by == radiologist

    result.birads = "4A"  # and back: open again
    services.record_result(result, by=radiologist)
    follow_up.refresh_from_db()
    assert follow_up.is_open and follow_up.reasons == "BI-RADS 4A"
    services.record_follow_up_action(follow_up, action="referred_to_surgeons", by=radiologist)

    result.birads = "4B"  # a person recorded the action: a later correction does not reopen it
    services.record_result(result, by=radiologist)
    follow_up.refresh_from_db()
    assert follow_up.action == FollowUp.Action.SURGEONS and not follow_up.is_open
    assert follow_up.history.count() >= 4  # every opening, update and closing is in its history


def test_an_action_is_one_of_the_list_other_needs_a_note_and_a_closed_one_stays_closed(radiologist):
    follow_up = FollowUp.objects.get(appointment=logged(by=radiologist, birads="4A").appointment)
    for action, note, sentence in (
        ("", "", "Choose the action taken from the list."),
        ("no_longer_needed", "", "Choose the action taken from the list."),  # the system's, not a person's
        ("other", "  ", "Say in the note what was done."),
    ):
        with pytest.raises(services.BookingError, match=re.escape(sentence)):
            services.record_follow_up_action(follow_up, action=action, note=note, by=radiologist)
    services.record_follow_up_action(follow_up, action="other", note="Discussed at the MDT", by=radiologist)
    with pytest.raises(services.BookingError, match="already closed on Wed 5 Jun 2030 12:00 by Adaeze Okafor"):
        services.record_follow_up_action(follow_up, action="discharged", by=radiologist)


def test_rebook_in_one_click_opens_the_booking_form_filled_and_booking_closes_the_follow_up(
    client, scheduler, radiologist, room
):
    patient = PatientFactory(given_name="Maya", family_name="Rahman")
    result = logged(by=radiologist, outcome="no_discharge", patient=patient)
    follow_up = FollowUp.objects.get(appointment=result.appointment)
    assert follow_up.rebook_from == YESTERDAY + timedelta(days=14)
    client.force_login(scheduler)
    html = client.get(LIST).content.decode()
    link = f"{reverse('procedures:book')}?rebook={follow_up.pk}"
    assert f'href="{link}">Rebook from 18 Jun</a>' in html

    form = client.get(link)  # one click: the form, filled, on the first day the interval suggests
    assert form.status_code == 200
    booking_form = form.context["form"]
    assert booking_form["patient"].value() == patient.pk
    assert booking_form["start_date"].value() == "2030-06-18"
    assert 'id="booking-rebook"' in form.content.decode()
    assert form.context["free_times"].here  # that day's free times, to book with one more click

    data = {
        "action": "book",
        "rebook": follow_up.pk,
        "patient_source": "existing",
        "patient": patient.pk,
        "room": room.pk,
        "start_date": "2030-06-18",
        "start_time": "10:00",
        "expected_duration": "45",
        "laterality": "left",
        "discharge": "bloody",
    }
    response = client.post(reverse("procedures:book"), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    new = Appointment.objects.get(patient=patient, status=Appointment.Status.BOOKED)
    follow_up.refresh_from_db()
    assert (follow_up.action, follow_up.rebooked_as, follow_up.closed_by) == ("rebooked", new, scheduler)
    assert follow_up.action_note == "Booked for Tue 18 Jun 2030 10:00"
    assert open_ids(scheduler) == []


def test_a_rebook_for_another_patient_is_refused_and_books_nothing(client, scheduler, radiologist, room):
    follow_up = FollowUp.objects.get(
        appointment=logged(by=radiologist, recommendation="repeat_ductography").appointment
    )
    someone_else = PatientFactory()
    client.force_login(scheduler)
    data = {
        "action": "book",
        "rebook": follow_up.pk,
        "patient_source": "existing",
        "patient": someone_else.pk,
        "room": room.pk,
        "start_date": MONDAY.isoformat(),
        "start_time": "10:00",
        "expected_duration": "45",
        "laterality": "left",
        "discharge": "bloody",
    }
    response = client.post(reverse("procedures:book"), data)
    assert response.status_code == 200
    assert "This rebook is for" in response.content.decode()
    assert not Appointment.objects.filter(patient=someone_else).exists()
    assert FollowUp.objects.get(pk=follow_up.pk).is_open


def test_schedulers_see_only_the_rebooks_without_the_results_words_and_act_only_on_those(
    client, scheduler, radiologist
):
    suspicious = FollowUp.objects.get(appointment=logged(by=radiologist, birads="4C").appointment)
    repeat = FollowUp.objects.get(
        appointment=logged(at(YESTERDAY, "14:00"), by=radiologist, recommendation="repeat_ductography").appointment
    )
    client.force_login(scheduler)
    html = client.get(LIST).content.decode()
    assert row_ids(html) == [repeat.pk]
    assert "A rebook asked for by the radiologist" in html
    for words in ("BI-RADS", "Repeat ductography", "4C"):
        assert words not in html, words
    forbidden = client.post(reverse("procedures:followup-action", args=[suspicious.pk]), {"action": "discharged"})
    assert forbidden.status_code == 403
    assert FollowUp.objects.get(pk=suspicious.pk).is_open

    client.force_login(radiologist)  # radiologists see both, with the result's words
    html = client.get(LIST).content.decode()
    assert row_ids(html) == [suspicious.pk, repeat.pk] and "BI-RADS 4C" in html


def test_the_list_says_when_there_is_nothing_to_follow_up_and_the_worklist_links_to_it(client, radiologist):
    client.force_login(radiologist)
    html = client.get(LIST).content.decode()
    assert "Nothing to follow up" in html and "None closed in the last 14 days" in html
    logged(by=radiologist, birads="4A")
    worklist = client.get(reverse("procedures:worklist")).content.decode()
    assert re.search(r'id="followups-link" href="/followups/">Follow-ups open <span[^>]*>1</span>', worklist)
    assert 'href="/followups/">Follow-ups</a>' in worklist  # and in the menu of every page


def test_the_list_runs_the_same_queries_for_2_or_20_follow_ups(client, radiologist):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    made = []

    def add(n: int) -> None:
        for _ in range(n):
            when = at(TODAY - timedelta(days=1 + len(made)), "10:00")  # a day each: no overlap for the radiologist
            made.append(logged(when, by=RadiologistFactory(), birads="4A", booked_with=radiologist))

    client.force_login(radiologist)
    add(2)
    few = queries()
    add(18)
    assert queries() == few


def test_the_appointment_page_shows_its_follow_up_and_the_rebook(client, scheduler, radiologist):
    result = logged(by=radiologist, outcome="cannulation_failed")
    page = reverse("procedures:appointment", args=[result.appointment_id])
    client.force_login(scheduler)
    html = client.get(page).content.decode()
    section = html.split('id="follow-up"', 1)[1].split("</section>", 1)[0]
    assert "A rebook asked for by the radiologist" in section and "the schedulers" in section
    assert f"?rebook={result.appointment.follow_up.pk}" in section


def test_the_report_shows_follow_ups_open_by_age(client, radiologist, scheduler, frozen_now):
    for days_ago in (0, 3, 9, 20, 40, 41):
        frozen_now.move_to(NOW - timedelta(days=days_ago))
        logged(at(TODAY - timedelta(days=days_ago + 1), "10:00"), by=radiologist, birads="4A")
    frozen_now.move_to(NOW - timedelta(days=2))
    logged(at(TODAY - timedelta(days=3), "11:00"), by=radiologist, outcome="no_discharge")
    frozen_now.move_to(NOW)
    services.record_follow_up_action(FollowUp.objects.order_by("opened_at").first(), action="discharged")

    table = followup_queries.followups(Filters("custom", TODAY.replace(day=1), TODAY.replace(day=30)))

    assert table.rows == [
        ["Under a week", 2, 1, 3],
        ["1 to 2 weeks", 1, 0, 1],
        ["2 to 4 weeks", 1, 0, 1],
        ["4 weeks or more", 1, 0, 1],
    ]
    client.force_login(radiologist)
    html = client.get("/reports/").content.decode()
    assert 'id="chart-followups"' in html and "Follow-ups open, by age" in html
    assert client.get("/reports/charts/followups.svg").status_code == 200
    client.force_login(scheduler)  # result data: radiologists only
    assert 'id="chart-followups"' not in client.get("/reports/").content.decode()
    assert client.get("/reports/data/followups.csv").status_code == 404


def test_the_admin_shows_follow_ups_but_nobody_adds_changes_or_deletes_one_there(admin_client, radiologist):
    """Opened and closed by their workflow only: the admin is for looking up."""
    follow_up = FollowUp.objects.get(appointment=logged(by=radiologist, birads="4B").appointment)
    assert admin_client.get("/admin/procedures/followup/").status_code == 200
    assert admin_client.get("/admin/procedures/followup/add/").status_code == 403
    change = f"/admin/procedures/followup/{follow_up.pk}/change/"
    assert admin_client.get(change).status_code == 200  # shown, read-only
    assert admin_client.post(change, {"note": "Closed by hand"}).status_code == 403
    assert admin_client.post(f"/admin/procedures/followup/{follow_up.pk}/delete/", {"post": "yes"}).status_code == 403
    follow_up.refresh_from_db()
    assert follow_up.is_open and FollowUp.objects.count() == 1
