from functools import cached_property

from django.conf import settings

from . import access as rules
from .clinic_contact import callback_promise


def clinic(request):
    """The clinic's name and contact details, and how soon it calls back (worked out, in the page's language, only
    where a page says it), for every page."""
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_address": settings.CLINIC_ADDRESS,
        "clinic_phone": settings.CLINIC_PHONE,
        # Development only: the staff menu links to the outbox (/dev/outbox/), which does not exist otherwise.
        "development": settings.DEBUG,
        "callback_promise": callback_promise,
    }


class StaffAccess:
    """What the signed-in account may do, as templates ask it (`{% if access.can_book %}`): the same functions as
    the views, so no template names a permission itself. Each answer is worked out when first asked."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def can_book(self) -> bool:
        return rules.can_book(self.user)

    @cached_property
    def can_see_results(self) -> bool:
        return rules.can_see_results(self.user)

    @cached_property
    def can_log_results(self) -> bool:
        return rules.can_log_results(self.user)

    @cached_property
    def can_see_followups(self) -> bool:
        return rules.can_see_followups(self.user)

    @cached_property
    def can_attend(self) -> bool:
        return rules.can_attend(self.user)

    @cached_property
    def can_handle_reminders(self) -> bool:
        return rules.can_handle_reminders(self.user)

    @cached_property
    def can_preview_reminders(self) -> bool:
        return rules.can_preview_reminders(self.user)

    @cached_property
    def can_have_feeds(self) -> bool:
        return rules.can_have_feeds(self.user)


def access(request):
    """`access`: what the signed-in account may do (procedures.access), for every staff page."""
    user = getattr(request, "user", None)
    return {"access": StaffAccess(user)} if user is not None else {}
