"""The patient's private link: a signed token naming one appointment.

The token carries only the appointment's id, signed with a purpose-specific salt, so it survives a
reschedule; whether it still works (appointment live, its day not over) is decided when it is used.
"""

from django.conf import settings
from django.core import signing

PATIENT_PAGE_SALT = "procedures.patient-page"
_signer = signing.Signer(salt=PATIENT_PAGE_SALT, sep=".")


def patient_token(appointment) -> str:
    return _signer.sign(str(appointment.pk))


def appointment_id_from_token(token: str) -> int | None:
    """The appointment id a token names, or None for anything tampered with or malformed."""
    try:
        value = _signer.unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isascii() and value.isdecimal() else None


def patient_url(appointment) -> str:
    return f"{settings.SITE_URL}/p/{patient_token(appointment)}/"


def offer_url(offer) -> str:
    """Where a patient takes (or turns down) an offer of an earlier time: under her own page, so only she can."""
    return f"{patient_url(offer.appointment)}offer/{offer.pk}/"


# The one-click unsubscribe link in every email's List-Unsubscribe header (RFC 8058): a signed token naming one
# patient, with its own salt, so that a patient-page token is never an unsubscribe token or the other way round. It
# does not expire: an old email's unsubscribe must keep working.
UNSUBSCRIBE_SALT = "procedures.unsubscribe"
_unsubscribe_signer = signing.Signer(salt=UNSUBSCRIBE_SALT, sep=".")


def unsubscribe_token(patient) -> str:
    return _unsubscribe_signer.sign(str(patient.pk))


def patient_id_from_unsubscribe_token(token: str) -> int | None:
    """The patient id an unsubscribe token names, or None for anything tampered with or malformed."""
    try:
        value = _unsubscribe_signer.unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isascii() and value.isdecimal() else None


def unsubscribe_url(patient) -> str:
    return f"{settings.SITE_URL}/u/{unsubscribe_token(patient)}/"
