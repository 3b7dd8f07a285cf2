"""The patient's page behind the private link in every reminder: /p/<token>/; and the one-click unsubscribe behind
every email's List-Unsubscribe header: /u/<token>/.

No login: the signed token is the key. Every way a link can be wrong (tampered, unknown, for a cancelled
appointment, or its day over) gives the same 404, so a link reveals nothing about whether an appointment exists.
Every page and every tap is rate limited per client address (`rate_limit`), and nothing here names the patient
beyond their given name: no MRN, no date of birth, no family name. Everything works without JavaScript: forms post
and redirect back.
"""

from collections import OrderedDict
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.csrf import csrf_exempt

from reminders import services as reminders
from reminders.channels import channels as registered_channels

from .. import clinic_time
from ..clinic_contact import callback_promise
from ..links import appointment_id_from_token, patient_id_from_unsubscribe_token
from ..models import Appointment, FaqEntry, Patient, PatientRequest, PreparationRead, SafetyAnswers
from ..services import BookingError, confirm_attendance
from ..translations import directions_in
from .forms import (
    CancelForm,
    ChangeRequestForm,
    LanguageForm,
    PreparationReadForm,
    SafetyQuestionsForm,
    ShortNoticeForm,
)
from .language import Speaking, render_for_patient
from .next_steps import answered_message, next_steps
from .rate_limit import patient_view
from .selectors import open_offer_for, times_to_choose
from .services import (
    PatientActionError,
    StaleContent,
    TimeTaken,
    acknowledge_move,
    answer_safety_questions,
    cancel_herself,
    choose_language,
    choose_new_time,
    content_hash,
    faq_entries,
    preparation_content,
    record_preparation_read,
    request_change,
    restart_reminders,
)


def appointment_for(token: str) -> Appointment:
    """The appointment a token names, while its link is still good; otherwise 404, the same for every reason."""
    appointment_id = appointment_id_from_token(token)
    appointment = (
        Appointment.objects.select_related("patient", "procedure_type", "room").filter(pk=appointment_id).first()
        if appointment_id
        else None
    )
    if (
        appointment is None
        or appointment.status in (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW)
        or clinic_time.day_of(appointment.scheduled_start) < clinic_time.today()
    ):
        raise Http404("No such page.")
    return appointment


def _faq_by_topic(entries: list[FaqEntry]) -> "OrderedDict[str, list[FaqEntry]]":
    labels = dict(FaqEntry.Topic.choices)
    grouped: OrderedDict[str, list[FaqEntry]] = OrderedDict((label, []) for label in labels.values())
    for entry in entries:
        grouped[labels[entry.topic]].append(entry)
    return OrderedDict((topic, entries) for topic, entries in grouped.items() if entries)


