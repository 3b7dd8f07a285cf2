"""Referrals in: the only code that records a referral and moves it on (procedures.models.Referral).

- `receive_referral`: a referral as the hospital's system sent it (read from its FHIR ServiceRequest by
  procedures.fhir.referrals). The same client's same identifier again returns the referral first recorded
  (`created` False), whatever the second copy says. Otherwise the patient is found by MRN, then by NHS number; a
  record found whose name, date of birth or other identifier differs is never merged into: the referral is held for
  a person, the record kept beside it. Nobody found: the patient is registered (`register_patient`), which needs an
  MRN (`ReferralRefused` otherwise).
- `use_matched_patient`: a person has checked that a held referral's patient is the record found: it waits for
  booking, for that record. The record itself is not changed.
- `reject_referral`: a waiting or held referral is not booked, for a reason.
- `referral_booked`: the appointment booked for a waiting referral (called in the booking's own transaction, so the
  booking and the link commit together or not at all).

A refusal raises `BookingError` with a sentence a scheduler understands, and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import clinic_time
from ..models import ApiClient, Appointment, Patient, Referral
from .booking import BookingError
from .patients import register_patient

REJECTION_MAX_LENGTH = 500


class ReferralRefused(Exception):
    """A referral that cannot be recorded as sent: `field` names the part at fault for the sender."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ReceivedPatient:
    given_name: str
    family_name: str
    date_of_birth: date
    mrn: str = ""
    nhs_number: str = ""
    email: str = ""
    mobile: str = ""
    phone: str = ""


@dataclass(frozen=True)
class ReceivedReferral:
    identifier_system: str
    identifier_value: str
    patient: ReceivedPatient
    laterality: str
    discharge: str = ""
    priority: str = Referral.Priority.ROUTINE
    reason: str = ""
    referrer: str = ""
    raw: dict | None = None


def _differences(sent: ReceivedPatient, record: Patient) -> list[str]:
    """What the referral says that the record does not: its name, date of birth, MRN or NHS number."""
    found = []
    if Patient.fold_names(sent.given_name, sent.family_name) != Patient.fold_names(
        record.given_name, record.family_name
    ):
        found.append(f"the name ({sent.given_name} {sent.family_name}, here {record.full_name})")
    if sent.date_of_birth != record.date_of_birth:
        sent_on, here = clinic_time.plain_date(sent.date_of_birth), clinic_time.plain_date(record.date_of_birth)
        found.append(f"the date of birth ({sent_on}, here {here})")
    if sent.mrn and sent.mrn.casefold() != record.mrn.casefold():
        found.append(f"the MRN ({sent.mrn}, here {record.mrn})")
    if sent.nhs_number and record.nhs_number and sent.nhs_number != record.nhs_number:
        found.append(f"the NHS number ({sent.nhs_number}, here {record.nhs_number})")
    return found


def _match(sent: ReceivedPatient) -> tuple[Patient | None, str]:
    """The record the identifiers find (MRN first, then NHS number), and what differs ("" when nothing does)."""
    by_mrn = Patient.objects.filter(mrn__iexact=sent.mrn).first() if sent.mrn else None
    by_nhs = Patient.objects.filter(nhs_number=sent.nhs_number).first() if sent.nhs_number else None
    record = by_mrn or by_nhs
    if record is None:
        return None, ""
    if by_mrn and by_nhs and by_mrn.pk != by_nhs.pk:
        return record, f"The MRN is {by_mrn.full_name}'s ({by_mrn.mrn}), the NHS number {by_nhs.full_name}'s."
    differs = _differences(sent, record)
    if not differs:
        return record, ""
    return record, f"Found by {'MRN' if by_mrn else 'NHS number'}, but the referral differs in {', '.join(differs)}."


