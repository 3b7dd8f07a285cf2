"""Who may call the FHIR API, and what every refusal looks like. The administrator makes a token for the hospital's
RIS in the admin (appointments only) and one for the EPR (results too); the RIS is turned away from results, a
revoked token and a stranger from everything but the CapabilityStatement; every answer, refusals included, is an
OperationOutcome of the right status, and every call is on record.
"Now" is Wednesday 5 June 2030, 12:00 London (BST, UTC+1)."""

import hashlib
import re
from datetime import date

import pytest
from django.urls import reverse

from procedures.fhir import auth
from procedures.fhir.registry import TYPES
from procedures.models import ApiCall, ApiClient
from tests.clinic import THURSDAY, at
from tests.factories import ProcedureResultFactory
from tests.fhir import fhir_get, new_token, outcome, valid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

RESULT_TYPES = ("Procedure", "DiagnosticReport", "Observation")
SERVED = ("Patient", "Practitioner", "Location", "Schedule", "Slot", "Appointment", *RESULT_TYPES, "ServiceRequest")


@pytest.fixture
def thursday(book, radiologist):
    return book(at(THURSDAY, "10:00"), radiologist=radiologist)


@pytest.fixture
def ris_token():
    return new_token("appointments", name="RIS")


@pytest.fixture
def epr_token():
    return new_token("appointments", "results", name="EPR")


def test_the_capability_statement_needs_no_token_and_names_every_resource_interaction_and_parameter():
    statement = valid(fhir_get("metadata"), 200, "CapabilityStatement")
    assert statement["fhirVersion"] == "4.0.1"
    assert "application/fhir+json" in statement["format"] and "json" in statement["format"]
    (rest,) = statement["rest"]
    served = {resource["type"]: resource for resource in rest["resource"]}
    assert tuple(served) == SERVED
    for name, resource in served.items():
        expected = ["create", "read"] if name == "ServiceRequest" else ["read", "search-type"]
        assert [i["code"] for i in resource["interaction"]] == expected, name
    assert "searchParam" not in served["ServiceRequest"]
    params = {name: [p["name"] for p in resource.get("searchParam", [])] for name, resource in served.items()}
    assert params["Appointment"] == ["_id", "date", "patient", "practitioner", "location", "status"]
    assert params["Patient"][:2] == ["_id", "identifier"]
    assert params["Slot"] == ["_id", "schedule", "start", "status"]


def test_every_parameter_the_capability_statement_names_is_one_the_search_takes(epr_token):
    """Each parameter listed is read by the search (a made-up one is refused as unknown): the statement and the
    views come from one registry, and this holds them to it."""
    statement = valid(fhir_get("metadata"), 200, "CapabilityStatement")
    for resource in statement["rest"][0]["resource"]:
        if "search-type" not in [i["code"] for i in resource["interaction"]]:
            continue
        for param in resource["searchParam"]:
            response = fhir_get(resource["type"], epr_token, **{param["name"]: "1"})
            if response.status_code != 200:
                assert "not a search parameter" not in outcome(response, 400)["diagnostics"], param
        unknown = outcome(fhir_get(resource["type"], epr_token, colour="red"), 400)
        assert "'colour'" in unknown["diagnostics"] and "not a search parameter" in unknown["diagnostics"]


@pytest.mark.parametrize("path", ["Appointment", "Appointment/1", "Patient", "Banana"])
def test_without_a_token_every_address_but_metadata_is_401_with_a_bearer_challenge(path):
    response = fhir_get(path)
    issue = outcome(response, 401)
    assert issue["code"] == "login"
    assert response["WWW-Authenticate"] == 'Bearer realm="fhir"'


@pytest.mark.parametrize(
    ("header", "challenge"),
    [
        ("Bearer not-a-token-anyone-made", 'Bearer realm="fhir", error="invalid_token"'),
        ("Basic cmlzOnNlY3JldA==", 'Bearer realm="fhir"'),
        ("Bearer", 'Bearer realm="fhir"'),
    ],
)
def test_an_unknown_token_or_another_scheme_is_401(header, challenge):
    response = fhir_get("Appointment", headers={"Authorization": header})
    outcome(response, 401)
    assert response["WWW-Authenticate"] == challenge


def test_a_revoked_token_is_401_from_the_moment_it_is_revoked(thursday, ris_token):
    valid(fhir_get(f"Appointment/{thursday.pk}", ris_token), 200, "Appointment")
    auth.revoke_client(ApiClient.objects.get(name="RIS"))
    response = fhir_get(f"Appointment/{thursday.pk}", ris_token)
    assert "revoked" in outcome(response, 401)["diagnostics"]
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


