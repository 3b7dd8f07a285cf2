"""The patient's private page (`/p/<token>/`) and its staff side, in one place.

- `views`, `forms`, `rate_limit`, `urls`: what the patient sees and taps, behind the signed link;
- `services`: the only code that writes what the patient sends (answers, reads, requests) and staff's handling;
- `flags`: what those answers mean for staff (badges, reasons to call), computed without a query;
- `next_steps`: what those answers mean for the patient (who calls, how soon, what to do meanwhile);
- `selectors`: the staff pages' reads, each in a fixed number of queries (the schedule's badges, the call list,
  the requests, the appointment page's panel);
- `staff_views`, `staff_urls`: `/requests/`, `/calls/` and logging a call, in the `procedures` namespace.
"""
