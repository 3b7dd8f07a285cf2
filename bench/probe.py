"""A probe for server errors: the site as production runs it (gunicorn, PostgreSQL, DEBUG off), fed bad input of
every class issue 22 found, over every page a signed-in admin, scheduler and radiologist can reach.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ductogram .venv/bin/python bench/probe.py [--pages 120]

It makes a throwaway database beside DATABASE_URL's (probe_<name>), migrates it and loads the demo, collects the
static files and starts gunicorn with a deployment's settings (tests/production.py). Then, as each role, it walks
the pages it can reach (same-site links, up to --pages paths of each shape) and sends:
- each page's query string with every parameter (its own and common ones: q, page, date, o, p, id) set to junk: a
  NUL, a word where a number goes, a number past 64 bits, an impossible date, a lone surrogate, invalid UTF-8, 5,000
  characters;
- each form posted with junk in every field, and once more as charset=utf-16, utf-32, cp500 and utf-7;
- the known sharp edges: sign-in with a 256-character or NUL username, the admin's history and autocomplete with ids
  that are no ids, signed SMS webhooks with a NUL, the FHIR API with junk.
It prints how many answers of each status came back, every 5xx with its request, and exits 1 if there was any.
"""

from __future__ import annotations

import argparse
import collections
import html.parser
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import requests

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.production import production_env  # noqa: E402
from tests.realparts import free_port, wait_for  # noqa: E402

HOST = "clinic.example"
ORIGIN = f"https://{HOST}"
PASSWORD = os.environ.get("DEMO_PASSWORD", "ductogram-demo")
ROLES = ("admin", "scheduler", "dr.okafor")
JUNK = [
    "\x00",
    "abc",
    "-1",
    "99999999999999999999",
    "9223372036854775807",
    "2026-13-45",
    "%ED%A0%80",  # a lone surrogate, UTF-8 encoded
    "%FF%FE",  # not UTF-8
    "x" * 5000,
]
COMMON_PARAMS = ("q", "page", "date", "o", "p", "id", "start", "room", "week", "day")
CHARSETS = ("utf-16", "utf-32", "cp500", "utf-7")
SKIP = re.compile(r"/(logout|accounts/logout)/|/delete/|\.pdf$|/print|/export|\.ics$|/static/")


