"""The day view by keyboard, in a real browser: Tab reaches the bookings before the free times, and the free times
are one tab stop per room, moved between with the arrow keys (static/js/grid.js).

A clinic day has 70-120 free times; before this, all of them came before the first booking in tab order.
"""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.clinic import at
from tests.e2e.conftest import PASSWORD, sync_api
from tests.factories import AppointmentFactory, PatientFactory, RoomFactory, SchedulerFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FOCUSED = """() => {
  const el = document.activeElement;
  return {
    body: el === document.body,
    free: el.classList.contains("free-slot"),
    booking: !!el.closest(".booking"),
    room: el.dataset.gridCol || null,
    label: el.getAttribute("aria-label") || el.textContent.trim(),
  };
}"""


def clinic_day(days_ahead: int = 7) -> date:
    day = timezone.localdate() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
def day_view(live_server, browser):
    """A scheduler signed in, looking at a clinic day with bookings in the afternoon in two of three rooms, so
    the morning's free times come first on the page."""
    day = clinic_day()
    rooms = [RoomFactory(name=f"Mammo Room {n}") for n in (1, 2, 3)]
    AppointmentFactory(
        patient=PatientFactory(given_name="Amelia", family_name="Hughes"),
        room=rooms[0],
        scheduled_start=at(day, "14:00"),
    )
    AppointmentFactory(
        patient=PatientFactory(given_name="Grace", family_name="O'Neill"),
        room=rooms[1],
        scheduled_start=at(day, "15:00"),
    )
    SchedulerFactory(username="sam", first_name="Sam", last_name="Patel")
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/schedule/%3Fdate%3D{day.isoformat()}")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.locator(".booking")).to_have_count(2)
    yield page, day, rooms
    context.close()


def tab_through(page, limit: int = 200) -> list[dict]:
    """Every stop Tab makes from the top of the page until focus leaves the page (or `limit` stops)."""
    page.locator("body").focus()
    page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop["body"]:
            break  # back on the page itself: every stop has been visited
        stops.append(stop)
    return stops


def test_tabbing_from_the_top_reaches_the_first_booking_before_any_free_time(day_view):
    page, _, rooms = day_view
    stops = tab_through(page)
    first_booking = next(i for i, stop in enumerate(stops) if stop["booking"])
    first_free = next(i for i, stop in enumerate(stops) if stop["free"])
    assert first_booking < first_free, stops[: first_free + 1]
    assert "Amelia Hughes" in " ".join(stop["label"] for stop in stops[first_booking : first_booking + 2])
    # The free times are one stop per room, not one per quarter hour: three rooms, three stops.
    free_stops = [stop for stop in stops if stop["free"]]
    assert [stop["label"] for stop in free_stops] == [f"Book {room.name} at 08:00" for room in rooms]
    assert page.locator(".free-slot").count() > 100  # all still there to click


def test_the_arrow_keys_move_between_free_times_and_enter_opens_the_booking_form(day_view):
    page, day, rooms = day_view
    stops = tab_through(page)
    first_free = next(i for i, stop in enumerate(stops) if stop["free"])
    page.locator("body").focus()
    page.evaluate("() => document.activeElement.blur()")
    for _ in range(first_free + 1):
        page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["label"] == "Book Mammo Room 1 at 08:00"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(FOCUSED)["label"] == "Book Mammo Room 1 at 08:30"
    page.keyboard.press("ArrowRight")
    assert page.evaluate(FOCUSED)["label"] == "Book Mammo Room 2 at 08:30"
    page.keyboard.press("End")
    assert page.evaluate(FOCUSED)["label"] == "Book Mammo Room 2 at 17:45"
    # Room 2's tab stop is now where the arrows left it; room 1's stays at 08:30.
    assert page.locator('.free-slot[tabindex="0"]').evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))"
    ) == [
        "Book Mammo Room 1 at 08:30",
        "Book Mammo Room 2 at 17:45",
        "Book Mammo Room 3 at 08:00",
    ]
    page.keyboard.press("Enter")
    sync_api.expect(page).to_have_url(
        re.compile(rf"/appointments/new/\?room={rooms[1].pk}&start={day.isoformat()}T17:45")
    )
