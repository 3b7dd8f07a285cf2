"""Calendar feeds for staff: Dr Okafor subscribes her own calendar to her ductograms, an administrator makes one for
Mammo Room 1, and calendar programs read them with conditional requests. No patient's name unless the clinic turns
CALENDAR_FEED_NAMES on; cancelled and missed appointments leave; a revoked feed is gone.
"Now" is Wednesday 5 June 2030, 12:00 London (BST, UTC+1)."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from procedures.calendar_feeds import services
from procedures.models import Appointment, CalendarFeed
from procedures.services import cancel_appointment, mark_no_show
from tests.clinic import MONDAY, NOW, THURSDAY, at
from tests.factories import AppointmentFactory, PatientFactory, RadiologistFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

PAGE = reverse("procedures:calendar-feeds")
NEW = reverse("procedures:calendar-feed-new")


@pytest.fixture
def ama():
    return PatientFactory(given_name="Ama", family_name="Osei", mrn="RX200001")


@pytest.fixture
def colleague():
    return RadiologistFactory(first_name="Tomasz", last_name="Nowak")


@pytest.fixture
def her_week(book, radiologist, colleague, ama, room2):
    """Dr Okafor: Ama on Thursday at 10:00 in Mammo Room 1, another patient on Monday in Mammo Room 2; Dr Nowak has
    one on Thursday afternoon in Mammo Room 1."""
    return {
        "thursday": book(at(THURSDAY, "10:00"), patient=ama, radiologist=radiologist),
        "monday": book(at(MONDAY, "14:00"), radiologist=radiologist, room=room2),
        "colleagues": book(at(THURSDAY, "15:00"), radiologist=colleague),
    }


def token_from(response) -> str:
    """The address shown once on the page, and its token."""
    html = response.content.decode()
    (url,) = re.findall(r'id="feed-url" value="([^"]+)"', html)
    assert url.startswith("http://localhost:8000/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://localhost:8000/calendar/").removesuffix(".ics")


def feed_path(token: str) -> str:
    return reverse("procedures:calendar-feed", args=[token])


def read_feed(token: str, **headers):
    """The feed as a calendar program reads it: not signed in."""
    return Client().get(feed_path(token), headers=headers)


def events(response) -> dict[str, icalendar.Event]:
    """The feed parsed by icalendar, its events by UID."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@localhost"


@pytest.fixture
def her_token(as_radiologist) -> str:
    response = as_radiologist.post(NEW, {"mine": "1"})
    assert response.status_code == 200
    return token_from(response)


# --- Making a feed -------------------------------------------------------------------------------------------------


def test_a_radiologist_makes_a_feed_of_her_own_and_its_address_is_shown_once(as_radiologist, radiologist):
    response = as_radiologist.post(NEW, {"mine": "1"})
    html = response.content.decode()
    assert "Calendar feed made for Adaeze Okafor" in html and "It is shown only this once" in html
    token = token_from(response)
    feed = CalendarFeed.objects.get()
    assert (feed.kind, feed.user, feed.room, feed.created_by) == ("radiologist", radiologist, None, radiologist)
    # Only the token's hash is kept; the page lists the feed afterwards without its address.
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in feed.token_hash
    later = as_radiologist.get(PAGE).content.decode()
    assert f'id="feed-{feed.pk}"' in later and token not in later


def test_a_radiologist_cannot_make_or_revoke_a_feed_for_another_radiologist(as_radiologist, radiologist, colleague):
    refused = as_radiologist.post(NEW, {"subject": f"radiologist-{colleague.pk}"})
    assert refused.status_code == 403
    with pytest.raises(services.FeedError, match="your own ductograms only"):
        services.create_feed(by=radiologist, kind="radiologist", user=colleague)
    assert not CalendarFeed.objects.exists()
    theirs, _ = services.create_feed(by=colleague, kind="radiologist", user=colleague)
    assert as_radiologist.get(reverse("procedures:calendar-feed-revoke", args=[theirs.pk])).status_code == 403
    assert as_radiologist.post(reverse("procedures:calendar-feed-revoke", args=[theirs.pk])).status_code == 403
    assert f'id="feed-{theirs.pk}"' not in as_radiologist.get(PAGE).content.decode()
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_a_scheduler_has_no_feeds_page(as_scheduler):
    assert as_scheduler.get(PAGE).status_code == 403
    assert as_scheduler.post(NEW, {"mine": "1"}).status_code == 403
    assert "Calendar feeds" not in as_scheduler.get(reverse("procedures:patients")).content.decode()


def test_an_administrator_makes_feeds_for_any_radiologist_or_room(client, superuser, colleague, room):
    client.force_login(superuser)
    page = client.get(PAGE).content.decode()
    assert f'value="radiologist-{colleague.pk}"' in page and f'value="room-{room.pk}"' in page
    for subject in (f"radiologist-{colleague.pk}", f"room-{room.pk}"):
        made = client.post(NEW, {"subject": subject})
        assert made.status_code == 200 and token_from(made)
    assert sorted(CalendarFeed.objects.values_list("kind", "user", "room")) == [
        ("radiologist", colleague.pk, None),
        ("room", None, room.pk),
    ]
    assert client.post(NEW, {"subject": ""}).status_code == 400


