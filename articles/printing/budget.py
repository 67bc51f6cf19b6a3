"""The render budget: layout runs in a forked child held to a time and a memory limit.

BULLETIN_RENDER_TIMEOUT and BULLETIN_RENDER_MEMORY_MB bound it, so that no issue can hold a gunicorn
worker past its timeout or take the machine's memory. The child reports its result, or why it failed,
through a pipe; its log records reach the worker's log.
"""

import dataclasses
import errno
import gc
import logging
import logging.handlers
import os
import pickle
import resource
import select
import shutil
import signal
import threading
import time
import traceback

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.printing.engine import PdfRenderError, font_config, prepare_font_config, unexpected_failure

logger = logging.getLogger(__name__)

# The child's exit code when even reporting its result ran out of memory.
EXIT_NO_MEMORY = 3
# A pathological document can warn on every box; the worker's log gets the first ones.
MAX_FORWARDED_LOG_RECORDS = 200
# Taken around the fork: no thread of the worker is inside fontconfig (font_config, _prepare_font_config)
# at the moment another one forks, or the child would inherit a lock nobody releases; and no thread's
# child inherits another render's pipe.
_fork_lock = threading.Lock()


@dataclasses.dataclass(frozen=True)
class BudgetMessages:
    """What the user is told when work is stopped: past the deadline (%(seconds)s), past the memory (%(megabytes)s)."""

    timeout: str
    memory: str


LAYOUT = BudgetMessages(
    timeout=gettext_lazy("Laying out the PDF took longer than %(seconds)s seconds and was stopped. "
                         "Shorten the issue or split its longest articles."),
    memory=gettext_lazy("Laying out the PDF needed more than %(megabytes)s MB of memory and was stopped. "
                        "Shorten the issue or split its longest articles."),
)


def run_within_budget(function, *args, messages=LAYOUT):
    """function(*args) run in a forked child within the render budget: its result, or PdfRenderError saying why not.

    With both BULLETIN_RENDER_TIMEOUT and BULLETIN_RENDER_MEMORY_MB at 0 it runs here, unbounded. `messages`
    tells what was stopped, for work other than layout held to the same budget (the .docx import).
    """
    timeout, memory_mb = settings.BULLETIN_RENDER_TIMEOUT, settings.BULLETIN_RENDER_MEMORY_MB
    if not timeout and not memory_mb:
        return function(*args)
    with _fork_lock:
        prepare_font_config()
        # The pipe is made and its write end closed here under the lock: a child forked by another
        # thread must not inherit the write end, or reading below would wait for that child as well.
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            raise
        if pid == 0:
            os.close(read_end)
            _run_child(write_end, memory_mb, function, args)  # never returns
        os.close(write_end)
    status = None
    try:
        payload, finished = _read_until(read_end, time.monotonic() + timeout if timeout else None)
        if not finished:
            os.kill(pid, signal.SIGKILL)
        status = os.waitpid(pid, 0)[1]
    finally:
        os.close(read_end)
        if status is None:  # interrupted (a worker being stopped): no child is left behind
            _kill(pid)
    return _outcome(payload, finished, status, timeout, memory_mb, messages)


