"""Reads for the referrals page: the referrals still for a scheduler (waiting or held), the most urgent first, then
the newest, with the patient (or the record found, for a held one) and the sending system joined."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from ..models import Referral

# Most urgent first: stat, asap, urgent, routine (FHIR's request-priority).
URGENCY = {
    Referral.Priority.STAT: 0,
    Referral.Priority.ASAP: 1,
    Referral.Priority.URGENT: 2,
    Referral.Priority.ROUTINE: 3,
}


def open_referrals() -> QuerySet[Referral]:
    urgency = Case(
        *(When(priority=priority, then=Value(rank)) for priority, rank in URGENCY.items()),
        default=Value(len(URGENCY)),
        output_field=IntegerField(),
    )
    return (
        Referral.objects.filter(status__in=(Referral.Status.WAITING, Referral.Status.HELD))
        .select_related("patient", "matched_patient", "client")
        .annotate(urgency=urgency)
        .order_by("urgency", "-received_at", "-pk")
    )
