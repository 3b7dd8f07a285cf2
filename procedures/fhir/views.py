"""The FHIR API's endpoints: /fhir/metadata (no token needed), read (/fhir/<Type>/<id>) and search
(/fhir/<Type>?...) for every type in the registry, referrals in (POST /fhir/ServiceRequest), and an OperationOutcome
404 for any other address under /fhir/.

Order of the checks: the method and format (procedures.fhir.http), the token (401), the resource type (404), the
scope (403), then the parameters (400) and the id (404).
"""

from __future__ import annotations

from django.http import HttpRequest
from fhirclient.models.operationoutcome import OperationOutcome

from .. import services
from ..models import ApiClient
from ..models.api_clients import Scope
from . import referrals_in
from .auth import require_scope
from .bundles import Paging, base_url, page_of, searchset
from .capability import capability_statement
from .errors import FhirError, bad_parameter, issue, not_found, outcome_json
from .http import endpoint
from .referrals import service_request
from .registry import BY_NAME, ResourceType
from .search import FORMAT_PARAMETERS, SearchQuery


def _kind(client: ApiClient, resource_type: str) -> ResourceType:
    kind = BY_NAME.get(resource_type)
    if kind is None:
        raise not_found(f"Resource type '{resource_type[:40]}' is not served here (see /fhir/metadata).")
    require_scope(client, kind.scopes, kind.name)
    return kind


@endpoint(authenticated=False)
def metadata(request: HttpRequest, client: None) -> dict:
    for name in request.GET:
        if name not in FORMAT_PARAMETERS:
            raise bad_parameter(name[:40], "the CapabilityStatement takes only _format and _pretty.")
    return capability_statement().as_json()


@endpoint()
def search(request: HttpRequest, client: ApiClient, resource_type: str) -> dict:
    kind = _kind(client, resource_type)
    if kind.search is None:
        raise FhirError(405, "not-supported", f"{kind.name} is not searched here (see /fhir/metadata).")
    lenient = "handling=lenient" in request.headers.get("Prefer", "").replace(" ", "").lower()
    query = SearchQuery(kind.name, request.GET, kind.search_params, lenient=lenient)
    paging = Paging.from_query(request.GET)
    rows, total = page_of(kind.search(query), paging)
    warnings = query.warnings()
    outcome = None
    if warnings:
        outcome = OperationOutcome(outcome_json([issue("not-supported", w, severity="warning") for w in warnings]))
    return searchset(kind.name, kind.build(rows), total=total, paging=paging, query=query.pairs, outcome=outcome)


@endpoint()
def read(request: HttpRequest, client: ApiClient, resource_type: str, resource_id: str) -> dict:
    kind = _kind(client, resource_type)
    for name in request.GET:
        if name not in FORMAT_PARAMETERS:
            raise bad_parameter(name[:40], "a read takes only _format and _pretty.")
    row = kind.read(resource_id)
    if row is None:
        raise not_found(f"{kind.name}/{resource_id[:64]} is not known here.")
    return kind.build([row])[0].as_json()


@endpoint(methods=("POST",))
def create_service_request(request: HttpRequest, client: ApiClient) -> tuple[dict, int, dict]:
    """A referral in: 201 with its Location when new; the same client's same identifier again is 200 with the
    referral first recorded (procedures.services.receive_referral), so a retry never makes a second."""
    require_scope(client, (Scope.REFERRALS.value,), "ServiceRequest")
    sent = referrals_in.referral(referrals_in.body(request))
    try:
        referral, created = services.receive_referral(client=client, referral=sent)
    except services.ReferralRefused as exc:
        raise referrals_in.invalid(exc.field, str(exc)) from None
    location = f"{base_url()}/ServiceRequest/{referral.pk}"
    return service_request(referral).as_json(), 201 if created else 200, {"Location": location}


@endpoint(authenticated=False, methods=("GET", "POST", "PUT", "PATCH", "DELETE"))
def unknown(request: HttpRequest, client: None, rest: str = "") -> dict:
    """Any other address under /fhir/: 404 (after the method check: a write is 405 everywhere)."""
    raise not_found(f"Nothing is served at /fhir/{rest[:80]} (see /fhir/metadata).")
