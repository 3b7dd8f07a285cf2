"""Booking: booking a ductogram (finding or registering the patient), the appointment page, moving, cancelling, and
the arrival buttons (check in, did not attend, confirm, and their same-day undo).

- `forms`: what staff type (`BookingForm`, `RescheduleForm`, `CancelForm`);
- `durations`: the learned duration the booking form suggests (reads only);
- `views`, `urls`: the pages, in the `procedures` namespace under /appointments/.
Every change of state goes through `procedures.services`.
"""
