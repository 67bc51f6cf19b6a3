"""Logging in and out of the portal, password reset, CSRF on every form, and the login and reset limits."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from distribution.forms import LOGIN_FAILURE_LIMIT, RESET_ACCOUNT_LIMIT, RESET_ADDRESS_LIMIT
from distribution.models import Receipt
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-123"


def _login(client, username, password, address="10.0.0.1", url=None):
    return client.post(url or reverse("distribution:login"), {"username": username, "password": password},
                       REMOTE_ADDR=address)


def test_a_reader_logs_in_and_lands_on_the_portal_home(client, world):
    response = _login(client, world.users["reader_a"].username, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("distribution:home")


def test_after_repeated_failures_even_the_right_password_is_refused_for_a_while(client, world):
    username = world.users["reader_a"].username
    for _ in range(LOGIN_FAILURE_LIMIT):
        assert _login(client, username, "wrong").status_code == 200
    response = _login(client, username, PASSWORD)
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address, or another account from the same address, is not locked out.
    assert _login(client, username, PASSWORD, address="10.0.0.2").status_code == 302


def _lock_out(client, username, **headers):
    for _ in range(LOGIN_FAILURE_LIMIT):
        client.post(reverse("distribution:login"), {"username": username, "password": "wrong"},
                    REMOTE_ADDR="172.18.0.5", **headers)


def test_behind_nginx_failures_are_counted_per_client_address_not_per_proxy(client, world, settings):
    settings.BEHIND_PROXY = True
    username = world.users["reader_a"].username
    _lock_out(client, username, HTTP_X_REAL_IP="203.0.113.9")
    # The same proxy address, another client: an attacker elsewhere cannot lock the account out.
    response = client.post(reverse("distribution:login"), {"username": username, "password": PASSWORD},
                           REMOTE_ADDR="172.18.0.5", HTTP_X_REAL_IP="198.51.100.7")
    assert response.status_code == 302
    client.logout()
    response = client.post(reverse("distribution:login"), {"username": username, "password": PASSWORD},
                           REMOTE_ADDR="172.18.0.5", HTTP_X_REAL_IP="203.0.113.9")
    assert "登录失败次数过多" in response.content.decode()


def test_without_a_proxy_x_real_ip_is_ignored(client, world, settings):
    settings.BEHIND_PROXY = False
    username = world.users["reader_a"].username
    _lock_out(client, username, HTTP_X_REAL_IP="203.0.113.9")
    # A forged header does not get round the limit.
    response = client.post(reverse("distribution:login"), {"username": username, "password": PASSWORD},
                           REMOTE_ADDR="172.18.0.5", HTTP_X_REAL_IP="198.51.100.7")
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()


def test_the_admin_login_is_limited_too(client, world):
    username = world.users["editor"].username
    url = reverse("admin:login")
    for _ in range(LOGIN_FAILURE_LIMIT):
        _login(client, username, "wrong", url=url)
    response = _login(client, username, PASSWORD, url=url)
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()


def test_fewer_failures_than_the_limit_do_not_lock_anyone_out(client, world):
    username = world.users["reader_a"].username
    for _ in range(LOGIN_FAILURE_LIMIT - 1):
        _login(client, username, "wrong")
    assert _login(client, username, PASSWORD).status_code == 302


def _csrf_client(user=None):
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def _token(client, url):
    html = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_acknowledging_needs_the_csrf_token(world):
    client = _csrf_client(world.users["reader_a"])
    issue = world.issues["to_a"]
    url = reverse("distribution:issue_acknowledge", args=[issue.pk])
    assert client.post(url).status_code == 403
    assert not Receipt.objects.filter(issue=issue, acknowledged_at__isnull=False).exists()
    token = _token(client, issue.get_absolute_url())
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert Receipt.objects.filter(issue=issue, acknowledged_at__isnull=False).exists()


@pytest.mark.parametrize("name", ["login", "password_reset"])
def test_account_forms_need_the_csrf_token(world, name):
    client = _csrf_client()
    url = reverse(f"distribution:{name}")
    data = {"username": world.users["reader_a"].username, "password": PASSWORD, "email": "a@example.org"}
    assert client.post(url, data).status_code == 403
    assert client.post(url, {**data, "csrfmiddlewaretoken": _token(client, url)}).status_code == 302


def test_logging_out_needs_a_post_with_the_csrf_token(world):
    client = _csrf_client(world.users["reader_a"])
    url = reverse("distribution:logout")
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    token = _token(client, reverse("distribution:home"))
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client, mailoutbox, settings):
    user = factories.UserFactory(email="reader@example.org")
    response = client.post(reverse("distribution:password_reset"), {"email": "reader@example.org"})
    assert response.url == reverse("distribution:password_reset_done")
    assert len(mailoutbox) == 1
    link = re.search(re.escape(settings.SITE_URL) + r"(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.context["validlink"]
    new = "a-new-password-2025"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.url == reverse("distribution:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(new)


def test_portal_pages_render(client, world):
    for name in ["login", "password_reset", "password_reset_done", "password_reset_complete"]:
        assert client.get(reverse(f"distribution:{name}")).status_code == 200


LOCKED_OUT = "登录失败次数过多"


def _full_width(text):
    """The look-alike of an ASCII string in full-width forms ("reader" → "ｒｅａｄｅｒ")."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def test_a_full_width_look_alike_of_a_locked_out_username_is_refused_too(client, world):
    username = world.users["reader_a"].username
    for _ in range(LOGIN_FAILURE_LIMIT):
        _login(client, username, "wrong")
    response = _login(client, _full_width(username), PASSWORD)
    assert LOCKED_OUT in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_look_alikes_and_other_cases_of_a_username_share_one_failure_counter(client, world):
    username = world.users["reader_a"].username
    variants = [username, _full_width(username), username.upper(), _full_width(username.upper()), f" {username} "]
    for variant in variants[:LOGIN_FAILURE_LIMIT]:
        assert LOCKED_OUT not in _login(client, variant, "wrong").content.decode()
    response = _login(client, username, PASSWORD)
    assert LOCKED_OUT in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_look_alike_username_does_not_get_round_the_admin_login_limit(client, world):
    username = world.users["editor"].username
    url = reverse("admin:login")
    for _ in range(LOGIN_FAILURE_LIMIT):
        _login(client, username, "wrong", url=url)
    response = _login(client, _full_width(username), PASSWORD, url=url)
    assert response.status_code == 200
    assert LOCKED_OUT in response.content.decode()


