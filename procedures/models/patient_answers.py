"""What the patient tells us from their private page (`/p/<token>/`), and staff's calls about it."""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from procedures import clinic_time

from .appointments import Appointment


class PatientRequestQuerySet(models.QuerySet):
    def awaiting_staff(self) -> "PatientRequestQuerySet":
        return self.filter(status=PatientRequest.Status.OPEN)

    def changes(self) -> "PatientRequestQuerySet":
        """Requests to move or cancel (not messages): one may wait per appointment."""
        return self.exclude(kind=PatientRequest.Kind.MESSAGE)


class PatientRequest(models.Model):
    """A patient's request, from their page or by text, to move or cancel, or a text in their own words: staff act
    on it with the booking services, or answer it."""

    class Kind(models.TextChoices):
        RESCHEDULE = "reschedule", _("Change the date or time")
        CANCEL = "cancel", _("Cancel")
        MESSAGE = "message", "Message by text"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for staff"
        DONE = "done", "Dealt with"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="patient_requests")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    message = models.TextField(blank=True, max_length=1000, help_text="The patient's own words.")
    chosen_start = models.DateTimeField(
        null=True, blank=True, help_text="The free time the patient chose on their page, for a move."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_note = models.CharField(max_length=200, blank=True, help_text="What staff did about it.")

    objects = PatientRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A second tap, or a second tab, cannot make two open requests for one appointment (messages by text
            # are the patient's words: as many as they send).
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(status="open") & ~Q(kind="message"),
                name="patientrequest_one_open_per_appointment",
                violation_error_message="This appointment already has a request waiting for staff.",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(handled_at__isnull=False),
                name="patientrequest_done_has_time",
                violation_error_message="A request dealt with records when.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request for {self.appointment}"

    @property
    def is_awaiting_staff(self) -> bool:
        return self.status == self.Status.OPEN


@dataclass(frozen=True)
class SafetyQuestion:
    """One safety question, the one place it is written down: the patient's form, the answers shown back to them,
    the staff's panel and the flags all read it. The words are translated lazily: in the patient's language on their
    page, in English on staff pages."""

    field: str  # the SafetyAnswers field that keeps the answer
    question: str | Promise  # in the patient's words
    hint: str | Promise = ""
    answers: tuple[tuple[str, str | Promise], ...] = ()  # (stored value, the patient's label), in the order offered
    raises: tuple[tuple[str, str], ...] = ()  # (answer, flag code): which answers raise which flag

    def label_for(self, answer: str) -> str | Promise:
        return dict(self.answers)[answer]

    def flag_for(self, answer: str) -> str | None:
        return dict(self.raises).get(answer)

    @property
    def flag_codes(self) -> frozenset[str]:
        return frozenset(code for _, code in self.raises)


@dataclass(frozen=True)
class AnswerShown:
    """One answered question as shown back: the question, the answer in the patient's words, the flag it raised."""

    question: SafetyQuestion
    answer: str | Promise
    flag: str | None = None


class SafetyAnswers(models.Model):
    """One submission of the safety questions; a new row each time, so earlier answers stay on record.

    The flags are derived once, when the row is made (rows are never edited), so the schedule can show them from
    a single column. "Not sure" raises a flag of its own, so staff can tell it from "yes": about pregnancy or an
    infection it still puts the appointment on the call list (staff had better call and check); about the discharge,
    contrast allergy or blood thinners it is for the radiologist to check with the patient on the day.
    (Migration 0027_flags_tell_yes_from_not_sure recomputed the rows made when "not sure" raised "yes"'s flag.)
    """

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        UNSURE = "unsure", _("Not sure")

    _YES_NO_UNSURE = tuple(Answer.choices)  # the answers' labels as the patient reads them: Yes, No, Not sure

    # The questions, in the order the patient sees them. The model's fields below keep the answers (Django needs
    # them spelled out); a test checks that the two lists agree.
    QUESTIONS = (
        SafetyQuestion(
            "discharge_present",
            _("Is the nipple discharge still there?"),
            _("Please do not squeeze to check. Answer from what you have noticed by itself in the last few days."),
            answers=(
                (Answer.YES, _("Yes, it is still there")),
                (Answer.NO, _("No, it has stopped")),
                (Answer.UNSURE, _("Not sure")),
            ),
            raises=((Answer.NO, "no_discharge"), (Answer.UNSURE, "discharge_unsure")),
        ),
        SafetyQuestion(
            "pregnant",
            _("Could you be pregnant?"),
            answers=_YES_NO_UNSURE,
            raises=((Answer.YES, "pregnant"), (Answer.UNSURE, "pregnancy_unsure")),
        ),
        SafetyQuestion(
            "contrast_allergy",
            _("Are you allergic to X-ray dye (contrast that contains iodine)?"),
            _("For example, a rash or breathing problems after a scan with dye."),
            answers=_YES_NO_UNSURE,
            raises=((Answer.YES, "contrast_allergy"), (Answer.UNSURE, "contrast_allergy_unsure")),
        ),
        SafetyQuestion(
            "infection",
            _("Do you have redness, swelling or an infection in the breast now?"),
            answers=_YES_NO_UNSURE,
            raises=((Answer.YES, "infection"), (Answer.UNSURE, "infection_unsure")),
        ),
        SafetyQuestion(
            "blood_thinners",
            _("Do you take medicine that thins the blood?"),
            _(
                "For example warfarin, apixaban, rivaroxaban, clopidogrel or daily aspirin. "
                "Keep taking it unless we tell you."
            ),
            answers=_YES_NO_UNSURE,
            raises=((Answer.YES, "blood_thinners"), (Answer.UNSURE, "blood_thinners_unsure")),
        ),
    )
    QUESTION_FIELDS = tuple(q.field for q in QUESTIONS)

    # flag code: (the label staff see, whether it puts the appointment on the call list). Rows keep the codes: a code
    # once stored is never renamed or dropped (a data migration would have to rewrite the rows).
    FLAGS = {
        "no_discharge": ("Discharge stopped", True),
        "discharge_unsure": ("Discharge: not sure", False),
        "pregnant": ("Possibly pregnant", True),
        "pregnancy_unsure": ("Pregnancy: not sure", True),
        "contrast_allergy": ("Contrast allergy", False),
        "contrast_allergy_unsure": ("Contrast allergy: not sure", False),
        "infection": ("Redness or infection", True),
        "infection_unsure": ("Redness or infection: not sure", True),
        "blood_thinners": ("Blood thinners", False),
        "blood_thinners_unsure": ("Blood thinners: not sure", False),
    }

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="safety_answers")
    discharge_present = models.CharField("is the discharge still there", max_length=8, choices=Answer.choices)
    pregnant = models.CharField("could be pregnant", max_length=8, choices=Answer.choices)
    contrast_allergy = models.CharField("allergy to X-ray contrast (iodine)", max_length=8, choices=Answer.choices)
    infection = models.CharField("breast redness or infection now", max_length=8, choices=Answer.choices)
    blood_thinners = models.CharField("takes blood thinners", max_length=8, choices=Answer.choices)
    note = models.TextField(blank=True, max_length=500, help_text="Anything else the patient wanted to tell us.")
    answered_at = models.DateTimeField(default=timezone.now, db_index=True)
    flags = models.CharField(
        max_length=120, blank=True, editable=False, help_text="Derived from the answers: space-separated flag codes."
    )
    needs_call = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-answered_at", "-id"]
        verbose_name = "safety answers"
        verbose_name_plural = "safety answers"

    def __str__(self) -> str:
        return f"Safety answers for {self.appointment} ({clinic_time.date_time(self.answered_at)})"

    def save(self, *args, **kwargs):
        codes = self.derive_flags()
        self.flags = " ".join(codes)
        self.needs_call = any(self.FLAGS[c][1] for c in codes)
        super().save(*args, **kwargs)

    def derive_flags(self) -> list[str]:
        codes = (q.flag_for(getattr(self, q.field)) for q in self.QUESTIONS)
        return [code for code in codes if code]

    def same_answers_as(self, other: "SafetyAnswers") -> bool:
        return all(getattr(self, f) == getattr(other, f) for f in (*self.QUESTION_FIELDS, "note"))

    def shown(self) -> list[AnswerShown]:
        """Each question with its answer in the patient's words and the flag it raised when it was answered."""
        raised = set(self.flags.split())
        return [
            AnswerShown(q, q.label_for(getattr(self, q.field)), next(iter(q.flag_codes & raised), None))
            for q in self.QUESTIONS
        ]


class PreparationRead(models.Model):
    """The patient tapped "I have read the preparation": when, and exactly what their page showed them."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="preparation_reads")
    read_at = models.DateTimeField(default=timezone.now, db_index=True)
    content = models.JSONField(help_text="The preparation text and the FAQ entries (question and answer) shown.")
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the content, to compare versions.")

    class Meta:
        ordering = ["-read_at", "-id"]
        constraints = [
            # Tapping twice on one version records it once; a newer version read again is a new row.
            models.UniqueConstraint(fields=["appointment", "content_hash"], name="preparationread_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"Preparation read for {self.appointment} ({clinic_time.date_time(self.read_at)})"


class PatientCall(models.Model):
    """Staff called the patient (about their safety answers, unread preparation or a request)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="patient_calls")
    called_at = models.DateTimeField(default=timezone.now, db_index=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True, help_text="What was agreed.")

    class Meta:
        ordering = ["-called_at", "-id"]

    def __str__(self) -> str:
        return f"Call about {self.appointment} ({clinic_time.date_time(self.called_at)})"
