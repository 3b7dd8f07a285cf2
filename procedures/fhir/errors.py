"""Every error of the FHIR API as an OperationOutcome with the right HTTP status: raise `FhirError` (or one of its
shorthands) anywhere below a view, and the endpoint wrapper (procedures.fhir.http) answers with `outcome_json`.

| status | issue code    | when                                                                   |
|--------|---------------|------------------------------------------------------------------------|
| 400    | invalid       | a bad search parameter or value, or element of a POSTed resource       |
| 401    | login         | no bearer token, an unknown one, or a revoked one (WWW-Authenticate)   |
| 403    | forbidden     | the client's token lacks the scope the resource needs                  |
| 404    | not-found     | an unknown resource type, id or address under /fhir/                   |
| 405    | not-supported | a method the address does not take                                     |
| 406    | not-supported | a format other than JSON asked for                                     |
| 413    | too-costly    | a POSTed body larger than DATA_UPLOAD_MAX_MEMORY_SIZE                  |
| 415    | not-supported | a POSTed body that is not JSON (procedures.fhir.referrals_in)          |
"""

from __future__ import annotations

from fhirclient.models.operationoutcome import OperationOutcome


class FhirError(Exception):
    """An answer that is an OperationOutcome: `status` (HTTP), `code` (the FHIR issue type), `diagnostics` (the
    sentence a client's developer reads), `expression` (the parameter or element at fault, when there is one)."""

    def __init__(
        self,
        status: int,
        code: str,
        diagnostics: str,
        *,
        expression: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics
        self.expression = expression
        self.headers = headers or {}

    def as_json(self) -> dict:
        return outcome_json([issue(self.code, self.diagnostics, expression=self.expression)])


def issue(code: str, diagnostics: str, *, severity: str = "error", expression: str | None = None) -> dict:
    """One OperationOutcome issue (a warning with severity="warning")."""
    found = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        found["expression"] = [expression]
    return found


def outcome_json(issues: list[dict]) -> dict:
    """An OperationOutcome, built and checked by the FHIR R4 models (fhirclient), as JSON."""
    return OperationOutcome({"resourceType": "OperationOutcome", "issue": issues}).as_json()


def bad_parameter(name: str, problem: str) -> FhirError:
    """400 naming the search parameter: "Search parameter 'date': ..."."""
    return FhirError(400, "invalid", f"Search parameter '{name}': {problem}", expression=name)


def not_found(what: str) -> FhirError:
    return FhirError(404, "not-found", what)


def unauthorised(why: str, *, invalid_token: bool = False) -> FhirError:
    """401 with the challenge RFC 6750 asks for: `error="invalid_token"` when a bearer token was sent but is no good
    (unknown or revoked); none when there was no bearer token at all."""
    challenge = 'Bearer realm="fhir"' + (', error="invalid_token"' if invalid_token else "")
    return FhirError(401, "login", why, headers={"WWW-Authenticate": challenge})


def forbidden(scopes: tuple[str, ...], resource_type: str) -> FhirError:
    """403: the token is good but lacks every scope that would let it read `resource_type`."""
    needed = " or ".join(f"'{scope}'" for scope in scopes)
    return FhirError(
        403,
        "forbidden",
        f"This client's token does not have the {needed} scope, which reading {resource_type} needs.",
        headers={"WWW-Authenticate": f'Bearer realm="fhir", error="insufficient_scope", scope="{" ".join(scopes)}"'},
    )
