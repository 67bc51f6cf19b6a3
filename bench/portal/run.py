"""Portal benchmark: gunicorn on 127.0.0.1 with its own database, wrk at 50 connections.

    .venv/bin/python bench/portal/run.py              # SQLite under $BENCH_VAR_DIR (default /tmp/bulletin-bench)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bulletin_bench .venv/bin/python bench/portal/run.py

Measures an issue page and the archive list (anonymous and signed in) and a PDF download,
and, in the same run, a static file server on the same PDF as the ceiling. Prints req/s and p99.
"""

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
VAR = Path(os.environ.get("BENCH_VAR_DIR", "/tmp/bulletin-bench"))
PORT, STATIC_PORT = int(os.environ.get("BENCH_PORT", "8811")), int(os.environ.get("BENCH_STATIC_PORT", "8812"))
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "50")
DURATION = os.environ.get("BENCH_DURATION", "15s")
WORKERS = os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1)))
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "gthread")  # gthread keeps connections alive, sync does not
GUNICORN_THREADS = os.environ.get("BENCH_GUNICORN_THREADS", "2")
THREADS = os.environ.get("BENCH_WRK_THREADS", "2")

ENV = {
    **os.environ,
    "BULLETIN_VAR_DIR": str(VAR), "DEBUG": "0", "SECRET_KEY": "bench-only-not-a-secret",
    "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING",
    "DJANGO_SETTINGS_MODULE": "bulletin_cms.settings",
}
TARGETS_SCRIPT = """
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from articles.models import Issue
from distribution import benchdata
from django.conf import settings
issue = Issue.objects.filter(series__name=benchdata.SERIES_NAME, disclosure="public").order_by("-issue_date").first()
user = get_user_model().objects.get(username=benchdata.READER)
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
print(issue.pk, settings.PRIVATE_MEDIA_ROOT / issue.pdf_file.name, session.session_key)
"""


def manage(*args, capture=False):
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=ENV, check=True, text=True,
                          capture_output=capture)


def wait_for(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"bench/portal: nothing answers at {url}")


def wrk(url, headers=()):
    cmd = ["wrk", "--latency", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}"]
    for header in headers:
        cmd += ["-H", header]
    cmd.append(url)
    out = subprocess.run(cmd, check=True, text=True, capture_output=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return rps, p99_ms, int(non2xx.group(1)) if non2xx else 0, errors.group(1) if errors else ""


def main():
    if shutil.which("wrk") is None:
        print("bench/portal: wrk is not installed (apt-get install wrk); nothing was measured.", file=sys.stderr)
        return 2
    VAR.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput", "-v0")
    manage("generate_bench_data")
    manage("collectstatic", "--noinput", "-v0")
    issue_pk, pdf_path, session_key = manage("shell", "-v0", "-c", TARGETS_SCRIPT, capture=True).stdout.split()

    base = f"http://127.0.0.1:{PORT}"
    servers = [
        subprocess.Popen([PY, "-m", "gunicorn", "bulletin_cms.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", WORKERS,
                          "-k", WORKER_CLASS, "--threads", GUNICORN_THREADS,
                          "--access-logfile", "-", "--log-level", "warning"],
                         cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-m", "http.server", str(STATIC_PORT), "-b", "127.0.0.1",
                          "-d", str(Path(pdf_path).parent)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        wait_for(f"{base}/")
        wait_for(f"http://127.0.0.1:{STATIC_PORT}/{Path(pdf_path).name}")
        signed_in = [f"Cookie: sessionid={session_key}"]
        runs = [
            ("issue page (anonymous)", f"{base}/issues/{issue_pk}/", ()),
            ("issue page (signed-in reader)", f"{base}/issues/{issue_pk}/", signed_in),
            ("archive list (anonymous)", f"{base}/", ()),
            ("archive list page 20, signed in", f"{base}/?page=20", signed_in),
            # Full-text search (articles/search.py): a title word in one year, and a word in every article.
            ("search, title word + year (anonymous)",
             f"{base}/search/?q=%E6%83%85%E5%86%B5%E9%80%9A%E6%8A%A5&year=2015", ()),
            ("search, word in every article, signed in", f"{base}/search/?q=%E5%9C%B0%E6%96%B9%E5%BF%97",
             signed_in),
            ("PDF download (anonymous)", f"{base}/issues/{issue_pk}/pdf/?download=1", ()),
            ("static file server, same PDF", f"http://127.0.0.1:{STATIC_PORT}/{Path(pdf_path).name}", ()),
        ]
        print(f"gunicorn: {WORKERS} {WORKER_CLASS} workers × {GUNICORN_THREADS} threads; "
              f"wrk: {THREADS} threads, {CONNECTIONS} connections, {DURATION}; "
              f"database: {os.environ.get('DATABASE_URL', f'SQLite in {VAR}')}")
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        print(f"{'target':36} {'req/s':>9} {'p99 ms':>9}  notes")
        only = re.compile(os.environ.get("BENCH_ONLY", ""))
        for name, url, headers in runs:
            if not only.search(name):
                continue
            rps, p99, non2xx, errors = wrk(url, headers)
            notes = "; ".join(filter(None, [f"{non2xx} non-2xx" if non2xx else "", errors]))
            print(f"{name:36} {rps:9.0f} {p99:9.1f}  {notes}", flush=True)
        print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
