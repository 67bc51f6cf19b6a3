"""The Content-Security-Policy header, and templates that keep to it (no inline scripts or handlers)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = [ROOT / "templates", ROOT / "distribution" / "templates", ROOT / "articles" / "templates"]
POLICY = [
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
    "object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'", "form-action 'self'",
]


def _policy(response):
    return [directive.strip() for directive in response["Content-Security-Policy"].split(";")]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["distribution:home", "distribution:login", "distribution:password_reset",
                                  "admin:login"])
def test_every_page_carries_the_content_security_policy(client, name):
    assert sorted(_policy(client.get(reverse(name)))) == sorted(POLICY)


@pytest.mark.django_db
def test_the_admin_issue_page_carries_the_policy_too(admin_client):
    response = admin_client.get(reverse("admin:articles_issue_add"))
    assert response.status_code == 200
    assert sorted(_policy(response)) == sorted(POLICY)


def _templates():
    return sorted(path for folder in TEMPLATE_DIRS if folder.exists() for path in folder.rglob("*.html"))


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for path in _templates():
        html = path.read_text()
        # An inline <script> (one without src) and on…= attributes would be blocked by script-src 'self'.
        offenders += [f"{path}: inline <script>" for tag in re.findall(r"<script\b[^>]*>", html) if "src=" not in tag]
        offenders += [f"{path}: {m}" for m in re.findall(r"<[^>]*\s(on[a-z]+)\s*=", html)]
        offenders += [f"{path}: javascript: URL" for _ in re.findall(r"javascript:", html, flags=re.I)]
    assert _templates() and offenders == []