def _render_page(
    request: HttpRequest,
    token: str,
    appointment: Appointment,
    *,
    safety_form: SafetyQuestionsForm | None = None,
    change_form: ChangeRequestForm | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    procedure = appointment.procedure_type
    entries = faq_entries(procedure)
    content = preparation_content(procedure, entries)
    digest = content_hash(content)
    latest_answers = SafetyAnswers.objects.filter(appointment=appointment).first()
    reads = list(PreparationRead.objects.filter(appointment=appointment).order_by("-read_at")[:1])
    waiting = PatientRequest.objects.awaiting_staff().changes().filter(appointment=appointment).first()
    choosing = settings.PATIENT_SELF_RESCHEDULE != "off" and waiting is None and appointment.is_upcoming()
    return render_for_patient(
        request,
        "patient/page.html",
        {
            "token": token,
            "appointment": appointment,
            "given_name": appointment.patient.given_name,
            "start": clinic_time.local(appointment.scheduled_start),
            # After a move, the time the patient last knew of, until they have seen the change ("Got it").
            "moved_from": clinic_time.local(appointment.moved_from) if appointment.moved_from else None,
            "arrival": clinic_time.local(appointment.arrival_time),
            "preparation": content["preparation"],
            "directions": directions_in(translation.get_language(), appointment.room) or appointment.room.name,
            "faq": _faq_by_topic(entries),
            "confirmed": appointment.status == Appointment.Status.CONFIRMED,
            "can_act": appointment.is_upcoming(),
            "opted_out": appointment.patient.reminders_opt_out_at is not None,
            "texts_stopped": appointment.patient.sms_stopped_at is not None,
            "safety_form": safety_form or SafetyQuestionsForm(initial=SafetyQuestionsForm.initial_from(latest_answers)),
            "latest_answers": latest_answers,
            "answers_shown": latest_answers.shown() if latest_answers else [],
            "next_steps": next_steps(latest_answers),
            "read_form": PreparationReadForm(initial={"content_hash": digest}),
            "last_read": reads[0] if reads else None,
            "read_is_current": bool(reads) and reads[0].content_hash == digest,
            "change_form": change_form or ChangeRequestForm(),
            "waiting_request": waiting,
            "times_to_choose": times_to_choose(appointment) if choosing else None,
            "choice_needs_approval": settings.PATIENT_SELF_RESCHEDULE == "request",
            "cancel_form": cancel_form or CancelForm(),
            "can_cancel": settings.PATIENT_SELF_RESCHEDULE == "direct" and appointment.is_upcoming(),
            "language_form": LanguageForm(initial={"language": translation.get_language()}),
            "open_offer": (offer := open_offer_for(appointment)),
            "offer_start": clinic_time.local(offer.freed_slot.start) if offer else None,
            "earlier_form": ShortNoticeForm(initial={"hours": appointment.short_notice_hours}),
        },
        status=status,
    )


def _back(token: str, anchor: str) -> HttpResponse:
    """Back to the page, at the section the patient was in ("top": messages meant for the top of the page)."""
    url = reverse("patient:page", args=[token])
    return redirect(url if anchor == "top" else f"{url}#{anchor}")


@patient_view("GET", "HEAD")
def page(request: HttpRequest, token: str) -> HttpResponse:
    return _render_page(request, token, appointment_for(token))


@patient_view("POST")
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    appointment = appointment_for(token)
    try:
        if not appointment.is_upcoming():
            raise BookingError("under way")
        confirm_attendance(appointment)
    except BookingError:
        messages.info(request, _("Your appointment is already under way, so there is nothing to confirm."), "coming")
    else:
        acknowledge_move(appointment)  # confirming the new time is seeing it
        messages.success(request, _("Thank you: we have recorded that you are coming."), "coming")
    return _back(token, "coming")


@patient_view("POST")
def moved(request: HttpRequest, token: str) -> HttpResponse:
    """ "Got it": the patient has seen that their appointment moved; the page stops saying so."""
    acknowledge_move(appointment_for(token))
    return _back(token, "top")


@patient_view("POST")
def safety(request: HttpRequest, token: str) -> HttpResponse:
    """The safety questions: kept with the time; answers that may stop the exam put the patient on the call list."""
    appointment = appointment_for(token)
    form = SafetyQuestionsForm(request.POST)
    if not form.is_valid():  # the form's error summary says what is wrong (no message beside it)
        return _render_page(request, token, appointment, safety_form=form, status=400)
    try:
        answers, _new = answer_safety_questions(appointment, **form.cleaned_data)
    except PatientActionError as exc:
        messages.info(request, str(exc))
        return _back(token, "top")
    said = answered_message(answers)
    messages.add_message(request, messages.WARNING if answers.needs_call else messages.SUCCESS, said, "safety")
    return _back(token, "safety")


@patient_view("POST")
def read(request: HttpRequest, token: str) -> HttpResponse:
    """ "I have read the preparation": one tap records when, and exactly the content the page showed."""
    appointment = appointment_for(token)
    form = PreparationReadForm(request.POST)
    seen = form.cleaned_data["content_hash"] if form.is_valid() else ""
    try:
        record_preparation_read(appointment, seen_hash=seen)
    except StaleContent as exc:
        messages.warning(request, str(exc), "prepare")
    except PatientActionError as exc:
        messages.info(request, str(exc))
        return _back(token, "top")
    else:
        messages.success(request, _("Thank you for reading how to get ready."), "prepare")
    return _back(token, "prepare")


@patient_view("POST")
def change(request: HttpRequest, token: str) -> HttpResponse:
    """Ask to reschedule or cancel: staff see it, with the patient's words, and get in touch."""
    appointment = appointment_for(token)
    form = ChangeRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.problem(), "change")
        return _render_page(request, token, appointment, change_form=form, status=400)
    try:
        _request, new = request_change(appointment, **form.cleaned_data)
    except PatientActionError as exc:
        messages.info(request, str(exc))
        return _back(token, "top")
    if new:
        said = _("Thank you: we have your request and will contact you {promise}.")
        messages.success(request, said.format(promise=callback_promise()), "change")
    else:
        said = _("We already have a request from you and will contact you {promise}.")
        messages.info(request, said.format(promise=callback_promise()), "change")
    return _back(token, "change")


