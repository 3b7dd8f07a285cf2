"""The clinic's calendar as the tests see it: "now" is Wednesday 5 June 2030, 12:00 in London (BST, UTC+1).

Fixtures live in tests/conftest.py; import the names here for dates and times.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2030, 6, 5, 12, 0, tzinfo=LONDON)
TODAY = NOW.date()
THURSDAY = date(2030, 6, 6)
FRIDAY = date(2030, 6, 7)
SATURDAY = date(2030, 6, 8)
MONDAY = date(2030, 6, 10)
# Monday 24 June, 19 days ahead: every reminder stage is still to come.
FAR = datetime(2030, 6, 24, 10, 0, tzinfo=LONDON)


def at(day: date, hhmm: str) -> datetime:
    """`hhmm` on `day`, clinic (London) time."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON)
