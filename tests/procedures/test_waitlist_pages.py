"""The waiting list's pages (issue 20): on her page a patient says she could come earlier and how much notice she
needs; an offer's link shows the earlier time (and, inside the preparation window, what to do from now) with "Take
this time" and "Keep my time"; staff see /waitlist/ and tick a patient onto it from the appointment's page.

"Now" is Wednesday 5 June 2030, 12:00 in London. The freed time is Friday 7 June 10:00, inside the three-day
preparation window of appointments on Monday 24 June."""

import re
from datetime import timedelta

import pytest

from procedures.links import patient_token
from procedures.models import Appointment, FreedSlot, SlotOffer
from procedures.services import accept_offer, cancel_appointment, set_short_notice
from tests.clinic import FAR, FRIDAY, MONDAY, at
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "own_cache")]

SOON = at(FRIDAY, "10:00")


@pytest.fixture(autouse=True)
def many_pages(settings):
    settings.PATIENT_PAGE_RATE_LIMIT = 1000


def page_of(appointment) -> str:
    return f"/p/{patient_token(appointment)}/"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def amelia(book, room2):
    return book(FAR, room=room2, patient=PatientFactory(given_name="Amelia"))


@pytest.fixture
def offers(book, room2, amelia):
    """Friday 10:00 cancelled; Amelia and Beth (both on the list, booked later) are offered it."""
    set_short_notice(amelia, ok=True)
    beth = set_short_notice(
        book(FAR + timedelta(days=1), room=room2, patient=PatientFactory(given_name="Beth")), ok=True
    )
    cancel_appointment(book(SOON), reason_code=Appointment.CancelReason.UNWELL)
    return SlotOffer.objects.get(appointment=amelia), SlotOffer.objects.get(appointment=beth)


def test_she_says_she_could_come_earlier_with_a_days_notice(client, amelia):
    page = text(client.get(page_of(amelia)))
    assert "Could you come earlier?" in page and "How much notice do you need?" in page
    response = client.post(f"{page_of(amelia)}earlier/", {"join": "1", "hours": "24"}, follow=True)
    amelia.refresh_from_db()
    assert (amelia.short_notice_ok, amelia.short_notice_hours) == (True, 24)
    said = text(response)
    assert "if an earlier time comes free, we will offer it to you by text or email" in said
    assert "You are on our list for an earlier time, with notice of: a day." in said


def test_without_a_notice_chosen_nothing_changes_and_she_is_told(client, amelia):
    response = client.post(f"{page_of(amelia)}earlier/", {"join": "1"}, follow=True)
    assert "Please choose how much notice you need." in text(response)
    amelia.refresh_from_db()
    assert amelia.short_notice_ok is False


def test_she_takes_herself_off_the_list_and_her_offers_are_withdrawn(client, amelia, offers):
    response = client.post(f"{page_of(amelia)}earlier/", {"leave": "1"}, follow=True)
    assert "we will not offer you earlier times" in text(response)
    amelia.refresh_from_db()
    assert amelia.short_notice_ok is False
    assert SlotOffer.objects.get(pk=offers[0].pk).status == SlotOffer.Status.WITHDRAWN


def test_her_page_leads_with_the_offer_while_it_is_open(client, amelia, offers):
    page = text(client.get(page_of(amelia)))
    assert "An earlier time is free: Friday 7 June at 10:00 ." in page
    assert f'href="{page_of(amelia)}offer/{offers[0].pk}/"' in client.get(page_of(amelia)).content.decode()


def test_the_offer_page_says_what_to_do_from_now_and_takes_the_time(client, amelia, offers):
    offer_page = f"{page_of(amelia)}offer/{offers[0].pk}/"
    page = text(client.get(offer_page))
    assert "An earlier time is free: Friday 7 June at 10:00 ." in page
    assert "Your appointment is now on Monday 24 June at 10:00." in page
    assert "If you take it, your preparation starts at once." in page  # Friday is inside the window
    assert "This offer is open until 12:30." in page
    response = client.post(offer_page, {"accept": "1"}, follow=True)
    assert "Done: your appointment is now on Friday 7 June 2030 at 10:00." in text(response)
    assert Appointment.objects.get(pk=amelia.pk).scheduled_start == SOON
    assert "You took this time" in text(client.get(offer_page))


def test_the_second_to_accept_is_told_it_was_taken_and_keeps_her_time(client, offers):
    first, second = offers
    accept_offer(first)
    beth = second.appointment
    response = client.post(f"{page_of(beth)}offer/{second.pk}/", {"accept": "1"}, follow=True)
    assert "Sorry, someone else took this time first. You keep your appointment on Tuesday 25 June at 10:00." in (
        text(response).replace(" .", ".")
    )
    assert Appointment.objects.get(pk=beth.pk).scheduled_start == beth.scheduled_start


