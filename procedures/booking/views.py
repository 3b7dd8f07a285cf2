"""Staff pages: booking, the appointment page and its actions.

Views read requests and render pages; every change of state goes through `procedures.services`.
"""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from procedures import clinic_time
from reminders.wording import too_late_to_arrive_early

from .. import params, services, slots
from ..access import (
    ATTEND,
    BOOK,
    MOVE,
    REGISTER_PATIENT,
    can_attend,
    can_move,
    can_see_results,
    staff_required,
)
from ..end_of_day.forms import DidNotAttendForm
from ..followups import booking as followup_booking
from ..followups import selectors as followup_selectors
from ..languages import ENGLISH, english_name
from ..models import Appointment, Patient, ProcedureResult, ProcedureType
from ..patient_page.selectors import appointment_panel
from ..patients.forms import NewPatientForm
from ..referrals import booking as referral_booking
from . import durations
from .forms import BookingForm, CancelForm, RescheduleForm, start_initial
from .free_times import free_times


def _when(moment: datetime) -> str:
    return clinic_time.date_time(moment)


def _span(appointment: Appointment) -> str:
    return f"{_when(appointment.scheduled_start)}-{clinic_time.time_of_day(appointment.expected_end)}"


def _ductogram() -> ProcedureType:
    return ProcedureType.objects.get(code="DUCTOGRAM")


def _arrive_note(appointment: Appointment) -> str:
    """What the scheduler is told when the time to arrive by has already gone: the messages say "as soon as you can"."""
    if not too_late_to_arrive_early(appointment.scheduled_start, appointment.procedure_type.arrival_lead):
        return ""
    told = "the patient is told" if appointment.patient.can_receive_reminders else "tell the patient"
    return f"; {told} to arrive as soon as they can"


def _reminders_warning(patient: Patient) -> str | None:
    why = patient.why_unreachable()
    if not why:
        return None
    return (
        f"{patient.full_name} {why}: no reminders will go. Give the time and the preparation "
        "(no deodorant, do not express the discharge) yourself."
    )


def _take_slot(request: HttpRequest):
    """A slot button resubmits the whole form; its value ("start", or "start@room" for another room) replaces the
    date, time and room typed."""
    data = request.POST.copy()
    start, _, room = (data.get("take_slot") or "").strip().partition("@")
    slot = params.parse_start(start)
    if slot is not None:
        data.update(start_initial(slot))
        room_id = params.parse_id(room)
        if room_id is not None:
            data["room"] = str(room_id)
    return data


@staff_required(*BOOK)
def book(request: HttpRequest) -> HttpResponse:
    """Book a ductogram; on a refusal the form keeps everything, says why, and offers the next free slots.

    Once the date and duration are known (a link, "Find", "Show free times", a form sent back), the next free
    times are listed before any refusal. A form sent back for another reason (no patient yet, a second booking to
    confirm) is also checked for a clash, so one submission says everything that stands in the way."""
    ductogram, referral = _ductogram(), referral_booking.chosen(request)  # ?referral=<id>: filled from, linked to it
    rebook = followup_booking.chosen(request)  # ?rebook=<follow-up id>: the same, closing the follow-up
    can_register = request.user.has_perm(REGISTER_PATIENT)
    conflict, offered, elsewhere = None, [], []
    if request.method == "POST":
        data = _take_slot(request)
        if data.get("action") in ("search", "times") or _searching(data):
            form = BookingForm(initial=data.dict(), procedure_type=ductogram)
            patient_form = NewPatientForm(initial=_unprefixed(data, "new"), prefix="new")
        else:
            form = BookingForm(data, procedure_type=ductogram)
            patient_form = NewPatientForm(data, prefix="new")
            if not form.is_new_patient:
                patient_form = NewPatientForm(initial=_unprefixed(data, "new"), prefix="new")
            forms_valid = form.is_valid() and (not form.is_new_patient or patient_form.is_valid())
            if form.is_new_patient and not can_register:
                form.add_error("patient_source", "Your account cannot register patients; ask a scheduler.")
                forms_valid = False
            if forms_valid:
                try:
                    appointment = _book(request, form, patient_form, ductogram, (referral, rebook))
                except services.BookingError as exc:
                    conflict = str(exc)
                    offered, elsewhere = _offer(form.cleaned_data)
                except ValidationError as exc:  # the new patient's details, taken since the form was checked
                    patient_form.add_error(None, exc)
                else:
                    return redirect("procedures:appointment", pk=appointment.pk)
            elif (conflict := _clash(form, ductogram)) is not None:
                offered, elsewhere = _offer(form.cleaned_data)
    else:
        # A link's values are read strictly: search words no patient could match find nobody, a patient id that
        # names nobody is said so on the patient field (the form reads it), a room id that means nothing is left out.
        initial = {"patient_query": request.GET.get("q", ""), "patient": request.GET.get("patient")}
        room = params.parse_id(request.GET.get("room"))
        if room is not None:
            initial["room"] = room
        start = params.parse_start(request.GET.get("start"))
        if start is not None:
            initial.update(start_initial(start))
        initial.update(referral_booking.initial(referral))
        initial.update(followup_booking.initial(rebook))
        form = BookingForm(initial=initial, procedure_type=ductogram)
        patient_form = NewPatientForm(prefix="new")
    form.suggest(durations.suggest_for_booking(ductogram, form["radiologist"].value()))
    listed = None
    if conflict is None:
        listed = free_times(
            room=form["room"].value(),
            radiologist=form["radiologist"].value(),
            day=form["start_date"].value(),
            duration=form["expected_duration"].value(),
        )
    return render(
        request,
        "procedures/book.html",
        {
            "form": form,
            "patient_form": patient_form,
            "can_register": can_register,
            "conflict": conflict,
            "offered": offered,
            "offered_elsewhere": elsewhere,
            "free_times": listed,
            "referral": referral,
            "rebook": rebook,
        },
    )