@patient_view("POST")
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    """She cancels at once (PATIENT_SELF_RESCHEDULE "direct"), with a reason and a tick; her page is gone after."""
    appointment = appointment_for(token)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.problem(), "cancel")
        return _render_page(request, token, appointment, cancel_form=form, status=400)
    try:
        cancel_herself(appointment, reason_code=form.cleaned_data["reason"], message=form.cleaned_data["message"])
    except PatientActionError as exc:
        messages.info(request, str(exc))
        return _back(token, "top")
    start = clinic_time.local(appointment.scheduled_start)
    return render_for_patient(request, "patient/cancelled.html", {"appointment": appointment, "start": start})


def _posted_start(request: HttpRequest) -> datetime | None:
    try:
        start = datetime.fromisoformat(request.POST.get("start", ""))
    except ValueError:
        return None
    return start if start.tzinfo is not None else None


@patient_view("POST")
def choose(request: HttpRequest, token: str) -> HttpResponse:
    """The patient picks one of the free times their page offered: moved at once, or asked of staff, as the
    clinic's PATIENT_SELF_RESCHEDULE says. A time gone meanwhile (or never offered) is refused with fresh times."""
    appointment = appointment_for(token)
    start = _posted_start(request)
    try:
        if start is None:
            raise TimeTaken(_("Please choose one of the times below."))
        moved, _request = choose_new_time(appointment, start=start)
    except TimeTaken as exc:
        messages.warning(request, str(exc), "choose")
        return _back(token, "choose")
    except PatientActionError as exc:
        messages.info(request, str(exc))
        return _back(token, "top")
    when = clinic_time.local(start)
    words = {
        "day": formats.date_format(when, pgettext("date format: weekday, day and month", "l j F")),
        "time": formats.time_format(when, "H:i"),
    }
    if settings.PATIENT_SELF_RESCHEDULE == "request":
        said = _("Thank you: we have your choice of {day} at {time} and will confirm it {promise}.").format(
            promise=callback_promise(), **words
        )
        messages.success(request, said, "change")
        return _back(token, "change")
    acknowledge_move(moved)  # she chose it: the page need not tell her it moved
    messages.success(request, _("Done: your appointment is now on {day} at {time}.").format(**words))
    return _back(token, "top")


@patient_view("GET", "HEAD", "POST")
def stop(request: HttpRequest, token: str) -> HttpResponse:
    """A confirmation step first: a link preview or a mistaken tap must not opt anyone out."""
    appointment = appointment_for(token)
    if request.method == "POST":
        reminders.opt_out(appointment.patient)
        return render_for_patient(request, "patient/stopped.html", {"token": token, "appointment": appointment})
    return render_for_patient(request, "patient/stop.html", {"token": token, "appointment": appointment})


