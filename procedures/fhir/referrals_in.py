"""Reading a referral POSTed as a FHIR R4 ServiceRequest (`POST /fhir/ServiceRequest`): parsed strictly by fhirclient's
R4 models (an unknown element, a wrong type, a malformed date or a missing required element is refused), then
checked for what a ductogram referral needs. Anything wrong is a 400 OperationOutcome naming the element
(`expression`, e.g. "ServiceRequest.bodySite") and saying what to send (`diagnostics`).

What is read (README, "Referrals in"):
- `identifier`: the first with a system and a value: the same system|value from the same client is the same request;
- `status` active, `intent` order (or original-order), `code` SNOMED CT 18102001 |Mammary ductogram|;
- `subject`: a reference to a Patient contained in the request ("#<id>"): its identifiers (the MRN under
  FHIR_MRN_SYSTEM, the NHS number under https://fhir.nhs.uk/Id/nhs-number; one of them at least), name (the official
  one, else the first), birthDate (a full date), telecom (email; phone with use mobile, other phones), and gender
  (accepted, not kept: the clinic's record has no such field);
- `bodySite`: SNOMED CT 80248007 |Left breast structure| or 73056007 |Right breast structure|, one side per referral;
- the discharge: a `reasonCode` coding of <FHIR base>/CodeSystem/nipple-discharge (bloody, clear, serous, milky,
  other), else a reasonCode text naming one kind ("bloody nipple discharge"); none said is left for the scheduler;
- `priority`: routine (the default), urgent, asap, stat; the reason: the reasonCode texts and the notes;
- the referrer: `requester.display`.
"""

from __future__ import annotations

import json
import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from fhirclient.models.fhirabstractbase import FHIRValidationError
from fhirclient.models.servicerequest import ServiceRequest

from .. import nhs_number
from ..models import Appointment, Patient, Referral
from ..services import ReceivedPatient, ReceivedReferral
from .errors import FhirError
from .http import FORMATS
from .referrals import DUCTOGRAM, discharge_system
from .resources import BREAST, NHS_NUMBER_SYSTEM, SNOMED

SR = "ServiceRequest"
INTENTS = ("order", "original-order")
SIDES = {code: side for side, (code, _display) in BREAST.items()}
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_MISSING = re.compile(r'Non-optional property "(\w+)"')
_WORDS = re.compile(r"[a-z]+")


def invalid(expression: str, problem: str) -> FhirError:
    return FhirError(400, "invalid", f"{expression}: {problem}", expression=expression)


# --- The request's body ---------------------------------------------------------------------------------------------


def body(request: HttpRequest) -> dict:
    """The JSON object sent: 415 for another media type, 400 for a body that is not one JSON object."""
    media = request.content_type.lower()
    if media not in FORMATS - {"json"}:
        raise FhirError(415, "not-supported", f"Send the ServiceRequest as application/fhir+json, not '{media[:60]}'.")
    try:
        data = json.loads(request.body)
    except RequestDataTooBig:
        raise FhirError(413, "too-costly", "The body is larger than a referral can be.") from None
    except (ValueError, UnicodeDecodeError):
        raise FhirError(400, "invalid", "The body is not JSON.") from None
    if not isinstance(data, dict):
        raise FhirError(400, "invalid", "The body is not a JSON object (a FHIR resource).")
    if data.get("resourceType") != SR:
        raise invalid(f"{SR}.resourceType", f"send a ServiceRequest, not '{str(data.get('resourceType'))[:40]}'.")
    return data


def _path(parts: list[str]) -> str:
    """fhirclient's path ("contained.0", "birthDate") as FHIRPath: ServiceRequest.contained[0].birthDate."""
    found = SR
    for part in parts:
        found += f"[{part}]" if part.isdigit() else f".{part}"
    return found


