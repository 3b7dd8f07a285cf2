"""The end of the day (/end-of-day/): the day's appointments still open once their time has passed, each closed in
one click: attended (the result now pending), or did not attend with why and the next step (issue 23).

- `selectors`: the day's rows, those checked in still waiting for their result, and the earlier days left open;
- `forms`, `views`, `urls`: the page, and the two actions (also posted from the appointment page).

The rules are procedures.services.arrival (`record_attended`, `mark_no_show`); a rebook offered goes on the
follow-up list (procedures.services.followups).
"""
