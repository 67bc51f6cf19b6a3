"""Production settings pass Django's deployment checklist without a single warning."""

import configparser
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, tmp_path, **env):
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "BULLETIN_VAR_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    secret = "".join(secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)") for _ in range(50))

    result = manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path,
                    DEBUG="0", SECRET_KEY=secret, ALLOWED_HOSTS="bulletin.example.gov.cn")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage("check", tmp_path=tmp_path, DEBUG="0", ALLOWED_HOSTS="bulletin.example.gov.cn")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_development_defaults_are_what_check_deploy_warns_about(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path)

    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout  # DEBUG on


def _unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "deploy" / name)
    return parser


def test_a_systemd_timer_runs_verify_pdfs_every_day():
    service, timer = _unit("bulletin-verify-pdfs.service"), _unit("bulletin-verify-pdfs.timer")

    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["ExecStart"].endswith("manage.py verify_pdfs")
    assert timer["Timer"]["Unit"] == "bulletin-verify-pdfs.service"
    assert timer["Timer"]["OnCalendar"].startswith("*-*-* ") and timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_a_systemd_timer_runs_the_mail_sweep_every_few_minutes():
    service, timer = _unit("bulletin-mail-sweep.service"), _unit("bulletin-mail-sweep.timer")

    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["ExecStart"].endswith("manage.py retry_notifications")
    assert timer["Timer"]["Unit"] == "bulletin-mail-sweep.service"
    assert timer["Timer"]["OnUnitActiveSec"] == "5min" and timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_run_sh_starts_the_worker_of_the_queue_the_settings_select():
    script = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")

    assert "manage.py rqworker --with-scheduler --job-class django_tasks_rq.Job" in script
    assert "manage.py db_worker" in script
    assert "redis_worker" not in script


def test_the_rq_queue_settings_pass_the_system_checks(tmp_path):
    # django-tasks-rq checks that django-rq is installed, that its queues are configured and that rq is recent.
    result = manage("check", "--fail-level", "WARNING", tmp_path=tmp_path, TASKS_REDIS_URL="redis://127.0.0.1:6379/15")

    assert result.returncode == 0, result.stdout + result.stderr


def test_nginx_answers_a_request_over_its_size_limit_with_our_chinese_page():
    """client_max_body_size refuses before Django: the page must be ours, in Chinese, and where nginx looks."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "client_max_body_size 12m;" in conf
    assert "error_page 413 /_errors/413.html;" in conf and "alias /app/staticfiles/errors/;" in conf
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "static:/app/staticfiles:ro" in compose  # collectstatic puts static/errors/413.html there
    page = (ROOT / "static" / "errors" / "413.html").read_text()
    assert "12 MB" in page and "没有保存" in page and 'lang="zh-CN"' in page
