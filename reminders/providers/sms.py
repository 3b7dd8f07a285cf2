"""Where texts go: SMS_BACKEND names a backend class by dotted path; each sends one text and returns the provider's id.

- ConsoleSMSBackend: prints the text (the development default).
- FileSMSBackend: appends one JSON line per text to SMS_FILE_PATH.
- LocMemSMSBackend: keeps texts in `outbox`, for tests.
- reminders.providers.http_sms.HTTPSMSBackend: a Twilio-style REST provider, for production.
"""

from __future__ import annotations

import json
import sys
import threading
import uuid
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

# Where the backends lived before providers had a package of their own; a setting that still names it keeps working.
OLD_HOME = "reminders.channels.sms."


class BaseSMSBackend:
    def send(self, to: str, body: str, *, reference: str = "") -> str:
        """Send `body` to the E.164 number `to`; return the provider's message id."""
        raise NotImplementedError


class ConsoleSMSBackend(BaseSMSBackend):
    def send(self, to: str, body: str, *, reference: str = "") -> str:
        sys.stdout.write(f"--- SMS to {to} ---\n{body}\n")
        sys.stdout.flush()
        return f"console-{uuid.uuid4().hex[:12]}"


class FileSMSBackend(BaseSMSBackend):
    _lock = threading.Lock()

    def send(self, to: str, body: str, *, reference: str = "") -> str:
        message_id = f"file-{uuid.uuid4().hex[:12]}"
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"id": message_id, "to": to, "body": body, "reference": reference, "at": timezone.now().isoformat()}
        )
        with self._lock, path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
        return message_id


class LocMemSMSBackend(BaseSMSBackend):
    outbox: list[dict] = []

    def send(self, to: str, body: str, *, reference: str = "") -> str:
        message_id = f"locmem-{len(self.outbox) + 1}"
        self.outbox.append({"id": message_id, "to": to, "body": body, "reference": reference})
        return message_id


def backend_class(path: str | None = None) -> type[BaseSMSBackend]:
    """The class SMS_BACKEND (or `path`) names."""
    return _import(path or settings.SMS_BACKEND)


@lru_cache(maxsize=8)
def _import(path: str) -> type[BaseSMSBackend]:
    if path.startswith(OLD_HOME):
        name = path.removeprefix(OLD_HOME)
        path = f"reminders.providers.{'http_sms' if name == 'HTTPSMSBackend' else 'sms'}.{name}"
    return import_string(path)
