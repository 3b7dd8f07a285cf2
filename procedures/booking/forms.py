"""Booking forms: booking (finding the patient, or registering one with `patients.forms.NewPatientForm`), rescheduling,
cancelling.

Forms collect and tidy what staff type; the booking rules themselves live in `procedures.services`, whose
`BookingError` sentence the views show. The checks here are the ones a field can point at (a missing reason next
to the duration, a wall-clock time the clocks skip), so the scheduler sees the message where the problem is.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, Value, When

from procedures import clinic_time

from ..access import radiologists, staff_name
from ..languages import ENGLISH, english_name, interpreter_label
from ..models import MAX_BOOKABLE_MINUTES, Appointment, Patient, ProcedureType, Room
from ..params import FIRST_DAY, LAST_DAY, in_calendar, parse_id
from ..patients.duplicates import SecondBookingFields
from ..patients.search import QUERY_MAX_LENGTH, ranked, read_query
from ..services.booking import MOVE_REASON_MAX_LENGTH
from ..slots import slot_step
from ..text import CleanCharField

PATIENT_SEARCH_LIMIT = 20
NOTES_MAX_LENGTH = 2000
PATIENT_NOT_FOUND = "That patient was not found; search again."


def start_initial(moment: datetime) -> dict[str, str]:
    """The date and time fields' values for an instant, in clinic time."""
    return {"start_date": clinic_time.iso_day(moment), "start_time": clinic_time.time_of_day(moment)}


def search_patients(query: str | None, *, limit: int = PATIENT_SEARCH_LIMIT) -> list[tuple[int, bool]]:
    """The patients the booking form's search finds, as (id, matched as typed): the same search as the patients page
    (every word of a name, accents and punctuation folded; an MRN; a date of birth; a phone number; on PostgreSQL
    names spelled alike after those as typed), in its order. A query no patient could match finds nobody, without
    asking the database."""
    return ranked(read_query(query), limit)


class PatientChoiceField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": PATIENT_NOT_FOUND}
    spelled_alike: frozenset[int] = frozenset()  # found only by a name spelled like the one typed: said so

    def label_from_instance(self, obj: Patient) -> str:
        born = clinic_time.plain_date(obj.date_of_birth)
        label = f"{obj.family_name.upper()}, {obj.given_name} · MRN {obj.mrn} · born {born}"
        if obj.pk in self.spelled_alike:
            label += " · similar spelling"
        if obj.needs_interpreter:
            label += f" · {interpreter_label(obj.language)}"
        elif obj.language != ENGLISH:
            label += f" · reads {english_name(obj.language)}"
        if not obj.can_receive_reminders:
            label += " · no reminders can reach this patient"
        return label


class SlotForm(forms.Form):
    """Where and when: shared by booking and rescheduling, so both read and check a start the same way."""

    room = forms.ModelChoiceField(queryset=Room.objects.filter(is_active=True), empty_label=None)
    start_date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label="Start (clinic time)",
        widget=forms.TimeInput(attrs={"type": "time"}, format=clinic_time.TIME_INPUT),
    )
    expected_duration = forms.IntegerField(
        label="Expected duration (minutes)", min_value=1, max_value=MAX_BOOKABLE_MINUTES
    )

    def __init__(self, *args, procedure_type: ProcedureType, **kwargs):
        super().__init__(*args, **kwargs)
        # The time box steps as bookable starts do (SLOT_STEP_MINUTES), so it offers no time the rule refuses.
        self.fields["start_time"].widget.attrs["step"] = int(slot_step().total_seconds())
        self.procedure_type = procedure_type
        self.fields["expected_duration"].initial = procedure_type.default_duration
        self.fields["expected_duration"].help_text = procedure_type.duration_help()

    def clean(self):
        cleaned = super().clean()
        day, at = cleaned.get("start_date"), cleaned.get("start_time")
        if isinstance(day, date) and not in_calendar(day):  # before any arithmetic on it: year 1 or 9999 overflows
            self.add_error("start_date", f"Choose a date from {FIRST_DAY.year} to {LAST_DAY.year}.")
        elif isinstance(day, date) and isinstance(at, time):
            try:
                cleaned["start"] = clinic_time.clinic_datetime(day, at)
            except ValueError as exc:
                self.add_error("start_time", str(exc))
        return cleaned

    def check_duration(self, cleaned: dict) -> None:
        """The type's rule for the length (ProcedureType.duration_refusal), shown beside the reason to give."""
        refusal = self.procedure_type.duration_refusal(cleaned.get("expected_duration"), cleaned.get("duration_reason"))
        if refusal:
            self.add_error("duration_reason", refusal)


