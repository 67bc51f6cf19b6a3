"""The database counters behind the login and password-reset limits: windows, clean-up, parallel attempts."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from distribution.forms import LOGIN_FAILURE_LIMIT
from distribution.models import AuthThrottle
from distribution.throttle import throttle_clear, throttle_key, throttle_reserve
from tests import factories
from tests.articles.test_concurrency import run_at_once

PARALLEL = 16


def _reserve(parts=("someone", "10.0.0.1"), limit=3):
    return throttle_reserve(scope="test", parts=parts, limit=limit, window=60)


@pytest.mark.django_db
def test_attempts_are_allowed_up_to_the_limit_and_refused_after():
    assert [_reserve() for _ in range(5)] == [True, True, True, False, False]
    assert AuthThrottle.objects.get().count == 3


@pytest.mark.django_db
def test_each_scope_and_key_counts_on_its_own():
    for _ in range(3):
        _reserve()
    assert _reserve(parts=("someone", "10.0.0.2"))
    assert throttle_reserve(scope="other", parts=("someone", "10.0.0.1"), limit=3, window=60)


@pytest.mark.django_db
def test_the_key_does_not_store_usernames_or_addresses_in_clear():
    _reserve()
    key = AuthThrottle.objects.get().key
    assert key == throttle_key("test", "someone", "10.0.0.1")
    assert "someone" not in key and "10.0.0.1" not in key


@pytest.mark.django_db
def test_after_the_window_the_count_starts_again():
    for _ in range(3):
        _reserve()
    AuthThrottle.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _reserve()
    row = AuthThrottle.objects.get()
    assert row.count == 1
    assert row.expires_at > timezone.now()


@pytest.mark.django_db
def test_clearing_frees_every_slot():
    for _ in range(3):
        _reserve()
    throttle_clear(scope="test", parts=("someone", "10.0.0.1"))
    assert not AuthThrottle.objects.exists()
    assert _reserve()


@pytest.mark.django_db
def test_expired_rows_are_deleted_when_a_new_key_is_counted():
    _reserve(parts=("old", "10.0.0.1"))
    _reserve(parts=("current", "10.0.0.1"))
    AuthThrottle.objects.filter(key=throttle_key("test", "old", "10.0.0.1")).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    _reserve(parts=("new", "10.0.0.1"))
    assert set(AuthThrottle.objects.values_list("key", flat=True)) == {
        throttle_key("test", "current", "10.0.0.1"), throttle_key("test", "new", "10.0.0.1"),
    }


def _needs_a_database_that_queues_writers():
    # SQLite's in-memory test database is shared between threads through its shared cache, which answers a
    # second writer with "table is locked" at once instead of waiting; a file database (what the project runs
    # on: BEGIN IMMEDIATE and a busy timeout) and PostgreSQL queue them. Checked with a file test database too.
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("SQLite's in-memory test database cannot queue parallel writers; runs on PostgreSQL")


@pytest.fixture
def password_checks(monkeypatch):
    """Every password the authentication backend checks, recorded (from any thread)."""
    checks, lock = [], threading.Lock()
    authenticate = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        with lock:
            checks.append(username)
        return authenticate(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    return checks


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_get_no_more_password_checks_than_the_limit(password_checks):
    _needs_a_database_that_queues_writers()
    user = factories.UserFactory()

    def attempt():
        response = Client().post(reverse("distribution:login"), {"username": user.username, "password": "wrong"},
                                 REMOTE_ADDR="10.0.0.9")
        return response.status_code

    results = run_at_once([attempt] * PARALLEL)

    assert results == [200] * PARALLEL, results
    assert len(password_checks) == LOGIN_FAILURE_LIMIT
    assert AuthThrottle.objects.get().count == LOGIN_FAILURE_LIMIT


@pytest.mark.django_db(transaction=True)
def test_parallel_first_attempts_share_one_counter_row():
    _needs_a_database_that_queues_writers()
    # Every attempt finds no row and tries to create it: the losers must count in the winner's row.
    results = run_at_once([lambda: _reserve(parts=("fresh", "10.0.0.1"), limit=LOGIN_FAILURE_LIMIT)] * PARALLEL)

    assert sorted(results, key=repr) == [False] * (PARALLEL - LOGIN_FAILURE_LIMIT) + [True] * LOGIN_FAILURE_LIMIT
    assert AuthThrottle.objects.get().count == LOGIN_FAILURE_LIMIT