def test_keeping_her_time_declines_the_offer(client, amelia, offers):
    response = client.post(f"{page_of(amelia)}offer/{offers[0].pk}/", {"decline": "1"}, follow=True)
    assert "Thank you: you keep your appointment on Monday 24 June at 10:00" in text(response)
    assert SlotOffer.objects.get(pk=offers[0].pk).status == SlotOffer.Status.DECLINED


def test_an_offer_past_its_time_says_it_has_ended(client, amelia, offers, frozen_now):
    frozen_now.shift(timedelta(minutes=31))
    page = text(client.get(f"{page_of(amelia)}offer/{offers[0].pk}/"))
    assert "This offer has ended." in page and "Take this time" not in page


def test_another_patients_offer_or_a_made_up_one_is_not_found(client, amelia, offers):
    assert client.get(f"{page_of(amelia)}offer/{offers[1].pk}/").status_code == 404
    assert client.get(f"{page_of(amelia)}offer/999999/").status_code == 404
    assert client.post(f"{page_of(amelia)}offer/{offers[1].pk}/", {"accept": "1"}).status_code == 404
    assert SlotOffer.objects.get(pk=offers[1].pk).status == SlotOffer.Status.OFFERED


def test_an_offer_outside_the_preparation_window_says_nothing_of_it(client, book, room2):
    later = set_short_notice(book(FAR + timedelta(days=7), room=room2), ok=True)
    cancel_appointment(book(at(MONDAY, "10:00")), reason_code=Appointment.CancelReason.UNWELL)  # 5 days ahead
    offer = SlotOffer.objects.get(appointment=later)
    page = text(client.get(f"{page_of(later)}offer/{offer.pk}/"))
    assert "An earlier time is free: Monday 10 June at 10:00 ." in page
    assert "preparation starts at once" not in page


# --- Staff ------------------------------------------------------------------------------------------------------------


def test_staff_see_who_is_waiting_and_what_became_of_each_freed_time(as_scheduler, offers):
    accept_offer(offers[0])
    page = text(as_scheduler.get("/waitlist/"))
    beth = offers[1].appointment.patient
    assert beth.full_name in page and "A day" in page
    assert "Filled from the waiting list" in page
    assert "Accepted" in page and "Taken by someone else" in page
    assert "Filled from the list: 1" in page


def test_an_empty_waiting_list_says_how_to_fill_it(as_scheduler):
    page = text(as_scheduler.get("/waitlist/"))
    assert "Nobody is on the waiting list." in page and "No times have been freed in the last 14 days." in page


def test_a_scheduler_ticks_a_patient_onto_the_list_from_the_appointment_page(as_scheduler, amelia):
    page = as_scheduler.get(f"/appointments/{amelia.pk}/").content.decode()
    assert 'id="short-notice-ok"' in page
    response = as_scheduler.post(
        f"/waitlist/{amelia.pk}/", {"short_notice_ok": "on", "short_notice_hours": "48"}, follow=True
    )
    assert "On the waiting list" in text(response)
    amelia.refresh_from_db()
    assert (amelia.short_notice_ok, amelia.short_notice_hours) == (True, 48)
    history = amelia.history.first()
    assert history.history_change_reason == "On the waiting list" and history.history_user is not None


def test_a_made_up_notice_is_refused_and_nothing_changes(as_scheduler, amelia):
    response = as_scheduler.post(f"/waitlist/{amelia.pk}/", {"short_notice_ok": "on", "short_notice_hours": "5"})
    assert response.status_code == 302
    amelia.refresh_from_db()
    assert amelia.short_notice_ok is False


def test_a_radiologist_may_look_but_not_tick(as_radiologist, amelia):
    assert as_radiologist.get("/waitlist/").status_code == 200
    assert as_radiologist.post(f"/waitlist/{amelia.pk}/", {"short_notice_ok": "on"}).status_code == 403


def test_the_waiting_list_needs_a_sign_in(client):
    response = client.get("/waitlist/")
    assert response.status_code == 302 and "next=/waitlist/" in response["Location"]


def test_the_admin_lists_freed_times_and_offers_read_only(admin_client, offers):
    assert FreedSlot.objects.count() == 1
    page = admin_client.get("/admin/procedures/freedslot/").content.decode()
    assert "Being offered" in page
    assert admin_client.get("/admin/procedures/slotoffer/").status_code == 200
    assert admin_client.get("/admin/procedures/slotoffer/add/").status_code == 403
