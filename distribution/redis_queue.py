"""A Redis-backed queue for django-tasks, so several web and worker machines share one queue.

Selected by one environment variable (TASKS_REDIS_URL, see settings); run by `manage.py redis_worker`.
The layout in Redis, under the backend's PREFIX:

- ``result:<id>``: the task and its outcome as JSON (kept RESULT_TTL seconds once finished);
- ``ready:<queue>``: ids waiting to run, a list (pushed on the left, taken from the right);
- ``scheduled:<queue>``: ids with a run_after, a sorted set scored by that time; a worker moves the due
  ones to ``ready`` atomically (one Lua script, so two workers never both move one id);
- ``running:<worker>``: what a worker took, moved there atomically (LMOVE) as it takes it and removed
  when it has finished; ``worker:<worker>`` is its heartbeat, refreshed by a thread while it lives.

A worker that dies leaves its ``running`` list without a heartbeat; the next worker to look puts those
ids back on ``ready``. Delivery is at least once: our tasks are idempotent (a notification row is
claimed before its message is sent, distribution/services.py), so a task run again sends nothing twice.
"""

import json
import logging
import threading
import time
import uuid
from datetime import datetime
from functools import cached_property

import redis
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import TaskError, TaskResult, TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks.signals import task_enqueued, task_finished, task_started
from django_tasks.utils import get_exception_traceback, get_module_path, normalize_json

logger = logging.getLogger(__name__)

