"""Portal fixtures: issues built once per module (issuing renders a PDF), readers of two units, staff."""

import types

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import transaction
from django.test import override_settings

from articles.models import Issue, Role
from tests import factories
from tests.distribution.relay import Relay

Status = Issue.Status
Disclosure = Issue.Disclosure


@pytest.fixture(scope="module", autouse=True)
def _media_in_tmp(tmp_path_factory):
    """Overrides the suite's per-test folder with one per module, so issues built once keep their PDFs."""
    root = tmp_path_factory.mktemp("files")
    storages_setting = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": root / "private", "base_url": None}},
    }
    field = Issue._meta.get_field("pdf_file")
    original = field.storage
    with override_settings(MEDIA_ROOT=root / "media", PRIVATE_MEDIA_ROOT=root / "private", STORAGES=storages_setting):
        storages._storages = {}
        field.storage = storages["private"]
        yield
        field.storage = original
        storages._storages = {}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login failure counters live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """One transaction around the module: data built here is shared by its tests and rolled back at the end."""
    # The suite hashes passwords with MD5 in each test; users built for the module must match.
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with fast, django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def world(module_db):
    """Units A and B (B also through a group), their readers, staff, and one issue of each kind in the matrix."""
    unit_a = factories.RecipientFactory(name="甲单位", email="a@example.org")
    unit_b = factories.RecipientFactory(name="乙单位", email="b@example.org")
    group_b = factories.RecipientGroupFactory(name="乙组", units=[unit_b])
    issues = {
        "public": factories.issue_to(Status.ISSUED, units=[(unit_b, Role.COPY)], disclosure=Disclosure.PUBLIC),
        "to_a": factories.issue_to(Status.ISSUED, units=[(unit_a, Role.SEND)], disclosure=Disclosure.ON_REQUEST),
        "to_other": factories.issue_to(Status.ISSUED, groups=[(group_b, Role.REPORT)],
                                       disclosure=Disclosure.NOT_PUBLIC),
        "draft": factories.issue_to(Status.DRAFT, units=[(unit_a, Role.SEND)]),
        "review": factories.issue_to(Status.REVIEW, units=[(unit_a, Role.SEND)]),
    }
    users = {
        "anonymous": None,
        "reader_a": factories.reader(unit_a, first_name="甲收文员"),
        "reader_b": factories.reader(unit_b, first_name="乙收文员"),
        "editor": factories.editor(),
        "leader": factories.leader(),
    }
    return types.SimpleNamespace(unit_a=unit_a, unit_b=unit_b, group_b=group_b, issues=issues, users=users)


@pytest.fixture
def client_as(client, world):
    """client_as("reader_a") → the test client logged in as that user (or anonymous)."""

    def login(name):
        if world.users[name] is not None:
            client.force_login(world.users[name])
        return client

    return login


@pytest.fixture
def relay(settings):
    server = Relay()
    server.controller.start()
    server.sessions = 0  # the controller's own readiness probe
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 5
    yield server
    server.controller.stop()


@pytest.fixture
def redis_down(settings):
    """The RQ queue (TASKS_REDIS_URL) pointing at a Redis that is down: a port where nothing listens."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{port}/0"}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
