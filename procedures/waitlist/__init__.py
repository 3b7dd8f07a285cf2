"""The waiting list for staff: /waitlist/ (who is waiting, the freed times and their offers) and the tick on an
appointment's page that puts it on the list (procedures.services.waitlist holds the rules)."""
