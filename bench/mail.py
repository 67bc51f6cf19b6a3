"""Benchmark: issuing to many units with mail on the task queue, against a real SMTP server on loopback.

Run: .venv/bin/python bench/mail.py [--units 2000] [--rounds 5] [--redis]
A fresh SQLite file in a temporary folder (or DATABASE_URL), an aiosmtpd server on 127.0.0.1, and
`manage.py db_worker` subprocesses as the workers; with --redis, RQ through django-tasks-rq (database 14 of
the Redis on 127.0.0.1:6379, emptied first) and `manage.py rqworker --with-scheduler --job-class
django_tasks_rq.Job` subprocesses. Printed:
- the leader's issuing request (median, max) with the relay working, and with a relay that accepts
  connections and never answers (the request only enqueues, so neither waits for mail);
- the time 2 workers take to deliver every message, SMTP sessions used, duplicates;
- a worker killed mid-run (SIGKILL, with RQ's work horse) and a new one started: messages per unit (none twice).
The PDF render is replaced by a fixed file so that only the mail path is measured.
"""

import argparse
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
folder = tempfile.mkdtemp(prefix="bench-mail-")
os.environ["BULLETIN_VAR_DIR"] = folder
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulletin_cms.settings")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"
os.environ["EMAIL_HOST"] = "127.0.0.1"
os.environ["EMAIL_TIMEOUT"] = "2"
REDIS = "--redis" in sys.argv
if REDIS:
    os.environ["TASKS_REDIS_URL"] = "redis://127.0.0.1:6379/14"
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    os.environ["EMAIL_PORT"] = str(probe.getsockname()[1])

import django  # noqa: E402
import django.utils.timezone  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import SMTP  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from articles import services  # noqa: E402
from articles.models import Issue, Role  # noqa: E402
from articles.printing import renderer  # noqa: E402
from distribution.models import Notification  # noqa: E402
from tests import factories  # noqa: E402

received, subjects, sessions = [], [], [0]


class Handler:
    async def handle_DATA(self, server, session, envelope):
        received.extend(envelope.rcpt_tos)
        subject = str(make_header(decode_header(message_from_bytes(envelope.content)["Subject"])))
        subjects.extend((address, subject) for address in envelope.rcpt_tos)
        return "250 OK"


class CountingSMTP(SMTP):
    def connection_made(self, transport):
        sessions[0] += 1
        super().connection_made(transport)


