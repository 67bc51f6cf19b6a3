"""The portal's access rules, end to end through the views: who sees, downloads and acknowledges what."""

import re

import pytest
from django.urls import reverse

from distribution.models import Receipt

pytestmark = pytest.mark.django_db

ISSUES = ["public", "to_a", "to_other", "draft", "review"]

# Web page and PDF: 200, the login page (anonymous), or 404 (never 403: nothing tells a hidden id from a missing one).
READ = """
            public  to_a   to_other  draft  review
anonymous   200     login  login     login  login
reader_a    200     200    404       404    404
reader_b    200     404    200       404    404
editor      200     200    200       404    404
leader      200     200    200       404    404
"""
# 签收: done (recorded for the user's unit), 403 when the user may read it but it is not addressed to their unit.
ACKNOWLEDGE = """
            public  to_a   to_other  draft  review
anonymous   login   login  login     login  login
reader_a    403     done   404       404    404
reader_b    done    404    done      404    404
editor      403     403    403       404    404
leader      403     403    403       404    404
"""


def _table(text):
    rows = [line.split() for line in text.strip().splitlines()]
    header = rows[0]
    return {(row[0], issue): outcome for row in rows[1:] for issue, outcome in zip(header, row[1:], strict=True)}


READ_TABLE = _table(READ)
ACK_TABLE = _table(ACKNOWLEDGE)
MATRIX = sorted(READ_TABLE)


def _assert_read_outcome(response, expected, path):
    if expected == "login":
        assert response.status_code == 302
        assert response.url == f"{reverse('distribution:login')}?next={path.replace('?', '%3F').replace('=', '%3D')}"
    else:
        assert response.status_code == int(expected)


@pytest.mark.parametrize(("user", "issue"), MATRIX)
def test_archive_lists_only_what_the_user_may_read(client_as, world, user, issue):
    response = client_as(user).get(reverse("distribution:home"))
    listed = {i.pk for i in response.context["page"].object_list}
    assert (world.issues[issue].pk in listed) == (READ_TABLE[user, issue] == "200")


@pytest.mark.parametrize(("user", "issue"), MATRIX)
def test_issue_page_access(client_as, world, user, issue):
    path = reverse("distribution:issue", args=[world.issues[issue].pk])
    response = client_as(user).get(path)
    _assert_read_outcome(response, READ_TABLE[user, issue], path)
    if response.status_code == 200:
        assert "测试文章1" in response.content.decode()


@pytest.mark.parametrize(("user", "issue"), MATRIX)
def test_pdf_access(client_as, world, user, issue):
    path = reverse("distribution:issue_pdf", args=[world.issues[issue].pk]) + "?download=1"
    response = client_as(user).get(path)
    _assert_read_outcome(response, READ_TABLE[user, issue], path)
    if response.status_code == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize(("user", "issue"), MATRIX)
def test_acknowledge_access(client_as, world, user, issue):
    target = world.issues[issue]
    response = client_as(user).post(reverse("distribution:issue_acknowledge", args=[target.pk]))
    expected = ACK_TABLE[user, issue]
    acknowledged = Receipt.objects.filter(issue=target, acknowledged_at__isnull=False)
    if expected == "done":
        assert response.status_code == 302
        assert response.url == target.get_absolute_url()
        receipt = acknowledged.get()
        assert receipt.acknowledged_by == world.users[user]
        assert receipt.recipient == (world.unit_a if user == "reader_a" else world.unit_b)
        return
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("distribution:login"))
    else:
        assert response.status_code == int(expected)
    assert not acknowledged.exists()


def test_the_unit_list_on_home_shows_only_the_units_issues_with_unread_marked(client_as, world):
    client = client_as("reader_b")
    response = client.get(reverse("distribution:home"))
    mine = response.context["unit_issues"]
    assert [i.pk for i in mine] == [world.issues["to_other"].pk, world.issues["public"].pk]
    assert all(i.unread for i in mine)
    assert response.content.decode().count('class="badge unread-badge"') == 2

    client.get(world.issues["to_other"].get_absolute_url())
    mine = client.get(reverse("distribution:home")).context["unit_issues"]
    assert [i.unread for i in mine] == [False, True]


def test_staff_and_anonymous_have_no_unit_list(client_as):
    assert client_as("editor").get(reverse("distribution:home")).context["unit_issues"] == []


