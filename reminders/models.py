# The reminder outbox (ReminderRule, Reminder) arrives with the reminders issue; see DESIGN.md.