# --- What a feed says ----------------------------------------------------------------------------------------------


def test_her_feed_lists_her_ductograms_in_utc_with_no_patient_names(her_token, her_week, ama):
    response = read_feed(her_token)
    listed = events(response)
    assert set(listed) == {uid(her_week["thursday"]), uid(her_week["monday"])}
    thursday = listed[uid(her_week["thursday"])]
    # 10:00 in London in June is 09:00 UTC, written with a Z.
    assert thursday.decoded("dtstart") == datetime(2030, 6, 6, 9, 0, tzinfo=UTC)
    assert thursday.decoded("dtend") == datetime(2030, 6, 6, 9, 45, tzinfo=UTC)
    text = response.content.decode()
    assert "DTSTART:20300606T090000Z" in text
    # Calendar programs are told to read it again every 15 minutes (RFC 7986, and Outlook's own property).
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n" in text and "X-PUBLISHED-TTL:PT15M\r\n" in text
    assert str(thursday["summary"]) == "Ductogram, Mammo Room 1"
    assert str(listed[uid(her_week["monday"])]["summary"]) == "Ductogram, Mammo Room 2"
    body = response.content.decode()
    for disclosed in ("Osei", "Ama", "RX200001", her_week["monday"].patient.family_name):
        assert disclosed not in body


def test_the_clinic_may_choose_to_name_patients_in_feeds(her_token, her_week, settings):
    settings.CALENDAR_FEED_NAMES = True
    listed = events(read_feed(her_token))
    assert str(listed[uid(her_week["thursday"])]["summary"]) == "Ductogram: Osei, Ama (RX200001)"


def test_a_rooms_feed_names_the_radiologist(client, superuser, room, her_week):
    client.force_login(superuser)
    token = token_from(client.post(NEW, {"subject": f"room-{room.pk}"}))
    listed = events(read_feed(token))
    assert {uid: str(event["summary"]) for uid, event in listed.items()} == {
        uid(her_week["thursday"]): "Ductogram, Adaeze Okafor",
        uid(her_week["colleagues"]): "Ductogram, Tomasz Nowak",
    }


def test_cancelled_and_missed_appointments_leave_the_feed(her_token, her_week, frozen_now):
    cancel_appointment(her_week["monday"], reason="Patient unwell", reason_code="unwell")
    assert set(events(read_feed(her_token))) == {uid(her_week["thursday"])}
    frozen_now.move_to(at(THURSDAY, "10:30"))
    mark_no_show(her_week["thursday"])
    assert events(read_feed(her_token)) == {}


def test_the_feed_reaches_30_days_back_and_keeps_done_ones(her_token, radiologist, room):
    done = AppointmentFactory(
        radiologist=radiologist, room=room, scheduled_start=NOW - timedelta(days=29), status="completed"
    )
    AppointmentFactory(radiologist=radiologist, room=room, scheduled_start=NOW - timedelta(days=31), status="completed")
    assert set(events(read_feed(her_token))) == {uid(done)}


# --- Conditional requests ------------------------------------------------------------------------------------------


def test_a_calendar_asking_again_gets_304_until_something_changes(her_token, her_week, frozen_now):
    first = read_feed(her_token)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and first.content
    again = read_feed(her_token, if_none_match=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert read_feed(her_token, if_modified_since=last_modified).status_code == 304
    frozen_now.shift(timedelta(minutes=5))
    cancel_appointment(her_week["monday"], reason="Patient unwell", reason_code="unwell")
    changed = read_feed(her_token, if_none_match=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert set(events(changed)) == {uid(her_week["thursday"])}
    assert read_feed(her_token, if_modified_since=last_modified).status_code == 200
    assert read_feed(her_token, if_none_match=changed["ETag"]).status_code == 304


def test_the_same_appointments_give_the_same_bytes_whenever_read(her_token, her_week, frozen_now):
    first = read_feed(her_token)
    frozen_now.shift(timedelta(hours=1))
    assert read_feed(her_token).content == first.content


# --- Revoking ------------------------------------------------------------------------------------------------------


def test_a_revoked_feed_answers_410_and_an_unknown_one_404(as_radiologist, her_token, her_week):
    feed = CalendarFeed.objects.get()
    revoke = reverse("procedures:calendar-feed-revoke", args=[feed.pk])
    asked = as_radiologist.get(revoke)
    assert asked.status_code == 200 and "Revoke the calendar feed for Adaeze Okafor?" in asked.content.decode()
    assert read_feed(her_token).status_code == 200  # asking revokes nothing
    response = as_radiologist.post(revoke)
    assert response.status_code == 302 and response["Location"] == PAGE
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert read_feed(her_token).status_code == 410
    assert read_feed("not-a-token-anyone-made").status_code == 404
    assert 'id="no-feeds"' in as_radiologist.get(PAGE).content.decode()


def test_the_feed_records_when_a_calendar_last_read_it(her_token, frozen_now):
    feed = CalendarFeed.objects.get()
    assert feed.last_used_at is None
    read_feed(her_token)
    feed.refresh_from_db()
    assert feed.last_used_at == NOW