# Move up to 100 due ids from the scheduled set to the ready list, atomically.
PROMOTE_DUE = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('LPUSH', KEYS[2], id)
end
return #ids
"""


def _time(value):
    return value.isoformat() if value else None


def _parse_time(value):
    return datetime.fromisoformat(value) if value else None


class RedisBackend(BaseTaskBackend):
    """django-tasks backend keeping the queue and the results in Redis (OPTIONS: URL, PREFIX, RESULT_TTL)."""

    supports_defer = True
    supports_get_result = True

    def __init__(self, alias, params):
        super().__init__(alias, params)
        self.url = self.options.get("URL", "redis://127.0.0.1:6379/0")
        self.prefix = self.options.get("PREFIX", "bulletin:tasks")
        self.result_ttl = int(self.options.get("RESULT_TTL", 7 * 24 * 3600))

    @cached_property
    def redis(self):
        return redis.Redis.from_url(self.url, decode_responses=True)

    def key(self, *parts):
        return ":".join((self.prefix, *parts))

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        result = TaskResult(
            task=task, id=str(uuid.uuid4()), status=TaskResultStatus.READY, enqueued_at=timezone.now(),
            started_at=None, last_attempted_at=None, finished_at=None, args=args, kwargs=kwargs,
            backend=self.alias, errors=[], worker_ids=[],
        )
        with self.redis.pipeline() as pipe:  # MULTI/EXEC: the record and its place in the queue, together
            pipe.set(self.key("result", result.id), json.dumps(self._record(result)))
            if task.run_after is not None:
                pipe.zadd(self.key("scheduled", task.queue_name), {result.id: task.run_after.timestamp()})
            else:
                pipe.lpush(self.key("ready", task.queue_name), result.id)
            pipe.execute()
        task_enqueued.send(type(self), task_result=result)
        return result

    def get_result(self, result_id):
        raw = self.redis.get(self.key("result", result_id))
        if raw is None:
            raise TaskResultDoesNotExist(result_id)
        return self._result(json.loads(raw))

    def save(self, result, *, finished=False):
        key = self.key("result", result.id)
        self.redis.set(key, json.dumps(self._record(result)), ex=self.result_ttl if finished else None)

    def _record(self, result):
        task = result.task
        return {
            "id": result.id, "task_path": task.module_path, "queue_name": task.queue_name,
            "priority": task.priority, "run_after": _time(task.run_after), "status": result.status,
            "enqueued_at": _time(result.enqueued_at), "started_at": _time(result.started_at),
            "last_attempted_at": _time(result.last_attempted_at), "finished_at": _time(result.finished_at),
            "args": result.args, "kwargs": result.kwargs, "worker_ids": result.worker_ids,
            "errors": [{"exception_class_path": e.exception_class_path, "traceback": e.traceback}
                       for e in result.errors],
            "return_value": result._return_value,
        }

    def _result(self, record):
        task = import_string(record["task_path"]).using(
            queue_name=record["queue_name"], priority=record["priority"],
            run_after=_parse_time(record["run_after"]), backend=self.alias)
        result = TaskResult(
            task=task, id=record["id"], status=TaskResultStatus(record["status"]),
            enqueued_at=_parse_time(record["enqueued_at"]), started_at=_parse_time(record["started_at"]),
            last_attempted_at=_parse_time(record["last_attempted_at"]),
            finished_at=_parse_time(record["finished_at"]), args=record["args"], kwargs=record["kwargs"],
            backend=self.alias, errors=[TaskError(**e) for e in record["errors"]], worker_ids=record["worker_ids"],
        )
        object.__setattr__(result, "_return_value", record["return_value"])
        return result


class Worker:
    """Takes tasks from the backend's queues and runs them; see the module's docstring for the protocol."""

    def __init__(self, backend, *, queues=None, heartbeat_seconds=30, worker_id=None):
        self.backend = backend
        self.redis = backend.redis
        self.queues = sorted(queues or backend.queues)
        self.id = worker_id or uuid.uuid4().hex[:12]
        self.heartbeat_seconds = heartbeat_seconds
        self.running_key = backend.key("running", self.id)
        self.promote_due = self.redis.register_script(PROMOTE_DUE)
        self._stop = threading.Event()

    def run(self, *, burst=False, interval=1.0):
        """Run tasks until stopped (or, with burst, until no task is ready). Returns how many ran."""
        self._beat()
        beater = threading.Thread(target=self._keep_beating, daemon=True)
        beater.start()
        ran, recovered_at = 0, float("-inf")
        try:
            while not self._stop.is_set():
                # Looking for dead workers' tasks scans the keys: at start, then once per heartbeat period.
                if time.monotonic() - recovered_at >= self.heartbeat_seconds:
                    self.recover_abandoned()
                    recovered_at = time.monotonic()
                task_id = self.take()
                if task_id is None:
                    if burst:
                        break
                    self._stop.wait(interval)
                    continue
                self.execute(task_id)
                ran += 1
        finally:
            self._stop.set()
            self.redis.delete(self.backend.key("worker", self.id))
        return ran

    def stop(self):
        self._stop.set()

    def take(self):
        """Move one ready id (due scheduled ones first made ready) into this worker's running list."""
        now = time.time()
        for queue in self.queues:
            self.promote_due(keys=[self.backend.key("scheduled", queue), self.backend.key("ready", queue)],
                             args=[now])
            task_id = self.redis.lmove(self.backend.key("ready", queue), self.running_key, "RIGHT", "LEFT")
            if task_id is not None:
                return task_id
        return None

    def execute(self, task_id):
        try:
            result = self.backend.get_result(task_id)
        except TaskResultDoesNotExist:
            logger.warning("Task %s has no record (expired?); dropped.", task_id)
            self.redis.lrem(self.running_key, 1, task_id)
            return
        close_old_connections()
        started = timezone.now()
        object.__setattr__(result, "status", TaskResultStatus.RUNNING)
        object.__setattr__(result, "started_at", started)
        object.__setattr__(result, "last_attempted_at", started)
        result.worker_ids.append(self.id)
        self.backend.save(result)
        task_started.send(sender=type(self.backend), task_result=result)
        try:
            value = result.task.call(*result.args, **result.kwargs)
            object.__setattr__(result, "_return_value", normalize_json(value))
            object.__setattr__(result, "status", TaskResultStatus.SUCCESSFUL)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # noqa: BLE001 - a failing task is recorded, the worker goes on
            logger.exception("Task %s (%s) failed.", task_id, result.task.module_path)
            result.errors.append(TaskError(exception_class_path=get_module_path(type(error)),
                                           traceback=get_exception_traceback(error)))
            object.__setattr__(result, "status", TaskResultStatus.FAILED)
        finally:
            close_old_connections()
        object.__setattr__(result, "finished_at", timezone.now())
        self.backend.save(result, finished=True)
        self.redis.lrem(self.running_key, 1, task_id)
        task_finished.send(sender=type(self.backend), task_result=result)

    def recover_abandoned(self):
        """Put back on their queue the tasks taken by workers whose heartbeat has stopped. Returns how many."""
        recovered = 0
        for running in self.redis.scan_iter(match=self.backend.key("running", "*")):
            worker_id = running.rsplit(":", 1)[1]
            if worker_id == self.id or self.redis.exists(self.backend.key("worker", worker_id)):
                continue
            while (task_id := self.redis.lindex(running, -1)) is not None:
                queue = self._queue_of(task_id)
                # Back to the end that is taken next: it has waited longest.
                if self.redis.lmove(running, self.backend.key("ready", queue), "RIGHT", "RIGHT") is None:
                    break
                logger.warning("Task %s was left by worker %s; queued again.", task_id, worker_id)
                recovered += 1
        return recovered

    def _queue_of(self, task_id):
        raw = self.redis.get(self.backend.key("result", task_id))
        return json.loads(raw)["queue_name"] if raw else self.queues[0]

    def _beat(self):
        self.redis.set(self.backend.key("worker", self.id), "1", ex=self.heartbeat_seconds)

    def _keep_beating(self):
        while not self._stop.wait(self.heartbeat_seconds / 3):
            try:
                self._beat()
            except redis.RedisError:
                logger.exception("Heartbeat to Redis failed.")
