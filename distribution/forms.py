"""Login forms that refuse further attempts after repeated failures."""

import hashlib

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW = 15 * 60  # seconds, counted from the first failure


def client_address(request):
    """The client's IP address: nginx's X-Real-IP when settings.BEHIND_PROXY says nginx is in front."""
    # Behind nginx REMOTE_ADDR is always the proxy; without one the header is the client's own claim.
    if settings.BEHIND_PROXY and request.META.get("HTTP_X_REAL_IP"):
        return request.META["HTTP_X_REAL_IP"]
    return request.META.get("REMOTE_ADDR", "")


def _failure_key(request, username):
    address = client_address(request) if request else ""
    digest = hashlib.sha256(f"{username.strip().lower()}|{address}".encode()).hexdigest()
    return f"login-failures:{digest}"


class RateLimitedLoginMixin:
    """After LOGIN_FAILURE_LIMIT failures for one username from one address, refuse for the window."""

    rate_limit_message = _("Too many failed logins for this account. Please wait 15 minutes and try again.")

    def clean(self):
        key = _failure_key(self.request, self.data.get("username", ""))
        if cache.get(key, 0) >= LOGIN_FAILURE_LIMIT:
            raise ValidationError(self.rate_limit_message, code="rate_limited")
        try:
            return super().clean()
        except ValidationError:
            cache.add(key, 0, LOGIN_FAILURE_WINDOW)
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, LOGIN_FAILURE_WINDOW)
            raise


class PortalAuthenticationForm(RateLimitedLoginMixin, AuthenticationForm):
    """The portal's login form."""


class AdminRateLimitedAuthenticationForm(RateLimitedLoginMixin, AdminAuthenticationForm):
    """The admin's login form, with the same limit."""
