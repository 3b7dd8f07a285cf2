"""A Twilio-style REST SMS gateway: sending (SMS_HTTP_BASE_URL, SMS_HTTP_ACCOUNT_SID, SMS_HTTP_AUTH_TOKEN, SMS_FROM)
and the signature its webhooks carry (the webhooks themselves are reminders.webhooks)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import urllib.parse

from django.conf import settings

from ..errors import PermanentSendError, TransientSendError
from .sms import BaseSMSBackend


class HTTPSMSBackend(BaseSMSBackend):
    """POST {base}/Accounts/{sid}/Messages.json with To, From, Body and a StatusCallback, as Twilio does.

    One backend keeps one HTTP/1.1 connection to the provider: a batch's texts share it (SmsChannel.session closes
    it at the end). A connection the provider closed while idle is opened again before the text is sent; once a
    request has gone out, any failure is the text's (transient), never retried here, so no text goes twice."""

    def __init__(self) -> None:
        self._connection: http.client.HTTPConnection | None = None

    def send(self, to: str, body: str, *, reference: str = "") -> str:
        sid, token = settings.SMS_HTTP_ACCOUNT_SID, settings.SMS_HTTP_AUTH_TOKEN
        if not (sid and token and settings.SMS_FROM):
            raise PermanentSendError("SMS is not configured: set SMS_HTTP_ACCOUNT_SID, SMS_HTTP_AUTH_TOKEN, SMS_FROM.")
        url = urllib.parse.urlsplit(f"{settings.SMS_HTTP_BASE_URL.rstrip('/')}/Accounts/{sid}/Messages.json")
        form = {"To": to, "From": settings.SMS_FROM, "Body": body, "StatusCallback": f"{settings.SITE_URL}/sms/status/"}
        headers = {
            "Authorization": "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode(),
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        try:
            status, answer = self._post(url, urllib.parse.urlencode(form).encode(), headers)
        except (http.client.HTTPException, OSError) as exc:
            self.close()
            raise TransientSendError(f"Could not reach the SMS provider: {exc.__class__.__name__}: {exc}") from exc
        if status >= 400:
            detail = _error_detail(answer, status)
            if status == 429 or status >= 500:
                raise TransientSendError(f"The SMS provider answered {status}: {detail}")
            raise PermanentSendError(f"The SMS provider refused the text ({status}): {detail}")
        try:
            message_id = json.loads(answer or b"{}").get("sid")
        except (ValueError, AttributeError) as exc:
            raise TransientSendError("The SMS provider's answer was not JSON.") from exc
        if not message_id:
            raise TransientSendError("The SMS provider's answer had no message id.")
        return message_id

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _post(self, url: urllib.parse.SplitResult, data: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        path = url.path + (f"?{url.query}" if url.query else "")
        reused = self._connection is not None
        connection = self._connection or self._connect(url)
        try:
            connection.request("POST", path, body=data, headers=headers)
        except (BrokenPipeError, ConnectionResetError, http.client.CannotSendRequest):
            if not reused:
                raise
            # The provider closed the idle connection: the request never got out, so send it on a new one.
            self.close()
            connection = self._connect(url)
            connection.request("POST", path, body=data, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        if response.will_close:
            self.close()
        return response.status, answer

    def _connect(self, url: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        self._connection = kind(url.hostname, url.port, timeout=settings.SMS_HTTP_TIMEOUT)
        return self._connection


def _error_detail(answer: bytes, status: int) -> str:
    try:
        payload = json.loads(answer or b"{}")
        return str(payload.get("message") or payload.get("detail") or http.client.responses.get(status, "no detail"))
    except (ValueError, AttributeError):
        return http.client.responses.get(status, "no detail")


def webhook_signature(url: str, params: dict[str, str], token: str) -> str:
    """Twilio's scheme: HMAC-SHA1 over the full URL followed by each POST parameter name and value, sorted."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def valid_webhook_signature(url: str, params: dict[str, str], signature: str | None) -> bool:
    """Whether `signature` (the X-Twilio-Signature header; None when missing) signs this request. Compared as bytes
    in constant time; a header that is missing, empty or not ASCII (so not base64) signs nothing."""
    token = settings.SMS_HTTP_AUTH_TOKEN
    if not token:
        return settings.DEBUG  # only a development machine accepts unsigned webhooks
    if not signature:
        return False
    try:
        given = signature.encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(webhook_signature(url, params, token).encode("ascii"), given)