class BookingForm(SlotForm, SecondBookingFields):
    """A new ductogram: an existing patient found by MRN or name, or a new one (see NewPatientForm)."""

    EXISTING, NEW = "existing", "new"

    patient_source = forms.ChoiceField(
        label="Patient",
        choices=[(EXISTING, "Find an existing patient"), (NEW, "Register a new patient")],
        widget=forms.RadioSelect,
        initial=EXISTING,
    )
    patient_query = CleanCharField(
        label="MRN or name",
        required=False,
        max_length=QUERY_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    patient = PatientChoiceField(
        queryset=Patient.objects.none(), required=False, widget=forms.RadioSelect, empty_label=None
    )
    radiologist = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="Not assigned yet"
    )
    duration_reason = CleanCharField(label="Reason for a longer or shorter booking", required=False, max_length=200)
    laterality = forms.ChoiceField(label="Side", choices=Appointment.Laterality.choices, widget=forms.RadioSelect)
    # Starts at "Choose…": a pre-selected type would be booked unread.
    discharge = forms.ChoiceField(
        label="Discharge type",
        choices=[("", "Choose…"), *Appointment.Discharge.choices],
        error_messages={"required": "Choose the discharge type."},
    )
    referrer = CleanCharField(required=False, max_length=200)
    notes = CleanCharField(
        required=False, multiline=True, max_length=NOTES_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )

    field_order = [
        "patient_source",
        "patient_query",
        "patient",
        "room",
        "radiologist",
        "start_date",
        "start_time",
        "expected_duration",
        "duration_reason",
        "laterality",
        "discharge",
        "referrer",
        "notes",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["radiologist"].queryset = radiologists()
        self.fields["radiologist"].label_from_instance = staff_name
        query = self._value("patient_query") or ""
        found = search_patients(query)
        self.found_ids = [pk for pk, _ in found]
        self.searched = bool(query.strip())
        ids = set(self.found_ids)
        # A chosen patient comes back with the form, or in a link: offered again only if they exist, so an unknown
        # or malformed id is refused on the patient field, not shown as an empty list.
        raw = self._value("patient")
        selected = parse_id(raw)
        if selected is not None and selected not in ids and Patient.objects.filter(pk=selected).exists():
            ids.add(selected)
        self.patient_not_found = raw not in (None, "") and (selected is None or selected not in ids)
        self.patient_choice_ids = ids
        # In the search's order (those as typed first, then those spelled alike, marked), the one chosen last.
        chosen = Patient.objects.filter(pk__in=ids).order_by("family_name", "given_name")
        if self.found_ids:
            place = [When(pk=pk, then=Value(n)) for n, pk in enumerate(self.found_ids)]
            chosen = chosen.order_by(Case(*place, default=Value(len(place))), "family_name", "given_name")
        self.fields["patient"].queryset = chosen
        self.fields["patient"].spelled_alike = frozenset(pk for pk, as_typed in found if not as_typed)

    def _value(self, name: str):
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        return self.initial.get(name)

    def suggest(self, suggestion) -> None:
        """Pre-fill the expected duration with the learned one (`durations`) and keep why for the page. A
        posted duration wins; after "Find", one still at the figure suggested before follows the radiologist now
        chosen."""
        self.duration_suggestion = suggestion
        field = self.fields["expected_duration"]
        field.initial = suggestion.minutes
        field.help_text = self.procedure_type.duration_help(suggestion.minutes)
        if not self.is_bound and str(self.initial.get("expected_duration") or "") in (
            "",
            str(self.initial.get("suggested_duration") or ""),
        ):
            self.initial.pop("expected_duration", None)

    @property
    def is_new_patient(self) -> bool:
        return self._value("patient_source") == self.NEW

    @property
    def link_patient_error(self) -> str:
        """An unknown patient in a link: said on the page, as an unsubmitted form has no field errors to show."""
        return PATIENT_NOT_FOUND if self.patient_not_found and not self.is_bound else ""

    def clean(self):
        cleaned = super().clean()
        missing = cleaned.get("patient_source") == self.EXISTING and not cleaned.get("patient")
        if missing and "patient" not in self.errors:
            self.add_error("patient", "Find the patient by MRN or name and choose them, or register a new patient.")
        self.check_duration(cleaned)
        # A second upcoming ductogram for the patient: shown, and booked only when confirmed with a reason.
        existing = cleaned.get("patient") if cleaned.get("patient_source") == self.EXISTING else None
        self.check_second_booking(cleaned, existing, self.procedure_type)
        return cleaned


class RescheduleForm(SlotForm):
    """A new time, room or radiologist for an open appointment, and why; the details stay as booked."""

    radiologist = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="Not assigned"
    )
    duration_reason = CleanCharField(
        label="Reason for another length",
        max_length=200,
        required=False,
        help_text="Only needed outside the usual range, e.g. 'bilateral, two ducts'.",
    )
    reason = CleanCharField(
        label="Reason for moving",
        max_length=MOVE_REASON_MAX_LENGTH,
        help_text="Kept in the appointment's history, e.g. 'Patient asked for an afternoon'.",
        error_messages={"required": "Say why the appointment is moving."},
    )

    field_order = ["room", "radiologist", "start_date", "start_time", "expected_duration", "duration_reason", "reason"]

    def __init__(self, *args, appointment: Appointment, **kwargs):
        self.appointment = appointment
        super().__init__(*args, procedure_type=appointment.procedure_type, **kwargs)
        self.fields["expected_duration"].initial = appointment.expected_duration
        self.fields["duration_reason"].initial = appointment.duration_reason
        # The radiologist booked stays on offer (and chosen) even after leaving the group: moving the appointment
        # must not unassign them unseen.
        self.fields["radiologist"].queryset = radiologists(keeping=appointment.radiologist_id)
        self.fields["radiologist"].initial = appointment.radiologist_id
        self.fields["radiologist"].label_from_instance = staff_name

    def clean(self):
        cleaned = super().clean()
        self.check_duration(cleaned)
        return cleaned

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the appointment is moving.")
        return reason


class CancelForm(forms.Form):
    """Why, from the clinic's short list (so reports can count them), and words of one's own, needed for "Other"."""

    reason_code = forms.ChoiceField(
        label="Why is it cancelled?",
        choices=Appointment.CancelReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why the appointment is cancelled."},
    )
    reason = CleanCharField(
        label="Reason for cancelling, in your words",
        max_length=200,
        required=False,
        help_text="Optional, but needed for 'Other'; kept with the appointment, e.g. 'will phone to rebook'.",
    )

    def clean(self):
        cleaned = super().clean()
        cleaned["reason"] = (cleaned.get("reason") or "").strip()
        if cleaned.get("reason_code") == Appointment.CancelReason.OTHER and not cleaned["reason"]:
            if "reason" not in self.errors:
                self.add_error("reason", "Say why: the reason chosen is 'Other'.")
        return cleaned