def _record(client: ApiClient, sent: ReceivedReferral, now: datetime) -> Referral:
    record, mismatch = _match(sent.patient)
    patient = record if record is not None and not mismatch else None
    if record is None:
        if not sent.patient.mrn:
            raise ReferralRefused(
                "ServiceRequest.subject",
                "No patient here has this NHS number, and a new patient needs an MRN: send the patient's MRN.",
            )
        details = {key: value for key, value in vars(sent.patient).items() if value}
        try:
            patient = register_patient(**details)
        except ValidationError as exc:
            raise ReferralRefused("ServiceRequest.subject", " ".join(exc.messages)) from None
    return Referral.objects.create(
        client=client,
        identifier_system=sent.identifier_system,
        identifier_value=sent.identifier_value,
        patient=patient,
        matched_patient=record if mismatch else None,
        mismatch=mismatch[:500],
        mrn=sent.patient.mrn,
        nhs_number=sent.patient.nhs_number,
        given_name=sent.patient.given_name,
        family_name=sent.patient.family_name,
        date_of_birth=sent.patient.date_of_birth,
        laterality=sent.laterality,
        discharge=sent.discharge,
        priority=sent.priority,
        reason=sent.reason,
        referrer=sent.referrer[:200],
        raw=sent.raw or {},
        status=Referral.Status.HELD if mismatch else Referral.Status.WAITING,
        received_at=now,
    )


def _existing(client: ApiClient, sent: ReceivedReferral) -> Referral | None:
    return Referral.objects.filter(
        client=client, identifier_system=sent.identifier_system, identifier_value=sent.identifier_value
    ).first()


def receive_referral(
    *, client: ApiClient, referral: ReceivedReferral, now: datetime | None = None
) -> tuple[Referral, bool]:
    """The referral recorded (and whether it is new): see the module's docstring. Two copies racing each other
    meet the unique constraint (or the new patient's MRN): the loser answers with the winner's referral."""
    now = now or timezone.now()
    for attempt in range(2):
        found = _existing(client, referral)
        if found is not None:
            return found, False
        try:
            with transaction.atomic():
                return _record(client, referral, now), True
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _open(referral: Referral, *statuses: str) -> Referral:
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if current.status not in statuses:
        raise BookingError(f"This referral is {current.get_status_display().lower()} already; nothing was changed.")
    return current


def _handled(current: Referral, referral: Referral, by, now: datetime | None, fields: list[str]) -> Referral:
    current.handled_by = by
    current.handled_at = now or timezone.now()
    current.save(update_fields=[*fields, "handled_by", "handled_at"])
    for name in (*fields, "handled_by", "handled_at"):
        setattr(referral, name, getattr(current, name))
    return current


@transaction.atomic
def use_matched_patient(
    referral: Referral, *, by: AbstractBaseUser | None = None, now: datetime | None = None
) -> Referral:
    """A held referral is for the record found after all: it waits for booking, for that record."""
    current = _open(referral, Referral.Status.HELD)
    current.patient_id = current.matched_patient_id
    current.status = Referral.Status.WAITING
    return _handled(current, referral, by, now, ["patient", "status"])


@transaction.atomic
def reject_referral(
    referral: Referral, *, reason: str, by: AbstractBaseUser | None = None, now: datetime | None = None
) -> Referral:
    """Not booked, for a reason the sender can read back (ServiceRequest status revoked)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise BookingError("Say why the referral is rejected.")
    if len(reason) > REJECTION_MAX_LENGTH:
        raise BookingError(f"Say why in at most {REJECTION_MAX_LENGTH} characters.")
    current = _open(referral, Referral.Status.WAITING, Referral.Status.HELD)
    current.status = Referral.Status.REJECTED
    current.rejection_reason = reason
    return _handled(current, referral, by, now, ["status", "rejection_reason"])


@transaction.atomic
def referral_booked(
    referral: Referral, *, appointment: Appointment, by: AbstractBaseUser | None = None, now: datetime | None = None
) -> Referral:
    """The appointment booked for a waiting referral, for the referral's patient; refused otherwise (so a booking
    made with it rolls back)."""
    current = _open(referral, Referral.Status.WAITING)
    if appointment.patient_id != current.patient_id:
        raise BookingError(
            f"This referral is for {current.patient.full_name} ({current.patient.mrn}): book it for them, or book "
            "without the referral."
        )
    current.appointment = appointment
    current.status = Referral.Status.BOOKED
    return _handled(current, referral, by, now, ["appointment", "status"])
