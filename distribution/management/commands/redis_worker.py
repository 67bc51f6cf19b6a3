import signal

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from distribution.redis_queue import RedisBackend, Worker


class Command(BaseCommand):
    help = gettext_lazy("Run the tasks of the Redis-backed queue (TASKS_REDIS_URL) until stopped.")

    def add_arguments(self, parser):
        parser.add_argument("--backend", default=DEFAULT_TASK_BACKEND_ALIAS)
        parser.add_argument("--queue-name", action="append", dest="queues")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds to wait when nothing is ready.")
        parser.add_argument("--heartbeat", type=int, default=30, help="Seconds without a heartbeat that mark a "
                                                                       "worker dead and its tasks abandoned.")
        parser.add_argument("--burst", action="store_true", help="Stop when no task is ready.")

    def handle(self, *args, backend, queues, interval, heartbeat, burst, **options):
        queue = task_backends[backend]
        if not isinstance(queue, RedisBackend):
            raise CommandError(_("The task backend %(name)s is not the Redis queue; set TASKS_REDIS_URL.")
                               % {"name": backend})
        worker = Worker(queue, queues=queues, heartbeat_seconds=heartbeat)
        # Stop after the task at hand on SIGTERM/SIGINT (systemd, docker stop, Ctrl-C).
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop())
        if options["verbosity"]:
            self.stdout.write(_("Worker %(id)s on %(queues)s.") % {"id": worker.id, "queues": ", ".join(worker.queues)})
        ran = worker.run(burst=burst, interval=interval)
        if options["verbosity"]:
            self.stdout.write(_("Ran %(count)s tasks.") % {"count": ran})