@require_GET
@staff_required(*BOOK)
def free_times_list(request: HttpRequest) -> HttpResponse:
    """The booking form's free times alone, for booking.js to refresh as the fields change (the form's own
    "Show free times" button does the same without script)."""
    duration = request.GET.get("expected_duration") or _ductogram().default_duration
    listed = free_times(
        room=request.GET.get("room"),
        radiologist=request.GET.get("radiologist"),
        day=request.GET.get("start_date"),
        duration=duration,
    )
    return render(request, "procedures/_free_times_list.html", {"free_times": listed})


# The fields a booked time is read from: when none of them has an error, the time can be checked for a clash.
SLOT_FIELDS = ("room", "radiologist", "start_date", "start_time", "expected_duration", "duration_reason")


def _clash(form: BookingForm, procedure_type: ProcedureType) -> str | None:
    """For a form refused for other reasons: the sentence the booking check would give for its time, or None."""
    data = form.cleaned_data
    if any(name in form.errors for name in SLOT_FIELDS) or data.get("start") is None or data.get("room") is None:
        return None
    try:
        services.check_booking(
            procedure_type=procedure_type,
            room=data["room"],
            radiologist=data.get("radiologist"),
            start=data["start"],
            duration=data["expected_duration"],
            duration_reason=data.get("duration_reason", "").strip(),
        )
    except services.BookingError as exc:
        return str(exc)
    return None


def _searching(data) -> bool:
    """Enter pressed in the search box (no patient chosen yet, a name or MRN typed) means find, not book."""
    return (
        data.get("patient_source", BookingForm.EXISTING) == BookingForm.EXISTING
        and not data.get("patient")
        and bool(data.get("patient_query", "").strip())
        and not data.get("take_slot")
    )


def _unprefixed(data, prefix: str) -> dict[str, str]:
    return {key.removeprefix(f"{prefix}-"): value for key, value in data.items() if key.startswith(f"{prefix}-")}


def _offer(cleaned: dict) -> tuple[list[datetime], list[slots.Offer]]:
    room, start = cleaned.get("room"), cleaned.get("start")
    if room is None or start is None:
        return [], []
    return slots.offered_slots(
        room=room,
        after=start,
        duration=cleaned["expected_duration"],
        radiologist=cleaned.get("radiologist"),
        exclude_id=cleaned.get("exclude_id"),
    )


def _book(request: HttpRequest, form: BookingForm, patient_form: NewPatientForm, ductogram, sources) -> Appointment:
    """The new patient, the booking and its referral's or follow-up's link (`sources`) commit together, or not at
    all."""
    referral, rebook = sources
    data = form.cleaned_data
    with transaction.atomic():
        if form.is_new_patient:
            patient = services.register_patient(by=request.user, **patient_form.cleaned_data)
        else:
            patient = data["patient"]
        appointment = services.book_appointment(
            patient=patient,
            procedure_type=ductogram,
            room=data["room"],
            scheduled_start=data["start"],
            expected_duration=data["expected_duration"],
            radiologist=data.get("radiologist"),
            booked_by=request.user,
            laterality=data["laterality"],
            discharge=data["discharge"],
            referrer=data.get("referrer", ""),
            notes=data.get("notes", ""),
            duration_reason=data.get("duration_reason", "").strip(),
        )
        referral_booking.link(referral, appointment, by=request.user)
        followup_booking.link(rebook, appointment, by=request.user)
    messages.success(
        request,
        f"Booked {patient.full_name} ({patient.mrn}) in {appointment.room}, {_span(appointment)}"
        f"{_arrive_note(appointment)}.",
    )
    warning = _reminders_warning(patient)
    if warning:
        messages.warning(request, warning)
    if patient.needs_interpreter:
        language = "" if patient.language == ENGLISH else f" ({english_name(patient.language)})"
        messages.info(
            request, f"{patient.full_name} needs an interpreter{language}: book one for {_span(appointment)}."
        )
    return appointment


