"""The follow-up list (/followups/): results and missed appointments that ask someone to act, open until the action
taken is recorded (issue 23).

- `selectors`: what each account sees, oldest first; the counts for links and the report's ages;
- `forms`, `views`, `urls`: the list and recording an action;
- `booking`: the glue between a follow-up and the booking form (`/appointments/new/?rebook=<id>`): the form filled
  for the rebook, and the follow-up closed as rebooked in the booking's own transaction.

The rules (what opens one, who acts, the rebook's interval) are procedures.services.followups.
"""