class Links(html.parser.HTMLParser):
    """The same-site links and the post forms (action, fields) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._form: tuple[str, dict[str, str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = (a.get("action") or "", {})
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea") and a.get("name"):
            self._form[1][a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


class Probe:
    def __init__(self, base: str) -> None:
        self.base = base
        self.statuses: collections.Counter = collections.Counter()
        self.errors: list[str] = []

    def session(self) -> requests.Session:
        s = requests.Session()
        s.headers.update({"Host": HOST, "X-Forwarded-Proto": "https", "Referer": ORIGIN + "/"})

        return s

    def send(self, s: requests.Session, method: str, path: str, **kwargs) -> requests.Response | None:
        url = self.base + path if path.startswith("/") else path
        for cookie in s.cookies:  # the proxy's https is only a header here: Secure cookies go back over http
            cookie.secure = False
        try:
            answer = s.request(method, url, allow_redirects=False, timeout=120, **kwargs)
        except requests.RequestException as exc:
            self.statuses["no answer"] += 1
            self.errors.append(f"{method} {path[:200]}: no answer ({exc.__class__.__name__})")
            return None
        self.statuses[answer.status_code] += 1
        if answer.status_code >= 500:
            self.errors.append(f"{method} {path[:200]} -> {answer.status_code}")
        return answer

    def sign_in(self, username: str) -> requests.Session:
        s = self.session()
        self.send(s, "GET", "/accounts/login/")
        token = s.cookies.get("csrftoken", "")
        answer = self.send(
            s,
            "POST",
            "/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        if answer is None or answer.status_code != 302:
            raise SystemExit(f"Could not sign in as {username}: {answer and answer.status_code}")
        return s

    def walk(self, s: requests.Session, limit: int) -> tuple[list[str], list[tuple[str, str, dict]]]:
        """The reachable pages (at most `limit` of each shape: digits count as one) and their post forms."""
        seen, shapes, pages, forms = set(), collections.Counter(), [], []
        queue = collections.deque(["/", "/admin/"])
        while queue:
            path = queue.popleft()
            if path in seen or SKIP.search(path):
                continue
            seen.add(path)
            shape = re.sub(r"\d+", "N", urllib.parse.urlsplit(path).path)
            if shapes[shape] >= 3 or len(pages) >= limit:
                continue
            answer = self.send(s, "GET", path)
            if answer is None or answer.status_code != 200 or "text/html" not in answer.headers.get("Content-Type", ""):
                continue
            shapes[shape] += 1
            pages.append(path)
            parser = Links()
            parser.feed(answer.text)
            for action, fields in parser.forms:
                forms.append((path, urllib.parse.urljoin(path, action) or path, fields))
            for href in parser.links:
                joined = urllib.parse.urljoin(path, href)
                parts = urllib.parse.urlsplit(joined)
                if parts.netloc in ("", HOST) and parts.path.startswith("/"):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        return pages, forms

    def junk_queries(self, s: requests.Session, page: str) -> None:
        parts = urllib.parse.urlsplit(page)
        own = [k for k, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)]
        for name in dict.fromkeys(own + list(COMMON_PARAMS)):
            for junk in JUNK:
                value = junk if junk.startswith("%") else urllib.parse.quote(junk)
                self.send(s, "GET", f"{parts.path}?{urllib.parse.quote(name)}={value}")

    def junk_forms(self, s: requests.Session, forms: list[tuple[str, str, dict]]) -> None:
        done = set()
        for page, action, fields in forms:
            key = (re.sub(r"\d+", "N", action), tuple(sorted(fields)))
            if key in done or SKIP.search(action):
                continue
            done.add(key)
            token = s.cookies.get("csrftoken", "")
            for junk in ("\x00", "abc", "99999999999999999999", "x" * 5000, "2026-13-45"):
                data = {name: junk for name in fields} | {"csrfmiddlewaretoken": token}
                self.send(s, "POST", action, data=data, headers={"Referer": ORIGIN + page})
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": token} | dict.fromkeys(fields, "1"))
            for charset in CHARSETS:
                self.send(
                    s,
                    "POST",
                    action,
                    data=body.encode(),
                    headers={
                        "Content-Type": f"application/x-www-form-urlencoded; charset={charset}",
                        "Referer": ORIGIN + page,
                    },
                )

    def sharp_edges(self, admin: requests.Session) -> None:
        anonymous = self.session()
        self.send(anonymous, "GET", "/accounts/login/")
        token = anonymous.cookies.get("csrftoken", "")
        for username in ("u" * 256, "\x00", "a\x00b"):
            for path in ("/accounts/login/", "/admin/login/"):
                self.send(
                    anonymous, "POST", path, data={"username": username, "password": "x", "csrfmiddlewaretoken": token}
                )
        for model in ("procedures/appointment", "procedures/patient", "procedures/procedureresult"):
            for tail in (
                "abc/history/",
                "1/history/abc/",
                "abc/change/",
                "%00/change/",
                "add/?appointment=abc",
                "add/?patient=abc",
                "add/?appointment=%00",
                "?scheduled_start__year=9223372036854775807",
                "?scheduled_start__year=99999",
                "?q=%00",
                "?status=%00",
                "?o=%00",
            ):
                self.send(admin, "GET", f"/admin/{model}/{tail}")
        for term in ("%00", "abc", "x" * 3000):
            for app, model, field in (
                ("procedures", "appointment", "patient"),
                ("procedures", "procedureresult", "appointment"),
            ):
                self.send(
                    admin,
                    "GET",
                    f"/admin/autocomplete/?term={term}&app_label={app}&model_name={model}&field_name={field}",
                )
        self.signed_webhooks()
        for path in (
            "/fhir/metadata",
            "/fhir/Patient?name=%00",
            "/fhir/Appointment?date=abc",
            "/fhir/Patient/abc",
            "/fhir/ServiceRequest",
            "/p/%00/",
            "/p/abc/",
            "/u/%00/",
            "/healthz?%00",
        ):
            self.send(anonymous, "GET", path, headers={"Authorization": "Bearer \x00junk"})
        for charset in CHARSETS:
            self.send(
                anonymous,
                "POST",
                "/fhir/ServiceRequest",
                data=b"{}",
                headers={"Content-Type": f"application/fhir+json; charset={charset}", "Authorization": "Bearer x"},
            )
            for path in ("/sms/status/", "/sms/inbound/"):
                self.send(
                    anonymous,
                    "POST",
                    path,
                    data=b"MessageSid=x",
                    headers={"Content-Type": f"application/x-www-form-urlencoded; charset={charset}"},
                )

    def signed_webhooks(self) -> None:
        from reminders.providers.http_sms import webhook_signature

        s = self.session()
        auth_token = production_env()["SMS_HTTP_AUTH_TOKEN"]
        for path, params in (
            ("/sms/status/", {"MessageSid": "SM\x00x", "MessageStatus": "delivered"}),
            ("/sms/status/", {"MessageSid": "SMx", "MessageStatus": "\x00"}),
            ("/sms/inbound/", {"MessageSid": "SM\x00y", "From": "+447911123401", "Body": "STOP"}),
            ("/sms/inbound/", {"MessageSid": "SMz", "From": "\x00", "Body": "START\x00"}),
        ):
            signature = webhook_signature(ORIGIN + path, params, auth_token)
            self.send(s, "POST", path, data=params, headers={"X-Twilio-Signature": signature})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=120, help="pages to walk as each role")
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database: the probe runs as production does.")
    probe_db = database.rsplit("/", 1)[0] + "/probe_" + database.rsplit("/", 1)[1]
    name = probe_db.rsplit("/", 1)[1]
    admin_db = database.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(["psql", admin_db, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    subprocess.run(["psql", admin_db, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    tmp = Path(tempfile.mkdtemp(prefix="probe-"))
    env = production_env(DATABASE_URL=probe_db, STATIC_ROOT=str(tmp / "static"), WEB_CONCURRENCY="2")
    os.environ.update(env)
    manage = [str(PROJECT / ".venv" / "bin" / "python"), "manage.py"]
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo", "--force"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(manage + command, cwd=PROJECT, env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    log = (tmp / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            str(PROJECT / ".venv" / "bin" / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "-b",
            f"127.0.0.1:{port}",
            "prepapp.wsgi",
        ],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    started = time.monotonic()
    probe = Probe(f"http://127.0.0.1:{port}")
    try:
        wait_for(lambda: _answers(probe.base), 120, interval=0.3, what="gunicorn")
        os.environ["DJANGO_SETTINGS_MODULE"] = "prepapp.settings"
        import django

        django.setup()
        sessions = {role: probe.sign_in(role) for role in ROLES}
        for role, s in sessions.items():
            pages, forms = probe.walk(s, args.pages)
            print(f"{role}: {len(pages)} pages, {len(forms)} forms", flush=True)
            for page in pages:
                probe.junk_queries(s, page)
            probe.junk_forms(s, forms)
        probe.sharp_edges(sessions["admin"])
    finally:
        server.terminate()
        server.wait(30)
        subprocess.run(["psql", admin_db, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=False)
    logged = (tmp / "gunicorn.log").read_text()
    total = sum(probe.statuses.values())
    print(f"Requests: {total} in {time.monotonic() - started:.0f} s")
    print("Answers: " + ", ".join(f"{status}: {n}" for status, n in sorted(probe.statuses.items(), key=str)))
    # Each traceback's last line says what was raised. Django logs its 4xx refusals (PermissionDenied, Http404, ...)
    # with a traceback too: those answered as they should; anything else was a server error.
    raised = collections.Counter(re.findall(r"Traceback \(most recent call last\):\n(?:[ \t].*\n)+(\S.*)", logged))
    refusals = (
        "django.core.exceptions.PermissionDenied",
        "django.http.response.Http404",
        "django.http.Http404",
        "django.core.exceptions.SuspiciousOperation",
        "django.core.exceptions.BadRequest",
        "django.core.exceptions.DisallowedHost",
    )
    failures = {line: n for line, n in raised.items() if not line.startswith(refusals)}
    tracebacks = sum(failures.values())
    print(
        f"Server errors (5xx): {len(probe.errors)}; other tracebacks in the server's log: {tracebacks} "
        f"({sum(raised.values()) - tracebacks} for 4xx refusals)"
    )
    for error in probe.errors[:50]:
        print("  " + error)
    for line, count in sorted(failures.items(), key=lambda item: -item[1]):
        print(f"  {count} x {line[:300]}")
    return 1 if probe.errors or tracebacks else 0


def _answers(base: str) -> bool:
    try:
        requests.get(base + "/healthz", timeout=2)
        return True
    except requests.RequestException:
        return False


if __name__ == "__main__":
    sys.exit(main())
