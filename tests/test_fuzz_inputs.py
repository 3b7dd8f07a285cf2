"""Bad input, generated: every staff and patient form and query string, fed text with control characters, NUL,
right-to-left marks, emoji, other scripts' digits and huge strings, dates at the ends of the calendar and ids of
any size. Whatever arrives, no page answers 5xx, and a request refused for a control character changes no row.

Hypothesis runs derandomized (the same examples every run), so the suite is repeatable; a failure prints the
smallest input that breaks the page. Runs on SQLite and PostgreSQL, where NUL bytes used to be a server error.
"""

from datetime import datetime, timedelta

import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from procedures.links import patient_token
from procedures.models import (
    Appointment,
    FollowUp,
    Patient,
    PatientCall,
    PatientRequest,
    ProcedureType,
    SafetyAnswers,
)
from reminders.models import Reminder
from tests.clinic import NOW, THURSDAY, at
from tests.factories import AppointmentFactory, PatientFactory, RadiologistFactory, RoomFactory, SchedulerFactory

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x1b", "\x7f"]
ODD = ["\u202e", "\u200f", "\ufeff", "💥", "²", "٣", "१", "𝟘", "Ω", "\u0301", " "]

nasty_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from(CONTROL + ODD + list("ab 1-:T+")), max_size=40),
    st.text(alphabet=st.sampled_from("xé💥\u202e"), min_size=1200, max_size=1500),
)
# Text that always carries a control character (a newline is allowed in notes, so never only that).
bad_text = st.builds(lambda a, c, b: a + c + b, st.text(max_size=30), st.sampled_from(CONTROL), st.text(max_size=30))
date_param = st.one_of(
    st.dates().map(str),
    st.sampled_from(["0001-01-01", "9999-12-31", "2030-13-01", "２０３０-０６-０６", "2030-06-06\x00", "", "-1"]),
    nasty_text,
)
id_param = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["²", "٣", "1e3", "0x10", "  7", "7\x00", "99999999999999999999999"]),
    nasty_text,
)
start_param = st.one_of(
    st.builds(
        lambda moment, offset: moment.isoformat() + offset,
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
        st.sampled_from(["", "+14:00", "-12:00", "Z", " 01:00"]),
    ),
    st.sampled_from(["9999-12-31T23:59-12:00", "0001-01-01T00:00+14:00", "2030-06-06T10:00@²", "2030-06-06T10:00@1"]),
    nasty_text,
)


def _state() -> list:
    """Every row a staff or patient form can change, to compare before and after a refused request."""
    models = (Appointment, Patient, PatientCall, PatientRequest, SafetyAnswers, Reminder, FollowUp)
    return [list(m.objects.order_by("pk").values()) for m in models]


def _ok(response) -> None:
    assert response.status_code < 500, response.status_code


@override_settings(
    PATIENT_PAGE_RATE_LIMIT=1_000_000,
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
)
class FuzzCase(TestCase):
    """Data for every form to act on, with the clock stopped at the suite's NOW and no rate limit in the way."""

    @classmethod
    def setUpClass(cls):
        cls._clock = time_machine.travel(NOW, tick=False)
        cls._clock.start()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls._clock.stop()

    @classmethod
    def setUpTestData(cls):
        cls.ductogram = ProcedureType.objects.get(code="DUCTOGRAM")
        cls.room = RoomFactory(name="Mammo Room 1")
        RoomFactory(name="Mammo Room 2")
        cls.scheduler = SchedulerFactory()
        cls.radiologist = RadiologistFactory()
        cls.patient = PatientFactory()
        cls.appointment = AppointmentFactory(patient=cls.patient, room=cls.room, scheduled_start=at(THURSDAY, "10:00"))
        cls.for_patient = AppointmentFactory(room=cls.room, scheduled_start=at(THURSDAY, "14:00"))
        cls.request = PatientRequest.objects.create(appointment=cls.appointment, kind="cancel", message="Sorry")
        missed = AppointmentFactory(room=cls.room, scheduled_start=at(THURSDAY, "09:00") - timedelta(days=3))
        cls.follow_up = FollowUp.objects.create(
            appointment=missed, source="did_not_attend", reasons="Did not attend", must_act="schedulers"
        )

    def setUp(self):
        self.staff = Client(raise_request_exception=False)
        self.staff.force_login(self.scheduler)
        self.anyone = Client(raise_request_exception=False)