def _appointment(pk: int) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("patient", "room", "radiologist", "procedure_type", "created_by"), pk=pk
    )


@require_GET
@staff_required()
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one appointment: details, what the patient told us, reminders, result (for those who may
    read it), history."""
    appointment = _appointment(pk)
    can_see_result = can_see_results(request.user)
    result = None
    if can_see_result:
        result = ProcedureResult.objects.filter(appointment=appointment).select_related("performed_by").first()
    labels = dict(ProcedureResult.Finding.choices)
    history = appointment.history.select_related("history_user", "room").order_by("-history_date", "-history_id")
    return render(
        request,
        "procedures/appointment_detail.html",
        {
            "appointment": appointment,
            "reminders": appointment.reminders.select_related("rule", "fallback_of").order_by("send_at", "pk"),
            "can_see_result": can_see_result,
            "result": result,
            "result_findings": [labels.get(f, f) for f in (result.findings if result else [])],
            "history": history,
            "reminders_warning": _reminders_warning(appointment.patient) if appointment.has_upcoming_status else None,
            "can_move": can_move(request.user) and appointment.can_become(Appointment.Status.CANCELLED),
            "can_reschedule": can_move(request.user) and appointment.has_upcoming_status,
            "can_attend": can_attend(request.user),
            "arrival": services.arrival_actions(appointment),
            "patient_panel": appointment_panel(appointment, request.user),
            "follow_up": followup_selectors.for_appointment(appointment, request.user),
            "no_show_form": DidNotAttendForm(),
        },
    )


@staff_required(*MOVE)
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """A new time or room, checked like a booking; a refusal keeps the form and offers the next free slots."""
    appointment = _appointment(pk)
    conflict, offered, elsewhere = None, [], []
    if request.method == "POST":
        form = RescheduleForm(_take_slot(request), appointment=appointment)
        if form.is_valid():
            data = form.cleaned_data
            old = _span(appointment)
            try:
                moved = services.reschedule_appointment(
                    appointment,
                    new_start=data["start"],
                    room=data["room"],
                    radiologist=data.get("radiologist"),
                    # Left empty, the select unassigns; a post without it (an older form) keeps the radiologist.
                    unassign_radiologist="radiologist" in form.data and data.get("radiologist") is None,
                    expected_duration=data["expected_duration"],
                    duration_reason=data.get("duration_reason"),
                    reason=data["reason"],
                    by=request.user,
                )
            except services.BookingError as exc:
                conflict = str(exc)
                offered, elsewhere = _offer({**data, "exclude_id": appointment.pk})
            else:
                messages.success(
                    request,
                    f"Moved {moved.patient.full_name} from {old} to {_span(moved)} in {moved.room}"
                    f"{_arrive_note(moved)}.",
                )
                warning = _reminders_warning(moved.patient)
                if warning:
                    messages.warning(request, warning)
                return redirect("procedures:appointment", pk=moved.pk)
    else:
        form = RescheduleForm(
            initial={"room": appointment.room_id, **start_initial(appointment.scheduled_start)},
            appointment=appointment,
        )
    return render(
        request,
        "procedures/reschedule.html",
        {
            "appointment": appointment,
            "form": form,
            "conflict": conflict,
            "offered": offered,
            "offered_elsewhere": elsewhere,
        },
    )


@staff_required(*MOVE)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment(pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_appointment(
                appointment,
                reason_code=form.cleaned_data["reason_code"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except services.BookingError as exc:
            messages.error(request, str(exc))
        else:
            told = (
                "A cancellation notice goes to the patient."
                if appointment.patient.can_receive_reminders
                else "No notice can reach the patient: tell them yourself."
            )
            messages.success(request, f"Cancelled {appointment.patient.full_name}'s {_span(appointment)}. {told}")
        return redirect("procedures:appointment", pk=appointment.pk)
    return render(request, "procedures/cancel.html", {"appointment": appointment, "form": form})


def _status_action(operation, done: str):
    @require_POST
    @staff_required(*ATTEND)
    def action(request: HttpRequest, pk: int) -> HttpResponse:
        appointment = _appointment(pk)
        try:
            operation(appointment, by=request.user)
        except services.BookingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done.format(name=appointment.patient.full_name))
        return redirect("procedures:appointment", pk=appointment.pk)

    action.__doc__ = f"POST only: {done.format(name='the patient')}"
    return action


check_in = _status_action(services.check_in, "Checked in {name}.")
# Same-day corrections of a mistaken check-in or did-not-attend (procedures.services.arrival says when).
undo_check_in = _status_action(services.undo_check_in, "Undid the check-in of {name}.")
undo_no_show = _status_action(services.undo_no_show, "Undid the did-not-attend mark of {name}.")
confirm_attendance = _status_action(services.confirm_attendance, "{name} has confirmed they will come.")
