"""Follow-ups: the failsafe after a result or a missed appointment that asks someone to act (issue 23).

One follow-up per appointment, open until a person records the action taken. What opens one, who must act and how
soon a rebook is due are rules of procedures.services.followups; this module holds the record and the one invariant
the database can keep: a follow-up is closed exactly when an action is recorded.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .appointments import Appointment


class FollowUpQuerySet(models.QuerySet):
    def still_open(self) -> "FollowUpQuerySet":
        return self.filter(closed_at__isnull=True)


class FollowUp(models.Model):
    class Source(models.TextChoices):
        RESULT = "result", "Result"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"

    class MustAct(models.TextChoices):
        RADIOLOGIST = "radiologist", "Radiologist"
        SCHEDULERS = "schedulers", "The schedulers"

    class Action(models.TextChoices):
        REBOOKED = "rebooked", "Rebooked"
        SURGEONS = "referred_to_surgeons", "Referred to the breast surgeons"
        IMAGING = "imaging_arranged", "Further imaging or biopsy arranged"
        REFERRER_TOLD = "referrer_told", "Referrer told, who takes it on"
        DISCHARGED = "discharged", "Discharged back to the referrer"
        DECLINED = "patient_declined", "The patient declined"
        OTHER = "other", "Other (say what in the note)"
        # Recorded by the system only: the result or the did-not-attend mark that opened it was corrected.
        NO_LONGER_NEEDED = "no_longer_needed", "No longer needed: the result or attendance was corrected"

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="follow_up")
    source = models.CharField(max_length=16, choices=Source.choices)
    reasons = models.CharField(max_length=200, help_text="Why it needs following up, in the clinic's words.")
    must_act = models.CharField("who must act", max_length=16, choices=MustAct.choices)
    radiologist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The radiologist who must act (who performed it, else who was booked).",
    )
    rebook_from = models.DateField(
        null=True, blank=True, help_text="When a rebook is wanted: the first day to offer (the interval suggested)."
    )
    opened_at = models.DateTimeField(default=timezone.now)
    action = models.CharField("action taken", max_length=24, choices=Action.choices, blank=True)
    action_note = models.CharField(max_length=300, blank=True)
    rebooked_as = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="rebooked_from"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["opened_at", "id"]
        indexes = [models.Index(fields=["closed_at", "opened_at"], name="followup_open_by_age")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, action="") | (Q(closed_at__isnull=False) & ~Q(action="")),
                name="followup_closed_with_an_action",
                violation_error_message="A follow-up is closed exactly when the action taken is recorded.",
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up for {self.appointment}"

    @classmethod
    def chosen_actions(cls) -> list[tuple[str, str]]:
        """What a person may record on the follow-up list ("no longer needed" is the system's)."""
        return [choice for choice in cls.Action.choices if choice[0] != cls.Action.NO_LONGER_NEEDED]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def wants_rebook(self) -> bool:
        return self.rebook_from is not None
