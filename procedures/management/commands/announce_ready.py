"""`make run`'s last word: wait until the site answers, then print the demo logins and say it is ready, below the
start-up logs of web, worker and beat rather than lost above them (a Procfile process: with --stay it then waits
quietly, because honcho stops every process once one ends)."""

import time
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError

from .seed_demo import demo_password, login_lines


def answers(url: str) -> bool:
    """Whether anything at `url` gives an HTTP answer (any status: a 503 from /healthz is the site answering)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


class Command(BaseCommand):
    help = "Wait until the site answers, then print the demo logins and 'ready'."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="The site's address (WEB_ADDR's).")
        parser.add_argument("--timeout", type=float, default=120, help="Give up after this many seconds.")
        parser.add_argument("--stay", action="store_true", help="Keep running afterwards (for honcho).")

    def handle(self, *args, url: str, timeout: float, stay: bool, **options):
        deadline = time.monotonic() + timeout
        while not answers(url):
            if time.monotonic() > deadline:
                late = f"The site at {url} did not answer within {timeout:.0f} s: see the web process's lines above."
                if not stay:
                    raise CommandError(late)
                # Under honcho an exit would stop web, worker and beat with it: say so, and keep the others running.
                self.stderr.write(late)
                break
            time.sleep(0.5)
        else:
            self._announce(url)
        while stay:
            time.sleep(3600)

    def _announce(self, url: str) -> None:
        outbox = url.rstrip("/") + "/dev/outbox/"
        self.stdout.write("\n".join(login_lines(demo_password())))
        self.stdout.write(f"Emails and texts sent: {outbox}")
        self.stdout.write(self.style.SUCCESS(f"Ready: open {url} and sign in with a login above."))
        self.stdout.flush()
