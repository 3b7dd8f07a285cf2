"""One dispatch, run in this process: for clinics that use cron instead of Celery beat, and for tests."""

from django.core.management.base import BaseCommand

from reminders import queueing, services


class Command(BaseCommand):
    help = "Claim the reminders that are due and send them now, in this process (or --queue them to the workers)."

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="store_true", help="Queue the sends to Celery workers instead.")
        parser.add_argument("--limit", type=int, default=500, help="Most reminders to claim (default 500).")

    def handle(self, *args, queue: bool = False, limit: int = 500, **options):
        sent: list[int] = []

        def send_here(ids: list[int]) -> None:
            for reminder_id in ids:
                try:
                    reminder = services.send_reminder(reminder_id)
                except Exception as exc:  # noqa: BLE001 - one bad row must not stop the batch; its lease brings it back
                    self.stderr.write(f"Reminder {reminder_id} could not be sent: {exc.__class__.__name__}: {exc}")
                    continue
                if reminder is not None and reminder.status == reminder.Status.SENT:
                    sent.append(reminder_id)

        claimed = services.dispatch_due(limit=limit, queue=queueing.queue_sends if queue else send_here)
        if queue:
            self.stdout.write(f"Queued {claimed} reminder(s) for the workers.")
        else:
            self.stdout.write(f"Claimed {claimed} due reminder(s); sent {len(sent)}.")
