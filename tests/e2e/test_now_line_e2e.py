"""Today's "now" line on the day grid moves with the clock, in a real browser: the page made at 10:02 shows the line
at 10:02, half an hour later (the page never reloaded) at 10:32, and after the clinic closes the line is gone.

The server's clock and the browser's are both set: time_machine for the live server (it runs in this process),
Playwright's clock for the page."""

from datetime import time, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client

from procedures.schedule import ROW_MINUTES
from tests.e2e.conftest import sync_api
from tests.factories import RoomFactory, SchedulerFactory, next_clinic_day

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def grid_row(clock_time: time) -> str:
    """The grid row the line sits in at `clock_time`: the rooms' header row, then a row per 5 minutes from 08:00."""
    minutes = (clock_time.hour - 8) * 60 + clock_time.minute
    return str(minutes // ROW_MINUTES + 2)


def test_the_now_line_follows_the_clock_without_a_reload(live_server, browser):
    moment = next_clinic_day(days_ahead=3, at=time(10, 2))
    with time_machine.travel(moment, tick=True):
        RoomFactory(name="Mammo Room 1")
        client = Client()
        client.force_login(SchedulerFactory())
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
        page = context.new_page()
        page.clock.install(time=moment)
        page.goto(f"{live_server.url}/")

        line = page.locator("#now-line")
        expect = sync_api.expect
        expect(line).to_have_attribute("data-grid-row", grid_row(time(10, 2)))
        expect(line).to_contain_text("Now 10:02")
        top = line.bounding_box()["y"]

        page.clock.run_for(int(timedelta(minutes=30).total_seconds() * 1000))
        expect(line).to_have_attribute("data-grid-row", grid_row(time(10, 32)))
        expect(line).to_contain_text("Now 10:32")
        assert line.bounding_box()["y"] > top  # drawn lower down the grid, not only renumbered

        page.clock.run_for(int(timedelta(hours=8).total_seconds() * 1000))  # 18:32: the clinic has closed
        expect(line).to_be_hidden()
        context.close()
