from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders"

    def ready(self) -> None:
        from anymail.signals import tracking

        from . import webhooks

        # The email provider's delivery reports, bounces and complaints, through django-anymail's webhooks.
        tracking.connect(webhooks.email_tracking, dispatch_uid="reminders.email_tracking")
