"""The patient's page in the patient's own language: Welsh, Polish and Urdu (right to left) as shipped, English for
a language the clinic does not offer (with one sentence in theirs), and the patient's own switch on the page.

For each shipped language every page state a patient can reach (before and after confirming, the safety questions
with and without errors and what happens after each kind of answer, a request waiting, cancelling herself, stop and
restart, unsubscribe, not found, an expired form) is compared with the same state in English: no sentence of ours may
be left in English; the patient's name, numbers and the clinic's own data (its name and address) are allowed; the
shipped FAQ, preparation and directions are translated.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings
from django.utils import timezone, translation
from django.utils.html import escape

from procedures import clinic_time
from procedures.languages import interpreter_sentence
from procedures.links import patient_token, unsubscribe_token
from procedures.models import Appointment, Patient, SlotOffer
from procedures.patient_page.language import COOKIE
from procedures.patient_page.services import CHOSEN_ON_THE_PAGE, content_hash, log_call, preparation_content
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    SchedulerFactory,
    next_clinic_day,
    offer_of_an_earlier_time,
)
from tests.procedures.page_text import english_words, text_nodes, without_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache")]

TRANSLATED = [code for code in django_settings.SHIPPED_LANGUAGES if code != "en-gb"]
SAFETY_NEEDS_CALL = {
    "discharge_present": "no",
    "pregnant": "no",
    "contrast_allergy": "no",
    "infection": "no",
    "blood_thinners": "no",
    "note": "Aspirin",
}
MESSAGE = "An afternoon would be easier"
TOO_LONG = "x" * 1001  # a message over the limit of 1000 characters


@pytest.fixture(autouse=True)
def many_pages(settings):
    """A patient here opens far more pages than the rate limit allows one address in a minute."""
    settings.PATIENT_PAGE_RATE_LIMIT = 1000


def booked(language: str, *, given_name: str = "Amelia", start=None, **patient) -> Appointment:
    return AppointmentFactory(
        patient=PatientFactory(given_name=given_name, language=language, **patient),
        scheduled_start=start or next_clinic_day(days_ahead=9),
    )


def page(appointment: Appointment) -> str:
    return f"/p/{patient_token(appointment)}/"


def first_offer(url: str) -> str:
    """The first of the times to choose from that the page at `url` offers."""
    return re.findall(r'name="start" value="([^"]+)"', Client().get(url).content.decode())[0]


def every_state(language: str) -> dict[str, str]:
    """Every page state a patient whose record says `language` can reach, as HTML, in the order she reaches them."""
    states: dict[str, str] = {}
    amelia = booked(language)
    p = page(amelia)
    patient = Client()

    def keep(name: str, response, *statuses: int) -> None:
        assert response.status_code in (statuses or (200,)), (name, response.status_code)
        states[name] = response.content.decode()

    keep("page", patient.get(p))
    keep("safety-errors", patient.post(f"{p}safety/", {}), 400)
    keep("change-errors", patient.post(f"{p}change/", {"message": TOO_LONG}), 400)
    keep("confirmed", patient.post(f"{p}confirm/", follow=True))
    keep("answered", patient.post(f"{p}safety/", SAFETY_NEEDS_CALL, follow=True))
    log_call(amelia, by=None)
    keep("called-about-answers", patient.get(p))
    for name, answers in (
        ("answered-not-sure", {"pregnant": "unsure"}),
        ("answered-for-the-day-not-sure", {"discharge_present": "yes", "blood_thinners": "unsure"}),
        ("answered-for-the-day", {"discharge_present": "yes", "contrast_allergy": "yes"}),
        ("answered-all-clear", {"discharge_present": "yes"}),
    ):
        keep(name, patient.post(f"{p}safety/", {**SAFETY_NEEDS_CALL, **answers}, follow=True))
    digest = content_hash(preparation_content(amelia.procedure_type))
    keep("read", patient.post(f"{p}read/", {"content_hash": digest}, follow=True))
    keep("stale-read", patient.post(f"{p}read/", {"content_hash": "old"}, follow=True))
    keep("requested", patient.post(f"{p}change/", {"kind": "cancel", "message": MESSAGE}, follow=True))
    keep("asked-again", patient.post(f"{p}change/", {"kind": "reschedule"}, follow=True))
    keep("stop", patient.get(f"{p}stop/"))
    keep("stopped", patient.post(f"{p}stop/"))
    keep("page-stopped", patient.get(p))
    keep("restart", patient.get(f"{p}restart/"))
    keep("restarted", patient.post(f"{p}restart/", follow=True))
    keep("not-found", patient.get("/p/12345.not-a-real-link/"), 404)  # her cookie says her language

    grace = booked(language, given_name="Grace", start=amelia.scheduled_start + timedelta(hours=2))
    Appointment.objects.filter(pk=grace.pk).update(moved_from=grace.scheduled_start - timedelta(days=2))
    Patient.objects.filter(pk=grace.patient_id).update(sms_stopped_at=timezone.now())
    keep("moved-texts-stopped", Client().get(page(grace)))
    keep("request-reschedule", Client().post(f"{page(grace)}change/", {"kind": "reschedule"}, follow=True))
    keep("unsubscribe", Client().get(f"/u/{unsubscribe_token(grace.patient)}/"))
    keep("unsubscribed", Client().post(f"/u/{unsubscribe_token(grace.patient)}/"))
    keep("restart-texts-stopped", Client().get(f"{page(grace)}restart/"))
    keep("restarted-texts-stopped", Client().post(f"{page(grace)}restart/", follow=True))

    # Choosing another time: a posted time refused, a move of her own, and (request mode) a choice waiting.
    hana = booked(language, given_name="Hana", start=amelia.scheduled_start + timedelta(hours=4))
    keep("choice-refused", Client().post(f"{page(hana)}choose/", {"start": "never"}, follow=True))
    keep("moved-herself", Client().post(f"{page(hana)}choose/", {"start": first_offer(page(hana))}, follow=True))
    with override_settings(PATIENT_SELF_RESCHEDULE="request"):
        ivy = booked(language, given_name="Ivy", start=amelia.scheduled_start + timedelta(hours=6))
        keep("choice-page", Client().get(page(ivy)))
        keep("chose-a-time", Client().post(f"{page(ivy)}choose/", {"start": first_offer(page(ivy))}, follow=True))
    assert Appointment.objects.get(pk=hana.pk).scheduled_start != hana.scheduled_start  # the states are reached
    assert ivy.patient_requests.get().chosen_start is not None

    # Cancelling herself: the form refused without its tick, then cancelled with a reason.
    jana = page(booked(language, given_name="Jana", start=amelia.scheduled_start + timedelta(hours=8)))
    keep("cancel-errors", Client().post(f"{jana}cancel/", {"reason": "unwell", "message": TOO_LONG}), 400)
    keep("cancelled-herself", Client().post(f"{jana}cancel/", {"reason": "unwell", "confirm": "on"}))

    # The waiting list: going on it (and a choice refused), an offer of an earlier time inside the preparation
    # window, taking it, and the offers that end otherwise; then off the list.
    kate = booked(language, given_name="Kate", start=amelia.scheduled_start + timedelta(days=7))
    k = page(kate)
    keep("earlier-errors", Client().post(f"{k}earlier/", {"join": "1"}, follow=True))
    keep("on-the-list", Client().post(f"{k}earlier/", {"join": "1", "hours": "24"}, follow=True))
    offer = offer_of_an_earlier_time(kate)
    keep("page-with-offer", Client().get(k))
    keep("offer", Client().get(f"{k}offer/{offer.pk}/"))
    keep("took-the-offer", Client().post(f"{k}offer/{offer.pk}/", {"accept": "1"}, follow=True))
    keep("offer-accepted", Client().get(f"{k}offer/{offer.pk}/"))
    assert SlotOffer.objects.get(pk=offer.pk).status == SlotOffer.Status.ACCEPTED  # the state is reached
    for status in ("taken", "expired", "withdrawn"):
        ended = offer_of_an_earlier_time(kate, status=status)
        keep(f"offer-{status}", Client().get(f"{k}offer/{ended.pk}/"))
    declined = offer_of_an_earlier_time(kate)
    keep("offer-declined", Client().post(f"{k}offer/{declined.pk}/", {"decline": "1"}, follow=True))
    keep("off-the-list", Client().post(f"{k}earlier/", {"leave": "1"}, follow=True))

    now = timezone.now()
    keep("under-way", Client().get(page(booked(language, given_name="Nia", start=now - timedelta(minutes=30)))))
    keep("arrive-now", Client().get(page(booked(language, given_name="Zofia", start=now + timedelta(minutes=5)))))
    over = booked(language, given_name="Olivia", start=now - timedelta(days=1))
    keep("link-over", Client().get(page(over)), 404)  # no cookie: the link still names her
    keep("form-expired", Client(enforce_csrf_checks=True).post(f"{p}confirm/"), 403)
    keep("language-chosen", Client().post(f"{page(grace)}language/", {"language": language}, follow=True))
    return states


def clinic_data() -> list[str]:
    """What the clinic wrote (or the patient did), left as it is in any language."""
    return [
        django_settings.CLINIC_NAME,
        django_settings.CLINIC_ADDRESS,
        django_settings.CLINIC_PHONE,
        "Level 2, Rose Wing",
        "Ductogram",
        "ductogram",
        MESSAGE,
        TOO_LONG,
        "Aspirin",
        "STOP",
        "START",
        "Amelia",
        "Grace",
        "Nia",
        "Zofia",
        "Olivia",
        "Hana",
        "Ivy",
        *(name for code, name in django_settings.LANGUAGES),
    ]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_patient_page_state_is_in_the_patients_language_with_no_english_sentence_left(language):
    english = every_state("en-gb")
    translated = every_state(language)
    assert set(english) == set(translated)
    data = clinic_data()
    left = []
    for name, html in translated.items():
        ours = {without_data(node, data) for node in text_nodes(english[name])} - {""}
        assert len(ours) >= 2, f"{name}: the English page has no wording of ours to compare with"
        for node in text_nodes(html):
            rest = without_data(node, data)
            if rest and (rest in ours or english_words(rest)):
                left.append(f"{name}: {node!r}")
        assert f'lang="{language}"' in html, name
    assert not left, f"English left in {language}:\n" + "\n".join(left)


def test_the_comparison_does_find_an_english_sentence_left(settings):
    """The check can fail: with the Welsh catalogue unused (Welsh left out of the offered languages, so a Welsh
    patient reads English), every state is English and flagged."""
    settings.PATIENT_LANGUAGES = ["en-gb"]
    english = text_nodes(every_state("en-gb")["page"])
    welsh = text_nodes(every_state("cy")["page"])
    data = clinic_data()
    ours = {without_data(node, data) for node in english}
    assert [node for node in welsh if without_data(node, data) in ours - {""}]
    assert english_words("Thank you: we have your answers.")


# --- The language on the wire: <html lang>, dir, Content-Language ----------------------------------------------------


def test_a_welsh_patients_page_says_cy_in_its_header_and_its_html(client):
    response = client.get(page(booked("cy")))
    html = response.content.decode()
    assert response["Content-Language"] == "cy"
    assert '<html lang="cy"' in html and 'dir="rtl"' not in html
    assert "Helo Amelia" in html and "Ydych chi'n dod?" in html
    assert response.cookies[COOKIE].value == "cy"


def test_a_polish_patients_page_writes_her_date_as_polish_does_the_month_in_the_genitive(client):
    """The page's dates come from procedures.clinic_time, the one place a language's way of writing them is kept."""
    appointment = booked("pl", start=next_clinic_day(days_ahead=9))
    with translation.override("pl"):
        expected = clinic_time.day_and_month(appointment.scheduled_start)  # e.g. "czwartek, 17 grudnia"
        full = clinic_time.long_date(appointment.scheduled_start)
    html = client.get(page(appointment)).content.decode()
    assert f'<strong id="appointment-date">{expected}</strong>' in html
    assert full in html
    assert expected == expected.lower() and expected.split(" ")[-1] in POLISH_GENITIVE_MONTHS


POLISH_GENITIVE_MONTHS = {
    "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca",
    "lipca", "sierpnia", "września", "października", "listopada", "grudnia",
}  # fmt: skip


def test_an_urdu_patients_page_is_right_to_left(client):
    response = client.get(page(booked("ur")))
    html = response.content.decode()
    assert response["Content-Language"] == "ur"
    assert '<html lang="ur" dir="rtl">' in html
    assert "کیا آپ آ رہی ہیں؟" in html


def test_on_an_urdu_page_the_clinics_number_stays_whole_left_to_right(client, settings):
    """Without an isolate, the bidirectional algorithm shows "+44 20 7946 0000" as "20 7946 0000+44" in Urdu."""
    amelia = booked("ur")
    html = client.get(page(amelia)).content.decode()
    assert html.count(f'<span dir="ltr">{settings.CLINIC_PHONE}</span>') >= 2  # "if you cannot come", the footer
    said = client.post(f"{page(amelia)}safety/", SAFETY_NEEDS_CALL, follow=True).content.decode()
    tap_to_call = f'<a href="tel:+442079460000"><span dir="ltr">{settings.CLINIC_PHONE}</span></a>'
    assert tap_to_call in said.split('id="what-next"')[1]  # what happens next: "if it is urgent, call us on ..."
    english = client.post(f"{page(booked('en-gb', given_name='Grace'))}safety/", SAFETY_NEEDS_CALL, follow=True)
    assert f"or we have not called you by then, call us on {tap_to_call}." in english.content.decode()


def test_an_english_patients_page_stays_en_gb(client):
    response = client.get(page(booked("en-gb")))
    assert response["Content-Language"] == "en-GB"
    assert '<html lang="en-GB">' in response.content.decode()


def test_the_safety_questions_and_their_answers_are_in_the_patients_language_and_staff_see_english(client):
    amelia = booked("pl")
    response = client.post(f"{page(amelia)}safety/", SAFETY_NEEDS_CALL, follow=True)
    html = response.content.decode()
    assert "Czy wydzielina z brodawki nadal się pojawia?" in html
    assert "Nie, ustała" in html  # the answer shown back, in her words
    assert "zadzwoni do Pani w ciągu dwóch dni roboczych</strong>, i to przed wizytą" in html
    staff = Client()
    staff.force_login(SchedulerFactory())
    staff_html = staff.get(f"/appointments/{amelia.pk}/").content.decode()
    assert "Is the nipple discharge still there?" in staff_html or "Discharge stopped" in staff_html
    assert "Czy wydzielina" not in staff_html


def test_form_errors_on_the_patients_forms_are_translated(client):
    html = client.post(f"{page(booked('cy'))}change/", {"message": TOO_LONG}).content.decode()
    assert "Dewiswch un." in html  # "Please choose one."
    assert "Cadwch hyn i 1000 nod neu lai (ysgrifennoch 1001)." in html


# --- Staff pages stay English ----------------------------------------------------------------------------------------


def test_a_staff_page_right_after_a_welsh_patient_page_in_the_same_thread_is_english(client):
    welsh = booked("cy")
    assert "Helo Amelia" in client.get(page(welsh)).content.decode()
    assert translation.get_language() == "en-gb"
    staff = Client()
    staff.force_login(SchedulerFactory())
    response = staff.get(f"/appointments/{welsh.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en-GB">' in html and "Sign out" in html
    assert "Content-Language" not in response.headers
    # A staff 404 is English too, whatever the patient cookie in the same browser says.
    client.cookies[COOKIE] = "cy"
    assert "Page not found" in client.get("/no-such-staff-page/").content.decode()


# --- Links that name nobody, or no longer open a page --------------------------------------------------------------


def test_a_tampered_link_answers_in_the_language_the_patients_own_page_last_used(client):
    client.get(page(booked("pl")))
    response = client.get("/p/12345.tampered/")
    assert response.status_code == 404
    assert response["Content-Language"] == "pl"
    assert "Nie znaleziono strony" in response.content.decode()
    # A path under /p/ that names no page at all is a patient link too.
    assert client.get("/p/12345.tampered/more/than/a/page/")["Content-Language"] == "pl"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("ur-PK,ur;q=0.9,en;q=0.5", "ur"), ("de-DE,en-GB;q=0.8,cy;q=0.5", "en-GB"), ("fr,cy;q=0.3", "cy"), ("", "en-GB")],
)
def test_without_the_cookie_a_tampered_link_answers_in_the_browsers_language_among_those_offered(accept, expected):
    response = Client(HTTP_ACCEPT_LANGUAGE=accept).get("/p/12345.tampered/")
    assert response.status_code == 404
    assert response["Content-Language"] == expected
    assert f'<html lang="{expected}"' in response.content.decode()


def test_a_language_left_out_of_the_offer_is_not_taken_from_the_browser(settings):
    settings.PATIENT_LANGUAGES = ["en-gb", "cy"]
    response = Client(HTTP_ACCEPT_LANGUAGE="pl").get("/p/12345.tampered/")
    assert response["Content-Language"] == "en-GB"


def test_a_link_whose_day_is_over_says_so_in_the_patients_language_without_any_cookie():
    over = booked("cy", start=timezone.now() - timedelta(days=2))
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(page(over))
    assert response.status_code == 404
    assert response["Content-Language"] == "cy"
    assert "Heb ddod o hyd i'r dudalen" in response.content.decode()


def test_an_expired_form_on_an_urdu_patients_page_says_so_in_urdu():
    amelia = booked("ur")
    response = Client(enforce_csrf_checks=True).post(f"{page(amelia)}safety/", SAFETY_NEEDS_CALL)
    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="ur" dir="rtl">' in html
    assert "براہ کرم دوبارہ کوشش کریں" in html and page(amelia) in html


# --- A language the clinic does not offer ----------------------------------------------------------------------------


def test_a_language_left_out_of_patient_languages_gives_english_and_one_sentence_in_the_patients_own(client, settings):
    settings.PATIENT_LANGUAGES = ["en-gb", "cy", "ur"]
    response = client.get(page(booked("pl")))
    html = response.content.decode()
    assert response["Content-Language"] == "en-GB"
    assert '<html lang="en-GB">' in html and "Hello Amelia" in html
    sentence = interpreter_sentence("pl")
    assert sentence and sentence != interpreter_sentence("ro")
    assert f'<p class="notice info" id="interpreter" lang="pl" dir="ltr">{escape(sentence)}</p>' in html
    assert '<option value="pl"' not in html  # and she cannot choose it


def test_a_patient_who_reads_a_language_we_do_not_ship_gets_english_and_the_sentence_in_her_language(client):
    html = client.get(page(booked("ar"))).content.decode()
    assert '<html lang="en-GB">' in html
    assert 'id="interpreter" lang="ar" dir="rtl"' in html
    assert "يرجى الاتصال بنا" in html


# --- The patient's own choice --------------------------------------------------------------------------------------


def test_switching_to_welsh_on_the_page_keeps_it_on_the_patient_and_the_next_page_is_welsh(client):
    amelia = booked("en-gb")
    response = client.post(f"{page(amelia)}language/", {"language": "cy"})
    assert response.status_code == 302
    assert response["Content-Language"] == "cy" and response.cookies[COOKIE].value == "cy"
    amelia.patient.refresh_from_db()
    assert amelia.patient.language == "cy"
    latest = amelia.patient.history.first()
    assert latest.language == "cy" and latest.history_change_reason == CHOSEN_ON_THE_PAGE
    html = client.get(response["Location"]).content.decode()
    assert '<html lang="cy"' in html and "Helo Amelia" in html
    assert escape("Diolch: mae'r dudalen hon a'n negeseuon atoch nawr yn yr iaith hon.") in html
    assert '<option value="cy" lang="cy" selected>Cymraeg</option>' in html


def test_the_switch_offers_each_offered_language_in_its_own_name(client):
    html = client.get(page(booked("ur"))).content.decode()
    for code, name in (("en-gb", "English"), ("cy", "Cymraeg"), ("pl", "Polski"), ("ur", "اردو")):
        assert f'<option value="{code}" lang="{code}"' in html and f">{name}</option>" in html


def test_a_language_not_offered_cannot_be_chosen(client, settings):
    settings.PATIENT_LANGUAGES = ["en-gb", "cy"]
    amelia = booked("cy")
    response = client.post(f"{page(amelia)}language/", {"language": "pl"}, follow=True)
    amelia.patient.refresh_from_db()
    assert amelia.patient.language == "cy"
    assert escape("Dewiswch iaith o'r rhestr.") in response.content.decode()


def test_choosing_english_keeps_the_record_of_a_language_not_offered(client):
    """A Romanian reader is spoken to in English already: choosing English keeps her language (and its sentence)."""
    amelia = booked("ro")
    client.post(f"{page(amelia)}language/", {"language": "en-gb"})
    amelia.patient.refresh_from_db()
    assert amelia.patient.language == "ro"