def _first_problem(error: Exception, parts: list[str]) -> tuple[str, str]:
    if isinstance(error, FHIRValidationError):
        below = [*parts, *(error.path.split(".") if error.path else [])]
        if error.errors:
            return _first_problem(error.errors[0], below)
        return _path(below), str(error)
    if isinstance(error, KeyError):
        missing = _MISSING.search(str(error))
        if missing:
            return _path([*parts, missing.group(1)]), "this element is required."
    if isinstance(error, TypeError):
        return _path(parts), "has the wrong type here (see the R4 ServiceRequest)."
    message = str(error).strip("'\"")
    if "Superfluous entry" in message:
        name = message.split('"')[1] if '"' in message else ""
        return _path([*parts, name] if name else parts), "is not an element of R4 here."
    return _path(parts), message[:200] or "is not valid R4."


def parsed(data: dict) -> ServiceRequest:
    """The R4 model of the body, or a 400 naming the first element at fault."""
    try:
        return ServiceRequest(data, strict=True)
    except FHIRValidationError as exc:
        where, problem = _first_problem(exc, [])
        raise invalid(where, problem) from None


# --- The patient ----------------------------------------------------------------------------------------------------


def _contained_patient(request: ServiceRequest) -> tuple[str, dict]:
    reference = (request.subject.reference or "") if request.subject else ""
    if not reference.startswith("#"):
        raise invalid(
            f"{SR}.subject",
            "refer to the patient contained in the request ('#<id>', with a Patient in 'contained'): the clinic needs "
            "the patient's identifiers, name and date of birth.",
        )
    for index, resource in enumerate(request.contained or []):
        if resource.resource_type == "Patient" and resource.id == reference[1:]:
            return f"{SR}.contained[{index}]", resource.as_json()
    raise invalid(f"{SR}.subject", f"no Patient '{reference[1:40]}' is contained in the request.")


def _identifiers(where: str, patient: dict) -> tuple[str, str]:
    mrn = nhs = ""
    for index, found in enumerate(patient.get("identifier", [])):
        system, value = found.get("system"), (found.get("value") or "").strip()
        at = f"{where}.identifier[{index}]"
        if system == settings.FHIR_MRN_SYSTEM and value and not mrn:
            if len(value) > Patient._meta.get_field("mrn").max_length:
                raise invalid(at, "the MRN is longer than any MRN here.")
            mrn = value
        elif system == NHS_NUMBER_SYSTEM and value and not nhs:
            if not nhs_number.is_valid(value):
                raise invalid(at, f"'{value[:20]}' is not a valid NHS number (ten digits, modulus 11).")
            nhs = nhs_number.normalise(value)
    if not (mrn or nhs):
        raise invalid(
            f"{SR}.subject",
            f"the patient needs an MRN (identifier system {settings.FHIR_MRN_SYSTEM}) or an NHS number "
            f"(system {NHS_NUMBER_SYSTEM}).",
        )
    return mrn, nhs


def _name(where: str, patient: dict) -> tuple[str, str]:
    names = patient.get("name", [])
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    given, family = " ".join(name.get("given", [])).strip(), (name.get("family") or "").strip()
    if not (given and family):
        raise invalid(f"{where}.name", "the patient's family name and given name are both needed.")
    if len(given) > 100 or len(family) > 100:
        raise invalid(f"{where}.name", "a name is longer than 100 characters.")
    return given, family


def _birth_date(where: str, patient: dict):
    raw = patient.get("birthDate", "")
    if not _FULL_DATE.fullmatch(raw):
        raise invalid(f"{where}.birthDate", "the patient's full date of birth (YYYY-MM-DD) is needed.")
    field = Patient._meta.get_field("date_of_birth")
    try:
        return field.clean(field.to_python(raw), None)
    except ValidationError as exc:
        raise invalid(f"{where}.birthDate", " ".join(exc.messages)) from None