@pytest.mark.parametrize("user", ["anonymous", "reader_a"])
@pytest.mark.parametrize("suffix", ["", "pdf/", "pdf/?download=1"])
def test_a_hidden_issue_answers_exactly_like_a_missing_one(client_as, world, user, suffix):
    client = client_as(user)
    hidden = client.get(f"/issues/{world.issues['to_other'].pk}/{suffix}")
    missing = client.get(f"/issues/99999999/{suffix}")
    assert hidden.status_code == missing.status_code
    assert _without_csrf_token(hidden.content) == _without_csrf_token(missing.content)
    assert set(hidden.headers) == set(missing.headers)
    if user != "anonymous":
        assert hidden.status_code == 404


def test_acknowledging_a_hidden_issue_answers_like_a_missing_one(client_as, world):
    client = client_as("reader_a")
    hidden = client.post(reverse("distribution:issue_acknowledge", args=[world.issues["to_other"].pk]))
    missing = client.post(reverse("distribution:issue_acknowledge", args=[99999999]))
    assert hidden.status_code == missing.status_code == 404
    assert _without_csrf_token(hidden.content) == _without_csrf_token(missing.content)


def _without_csrf_token(content):
    # The 404 page's logout form carries a CSRF token masked afresh on every response.
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


@pytest.mark.parametrize("user", ["anonymous", "reader_a"])
@pytest.mark.parametrize("issue", ["draft", "review", "to_other"])
def test_the_admin_preview_is_not_a_way_round(client_as, world, user, issue):
    response = client_as(user).get(reverse("admin:articles_issue_preview", args=[world.issues[issue].pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_guessed_etag_reveals_nothing(client_as, world):
    hidden = world.issues["to_other"]
    response = client_as("reader_a").get(
        reverse("distribution:issue_pdf", args=[hidden.pk]), HTTP_IF_NONE_MATCH=f'"{hidden.pdf_sha256}"'
    )
    assert response.status_code == 404


def test_issued_pdfs_are_not_under_media_url(client, world, settings):
    issue = world.issues["public"]
    assert client.get(settings.MEDIA_URL + issue.pdf_file.name).status_code == 404
    private = settings.STORAGES["private"]["OPTIONS"]
    assert private["base_url"] is None
    assert not str(private["location"]).startswith(str(settings.MEDIA_ROOT))


def test_pdf_inline_and_download_carry_the_chinese_file_name(client_as, world):
    client = client_as("reader_a")
    url = reverse("distribution:issue_pdf", args=[world.issues["to_a"].pk])
    name = "%E6%B5%8B%E8%AF%95%E5%B7%A5%E4%BD%9C%E4%BF%A1%E6%81%AF"  # 测试工作信息
    inline = client.get(url)
    assert inline["Content-Type"] == "application/pdf"
    assert inline["Content-Disposition"].startswith(f"inline; filename*=utf-8''{name}")
    download = client.get(url + "?download=1")
    assert download["Content-Disposition"].startswith(f"attachment; filename*=utf-8''{name}")
    assert download["Content-Disposition"].endswith(".pdf")


def test_behind_nginx_the_pdf_is_handed_over_with_x_accel_redirect(client_as, world, settings):
    settings.PRIVATE_MEDIA_ACCEL_PREFIX = "/_private/"
    issue = world.issues["to_a"]
    response = client_as("reader_a").get(reverse("distribution:issue_pdf", args=[issue.pk]) + "?download=1")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_private/{issue.pdf_file.name}"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert response.content == b""


def test_issue_page_has_the_end_block_of_the_pdf(client, world):
    issue = world.issues["public"]
    html = client.get(issue.get_absolute_url()).content.decode()
    assert "信息公开选项：主动公开" in html
    assert '<span class="prefix">送：</span>乙单位。' in html
    assert f"测试办公室综合处</span><span>{issue.print_date.year}年{issue.print_date.month}月" in html
    assert f"（共印{issue.print_run}份）" in html
    assert f"{issue.series.name}" in html and issue.label in html


def test_a_units_list_tells_what_is_to_acknowledge_and_what_is_done(client, fake_pdf):
    from articles.models import Issue, Role
    from distribution import services as distribution_services
    from tests import factories as f

    unit = f.RecipientFactory(name="签收测试单位")
    account = f.reader(unit)
    first = f.issue_to(Issue.Status.ISSUED, units=[(unit, Role.SEND)])
    f.issue_to(Issue.Status.ISSUED, units=[(unit, Role.SEND)])
    distribution_services.receipt_record(issue=first, actor=account, event="acknowledge", units=[unit])
    client.force_login(account)
    page = client.get(reverse("distribution:home")).content.decode()
    assert page.count("待签收") == 1 and page.count("已签收") >= 1