@patient_view("GET", "HEAD", "POST")
def restart(request: HttpRequest, token: str) -> HttpResponse:
    """Start reminders again, after a confirmation step like stopping them; texts only if no STOP reply stands."""
    appointment = appointment_for(token)
    patient = appointment.patient
    if patient.reminders_opt_out_at is None:
        return _back(token, "reminders")
    if request.method == "POST":
        channels = restart_reminders(appointment)
        stopped = patient.sms_stopped_at is not None
        messages.success(request, _restarted_message(channels, texts_stopped=stopped), "reminders")
        return _back(token, "reminders")
    context = {"token": token, "appointment": appointment, "texts_stopped": patient.sms_stopped_at is not None}
    return render_for_patient(request, "patient/restart.html", context)


# The built-in channels' words as the patient's page names them ("by email", "by text", "by letter"), for the
# catalogue; a channel added later is named as its `patient_word` says until its word is translated here.
CHANNEL_WORDS = (
    pgettext_lazy("reminders by", "email"),
    pgettext_lazy("reminders by", "text"),
    pgettext_lazy("reminders by", "letter"),
)


def _in_words(items: list[str]) -> str:
    """["email", "text", "letter"] -> "email, text and letter", in the active language's way of listing."""
    if len(items) < 2:
        return "".join(items)
    first = items[0]
    for item in items[1:-1]:
        first = pgettext("a list", "{first}, {next}").format(first=first, next=item)
    return pgettext("a list", "{first} and {last}").format(first=first, last=items[-1])


def _restarted_message(channels: frozenset[str], *, texts_stopped: bool) -> str:
    words = [
        pgettext("reminders by", channel.patient_word)
        for slug, channel in registered_channels().items()
        if slug in channels
    ]
    if words:
        said = _("Thank you: we will send you reminders by {channels} again.").format(channels=_in_words(words))
    else:
        said = _("Thank you: reminders are on again.")
    if texts_stopped:
        said += " " + _("Texts stay off because you replied STOP to one of our texts: reply START to have them again.")
    return said


@patient_view("POST")
def language(request: HttpRequest, token: str) -> HttpResponse:
    """The patient chooses the language of their page and of our messages from now on."""
    appointment = appointment_for(token)
    form = LanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a language from the list."))
        return _back(token, "top")
    spoken = choose_language(appointment, language=form.cleaned_data["language"])
    request.patient_speaking = Speaking(spoken, spoken)
    with translation.override(spoken):
        messages.success(request, _("Thank you: this page and our messages to you are now in this language."))
    return _back(token, "top")


# The one-click unsubscribe (RFC 8058). A mailbox provider's "Unsubscribe" posts `List-Unsubscribe=One-Click` to the
# header's URL with no cookie and no CSRF token, and expects it to work with no page to click through: that POST stops
# reminders at once and answers with a few words. A person who opens the link gets a page with one button, so a link
# scanner's GET never stops anything. Only reminders stop (reminders.services.opt_out). As above, every way a token
# can be wrong gives the same 404, and every request is rate limited.
ONE_CLICK = ("List-Unsubscribe", "One-Click")


def patient_for(token: str) -> Patient:
    """The patient an unsubscribe token names; otherwise 404, the same for every reason."""
    patient_id = patient_id_from_unsubscribe_token(token)
    patient = Patient.objects.filter(pk=patient_id).first() if patient_id else None
    if patient is None:
        raise Http404("No such page.")
    return patient


@csrf_exempt  # a mailbox provider's POST has no cookie and no token: the signed link is the key
@patient_view("GET", "HEAD", "POST")
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    patient = patient_for(token)
    if request.method == "POST":
        reminders.opt_out(patient)
        if request.POST.get(ONE_CLICK[0]) == ONE_CLICK[1]:
            return HttpResponse(_("Reminders stopped.") + "\n", content_type="text/plain; charset=utf-8")
        return render_for_patient(request, "patient/unsubscribed.html")
    if patient.reminders_opt_out_at is not None:
        return render_for_patient(request, "patient/unsubscribed.html")
    return render_for_patient(request, "patient/unsubscribe.html", {"token": token})