def worker(*extra):
    if REDIS:
        extra = ["--burst" if e == "--batch" else e for e in extra]
        command = [sys.executable, str(ROOT / "manage.py"), "rqworker", "--with-scheduler", "--job-class",
                   "django_tasks_rq.Job", *extra]
    else:
        command = [sys.executable, str(ROOT / "manage.py"), "db_worker", "--no-reload", "--no-startup-delay",
                   "--interval", "0.2", *extra]
    return subprocess.Popen(command, env={**os.environ}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_until(condition, timeout=600):
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise TimeoutError
        time.sleep(0.1)
    return time.perf_counter() - start


def issue_to(units, leader, editor):
    issue = factories.issue_to(Issue.Status.REVIEW, units=[(unit, Role.SEND) for unit in units])
    start = time.perf_counter()
    services.issue_approve(issue=issue, actor=leader)
    return issue, time.perf_counter() - start


def main():
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis", action="store_true", help="the Redis-backed queue instead of the database's")
    args = parser.parse_args()
    if REDIS:
        import redis

        redis.Redis.from_url(os.environ["TASKS_REDIS_URL"]).flushdb()
    call_command("migrate", verbosity=0)
    renderer.render_issue = lambda issue, **kwargs: renderer.RenderedPdf(content=b"%PDF-1.7\n%bench\n", pages=1)
    controller = Controller(Handler(), hostname="127.0.0.1", port=int(os.environ["EMAIL_PORT"]))
    controller.factory = lambda: CountingSMTP(controller.handler)
    controller.start()
    sessions[0] = 0
    units = [factories.RecipientFactory(name=f"基准单位{i:04d}", email=f"unit{i}@example.org")
             for i in range(args.units)]
    leader, editor = factories.leader(), factories.editor()
    print(f"{args.units} units with email, SMTP on 127.0.0.1:{os.environ['EMAIL_PORT']}, "
          f"database {connection.vendor}, queue {'Redis' if REDIS else 'database'}")

    # 1. The leader's request, relay working (no worker running: the request never waits for one).
    times = [issue_to(units, leader, editor)[1] for _ in range(args.rounds)]
    print(f"issuing request, relay up:      median {statistics.median(times):.3f} s  max {max(times):.3f} s")

    # 2. Two workers deliver everything queued.
    total = Notification.objects.count()
    received.clear()
    sessions[0] = 0
    workers = [worker(), worker()]
    took = wait_until(lambda: Notification.objects.filter(status="sent").count() == total)
    for w in workers:
        w.terminate()
    per_unit = Counter(received)  # one message per issue: every unit should have exactly `rounds`
    duplicates = sum(n - args.rounds for n in per_unit.values() if n > args.rounds)
    print(f"2 workers delivered {total} messages in {took:.1f} s ({total / took:.0f}/s), "
          f"{sessions[0]} SMTP sessions, messages per unit {min(per_unit.values())}–{max(per_unit.values())} "
          f"for {args.rounds} issues, duplicates {duplicates}")

    # 3. A stalled relay: connections accepted, never answered. The request still only enqueues.
    controller.stop()
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    stalled.bind(("127.0.0.1", int(os.environ["EMAIL_PORT"])))
    stalled.listen(100)
    times = [issue_to(units[:200], leader, editor)[1] for _ in range(args.rounds)]
    print(f"issuing request, relay stalled: median {statistics.median(times):.3f} s  max {max(times):.3f} s")
    pending = Notification.objects.exclude(status="sent").count()
    w = worker("--batch")
    w.wait(timeout=900)
    failed = Notification.objects.filter(status="failed")
    print(f"with the relay stalled: {failed.count()} of {pending} failed temporarily, "
          f"{failed.filter(next_attempt_at__isnull=False).count()} scheduled for a retry, none lost")
    stalled.close()

    # 4. A worker killed mid-run, then restarted: nobody gets a message twice.
    controller = Controller(Handler(), hostname="127.0.0.1", port=int(os.environ["EMAIL_PORT"]))
    controller.start()
    received.clear()
    subjects.clear()
    issue, _took = issue_to(units, leader, editor)
    first = worker()
    wait_until(lambda: len(received) >= args.units // 3)
    import psutil

    # The worker and RQ's work horse (a process group of its own) running the delivery task.
    children = psutil.Process(first.pid).children(recursive=True)
    horses = [p for p in children if os.getpgid(p.pid) == p.pid]
    for process in [psutil.Process(first.pid), *horses]:
        process.send_signal(signal.SIGKILL)
    first.wait()
    before = len(received)
    an_hour_ago = django.utils.timezone.now() - django.utils.timezone.timedelta(hours=1)
    Notification.objects.filter(issue=issue, status="pending").update(claimed_at=an_hour_ago, created_at=an_hour_ago)
    from distribution import services as mail

    # What the periodic sweep does once the claims are stale (aged above rather than waited for).
    mail.retry_notifications.enqueue()
    second = worker("--batch")
    second.wait(timeout=900)
    # This issue's messages only: the stalled round's retries may fall due meanwhile and go to the same units.
    title = str(Issue.objects.get(pk=issue.pk))
    counts = Counter(address for address, subject in subjects if title in subject)
    issue_counts = [counts.get(unit.email, 0) for unit in units]
    twice = sum(1 for c in issue_counts if c > 1)
    print(f"worker killed after {before} messages, restarted: {sum(issue_counts)} delivered to "
          f"{sum(1 for c in issue_counts if c)} units, units with 2+ messages: {twice}, "
          f"units with none: {sum(1 for c in issue_counts if c == 0)}")
    controller.stop()
    for process in children:  # RQ's scheduler process outlives its killed worker
        if process.is_running():
            process.kill()


if __name__ == "__main__":
    main()
