"""docker-compose.yml, checked by a real compose parser so that it cannot silently rot (no Docker engine here)."""

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKER_COMPOSE = shutil.which("docker-compose")

pytestmark = pytest.mark.skipif(
    DOCKER_COMPOSE is None, reason="docker-compose is not installed (scripts/setup-system.sh installs it)"
)


TEST_SECRET = "compose-test-" + "x" * 50


def compose(*args, cwd=ROOT, secret=TEST_SECRET):
    # A clean environment: the file's own defaults, not whatever the developer has exported,
    # plus the one value the file insists on.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    if secret:
        env["SECRET_KEY"] = secret
    return subprocess.run([DOCKER_COMPOSE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def config():
    result = compose("-f", str(COMPOSE_FILE), "config")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def dockerfile_instructions():
    """(INSTRUCTION, arguments) pairs of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]


def web_command(web):
    """The command the web container runs: compose's `command`, else the Dockerfile's CMD."""
    command = web.get("command")
    if command is None:
        cmd = [args for instruction, args in dockerfile_instructions() if instruction.upper() == "CMD"][-1]
        command = yaml.safe_load(cmd) if cmd.lstrip().startswith("[") else cmd
    return command if isinstance(command, str) else shlex.join(command)


def test_the_compose_file_is_valid_for_a_real_compose_parser():
    result = compose("-f", str(COMPOSE_FILE), "config", "-q")

    assert result.returncode == 0, result.stderr


def test_the_compose_file_refuses_to_start_without_a_secret_key():
    result = compose("-f", str(COMPOSE_FILE), "config", "-q", secret=None)

    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_the_parser_does_reject_a_broken_compose_file(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  web:\n    image: x\n    ports: 8000\n    restart: sometimes-maybe\n")

    assert compose("-f", str(broken), "config", "-q", cwd=tmp_path).returncode != 0


def test_the_database_is_postgresql_with_its_data_on_a_volume(config):
    db = config["services"]["db"]

    assert db["image"].startswith("postgres:")
    assert any(volume.split(":")[1] == "/var/lib/postgresql/data" for volume in db["volumes"])


def test_the_app_runs_under_gunicorn_and_migrates_on_start(config):
    web = config["services"]["web"]
    command = web_command(web)

    assert "build" in web
    assert "gunicorn" in command and "bulletin_cms.wsgi" in command
    assert "manage.py migrate" in command
    # Collected at start into the volume nginx serves, so a rebuild never leaves an old manifest.
    assert "manage.py collectstatic" in command and command.index("collectstatic") < command.index("gunicorn")
    assert command.index("migrate") < command.index("gunicorn")


def test_the_app_talks_to_the_database_service_in_production_mode(config):
    web = config["services"]["web"]
    environment = web["environment"]

    assert environment["DATABASE_URL"].startswith("postgres://") and "@db:" in environment["DATABASE_URL"]
    assert environment["DEBUG"] in {"0", 0, "false", "False"}
    assert len(environment["SECRET_KEY"]) >= 50
    assert "db" in web["depends_on"]


def test_the_media_lives_on_a_named_volume(config):
    web = config["services"]["web"]
    environment = {**dockerfile_env(), **web["environment"]}
    media_root = PurePosixPath(environment.get("MEDIA_ROOT") or PurePosixPath(environment["BULLETIN_VAR_DIR"], "media"))
    named = {volume.split(":")[1] for volume in web["volumes"] if not volume.startswith(("/", "."))}

    assert set(config["volumes"]) >= {volume.split(":")[0] for volume in web["volumes"] if not volume.startswith("/")}
    assert any(media_root == PurePosixPath(target) or PurePosixPath(target) in media_root.parents
               for target in named), (media_root, named)


def dockerfile_env():
    env = {}
    for instruction, args in dockerfile_instructions():
        if instruction.upper() == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(args) if "=" in pair))
    return env


def test_the_image_installs_the_fonts_and_harfbuzz_subset():
    text = DOCKERFILE.read_text(encoding="utf-8")

    for package in ("fonts-noto-cjk", "fonts-symbola", "libharfbuzz-subset0", "libpango-1.0-0"):
        assert package in text, package


def test_the_cache_service_is_bounded_and_evicts_least_recently_used_keys(config):
    command = config["services"]["redis"]["command"]
    command = shlex.split(command) if isinstance(command, str) else command
    options = dict(zip(command[1::2], command[2::2], strict=False))
    assert options["--maxmemory"] == "256mb"
    assert options["--maxmemory-policy"] == "allkeys-lru"
    assert config["services"]["web"]["environment"]["CACHE_URL"].startswith("redis://redis:")


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_a_real_redis_server_accepts_the_compose_command(config, tmp_path):
    import socket
    import time

    import redis

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = list(config["services"]["redis"]["command"])
    server = subprocess.Popen([shutil.which("redis-server"), *command[1:], "--port", str(port), "--bind", "127.0.0.1",
                               "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port)
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        assert client.config_get("maxmemory")["maxmemory"] == str(256 * 1024 * 1024)
        assert client.config_get("maxmemory-policy")["maxmemory-policy"] == "allkeys-lru"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_task_queue_is_its_own_redis_that_keeps_what_it_holds(config):
    command = config["services"]["queue"]["command"]
    command = shlex.split(command) if isinstance(command, str) else command
    options = dict(zip(command[1::2], command[2::2], strict=False))
    assert options["--maxmemory-policy"] == "noeviction"  # a queued task is never evicted like a cache entry
    assert options["--appendonly"] == "yes"
    for service in ("web", "worker"):
        assert config["services"][service]["environment"]["TASKS_REDIS_URL"].startswith("redis://queue:")
    # django-tasks-rq's worker: RQ's, with its scheduler (deferred tasks) and the job class it requires.
    command = config["services"]["worker"]["command"]
    assert command[:3] == ["python", "manage.py", "rqworker"]
    assert "--with-scheduler" in command
    assert command[command.index("--job-class") + 1] == "django_tasks_rq.Job"
