"""Both task queues with their real workers as separate processes: the database queue (`manage.py db_worker`)
and RQ on the real Redis (`manage.py rqworker --with-scheduler --job-class django_tasks_rq.Job`, database 15
of 127.0.0.1:6379 or TEST_REDIS_URL), sending to a real SMTP server on loopback.

CI sets TEST_REDIS_URL, and then a Redis that cannot be reached fails the RQ tests; elsewhere they are skipped.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import psutil
import pytest
import redis
from django.db import connection
from django.utils import timezone

from articles import services as workflow
from articles.models import Issue, Role
from distribution import services
from distribution.models import MailSweep, Notification
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WORKERS = {
    "database": ["db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"],
    "rq": ["rqworker", "--with-scheduler", "--job-class", "django_tasks_rq.Job"],
}
BURST = {"database": "--batch", "rq": "--burst"}
# The old home of the tasks (before they moved beside their services): records queued by that release.
GONE = "distribution.tasks.deliver_issue_notifications"


@pytest.fixture(params=["database", "rq"])
def queue(request, settings):
    """The queue under test, configured in this process as the worker processes will have it."""
    settings.BULLETIN_MAIL_CLAIM_SECONDS, settings.BULLETIN_MAIL_SWEEP_SECONDS = 2, 1
    if request.param == "database":
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
        yield "database"
        return
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if "TEST_REDIS_URL" in os.environ:
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    # One test at a time on the shared Redis database (pytest -n 2), each starting from an empty queue.
    with client.lock("bulletin-tests:queue", timeout=300, blocking_timeout=300):
        empty_rq(client)
        settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
        settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
        yield "rq"
        empty_rq(client)


def empty_rq(client):
    keys = list(client.scan_iter(match="rq:*"))
    if keys:
        client.delete(*keys)


def database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(queue, relay, tmp_path, *args):
    """A worker process on this test's database, queue and relay, as scripts/run.sh starts it."""
    env = {key: value for key, value in os.environ.items() if key not in {"TASKS_REDIS_URL", "TASKS_BACKEND"}}
    env.update(DJANGO_SETTINGS_MODULE="bulletin_cms.settings", DATABASE_URL=database_url(), CONN_MAX_AGE="0",
               BULLETIN_VAR_DIR=str(tmp_path), EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
               EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(relay.port), EMAIL_TIMEOUT="5",
               BULLETIN_MAIL_CLAIM_SECONDS="2", BULLETIN_MAIL_SWEEP_SECONDS="1")
    if queue == "rq":
        env["TASKS_REDIS_URL"] = REDIS_URL
    log = open(tmp_path / f"worker-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "manage.py", *WORKERS[queue], *args], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def run_burst(queue, relay, tmp_path):
    worker = start_worker(queue, relay, tmp_path, BURST[queue])
    assert worker.wait(timeout=120) == 0


def stop(worker):
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_until(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def issue_to_units(count):
    units = [factories.RecipientFactory(name=f"单位{i}", email=f"unit{i}@example.org") for i in range(count)]
    issue = factories.issue_to(Issue.Status.REVIEW, units=[(unit, Role.SEND) for unit in units])
    workflow.issue_approve(issue=issue, actor=factories.leader())
    return units


def test_issuing_only_enqueues_and_the_worker_sends_each_message_once_over_one_connection(
        queue, relay, fake_pdf, tmp_path):
    issue_to_units(20)
    assert relay.messages == []  # the leader's request only enqueued

    run_burst(queue, relay, tmp_path)
    run_burst(queue, relay, tmp_path)
    services.notifications_sweep(failed=True)

    assert sorted(m[0] for m in relay.messages) == sorted(f"unit{i}@example.org" for i in range(20))
    assert relay.sessions == 1
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_deferred_tasks_run_when_due_and_the_sweep_keeps_itself_scheduled(queue, relay, fake_pdf, tmp_path,
                                                                          settings):
    units = issue_to_units(1)
    due = timezone.now() + timedelta(seconds=1)
    # A temporary failure waiting for its retry, and the worker's own sweep.
    Notification.objects.update(status="failed", attempts=1, next_attempt_at=due)
    services.retries_schedule()
    assert not services.sweep_schedule()  # issuing scheduled it
    generation = MailSweep.objects.get().generation
    worker = start_worker(queue, relay, tmp_path)
    try:
        wait_until(lambda: Notification.objects.filter(status="sent").exists())
        wait_until(lambda: MailSweep.objects.get().generation >= generation + 2)  # ran, and ran again
    finally:
        stop(worker)
    sent = Notification.objects.get()
    assert sent.sent_at >= due and relay.messages == [[units[0].email]]
    # The sweep ran moments ago and scheduled the next: issuing or the timer adds none (the period is
    # lengthened here only so that a slow machine cannot make the scheduled one look overdue).
    settings.BULLETIN_MAIL_SWEEP_SECONDS = 60
    assert not services.sweep_schedule()


def test_a_worker_killed_mid_batch_leaves_its_mail_to_another_worker_and_nobody_gets_it_twice(
        queue, relay, fake_pdf, tmp_path):
    relay.delay = 0.1
    units = issue_to_units(30)
    first = start_worker(queue, relay, tmp_path)
    try:
        wait_until(lambda: len(relay.messages) >= 10)
        relay.in_rcpt.wait(10)
        # The worker and the process running its task (RQ's work horse, in a process group of its own) die
        # at once, mid-message.
        doomed = [psutil.Process(first.pid), *psutil.Process(first.pid).children(recursive=True)]
        horses = [p for p in doomed[1:] if os.getpgid(p.pid) == p.pid]
        assert len(horses) == (queue == "rq")
        for process in [doomed[0], *horses]:
            process.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        stop(first)
    killed_after = len(relay.messages)
    assert killed_after < 30
    second = start_worker(queue, relay, tmp_path)
    try:
        wait_until(lambda: Notification.objects.filter(status="sent").count() == 30, timeout=90)
    finally:
        stop(second)
        for process in doomed:  # RQ's scheduler process outlives its worker; end it with the test
            if process.is_running():
                process.kill()
    assert Counter(m[0] for m in relay.messages) == {unit.email: 1 for unit in units}


def test_a_queued_task_that_no_longer_imports_fails_alone_and_the_worker_goes_on(queue, relay, tmp_path):
    user = factories.editor(email="editor@example.org")
    gone = services.notify_people.enqueue([user.pk], "gone", "gone")
    if queue == "database":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(id=gone.id).update(task_path=GONE)
    else:
        import django_rq
        from django_tasks_rq import Job

        job = Job.fetch(gone.id, connection=django_rq.get_connection())
        job.func_name = GONE
        job.save()
    after = services.notify_people.enqueue([user.pk], "主题", "正文")

    run_burst(queue, relay, tmp_path)

    assert relay.messages == [["editor@example.org"]]
    assert services.notify_people.get_backend().get_result(after.id).status == "SUCCESSFUL"
    if queue == "database":
        assert DBTaskResult.objects.get(id=gone.id).status == "FAILED"
    else:
        assert Job.fetch(gone.id, connection=django_rq.get_connection()).get_status() == "failed"
