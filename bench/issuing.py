"""Benchmark: how other users fare while an issue with a slow PDF render is being issued (embedded SQLite).

Run: .venv/bin/python bench/issuing.py [--render-seconds 30] [--rounds 20]
It works on a fresh SQLite file in a temporary folder, with the real settings (WAL, immediate
transactions, 20 s busy timeout). The render is replaced by a sleep of --render-seconds so that only
the locking is measured. While it sleeps, a reader logs in, opens an issue page and acknowledges it
(签收), round after round; the same rounds are timed before, with nobody issuing. Printed: medians
and maxima per request, and how many failed.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
folder = tempfile.mkdtemp(prefix="bench-issuing-")
os.environ["BULLETIN_VAR_DIR"] = folder
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulletin_cms.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from articles import services  # noqa: E402
from articles.models import Issue, Role  # noqa: E402
from articles.printing import renderer  # noqa: E402
from distribution.models import Receipt  # noqa: E402
from tests.factories import RecipientFactory, issue_in, issue_to, leader, reader  # noqa: E402

FAKE_PDF = b"%PDF-1.7\n% bench\n%%EOF\n"


def rounds(accounts, issues, count):
    """Time login, issue page and 签收 for `count` readers; return ({request: [seconds]}, failures)."""
    times = {"login": [], "view": [], "acknowledge": []}
    failures = 0
    for account, issue in list(zip(accounts, issues, strict=True))[:count]:
        client = Client()
        for name, method, url, data, ok in [
            ("login", client.post, reverse("distribution:login"),
             {"username": account.username, "password": "bench-pw"}, 302),
            ("view", client.get, reverse("distribution:issue", args=[issue.pk]), None, 200),
            ("acknowledge", client.post, reverse("distribution:issue_acknowledge", args=[issue.pk]), None, 302),
        ]:
            start = time.perf_counter()
            try:
                status = method(url, data).status_code
            except Exception:  # noqa: BLE001 - a locked database surfaces as an exception here
                status = 500
            times[name].append(time.perf_counter() - start)
            failures += status != ok
    return times, failures


def report(title, times, failures):
    print(title)
    for name, values in times.items():
        print(f"  {name:12s} median {statistics.median(values) * 1000:8.1f} ms   max {max(values) * 1000:8.1f} ms"
              f"   (n={len(values)})")
    print(f"  failed requests: {failures}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--render-seconds", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # time the locking, not PBKDF2
    call_command("migrate", verbosity=0)
    renderer.render_issue = lambda issue, **kwargs: renderer.RenderedPdf(FAKE_PDF, 1)
    units = [RecipientFactory() for _ in range(2 * args.rounds)]
    accounts = [reader(unit) for unit in units]
    for account in accounts:
        account.password = make_password("bench-pw")
        account.save(update_fields=["password"])
    issues = [issue_to(Issue.Status.ISSUED, units=[(unit, Role.SEND)]) for unit in units]
    under_review = issue_in(Issue.Status.REVIEW)
    print(f"SQLite file {settings.DATABASES['default']['NAME']}, journal mode WAL, busy timeout 20 s")

    report("Nobody issuing:", *rounds(accounts[: args.rounds], issues[: args.rounds], args.rounds))

    started = threading.Event()

    def slow_render(issue, *, preview, **kwargs):
        started.set()
        time.sleep(args.render_seconds)
        return renderer.RenderedPdf(FAKE_PDF, 1)

    renderer.render_issue = slow_render
    outcome = {}

    def issue_it():
        begin = time.perf_counter()
        try:
            services.issue_approve(issue=under_review, actor=leader())
            outcome["status"] = "issued"
        except Exception as exc:  # noqa: BLE001
            outcome["status"] = f"failed: {exc}"
        outcome["seconds"] = time.perf_counter() - begin
        connections.close_all()

    thread = threading.Thread(target=issue_it)
    thread.start()
    started.wait()
    during = rounds(accounts[args.rounds:], issues[args.rounds:], args.rounds)
    still_rendering = thread.is_alive()
    thread.join()
    report(f"While an issue with a {args.render_seconds:g} s render is issued"
           f" (render still running after the rounds: {still_rendering}):", *during)
    acknowledged = Receipt.objects.filter(acknowledged_at__isnull=False).count()
    print(f"issuing: {outcome['status']} in {outcome['seconds']:.1f} s;"
          f" receipts acknowledged in all (both phases): {acknowledged}")


if __name__ == "__main__":
    main()
