"""Who may do what: the staff roles, the permissions each action needs, and the decorator the staff pages use.

The groups come from migration 0004; a superuser may do everything.
- every staff page: a signed-in, active staff account that can view appointments (Schedulers, Radiologists);
- booking: add_appointment (Schedulers), and add_patient to register a new patient while booking;
- rescheduling and cancelling: add_appointment and change_appointment, since they rewrite the timetable
  (Schedulers; radiologists ask a scheduler);
- check in, did not attend, confirm, close a patient's request, log a call: change_appointment (Schedulers and
  Radiologists, at the front desk);
- correct a patient's contact details: change_patient;
- a logged result: view_procedureresult (Radiologists; schedulers never see reports); logging one:
  add_procedureresult (Radiologists);
- follow-ups (/followups/): radiologists (view_procedureresult) see every open follow-up and record any action;
  schedulers (add_appointment) see and close the ones that are theirs, the rebooks, without the result's words;
- the end of the day's list (/end-of-day/): change_appointment, as check in and did not attend;
- staff calendar feeds (/calendar/): a radiologist makes and revokes her own; change_calendarfeed (given in the admin,
  and every superuser's) makes and revokes anyone's, a room's too;
- send a reminder now, retry a failed one: reminders.change_reminder; preview what reminders will say:
  reminders.view_reminder.

Every role name and permission the code and templates check is named here (templates read them through the
`access` context processor, procedures.context_processors), and so is how a member of staff is named on every
page, export and report (`staff_name`).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest

SCHEDULERS = "Schedulers"
RADIOLOGISTS = "Radiologists"

VIEW = "procedures.view_appointment"
BOOK = ("procedures.add_appointment",)
REGISTER_PATIENT = "procedures.add_patient"
MOVE = ("procedures.add_appointment", "procedures.change_appointment")
ATTEND = ("procedures.change_appointment",)
CHANGE_PATIENT = "procedures.change_patient"
SEE_RESULTS = "procedures.view_procedureresult"
LOG_RESULT = "procedures.add_procedureresult"
HANDLE_REMINDERS = ("reminders.change_reminder",)
PREVIEW_REMINDERS = "reminders.view_reminder"
MANAGE_FEEDS = "procedures.change_calendarfeed"


def staff_required(*perms: str):
    """Anonymous visitors go to the login page; a signed-in account without the role or permission gets 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                # Imported here: the models read this module's role names, and auth's views need the app registry.
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not (user.is_active and user.is_staff and user.has_perms((VIEW, *perms))):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_radiologist(user) -> bool:
    return user.groups.filter(name=RADIOLOGISTS).exists()


def radiologists(*, keeping: int | None = None):
    """Active accounts that can be booked as the radiologist for a ductogram; with `keeping`, also that account
    (the one a booking or a result already names, who may have left since), so a form does not drop it unseen."""
    chosen = Q(groups__name=RADIOLOGISTS, is_active=True)
    if keeping is not None:
        chosen |= Q(pk=keeping)
    return get_user_model().objects.filter(chosen).distinct().order_by("last_name", "first_name")


def can_book(user) -> bool:
    return user.has_perms(BOOK)


def can_move(user) -> bool:
    return user.has_perms(MOVE)


def can_attend(user) -> bool:
    return user.has_perms(ATTEND)


def can_see_results(user) -> bool:
    return user.has_perm(SEE_RESULTS)


def can_change_patients(user) -> bool:
    return user.has_perm(CHANGE_PATIENT)


def can_log_results(user) -> bool:
    return user.has_perm(LOG_RESULT)


def can_see_followups(user) -> bool:
    """The follow-up list has something for this account: every follow-up (results), or the rebooks (booking)."""
    return can_see_results(user) or can_book(user)


def can_act_on_followup(user, must_act: str) -> bool:
    """Whether this account may record the action on a follow-up that `must_act` (a FollowUp.MustAct value):
    radiologists on any, schedulers on theirs."""
    return can_see_results(user) or (must_act == "schedulers" and can_book(user))


def can_handle_reminders(user) -> bool:
    return user.has_perms(HANDLE_REMINDERS)


def can_preview_reminders(user) -> bool:
    return user.has_perm(PREVIEW_REMINDERS)


def can_manage_all_feeds(user) -> bool:
    """Make and revoke any radiologist's or room's calendar feed (an administrator)."""
    return user.has_perm(MANAGE_FEEDS)


def can_have_feeds(user) -> bool:
    """Whether the calendar feeds page has anything for this account: her own feed, or everyone's."""
    return can_manage_all_feeds(user) or is_radiologist(user)


def staff_name(user) -> str:
    """How a member of staff is named on every page, export and report: their full name, else their username;
    "" for nobody (a booking with no radiologist, a change the system made)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
