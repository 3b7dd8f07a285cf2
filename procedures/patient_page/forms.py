"""The forms on the patient's page, in plain words. Templates draw them by hand (fieldset and legend per question)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Appointment, PatientRequest, SafetyAnswers
from ..models.patient_answers import SafetyQuestion
from ..text import CleanCharField
from .language import language_choices


def _question_field(question: SafetyQuestion) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=question.question,
        help_text=question.hint,
        choices=question.answers,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose an answer.")},
    )


class SafetyQuestionsForm(forms.Form):
    """The questions the radiologist needs answered before the day, from `SafetyAnswers.QUESTIONS`, then a note."""

    note = CleanCharField(
        label=_("Anything else you want us to know (optional)"), required=False, max_length=500, multiline=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        questions = {q.field: _question_field(q) for q in SafetyAnswers.QUESTIONS}
        self.fields = {**questions, **self.fields}  # the questions first, in their order; the note last

    def error_summary(self) -> list[tuple[str, str]]:
        """GOV.UK's error summary: for each field in error, in the form's order, the id its link goes to (a
        question's first answer, the note's box) and the link's words (the question, then what is wrong)."""
        summary = []
        for field in self:
            if not field.errors:
                continue
            if isinstance(field.field.widget, forms.RadioSelect):
                summary.append((f"{field.auto_id}_0", f"{field.label} {field.errors[0]}"))
            else:
                summary.append((field.auto_id, _("Your note: {error}").format(error=field.errors[0])))
        return summary

    @staticmethod
    def initial_from(answers: SafetyAnswers | None) -> dict:
        if answers is None:
            return {}
        return {name: getattr(answers, name) for name in (*SafetyAnswers.QUESTION_FIELDS, "note")}


class ChangeRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like to do?"),
        choices=[
            (PatientRequest.Kind.RESCHEDULE, _("Change the date or time")),
            (PatientRequest.Kind.CANCEL, _("Cancel the appointment")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose one.")},
    )
    message = CleanCharField(
        label=_("Message to the clinic (optional)"),
        help_text=_("For example, days or times that suit you, or why you need to change."),
        required=False,
        max_length=1000,
        multiline=True,
    )

    def problem(self) -> str:
        return _problem(
            self,
            {"message"},
            choices=_("Please choose whether to change the time or cancel."),
            text=_("Please check your message below."),
            both=_("Please choose whether to change the time or cancel, and check your message below."),
        )


class CancelForm(forms.Form):
    """Cancel at once (PATIENT_SELF_RESCHEDULE "direct"): a reason from a short list, each an
    Appointment.CancelReason code, and a tick to say she means it, so no stray tap cancels anything."""

    reason = forms.ChoiceField(
        label=_("Why are you cancelling?"),
        choices=[
            (Appointment.CancelReason.UNWELL, _("I am unwell")),
            (Appointment.CancelReason.NO_DISCHARGE, _("The discharge has stopped")),
            (Appointment.CancelReason.NOT_NEEDED, _("I no longer need the test")),
            (Appointment.CancelReason.PATIENT_REQUEST, _("I cannot come at any time")),
            (Appointment.CancelReason.OTHER, _("Another reason")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose a reason.")},
    )
    message = CleanCharField(label=_("Message to the clinic (optional)"), required=False, max_length=1000)
    confirm = forms.BooleanField(
        label=_("Yes, cancel my appointment"),
        error_messages={"required": _("Please tick the box to say you want to cancel.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_cancel_%s")  # its message box sits on the page beside the request's
        super().__init__(*args, **kwargs)

    def problem(self) -> str:
        return _problem(
            self,
            {"message", "confirm"},
            choices=_("Please choose a reason for cancelling."),
            text=_("Please check the form below: nothing has been cancelled."),
            both=_("Please choose a reason for cancelling, and check the form below."),
        )


class ShortNoticeForm(forms.Form):
    """Going on the waiting list: how much notice she needs to come at an earlier time (Appointment.ShortNotice)."""

    hours = forms.TypedChoiceField(
        label=_("How much notice do you need?"),
        coerce=int,
        choices=Appointment.ShortNotice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose how much notice you need.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_earlier_%s")
        super().__init__(*args, **kwargs)


class PreparationReadForm(forms.Form):
    """Carries the hash of the content the page showed, so the read records exactly that version."""

    content_hash = CleanCharField(max_length=64, widget=forms.HiddenInput)


class LanguageForm(forms.Form):
    """The patient's own choice of language: the offered ones, each in its own name (so a reader finds theirs
    whatever language the page is in now)."""

    language = forms.ChoiceField(label=_("Language"), choices=language_choices)


def _problem(form: forms.Form, text_fields: set[str], *, choices: str, text: str, both: str) -> str:
    """One sentence for an invalid form: about the choices, the typed text, or both."""
    wrong = set(form.errors)
    if not wrong & text_fields:
        return choices
    return text if wrong <= text_fields else both


# --- Staff: what they type about a request or a call (the forms sit on the requests page, the call list and the
# appointment page; one that does not validate comes back on a page of its own, keeping what was typed).


class RequestDoneForm(forms.Form):
    note = CleanCharField(label="Note (optional)", required=False, max_length=200)


class RequestCancelForm(forms.Form):
    reason = CleanCharField(label="Reason", required=False, max_length=200)


class CallNoteForm(forms.Form):
    note = CleanCharField(label="What was agreed", required=False, max_length=300)