@pytest.mark.parametrize("resource_type", RESULT_TYPES)
def test_results_never_leave_without_the_results_scope(resource_type, ris_token, epr_token):
    result = ProcedureResultFactory(appointment__scheduled_start=at(date(2030, 6, 3), "10:00"))
    for path in (resource_type, f"{resource_type}/{result.pk}"):
        response = fhir_get(path, ris_token)
        issue = outcome(response, 403)
        assert issue["code"] == "forbidden" and "'results'" in issue["diagnostics"]
        assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
        assert valid(fhir_get(path, epr_token))["resourceType"] in (resource_type, "Bundle")


def test_a_referrals_only_token_reads_no_appointment():
    token = new_token("referrals", name="Referral gateway")
    for path in ("Appointment", "Patient", "Slot"):
        outcome(fhir_get(path, token), 403)


def test_unknown_resource_types_ids_and_addresses_are_404(thursday, ris_token):
    assert "Banana" in outcome(fhir_get("Banana", ris_token), 404)["diagnostics"]
    for path in ("Appointment/999999", "Appointment/abc", "Patient/0", "Appointment/1/_history", "Appointment/1/x/y"):
        assert outcome(fhir_get(path, ris_token), 404)["code"] == "not-found", path


def test_json_only_anything_else_is_406(thursday, ris_token):
    path = f"Appointment/{thursday.pk}"
    for accepted in ({"_format": "json"}, {"_format": "application/fhir+json"}):
        valid(fhir_get(path, ris_token, **accepted), 200, "Appointment")
    for accept in ("application/json", "application/fhir+json", "*/*", "text/html, application/json;q=0.5"):
        valid(fhir_get(path, ris_token, headers={"Accept": accept}), 200, "Appointment")
    assert outcome(fhir_get(path, ris_token, _format="xml"), 406)["code"] == "not-supported"
    outcome(fhir_get(path, ris_token, headers={"Accept": "application/fhir+xml"}), 406)
    outcome(fhir_get(path, ris_token, headers={"Accept": "application/json;q=0"}), 406)


def test_a_write_is_405_not_a_csrf_page(client, ris_token):
    client.handler.enforce_csrf_checks = True
    response = client.post("/fhir/Appointment", {}, headers={"Authorization": f"Bearer {ris_token}"})
    assert outcome(response, 405)["code"] == "not-supported"
    assert response["Allow"] == "GET"


def test_every_call_is_recorded_with_who_what_and_the_answer(thursday, ris_token):
    fhir_get(f"Appointment/{thursday.pk}", ris_token, _format="json")
    fhir_get("Procedure", ris_token)
    fhir_get("Appointment", "wrong-token")
    ris = ApiClient.objects.get(name="RIS")
    calls = list(ApiCall.objects.order_by("pk").values_list("client", "method", "path", "status"))
    assert calls == [
        (ris.pk, "GET", f"/fhir/Appointment/{thursday.pk}?_format=json", 200),
        (ris.pk, "GET", "/fhir/Procedure", 403),
        (None, "GET", "/fhir/Appointment", 401),
    ]
    ris.refresh_from_db()
    assert ris.last_used_at is not None


def test_the_administrator_makes_a_token_sees_it_once_and_revokes_it(client, superuser, thursday):
    client.force_login(superuser)
    add = reverse("admin:procedures_apiclient_add")
    response = client.post(add, {"name": "RIS (Riverside)", "scopes": ["appointments"]}, follow=True)
    assert response.status_code == 200
    (shown,) = [str(m) for m in response.context["messages"] if "bearer token" in str(m)]
    token = re.search(r"The bearer token for RIS \(Riverside\) is (\S+) - copy it now", shown).group(1)
    made = ApiClient.objects.get(name="RIS (Riverside)")
    assert made.scopes == ["appointments"] and made.created_by == superuser
    assert made.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(ApiClient.objects.values()))
    change = reverse("admin:procedures_apiclient_change", args=[made.pk])
    assert token not in client.get(change).content.decode()
    valid(fhir_get(f"Appointment/{thursday.pk}", token), 200, "Appointment")

    changelist = reverse("admin:procedures_apiclient_changelist")
    client.post(changelist, {"action": "revoke_selected", "_selected_action": [made.pk]})
    made.refresh_from_db()
    assert made.revoked_at is not None and made.revoked_by == superuser
    outcome(fhir_get(f"Appointment/{thursday.pk}", token), 401)


def test_the_record_of_calls_is_read_only_in_the_admin(client, superuser, ris_token):
    fhir_get("Appointment", ris_token)
    call = ApiCall.objects.get()
    client.force_login(superuser)
    listing = client.get(reverse("admin:procedures_apicall_changelist"))
    assert listing.status_code == 200 and "/fhir/Appointment" in listing.content.decode()
    assert client.get(reverse("admin:procedures_apicall_add")).status_code == 403
    page = client.get(reverse("admin:procedures_apicall_change", args=[call.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    client.post(reverse("admin:procedures_apicall_delete", args=[call.pk]), {"post": "yes"})
    assert ApiCall.objects.filter(pk=call.pk).exists()


def test_the_registry_serves_exactly_the_types_the_design_names():
    assert tuple(kind.name for kind in TYPES) == SERVED
