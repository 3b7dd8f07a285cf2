"""The clinic's data, one module per subject; everything is importable from `procedures.models` as before."""

from .api_clients import ApiCall, ApiClient
from .appointments import Appointment
from .calendar_feeds import CalendarFeed
from .clinic import MAX_BOOKABLE_MINUTES, Patient, ProcedureType, Room
from .faq import FaqEntry
from .followups import FollowUp
from .name_words import NameWord
from .patient_answers import PatientCall, PatientRequest, PreparationRead, SafetyAnswers
from .referrals import Referral
from .results import ProcedureResult
from .translations import ContentTranslation, FaqEntryTranslation, ProcedureTypeTranslation, RoomTranslation
from .waitlist import FreedSlot, SlotOffer

__all__ = [
    "MAX_BOOKABLE_MINUTES",
    "ApiCall",
    "ApiClient",
    "Appointment",
    "CalendarFeed",
    "ContentTranslation",
    "FaqEntry",
    "FaqEntryTranslation",
    "FollowUp",
    "FreedSlot",
    "NameWord",
    "Patient",
    "PatientCall",
    "PatientRequest",
    "PreparationRead",
    "ProcedureResult",
    "ProcedureType",
    "ProcedureTypeTranslation",
    "Referral",
    "Room",
    "RoomTranslation",
    "SafetyAnswers",
    "SlotOffer",
]
