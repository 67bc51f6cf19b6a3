"""The Redis-backed task queue (distribution/redis_queue.py) against the real Redis on 127.0.0.1:6379.

CI sets TEST_REDIS_URL, and then a Redis that cannot be reached fails these tests; elsewhere they are
skipped without one. Each test uses its own key prefix and removes its keys.
"""

import os
import threading
import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.core.management import call_command
from django.utils import timezone
from django_tasks import task, task_backends
from django_tasks.base import TaskResultStatus

from articles import services as workflow
from articles.models import Issue, Role
from distribution.models import Notification
from distribution.redis_queue import Worker
from tests import factories

# The worker closes stale database connections around each task, as a worker process must.
pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@task()
def add(a, b):
    return a + b


@task()
def fail():
    raise ValueError("不合格的输入")


@task()
def count(key, n):
    """Counts the runs of task n in a Redis hash, to see that each ran exactly once."""
    redis.Redis.from_url(REDIS_URL).hincrby(key, str(n), 1)


@pytest.fixture
def redis_queue(settings):
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        client.ping()
    except redis.ConnectionError:
        if "TEST_REDIS_URL" in os.environ:
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"test:{uuid.uuid4().hex[:8]}"
    settings.TASKS = {"default": {"BACKEND": "distribution.redis_queue.RedisBackend", "QUEUES": ["default"],
                                  "OPTIONS": {"URL": REDIS_URL, "PREFIX": prefix}}}
    backend = task_backends["default"]
    yield backend
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def test_enqueue_only_queues_and_a_worker_runs_it_and_records_the_result(redis_queue):
    result = add.enqueue(2, 3)

    assert redis_queue.get_result(result.id).status == TaskResultStatus.READY
    worker = Worker(redis_queue)
    assert worker.run(burst=True) == 1
    done = add.get_result(result.id)
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert done.return_value == 5
    assert done.worker_ids == [worker.id]
    assert done.started_at <= done.finished_at
    assert Worker(redis_queue).run(burst=True) == 0  # nothing left, nothing run twice
    assert redis_queue.redis.ttl(redis_queue.key("result", result.id)) > 0  # finished results expire


def test_a_failing_task_is_recorded_with_its_error_and_the_worker_goes_on(redis_queue):
    failed, then = fail.enqueue(), add.enqueue(1, 1)

    assert Worker(redis_queue).run(burst=True) == 2
    result = redis_queue.get_result(failed.id)
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "builtins.ValueError"
    assert "不合格的输入" in result.errors[0].traceback
    assert redis_queue.get_result(then.id).return_value == 2


def test_a_deferred_task_waits_until_it_is_due(redis_queue):
    result = add.using(run_after=timezone.now() + timedelta(seconds=1)).enqueue(1, 2)

    assert Worker(redis_queue).run(burst=True) == 0
    time.sleep(1.1)
    assert Worker(redis_queue).run(burst=True) == 1
    assert redis_queue.get_result(result.id).return_value == 3


def test_the_tasks_of_a_dead_worker_run_again_those_of_a_live_one_do_not(redis_queue):
    client = redis_queue.redis
    dead, alive = add.enqueue(1, 1), add.enqueue(2, 2)
    ready = redis_queue.key("ready", "default")
    # Two workers took one task each; "alive" still beats, "dead" stopped without finishing.
    client.lmove(ready, redis_queue.key("running", "dead"), "RIGHT", "LEFT")
    client.lmove(ready, redis_queue.key("running", "alive"), "RIGHT", "LEFT")
    client.set(redis_queue.key("worker", "alive"), "1", ex=30)

    assert Worker(redis_queue).run(burst=True) == 1
    assert redis_queue.get_result(dead.id).status == TaskResultStatus.SUCCESSFUL
    assert redis_queue.get_result(alive.id).status == TaskResultStatus.READY
    assert client.llen(redis_queue.key("running", "alive")) == 1


def test_two_workers_share_one_queue_and_run_each_task_once(redis_queue):
    key = f"{redis_queue.prefix}:runs"
    for n in range(300):
        count.enqueue(key, n)

    workers = [Worker(redis_queue) for _ in range(2)]
    ran = [0, 0]

    def work(i):
        ran[i] = workers[i].run(burst=True)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    runs = redis_queue.redis.hgetall(key)
    assert sorted(map(int, runs)) == list(range(300))
    assert set(runs.values()) == {"1"}
    assert sum(ran) == 300 and min(ran) > 0


@pytest.mark.django_db(transaction=True)
def test_issuing_enqueues_in_redis_and_the_worker_command_sends_the_mail(redis_queue, relay, fake_pdf):
    units = [factories.RecipientFactory(name=f"单位{i}", email=f"unit{i}@example.org") for i in range(20)]
    issue = factories.issue_to(Issue.Status.REVIEW, units=[(unit, Role.SEND) for unit in units])

    workflow.issue_approve(issue=issue, actor=factories.leader())

    assert relay.messages == []  # the leader's request only enqueued
    assert redis_queue.redis.llen(redis_queue.key("ready", "default")) == 1
    call_command("redis_worker", "--burst", verbosity=0)
    assert sorted(m[0] for m in relay.messages) == sorted(f"unit{i}@example.org" for i in range(20))
    assert relay.sessions == 1
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_the_worker_command_refuses_another_backend(settings):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="TASKS_REDIS_URL"):
        call_command("redis_worker", "--burst", verbosity=0)


def test_a_running_worker_picks_up_what_a_worker_that_died_meanwhile_left(redis_queue):
    worker = Worker(redis_queue, heartbeat_seconds=1)
    thread = threading.Thread(target=worker.run, kwargs={"interval": 0.1})
    thread.start()
    try:
        result = add.enqueue(20, 1)
        # Another worker took it and died before finishing: its running list stays, its heartbeat is gone.
        client = redis_queue.redis
        deadline = time.monotonic() + 5
        while redis_queue.get_result(result.id).status == TaskResultStatus.READY and time.monotonic() < deadline:
            time.sleep(0.05)
        late = add.using(run_after=timezone.now() + timedelta(days=1)).enqueue(1, 1)  # never taken as such
        assert client.zrem(redis_queue.key("scheduled", "default"), late.id) == 1
        client.lpush(redis_queue.key("running", "gone"), late.id)
        while redis_queue.get_result(late.id).status != TaskResultStatus.SUCCESSFUL and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
        thread.join()
    assert redis_queue.get_result(result.id).return_value == 21
    assert redis_queue.get_result(late.id).return_value == 2
    assert client.llen(redis_queue.key("running", "gone")) == 0