def _read_until(fd, deadline):
    """All the child writes, and True; or what came before the deadline, and False."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    chunks = []
    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return b"", False
        if not poller.poll(None if remaining is None else remaining * 1000):
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _outcome(payload, finished, status, timeout, memory_mb, messages):
    """The child's result, or PdfRenderError: stopped at the deadline, out of memory, failed, or crashed."""
    if not finished:
        raise PdfRenderError(str(messages.timeout) % {"seconds": f"{timeout:g}"})
    if payload and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        # Our own child wrote this a moment ago, through a pipe nobody else holds.
        (kind, value), records = pickle.loads(payload)
        for record in records:
            logging.getLogger(record.name).handle(record)
        if kind == "ok":
            return value
        message, trace = value
        logger.error("PDF layout failed in the render process:\n%s", trace)
        raise PdfRenderError(message)
    # Out of memory is a MemoryError, or C code (Pango, GLib) aborting or crashing when an allocation is refused.
    if (os.WIFEXITED(status) and os.WEXITSTATUS(status) == EXIT_NO_MEMORY) or (os.WIFSIGNALED(status) and memory_mb):
        raise PdfRenderError(str(messages.memory) % {"megabytes": memory_mb})
    if os.WIFSIGNALED(status):
        raise PdfRenderError(_("The layout process stopped unexpectedly (signal %(signal)s).")
                             % {"signal": os.WTERMSIG(status)})
    raise PdfRenderError(_("The layout process ended without a result (exit code %(code)s).")
                         % {"code": os.WEXITSTATUS(status)})


def _run_child(write_end, memory_mb, function, args):
    """The forked child: run, send (outcome, log records) to the parent, and leave with os._exit."""
    code = 1
    try:
        # The parent's objects stay in the permanent generation: the child's collections do not touch
        # (and so copy) their pages.
        gc.freeze()
        _set_aside_connections()
        collector = _LogCollector()
        logging.getLogger().handlers = [collector]
        fonts_folder = font_config()._folder
        headroom = _limit_address_space(memory_mb) if memory_mb else None
        try:
            outcome = ("ok", function(*args))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises PdfRenderError
            if headroom and _out_of_memory(exc, headroom):
                outcome = ("memory", None)
            else:
                message = str(exc) if isinstance(exc, PdfRenderError) else unexpected_failure(exc)
                outcome = ("error", (message, traceback.format_exc()))
        if font_config()._folder != fonts_folder:
            # Font files copied by this child alone: os._exit skips FontConfiguration.__del__.
            shutil.rmtree(font_config()._folder, ignore_errors=True)
        if outcome[0] == "memory":
            code = EXIT_NO_MEMORY
        else:
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(pickle.dumps((outcome, collector.records)))
            code = 0
    except MemoryError:
        code = EXIT_NO_MEMORY
    finally:
        # No atexit handlers, no finalizers: nothing of the parent's (connections, files) is closed from here.
        os._exit(code)


_inherited_connections = []


def _set_aside_connections():
    """Make any database access in the child open its own connection, never write on the parent's.

    The inherited connection objects are kept referenced: freeing them would close the parent's
    socket or SQLite handle from the child (psycopg2 says goodbye to the server when freed).
    """
    for connection in connections.all(initialized_only=True):
        _inherited_connections.append(connection.connection)
        connection.connection = None


def _limit_address_space(memory_mb):
    """Let the child's address space grow by memory_mb MB beyond what the worker had at the fork; that growth.

    Counted from the fork because the worker's own size (libraries, mapped fonts, Django) varies
    from one deployment to the next; the budget is what the render adds.
    """
    try:
        with open("/proc/self/statm") as statm:
            current = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        current = 0
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + memory_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return limit - current


def _out_of_memory(exc, headroom):
    """True when a failure is the memory limit's doing.

    A refused allocation is not always a MemoryError: C code called through cffi fails with
    "SystemError: error return without exception set", file reads with ENOMEM. So a failure also
    counts when the child's peak address space came close to its limit.
    """
    if isinstance(exc, MemoryError | SystemError) or getattr(exc, "errno", None) == errno.ENOMEM:
        return True
    try:
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmPeak:"))
    except (OSError, StopIteration):
        return False
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    return peak >= limit - min(64 * 2**20, headroom // 2)


class _LogCollector(logging.handlers.QueueHandler):
    """Keeps the child's log records (message formatted, traceback as text) for the worker's own handlers."""

    def __init__(self):
        super().__init__(queue=None)
        self.records = []

    def enqueue(self, record):
        if len(self.records) < MAX_FORWARDED_LOG_RECORDS:
            self.records.append(record)

