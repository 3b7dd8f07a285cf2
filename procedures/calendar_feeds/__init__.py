"""Calendar feeds for staff: a private iCalendar address (/calendar/<token>.ics) per radiologist or per room, for
their own calendar program, made and revoked on /calendar/.

- `services`: making a feed (the token shown once, only its hash kept), revoking it, recording its use; who may;
- `selectors`: the feeds a member of staff may manage, the feed a token opens, its events and when they last changed;
- `ics`: the feed as iCalendar (the `icalendar` library), with no patient names unless CALENDAR_FEED_NAMES;
- `forms`, `views`, `urls`: the page, and the feed itself (no sign-in: the token is the key; 304 when unchanged).
"""
