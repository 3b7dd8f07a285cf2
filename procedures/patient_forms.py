"""The forms on the patient's page, in plain words. Templates draw them by hand (fieldset and legend per question)."""

from django import forms

from .models import PatientRequest, SafetyAnswers

YES_NO_UNSURE = [
    (SafetyAnswers.Answer.YES, "Yes"),
    (SafetyAnswers.Answer.NO, "No"),
    (SafetyAnswers.Answer.UNSURE, "Not sure"),
]


def _question(label: str, hint: str = "", choices=None) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        help_text=hint,
        choices=choices or YES_NO_UNSURE,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose an answer."},
    )


class SafetyQuestionsForm(forms.Form):
    """The five questions the radiologist needs answered before the day."""

    discharge_present = _question(
        "Is the nipple discharge still there?",
        "Please do not squeeze to check. Answer from what you have noticed by itself in the last few days.",
        choices=[
            (SafetyAnswers.Answer.YES, "Yes, it is still there"),
            (SafetyAnswers.Answer.NO, "No, it has stopped"),
            (SafetyAnswers.Answer.UNSURE, "Not sure"),
        ],
    )
    pregnant = _question("Could you be pregnant?")
    contrast_allergy = _question(
        "Are you allergic to X-ray dye (contrast that contains iodine)?",
        "For example, a rash or breathing problems after a scan with dye.",
    )
    infection = _question("Do you have redness, swelling or an infection in the breast now?")
    blood_thinners = _question(
        "Do you take medicine that thins the blood?",
        "For example warfarin, apixaban, rivaroxaban, clopidogrel or daily aspirin. Keep taking it unless we tell you.",
    )
    note = forms.CharField(
        label="Anything else you want us to know (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    QUESTIONS = ("discharge_present", "pregnant", "contrast_allergy", "infection", "blood_thinners")

    @classmethod
    def initial_from(cls, answers: SafetyAnswers | None) -> dict:
        if answers is None:
            return {}
        return {name: getattr(answers, name) for name in (*cls.QUESTIONS, "note")}


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