class TestStaffPagesTakeAnyInput(FuzzCase):
    @FUZZ
    @given(day=date_param)
    def test_the_schedule_pages_answer_any_date(self, day):
        for name in ("procedures:day", "procedures:week", "procedures:day-print"):
            _ok(self.staff.get(reverse(name), {"date": day}))

    @FUZZ
    @given(q=nasty_text, patient=id_param, room=id_param, start=start_param)
    def test_the_booking_page_answers_any_query_string(self, q, patient, room, start):
        _ok(self.staff.get(reverse("procedures:book"), {"q": q, "patient": patient, "room": room, "start": start}))

    @FUZZ
    @given(
        fields=st.fixed_dictionaries(
            {
                "patient_query": nasty_text,
                "patient": id_param,
                "room": id_param,
                "start_date": date_param,
                "start_time": nasty_text,
                "expected_duration": id_param,
                "duration_reason": nasty_text,
                "laterality": st.sampled_from(["left", "right", "", "middle"]),
                "discharge": st.sampled_from(["bloody", "clear", "", "purple"]),
                "referrer": nasty_text,
                "notes": nasty_text,
                "radiologist": id_param,
                "take_slot": start_param,
                "new-mrn": nasty_text,
                "new-given_name": nasty_text,
                "new-family_name": nasty_text,
                "new-date_of_birth": date_param,
                "new-email": nasty_text,
                "new-mobile": nasty_text,
                "new-address_line1": nasty_text,
                "new-town": nasty_text,
                "new-postcode": nasty_text,
            }
        ),
        source=st.sampled_from(["existing", "new", "", "both"]),
        poison=st.sampled_from(
            ["duration_reason", "referrer", "notes", "new-given_name", "new-family_name", "new-address_line1"]
        ),
        bad=bad_text,
    )
    def test_a_booking_with_a_control_character_books_nothing(self, fields, source, poison, bad):
        before = _state()
        data = {**fields, "patient_source": source, "action": "book", poison: bad}
        _ok(self.staff.post(reverse("procedures:book"), data))
        assert _state() == before

    @FUZZ
    @given(room=id_param, start_date=date_param, start_time=nasty_text, duration=id_param, take_slot=start_param)
    def test_a_reschedule_answers_any_input(self, room, start_date, start_time, duration, take_slot):
        data = {
            "room": room,
            "start_date": start_date,
            "start_time": start_time,
            "expected_duration": duration,
            "take_slot": take_slot,
        }
        _ok(self.staff.post(reverse("procedures:reschedule", args=[self.appointment.pk]), data))

    @FUZZ
    @given(reason=bad_text)
    def test_a_cancel_reason_with_a_control_character_cancels_nothing(self, reason):
        before = _state()
        _ok(self.staff.post(reverse("procedures:cancel", args=[self.appointment.pk]), {"reason": reason}))
        assert _state() == before

    @FUZZ
    @given(note=bad_text, cancel_reason=bad_text)
    def test_notes_with_a_control_character_change_nothing(self, note, cancel_reason):
        before = _state()
        _ok(self.staff.post(reverse("procedures:log-call", args=[self.appointment.pk]), {"note": note}))
        _ok(self.staff.post(reverse("procedures:request-done", args=[self.request.pk]), {"note": note}))
        _ok(self.staff.post(reverse("procedures:request-cancel", args=[self.request.pk]), {"reason": cancel_reason}))
        assert _state() == before

    @FUZZ
    @given(day=date_param, rebook=id_param)
    def test_the_end_of_day_follow_ups_and_rebook_answer_any_query_string(self, day, rebook):
        _ok(self.staff.get(reverse("procedures:end-of-day"), {"date": day}))
        _ok(self.staff.get(reverse("procedures:followups"), {"date": day}))
        _ok(self.staff.get(reverse("procedures:book"), {"rebook": rebook}))

    @FUZZ
    @given(reason=nasty_text, next_step=nasty_text, next_url=nasty_text)
    def test_did_not_attend_and_attended_answer_any_input_and_change_nothing_before_the_start(
        self, reason, next_step, next_url
    ):
        before = _state()
        fields = {"reason": reason, "next_step": next_step, "next": next_url}
        _ok(self.staff.post(reverse("procedures:no-show", args=[self.appointment.pk]), fields))
        _ok(self.staff.post(reverse("procedures:attended", args=[self.appointment.pk]), {"next": next_url}))
        assert _state() == before

    @FUZZ
    @given(action=st.sampled_from(["discharged", "other", "", "rebooked", "no_longer_needed", "x"]), note=bad_text)
    def test_a_follow_up_note_with_a_control_character_closes_nothing(self, action, note):
        before = _state()
        data = {"action": action, "note": note, "next": note}
        _ok(self.staff.post(reverse("procedures:followup-action", args=[self.follow_up.pk]), data))
        assert _state() == before

    @FUZZ
    @given(note=nasty_text, next_url=nasty_text)
    def test_staff_notes_answer_any_text(self, note, next_url):
        _ok(
            self.staff.post(
                reverse("procedures:log-call", args=[self.appointment.pk]), {"note": note, "next": next_url}
            )
        )


class TestPatientPagesTakeAnyInput(FuzzCase):
    def page(self, action: str = "page") -> str:
        return reverse(f"patient:{action}", args=[patient_token(self.for_patient)])

    @FUZZ
    @given(token=nasty_text.filter(lambda t: t and "/" not in t))
    def test_any_token_gets_a_page_or_a_404(self, token):
        response = self.anyone.get(f"/p/{token}/")
        _ok(response)

    @FUZZ
    @given(
        answers=st.fixed_dictionaries(
            {
                name: st.one_of(st.sampled_from(["yes", "no", "unsure"]), nasty_text)
                for name in ("discharge_present", "pregnant", "contrast_allergy", "infection", "blood_thinners")
            }
        ),
        note=nasty_text,
    )
    def test_the_safety_questions_answer_any_input(self, answers, note):
        _ok(self.anyone.post(self.page("safety"), {**answers, "note": note}))

    @FUZZ
    @given(note=bad_text)
    def test_a_safety_note_with_a_control_character_records_nothing(self, note):
        before = _state()
        answers = dict.fromkeys(
            ("discharge_present", "pregnant", "contrast_allergy", "infection", "blood_thinners"), "no"
        )
        _ok(self.anyone.post(self.page("safety"), {**answers, "note": note}))
        assert _state() == before

    @FUZZ
    @given(kind=st.one_of(st.sampled_from(["reschedule", "cancel"]), nasty_text), message=bad_text)
    def test_a_change_request_with_a_control_character_records_nothing(self, kind, message):
        before = _state()
        _ok(self.anyone.post(self.page("change"), {"kind": kind, "message": message}))
        assert _state() == before

    @FUZZ
    @given(content_hash=nasty_text)
    def test_reading_the_preparation_answers_any_input(self, content_hash):
        _ok(self.anyone.post(self.page("read"), {"content_hash": content_hash}))