def _phone(at: str, value: str) -> str:
    try:
        number = phonenumbers.parse(value, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise invalid(at, f"'{value[:40]}' is not a telephone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _contacts(where: str, patient: dict) -> dict[str, str]:
    found: dict[str, str] = {}
    for index, point in enumerate(patient.get("telecom", [])):
        at, value = f"{where}.telecom[{index}]", (point.get("value") or "").strip()
        if not value:
            continue
        if point.get("system") == "email" and "email" not in found:
            try:
                validate_email(value)
            except ValidationError:
                raise invalid(at, f"'{value[:60]}' is not an email address.") from None
            found["email"] = value
        elif point.get("system") in ("phone", "sms"):
            key = "mobile" if point.get("use") == "mobile" or point.get("system") == "sms" else "phone"
            found.setdefault(key, _phone(at, value))
    return found


def patient(request: ServiceRequest) -> ReceivedPatient:
    where, data = _contained_patient(request)
    mrn, nhs = _identifiers(where, data)
    given, family = _name(where, data)
    return ReceivedPatient(
        given_name=given,
        family_name=family,
        date_of_birth=_birth_date(where, data),
        mrn=mrn,
        nhs_number=nhs,
        **_contacts(where, data),
    )


# --- What is asked for ----------------------------------------------------------------------------------------------


def _identifier(data: dict) -> tuple[str, str]:
    for found in data.get("identifier", []):
        system, value = (found.get("system") or "").strip(), (found.get("value") or "").strip()
        if system and value:
            if len(system) > 255 or len(value) > 255:
                raise invalid(f"{SR}.identifier", "the system and the value are at most 255 characters each.")
            return system, value
    raise invalid(
        f"{SR}.identifier",
        "the request needs an identifier with a system and a value: a copy sent again is known by it.",
    )


def _codings(concept: dict | None) -> list[tuple[str, str]]:
    return [(c.get("system", ""), c.get("code", "")) for c in (concept or {}).get("coding", [])]


def _side(data: dict) -> str:
    codings = [coding for concept in data.get("bodySite", []) for coding in _codings(concept)]
    sides = {SIDES[code] for system, code in codings if system == SNOMED and code in SIDES}
    if len(sides) != 1:
        raise invalid(
            f"{SR}.bodySite",
            "say the side with SNOMED CT 80248007 (left breast structure) or 73056007 (right breast structure); "
            "one side per referral.",
        )
    return sides.pop()


def _discharge(data: dict) -> str:
    system, kinds = discharge_system(), set(Appointment.Discharge.values)
    for index, concept in enumerate(data.get("reasonCode", [])):
        for coding_system, code in _codings(concept):
            if coding_system == system:
                if code not in kinds:
                    raise invalid(f"{SR}.reasonCode[{index}]", f"the discharge is one of {', '.join(sorted(kinds))}.")
                return code
    for concept in data.get("reasonCode", []):
        named = kinds.intersection(_WORDS.findall((concept.get("text") or "").lower())) - {"other"}
        if len(named) == 1:
            return named.pop()
    return ""


def referral(data: dict) -> ReceivedReferral:
    """The referral a POSTed ServiceRequest asks for, or a 400 naming what is wrong."""
    request = parsed(data)
    if request.status != "active":
        raise invalid(f"{SR}.status", f"only an active request can be booked, not '{str(request.status)[:20]}'.")
    if request.intent not in INTENTS:
        raise invalid(f"{SR}.intent", f"the intent is order (or original-order), not '{str(request.intent)[:20]}'.")
    if (DUCTOGRAM["system"], DUCTOGRAM["code"]) not in _codings(data.get("code")):
        raise invalid(f"{SR}.code", "only ductograms are booked here: SNOMED CT 18102001 (mammary ductogram).")
    priority = data.get("priority", Referral.Priority.ROUTINE)
    if priority not in Referral.Priority.values:
        raise invalid(f"{SR}.priority", f"one of {', '.join(Referral.Priority.values)}, not '{str(priority)[:20]}'.")
    system, value = _identifier(data)
    texts = [c.get("text", "").strip() for c in data.get("reasonCode", [])]
    texts += [n.get("text", "").strip() for n in data.get("note", [])]
    return ReceivedReferral(
        identifier_system=system,
        identifier_value=value,
        patient=patient(request),
        laterality=_side(data),
        discharge=_discharge(data),
        priority=priority,
        reason="\n".join(text for text in texts if text),
        referrer=((data.get("requester") or {}).get("display") or "").strip(),
        raw=data,
    )
