"""Tokens and scopes for the FHIR API: the one module that makes, changes, revokes and checks a client's bearer
token, says which scope a resource needs, and records every call.

A token is 32 random bytes (`secrets.token_urlsafe`), handed back once by `new_client` for the admin to show; only
its SHA-256 is stored (`ApiClient.token_hash`). A request carries it as `Authorization: Bearer <token>`; no token, an
unknown one or a revoked one is 401, a good token without the scope a resource needs is 403 (procedures.fhir.errors).
Referrals (`POST /fhir/ServiceRequest`) will ask `require_scope(client, (Scope.REFERRALS,), "ServiceRequest")`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from ..models import ApiCall, ApiClient
from ..models.api_clients import Scope, validate_scopes
from .errors import forbidden, unauthorised

__all__ = ["Scope", "authenticate", "new_client", "record_call", "require_scope", "revoke_client", "update_client"]

# A client's last use is written at most this often: a busy client calls many times a minute.
USE_RECORDED_EVERY = timedelta(minutes=5)
# The RFC 6750 token syntax (b64token), bounded: anything else cannot be one of ours.
_BEARER = re.compile(r"Bearer +([A-Za-z0-9\-._~+/]{1,200}=*)", re.ASCII | re.IGNORECASE)
# The longest path with query kept in an ApiCall.
PATH_KEPT = 2000


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Making, changing and revoking clients (the admin calls these) -------------------------------------------------


def _checked_scopes(scopes) -> list[str]:
    chosen = sorted(set(scopes))
    validate_scopes(chosen)
    return chosen


@transaction.atomic
def new_client(*, name: str, scopes, by: AbstractBaseUser | None = None) -> tuple[ApiClient, str]:
    """A new client with these scopes; returns it and its token, which is kept nowhere."""
    token = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name.strip(), scopes=_checked_scopes(scopes), token_hash=hash_token(token), created_by=by
    )
    return client, token


@transaction.atomic
def update_client(client: ApiClient, *, name: str, scopes) -> ApiClient:
    """A new name or new scopes; the token stays the same. A revoked client stays revoked."""
    client.name = name.strip()
    client.scopes = _checked_scopes(scopes)
    client.save(update_fields=["name", "scopes"])
    return client


@transaction.atomic
def revoke_client(client: ApiClient, *, by: AbstractBaseUser | None = None, now: datetime | None = None) -> bool:
    """The token answers 401 from now on; revoking a revoked client changes nothing. Returns whether it was live."""
    current = ApiClient.objects.select_for_update().get(pk=client.pk)
    if current.revoked_at is not None:
        return False
    current.revoked_at = now or timezone.now()
    current.revoked_by = by
    current.save(update_fields=["revoked_at", "revoked_by"])
    client.revoked_at, client.revoked_by = current.revoked_at, by
    return True


# --- Checking a request --------------------------------------------------------------------------------------------


def authenticate(request: HttpRequest, *, now: datetime | None = None) -> ApiClient:
    """The live client whose bearer token the request carries (one query; its last use noted at most every
    USE_RECORDED_EVERY), or FhirError 401 saying what is wrong."""
    header = request.headers.get("Authorization", "")
    if not header:
        raise unauthorised("No bearer token: send 'Authorization: Bearer <token>' (an administrator makes one).")
    match = _BEARER.fullmatch(header.strip())
    if not match:
        raise unauthorised("The Authorization header is not a bearer token ('Authorization: Bearer <token>').")
    client = ApiClient.objects.filter(token_hash=hash_token(match.group(1))).first()
    if client is None:
        raise unauthorised("Unknown bearer token.", invalid_token=True)
    if client.is_revoked:
        raise unauthorised(
            "This bearer token was revoked; ask the clinic's administrator for a new one.", invalid_token=True
        )
    now = now or timezone.now()
    if client.last_used_at is None or now - client.last_used_at >= USE_RECORDED_EVERY:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


def require_scope(client: ApiClient, scopes: tuple[str, ...], resource_type: str) -> None:
    """FhirError 403 unless the client has one of `scopes` (any one is enough)."""
    if not any(client.has_scope(scope) for scope in scopes):
        raise forbidden(scopes, resource_type)


def record_call(request: HttpRequest, status: int, client: ApiClient | None, *, now: datetime | None = None) -> None:
    """Who called what, when, and the answer's status: one INSERT per request, whatever the answer."""
    ApiCall.objects.create(
        client=client,
        method=request.method[:8],
        path=request.get_full_path()[:PATH_KEPT],
        status=status,
        at=now or timezone.now(),
    )
