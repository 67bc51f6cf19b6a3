"""Limits on account actions (login, password reset), counted in the database.

A cache is the wrong home for these counters: a process-local cache is evicted by ordinary
traffic (300 entries by default) and is per worker. A row per key is neither. Each attempt takes
a slot with one conditional UPDATE before the work it guards, so parallel attempts cannot all
slip in before the count catches up.
"""

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from distribution.models import AuthThrottle


def throttle_key(scope, *parts):
    """The stored key for `scope` and its parts (hashed: usernames and addresses are not kept in clear)."""
    return hashlib.sha256("\x1f".join([scope, *parts]).encode()).hexdigest()


def throttle_reserve(*, scope, parts, limit, window):
    """Take one of `limit` attempts allowed per `window` seconds for (scope, parts); False if none is left."""
    key = throttle_key(scope, *parts)
    for _attempt in range(2):
        now = timezone.now()
        ends = now + timedelta(seconds=window)
        expired = Q(expires_at__lte=now)
        # One statement: the row is locked while it is read and written, on PostgreSQL and SQLite alike.
        taken = AuthThrottle.objects.filter(Q(key=key) & (Q(count__lt=limit) | expired)).update(
            count=Case(When(expired, then=Value(1)), default=F("count") + 1),
            window_start=Case(When(expired, then=Value(now)), default=F("window_start")),
            expires_at=Case(When(expired, then=Value(ends)), default=F("expires_at")),
        )
        if taken:
            return True
        if AuthThrottle.objects.filter(key=key).exists():
            return False
        try:
            with transaction.atomic():
                AuthThrottle.objects.create(key=key, count=1, window_start=now, expires_at=ends)
        except IntegrityError:
            continue  # a parallel attempt created the row first: take a slot in it instead
        # New keys are rare next to repeated ones; clearing old rows here keeps the table small without cron.
        AuthThrottle.objects.filter(expires_at__lt=now).delete()
        return True
    return False


def throttle_clear(*, scope, parts):
    """Forget the attempts counted for (scope, parts), e.g. after a successful login."""
    AuthThrottle.objects.filter(key=throttle_key(scope, *parts)).delete()