def test_the_login_limit_survives_cache_churn(client, world):
    username = world.users["reader_a"].username
    for _ in range(LOGIN_FAILURE_LIMIT):
        _login(client, username, "wrong")
    # More distinct pages than the process-local cache holds (300 entries): ordinary traffic must not unlock.
    for number in range(400):
        assert client.get(f"/?churn={number}").status_code == 200
    response = _login(client, username, PASSWORD)
    assert LOCKED_OUT in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_login_clears_the_failure_count(client, world):
    username = world.users["reader_a"].username
    for _ in range(LOGIN_FAILURE_LIMIT - 1):
        _login(client, username, "wrong")
    assert _login(client, username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(LOGIN_FAILURE_LIMIT - 1):
        _login(client, username, "wrong")
    assert _login(client, username, PASSWORD).status_code == 302


def _reset(client, email, address="10.0.0.1", **headers):
    return client.post(reverse("distribution:password_reset"), {"email": email}, REMOTE_ADDR=address, **headers)


RESET_REFUSED = "密码重置请求过多"


def test_the_reset_link_is_built_from_site_url_not_from_the_host_header(client, mailoutbox, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    settings.SITE_URL = "https://bulletin.example.gov.cn"
    factories.UserFactory(email="reader@example.org")
    response = _reset(client, "reader@example.org", HTTP_HOST="evil.example")
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    links = re.findall(r"\S+/accounts/reset/\S+/", mailoutbox[0].body)
    assert len(links) == 1
    assert links[0].startswith("https://bulletin.example.gov.cn/accounts/reset/")
    assert "evil.example" not in mailoutbox[0].body


def test_reset_emails_for_one_account_are_limited_whatever_the_address(client, mailoutbox):
    factories.UserFactory(email="reader@example.org")
    for number in range(RESET_ACCOUNT_LIMIT):
        assert _reset(client, "reader@example.org", address=f"10.0.1.{number}").status_code == 302
    # Other addresses, and another spelling of the same email, ask in vain.
    for number, email in enumerate(["reader@example.org", "READER@example.org", "Reader@Example.org"]):
        response = _reset(client, email, address=f"10.0.2.{number}")
        assert response.status_code == 200
        assert RESET_REFUSED in response.content.decode()
    assert len(mailoutbox) == RESET_ACCOUNT_LIMIT


def test_reset_requests_from_one_address_are_limited_whatever_the_account(client, mailoutbox):
    for number in range(RESET_ADDRESS_LIMIT):
        factories.UserFactory(email=f"reader{number}@example.org")
        assert _reset(client, f"reader{number}@example.org").status_code == 302
    factories.UserFactory(email="one-more@example.org")
    response = _reset(client, "one-more@example.org")
    assert RESET_REFUSED in response.content.decode()
    assert len(mailoutbox) == RESET_ADDRESS_LIMIT
    # Another client is not affected.
    assert _reset(client, "one-more@example.org", address="10.0.0.2").status_code == 302
    assert len(mailoutbox) == RESET_ADDRESS_LIMIT + 1


def test_over_the_limit_an_unknown_email_gets_the_same_answer_as_a_known_one(client, mailoutbox):
    factories.UserFactory(email="known@example.org")
    answers = {}
    for email in ["known@example.org", "unknown@example.org"]:
        responses = [_reset(client, email) for _ in range(RESET_ACCOUNT_LIMIT + 1)]
        answers[email] = [
            (r.status_code, r.get("Location"), r.status_code == 200 and r.context["form"].non_field_errors().as_text())
            for r in responses
        ]
    assert answers["known@example.org"] == answers["unknown@example.org"]
    assert answers["unknown@example.org"][-1][0] == 200
    assert len(mailoutbox) == RESET_ACCOUNT_LIMIT
