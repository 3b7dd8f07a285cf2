"""What language a page reached from a patient's link answers in: the one place that decides it.

The patient behind the link decides (`procedures.languages.speaking_to`: their language when the clinic offers it,
else English). A link that names nobody (tampered, unknown) falls back on the language their own page last answered
in (the `patient_language` cookie it sets), then on the browser's Accept-Language among the offered languages, then
English. Every patient view runs inside `translation.override`, so the language is restored when the response is
made and never reaches a staff request served next by the same thread; LocaleMiddleware is deliberately not used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from .. import languages
from ..links import appointment_id_from_token, patient_id_from_unsubscribe_token
from ..models import Appointment, Patient

COOKIE = "patient_language"
COOKIE_MAX_AGE = 365 * 24 * 3600
PATIENT_NAMESPACES = ("patient", "unsubscribe")


@dataclass(frozen=True)
class Speaking:
    """The language a patient page answers in (`code`), and the one the patient's record names (`own`): they differ
    for a patient whose language the clinic does not offer, who reads English and one sentence in their own."""

    code: str
    own: str = ""

    @property
    def tag(self) -> str:
        return bcp47(self.code)

    @property
    def rtl(self) -> bool:
        return languages.is_rtl(self.code)

    @property
    def interpreter_sentence(self) -> str:
        sentence = languages.interpreter_sentence(self.own) if self.own else ""
        return sentence.replace(settings.CLINIC_PHONE, kept_whole(settings.CLINIC_PHONE, rtl=self.own_rtl))

    @property
    def own_tag(self) -> str:
        return bcp47(self.own)

    @property
    def own_rtl(self) -> bool:
        return languages.is_rtl(self.own)


def kept_whole(token: str, *, rtl: bool | None = None) -> str:
    """A phone number in plain text (a message, a sentence) kept whole and in order inside a right-to-left sentence
    (`rtl`; by default, whether the active language is): between Unicode's left-to-right isolate and its end. The
    `ltr` template filter does this in HTML."""
    rtl = languages.is_rtl(translation.get_language() or languages.ENGLISH) if rtl is None else rtl
    return f"\u2066{token}\u2069" if rtl else token


def bcp47(code: str) -> str:
    """Django's "en-gb" as HTML and HTTP write it: "en-GB"; "cy" stays "cy"."""
    language, _, region = code.partition("-")
    return f"{language}-{region.upper()}" if region else language


def _own_name(name: str) -> str:
    """ "Cymraeg (Welsh)" -> "Cymraeg": a language in its own name, as its readers look for it."""
    return name.split(" (")[0]


def language_choices() -> list[tuple[str, str]]:
    """The offered languages, each in its own name, for the switch on the patient's page."""
    return [(code, _own_name(name)) for code, name in languages.offered_choices()]


def accepted(header: str) -> list[str]:
    """The languages of an Accept-Language header, most wanted first (q=0 ones left out), as Django parses it (with
    its length limit)."""
    return [code for code, quality in parse_accept_lang_header(header) if code != "*" and quality > 0]


def from_browser(request: HttpRequest) -> str:
    """For a link that names nobody: the cookie a patient page set, else Accept-Language among the offered, else
    English."""
    offered = languages.offered()
    cookie = request.COOKIES.get(COOKIE, "")
    if cookie in offered:
        return cookie
    for code in accepted(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        for candidate in (code, code.split("-")[0]):
            if candidate in offered:
                return candidate
        if code.split("-")[0] == "en":
            return languages.ENGLISH
    return languages.ENGLISH


def language_behind(request: HttpRequest) -> str | None:
    """The language on the record of the patient a patient link names, even when the link no longer opens their
    page (the appointment is over or cancelled): the page saying so is still for them. None for a link that names
    nobody."""
    match = getattr(request, "resolver_match", None)
    if match is None or not set(match.namespaces) & set(PATIENT_NAMESPACES):
        return None
    token = match.kwargs.get("token", "")
    if "unsubscribe" in match.namespaces:
        patient_id = patient_id_from_unsubscribe_token(token)
        found = Patient.objects.filter(pk=patient_id) if patient_id else Patient.objects.none()
        return found.values_list("language", flat=True).first()
    appointment_id = appointment_id_from_token(token)
    found = Appointment.objects.filter(pk=appointment_id) if appointment_id else Appointment.objects.none()
    return found.values_list("patient__language", flat=True).first()


def is_patient_link(request: HttpRequest) -> bool:
    """Whether the request came from a patient's link (/p/..., /u/...), resolved or not."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return bool(set(match.namespaces) & set(PATIENT_NAMESPACES))
    prefixes = tuple(reverse(f"{name}:{view}", args=["x"])[:-2] for name, view in _LINK_VIEWS)
    return request.path.startswith(prefixes)


_LINK_VIEWS = (("patient", "page"), ("unsubscribe", "one-click"))


def speaking_for(request: HttpRequest) -> Speaking:
    """The language this patient request answers in (worked out once per request)."""
    known = getattr(request, "patient_speaking", None)
    if known is not None:
        return known
    own = language_behind(request)
    if own is not None:
        speaking = Speaking(languages.spoken_in(own or languages.ENGLISH), own or languages.ENGLISH)
    else:
        speaking = Speaking(from_browser(request))
    request.patient_speaking = speaking
    return speaking


def answered_in(response: HttpResponse, speaking: Speaking) -> HttpResponse:
    """Content-Language on the response, and the cookie a later link that names nobody is answered by."""
    response["Content-Language"] = speaking.tag
    response.set_cookie(
        COOKIE,
        speaking.code,
        max_age=COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def in_patient_language(view):
    """Run a patient view in the language its patient is spoken to in; the language is restored afterwards."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        speaking = speaking_for(request)
        with translation.override(speaking.code):
            response = view(request, *args, **kwargs)
            # A view may have switched the patient's language: the response says the one it was made in.
            speaking = getattr(request, "patient_speaking", speaking)
        return answered_in(response, speaking)

    return wrapped


def render_for_patient(request: HttpRequest, template: str, context: dict | None = None, status: int = 200):
    """render(), with what patient/base.html needs to say the page's language (`speaking`)."""
    speaking = speaking_for(request)
    with translation.override(speaking.code):
        response = render(request, template, {"speaking": speaking, **(context or {})}, status=status)
    return answered_in(response, speaking)
