"""The forms on the patient's page, in plain words. Templates draw them by hand (fieldset and legend per question)."""

from django import forms

from ..models import PatientRequest, SafetyAnswers
from ..models.patient_answers import SafetyQuestion


def _question_field(question: SafetyQuestion) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=question.question,
        help_text=question.hint,
        choices=question.answers,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose an answer."},
    )


class SafetyQuestionsForm(forms.Form):
    """The questions the radiologist needs answered before the day, from `SafetyAnswers.QUESTIONS`, then a note."""

    note = forms.CharField(
        label="Anything else you want us to know (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        questions = {q.field: _question_field(q) for q in SafetyAnswers.QUESTIONS}
        self.fields = {**questions, **self.fields}  # the questions first, in their order; the note last

    @staticmethod
    def initial_from(answers: SafetyAnswers | None) -> dict:
        if answers is None:
            return {}
        return {name: getattr(answers, name) for name in (*SafetyAnswers.QUESTION_FIELDS, "note")}


class ChangeRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="What would you like to do?",
        choices=[
            (PatientRequest.Kind.RESCHEDULE, "Change the date or time"),
            (PatientRequest.Kind.CANCEL, "Cancel the appointment"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose one."},
    )
    message = forms.CharField(
        label="Message to the clinic (optional)",
        help_text="For example, days or times that suit you, or why you need to change.",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PreparationReadForm(forms.Form):
    """Carries the hash of the content the page showed, so the read records exactly that version."""

    content_hash = forms.CharField(max_length=64, widget=forms.HiddenInput)
