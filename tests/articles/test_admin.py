"""The admin is the drafting tool: pages per role, workflow buttons, read-only issued issues, the waiting list."""

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from articles import services
from articles.models import Article, Distribution, Issue, IssueLog, Role
from tests import factories
from tests.factories import (
    RecipientFactory,
    SeriesFactory,
    draft_issue,
    editor,
    editor_leader,
    issue_in,
    leader,
    nobody,
    superuser,
)

pytestmark = pytest.mark.django_db
Status = Issue.Status
ROLES = {"editor": editor, "leader": leader, "superuser": superuser}
SUBMIT, APPROVE, RETURN = 'id="submit-for-review"', 'name="approve"', 'name="return"'


def zh(message):
    """The message as the zh-hans admin shows it (English until the catalogue translates it)."""
    with translation.override("zh-hans"):
        return gettext(message)


def change_url(issue):
    return reverse("admin:articles_issue_change", args=[issue.pk])


def workflow_url(name, issue):
    return reverse(f"admin:articles_issue_{name}", args=[issue.pk])


@pytest.fixture
def login(client):
    def login_as(user):
        client.force_login(user)
        return client

    return login_as


class _FormFields(HTMLParser):
    """The values a browser would post from the admin's change form."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") in {"checkbox", "radio"} and "checked" not in attrs:
                return
            value = attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")
            if attrs.get("type") == "checkbox" and name in self.data:  # a list of checkboxes (报 / 送 / 发)
                earlier = self.data[name]
                value = [*(earlier if isinstance(earlier, list) else [earlier]), value]
            self.data[name] = value
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_data(client, url):
    """What the browser would post back unchanged from the admin form at `url`."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="issue_form"')
    parser = _FormFields()
    parser.feed(html[start:html.index("</form>", start)])
    return {name: value for name, value in parser.data.items() if "__prefix__" not in name}


# --- pages render for every role ------------------------------------------------------------------------


@pytest.fixture
def issues(fake_pdf):
    """One issue in each state, with a recipient each."""
    unit = RecipientFactory()
    return {status: issue_in(status, recipients=[(unit, Role.SEND)]) for status in Status}


PAGES = {
    "issue list": lambda issues: reverse("admin:articles_issue_changelist"),
    "issue list waiting for me": lambda issues: reverse("admin:articles_issue_changelist") + "?waiting=1",
    "draft": lambda issues: change_url(issues[Status.DRAFT]),
    "issue under review": lambda issues: change_url(issues[Status.REVIEW]),
    "issued issue": lambda issues: change_url(issues[Status.ISSUED]),
    "article list": lambda issues: reverse("admin:articles_article_changelist"),
    "article of a draft": lambda issues: reverse(
        "admin:articles_article_change", args=[issues[Status.DRAFT].articles.get().pk]),
    "article of an issued issue": lambda issues: reverse(
        "admin:articles_article_change", args=[issues[Status.ISSUED].articles.get().pk]),
    "recipient units": lambda issues: reverse("admin:articles_recipient_changelist"),
    "recipient groups": lambda issues: reverse("admin:articles_recipientgroup_changelist"),
    "workflow log": lambda issues: reverse("admin:articles_issuelog_changelist"),
    "admin index": lambda issues: reverse("admin:index"),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", list(ROLES))
def test_the_admin_pages_open_for_every_role(role, page, issues, login):
    client = login(ROLES[role]())

    response = client.get(PAGES[page](issues))

    assert response.status_code == 200


@pytest.mark.parametrize(("role", "status"), [("editor", 200), ("superuser", 200), ("leader", 403)])
def test_only_drafters_can_open_the_add_page(role, status, login):
    response = login(ROLES[role]()).get(reverse("admin:articles_issue_add"))

    assert response.status_code == status


def test_a_user_without_a_role_cannot_open_an_issue(issues, login):
    client = login(nobody(is_staff=True))

    assert client.get(reverse("admin:articles_issue_changelist")).status_code == 403
    assert client.get(change_url(issues[Status.DRAFT])).status_code == 403


def test_a_recipient_account_is_sent_to_the_admin_login(issues, login):
    response = login(nobody()).get(change_url(issues[Status.DRAFT]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_the_admin_speaks_chinese_in_djangos_own_words(login):
    response = login(editor()).get(reverse("admin:articles_issue_add"))

    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert 'value="保存"' in html
    assert "首页" in html  # the breadcrumbs, in Django's own translation


# --- the right buttons for the right people ---------------------------------------------------------------

BUTTONS = [
    ("editor", Status.DRAFT, {SUBMIT}),
    ("editor", Status.REVIEW, set()),
    ("editor", Status.ISSUED, set()),
    ("leader", Status.DRAFT, set()),
    ("leader", Status.REVIEW, {RETURN, APPROVE}),
    ("leader", Status.ISSUED, set()),
    ("superuser", Status.DRAFT, {SUBMIT}),
    ("superuser", Status.REVIEW, {RETURN, APPROVE}),
    ("superuser", Status.ISSUED, set()),
]


@pytest.mark.parametrize(("role", "state", "visible"), BUTTONS,
                         ids=[f"{role} on {state}: {sorted(v) or 'no buttons'}" for role, state, v in BUTTONS])
def test_a_workflow_button_shows_only_to_those_who_may_use_it(role, state, visible, issues, login):
    html = login(ROLES[role]()).get(change_url(issues[state])).content.decode()

    assert {button for button in (SUBMIT, RETURN, APPROVE) if button in html} == visible


def test_a_leader_who_submitted_the_issue_sees_why_they_cannot_issue_it(login):
    both = editor_leader()
    issue = issue_in(Status.REVIEW, author=both)

    html = login(both).get(change_url(issue)).content.decode()

    assert APPROVE not in html
    assert RETURN in html
    assert zh("You submitted this issue yourself; another member of %(group)s must approve the step %(step)s.") % {
        "group": "领导", "step": "签发"} in html


def test_another_leader_does_not_see_the_self_approval_explanation(login):
    issue = issue_in(Status.REVIEW, author=editor_leader())

    html = login(leader()).get(change_url(issue)).content.decode()

    assert APPROVE in html
    assert 'id="approve-refused"' not in html


@pytest.mark.parametrize(("role", "state", "editable"), [
    ("editor", Status.DRAFT, True), ("editor", Status.REVIEW, False), ("editor", Status.ISSUED, False),
    ("leader", Status.REVIEW, False), ("superuser", Status.ISSUED, False),
])
def test_only_a_draft_has_a_save_button(role, state, editable, issues, login):
    html = login(ROLES[role]()).get(change_url(issues[state])).content.decode()

    assert ('name="_save"' in html) is editable


# --- read-only once submitted -----------------------------------------------------------------------------


def test_an_editor_can_change_a_draft_through_the_admin(login):
    author = editor()
    issue = draft_issue(author=author)
    client = login(author)
    data = form_data(client, change_url(issue))
    data["print_run"] = "25"
    data["articles-0-title"] = "改过的\n标题"

    response = client.post(change_url(issue), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    issue.refresh_from_db()
    assert issue.print_run == 25
    assert issue.articles.get().title_lines == ["改过的", "标题"]


@pytest.mark.parametrize("state", [Status.REVIEW, Status.ISSUED])
@pytest.mark.parametrize("role", ["editor", "superuser"])
def test_nobody_can_change_a_submitted_or_issued_issue_through_the_admin(role, state, issues, login):
    issue = issues[state]
    client = login(ROLES[role]())
    before = Issue.objects.values().get(pk=issue.pk)
    articles_before = list(Article.objects.filter(issue=issue).values())
    data = {"series": issue.series_id, "issue_date": "2025-03-01", "print_date": "2025-03-01", "print_run": "99",
            "disclosure": "public", "articles-TOTAL_FORMS": "0", "articles-INITIAL_FORMS": "0"}

    response = client.post(change_url(issue), data)

    assert response.status_code == 403
    assert Issue.objects.values().get(pk=issue.pk) == before
    assert list(Article.objects.filter(issue=issue).values()) == articles_before


@pytest.mark.parametrize("state", [Status.REVIEW, Status.ISSUED])
def test_an_editor_cannot_delete_or_edit_the_articles_of_a_submitted_issue(state, issues, login):
    issue = issues[state]
    article = issue.articles.get()
    client = login(editor())

    assert client.post(reverse("admin:articles_issue_delete", args=[issue.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:articles_article_change", args=[article.pk]),
                       {"title": "改", "position": "1", "kind": "general", "body": ""}).status_code == 403
    assert client.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}).status_code == 403
    assert Issue.objects.filter(pk=issue.pk).exists()
    article.refresh_from_db()
    assert article.title == "测试文章1"


def test_an_editor_cannot_add_an_article_to_an_issue_under_review(issues, login):
    issue = issues[Status.REVIEW]

    response = login(editor()).post(reverse("admin:articles_article_add"), {
        "issue": issue.pk, "position": "2", "kind": "general", "title": "塞进来", "body": "<p>正文</p>",
        "meeting-TOTAL_FORMS": "0", "meeting-INITIAL_FORMS": "0",
        "award-TOTAL_FORMS": "0", "award-INITIAL_FORMS": "0",
    })

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["issue"]
    assert issue.articles.count() == 1


# --- the workflow buttons ---------------------------------------------------------------------------------


def test_an_editor_submits_a_draft_with_the_button(login):
    author = editor()
    issue = draft_issue(author=author)

    response = login(author).post(workflow_url("submit", issue), follow=True)

    assert response.redirect_chain == [(change_url(issue), 302)]
    assert zh("The issue is now at the step %(step)s (%(group)s).") % {"step": "签发", "group": "领导"} \
        in response.content.decode()
    issue.refresh_from_db()
    assert (issue.status, issue.submitted_by) == (Status.REVIEW, author)


def test_a_leader_returns_an_issue_with_a_comment(login):
    issue = issue_in(Status.REVIEW)

    response = login(leader()).post(workflow_url("return", issue), {"comment": "请补充数据。"}, follow=True)

    assert zh("The issue is a draft again.") in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT
    assert issue.log.last().comment == "请补充数据。"


def test_a_leader_cannot_return_an_issue_without_a_comment(login):
    issue = issue_in(Status.REVIEW)

    response = login(leader()).post(workflow_url("return", issue), {"comment": "  "}, follow=True)

    assert zh("Say why the issue is returned: the comment is required.") in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Status.REVIEW


def test_a_leader_issues_an_issue_with_the_button(login, fake_pdf):
    issue = issue_in(Status.REVIEW)
    boss = leader()

    response = login(boss).post(workflow_url("approve", issue), {"step": "0"}, follow=True)

    html = response.content.decode()
    issue.refresh_from_db()
    assert zh("Issued (签发): %(issue)s.") % {"issue": issue} in html
    issue.refresh_from_db()
    assert (issue.status, issue.number, issue.issued_by) == (Status.ISSUED, 1, boss)
    assert APPROVE not in html and RETURN not in html


REFUSED_BUTTONS = [
    ("editor", "approve", Status.REVIEW, "The step %(step)s is done by %(group)s; you are not one of them."),
    ("editor", "return", Status.REVIEW, "The step %(step)s is done by %(group)s; you are not one of them."),
    ("leader", "submit", Status.DRAFT, "You are not allowed to submit issues for review."),
    ("editor", "submit", Status.ISSUED, "This issue has been issued and can no longer be changed."),
    ("leader", "approve", Status.ISSUED, "This issue has been issued and can no longer be changed."),
]


@pytest.mark.parametrize(("role", "button", "state", "message"), REFUSED_BUTTONS,
                         ids=[f"{r} cannot {b} {s}" for r, b, s, _m in REFUSED_BUTTONS])
def test_a_workflow_button_refuses_the_wrong_role_or_state_with_the_reason(role, button, state, message, issues,
                                                                           login):
    issue = issues[state]
    before = Issue.objects.values().get(pk=issue.pk)

    response = login(ROLES[role]()).post(workflow_url(button, issue), {"comment": "理由"}, follow=True)

    assert response.status_code == 200
    assert zh(message).replace("%(step)s", "签发").replace("%(group)s", "领导") in response.content.decode()
    assert Issue.objects.values().get(pk=issue.pk) == before


@pytest.mark.parametrize("button", ["submit", "return", "approve"])
def test_a_workflow_button_refuses_a_get(button, issues, login):
    issue = issues[Status.DRAFT if button == "submit" else Status.REVIEW]

    response = login(superuser()).get(workflow_url(button, issue))

    assert response.status_code == 405
    issue.refresh_from_db()
    assert issue.status == (Status.DRAFT if button == "submit" else Status.REVIEW)


@pytest.mark.parametrize("button", ["submit", "return", "approve"])
def test_a_workflow_button_refuses_users_without_a_role(button, issues, client):
    issue = issues[Status.DRAFT if button == "submit" else Status.REVIEW]
    client.force_login(nobody(is_staff=True))

    response = client.post(workflow_url(button, issue), {"comment": "理由"})

    assert response.status_code == 403
    assert IssueLog.objects.filter(issue=issue).count() == (1 if button == "submit" else 2)


def test_a_workflow_button_sends_anonymous_users_to_the_login(issues, client):
    response = client.post(workflow_url("submit", issues[Status.DRAFT]))

    assert response.status_code == 302
    issues[Status.DRAFT].refresh_from_db()
    assert issues[Status.DRAFT].status == Status.DRAFT


# --- what waits for me ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "waiting"), [
    ("editor", {Status.DRAFT}), ("leader", {Status.REVIEW}), ("superuser", {Status.DRAFT, Status.REVIEW}),
])
def test_the_waiting_for_me_filter_lists_what_the_user_has_to_act_on(role, waiting, issues, login):
    response = login(ROLES[role]()).get(reverse("admin:articles_issue_changelist") + "?waiting=1")

    listed = {issue.pk for issue in response.context["cl"].result_list}
    assert listed == {issues[state].pk for state in waiting}


def test_without_the_filter_everyone_sees_every_issue(issues, login):
    response = login(leader()).get(reverse("admin:articles_issue_changelist"))

    assert {issue.pk for issue in response.context["cl"].result_list} == {issue.pk for issue in issues.values()}


@pytest.mark.parametrize("changelist", ["articles_issue", "articles_article", "articles_issuelog"])
def test_a_list_needs_the_same_queries_for_three_issues_or_twelve(changelist, login, fake_pdf,
                                                                 django_assert_max_num_queries):
    client = login(superuser())
    for _ in range(3):
        issue_in(Status.REVIEW)
    url = reverse(f"admin:{changelist}_changelist")
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    for _ in range(9):
        issue_in(Status.REVIEW)

    with django_assert_max_num_queries(len(three.captured_queries)):
        response = client.get(url)

    assert len(response.context["cl"].result_list) >= 12


# --- log and preview --------------------------------------------------------------------------------------


def test_the_issue_page_shows_the_workflow_log(login):
    author, boss = editor(username="zhang.san"), leader(username="li.si")
    issue = issue_in(Status.REVIEW, author=author)
    services.issue_return(issue=issue, actor=boss, comment="第二段数据有误，请核实。")

    html = login(author).get(change_url(issue)).content.decode()

    assert 'id="log-group"' in html
    assert "第二段数据有误，请核实。" in html
    assert "zhang.san" in html and "li.si" in html
    for action in ("drafted", "submitted for review", "returned"):
        assert zh(action) in html


def test_a_returned_draft_shows_the_last_return_comment_to_its_editor(login):
    author = editor()
    issue = issue_in(Status.REVIEW, author=author)
    services.issue_return(issue=issue, actor=leader(), comment="标题过长。")

    html = login(author).get(change_url(issue)).content.decode()

    assert 'class="errornote"' in html and "标题过长。" in html


def test_the_preview_of_a_draft_is_a_pdf_and_leaves_the_draft_alone(login):
    issue = draft_issue()

    response = login(leader()).get(workflow_url("preview", issue))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    issue.refresh_from_db()
    assert (issue.status, issue.pdf_file.name, issue.number) == (Status.DRAFT, "", None)


def test_the_preview_of_an_issued_issue_is_its_stored_pdf(issues, login):
    issue = issues[Status.ISSUED]

    response = login(editor()).get(workflow_url("preview", issue))

    assert response.status_code == 302
    assert response.url == reverse("distribution:issue_pdf", args=[issue.pk])


def test_the_preview_is_not_for_users_without_a_role(issues, login):
    response = login(nobody(is_staff=True)).get(workflow_url("preview", issues[Status.DRAFT]))

    assert response.status_code == 403


# --- the add page creates a draft through the admin -------------------------------------------------------


def test_an_editor_drafts_an_issue_with_an_article_and_a_recipient_in_the_admin(login):
    author = editor()
    client = login(author)
    series = SeriesFactory()
    unit = RecipientFactory()
    data = form_data(client, reverse("admin:articles_issue_add"))
    data.update({
        "series": series.pk, "issue_date": "2025-04-01", "print_date": "2025-04-02", "print_run": "12",
        "disclosure": "public", "articles-TOTAL_FORMS": "1", "articles-0-position": "1",
        "articles-0-kind": "general", "articles-0-title": "省地方志办\n部署工作", "articles-0-body": "<p>正文。</p>",
        "to_send": [f"u{unit.pk}"],
    })

    response = client.post(reverse("admin:articles_issue_add"), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    issue = Issue.objects.get()
    assert (issue.status, issue.created_by, issue.year) == (Status.DRAFT, author, 2025)
    assert issue.articles.get().title_lines == ["省地方志办", "部署工作"]
    assert list(Distribution.objects.filter(issue=issue).values_list("recipient", "role")) == [(unit.pk, "send")]
    assert list(issue.log.values_list("action", "actor")) == [("issue.create", author.pk)]


def test_an_issued_issue_page_is_read_only_and_shows_its_number_and_pdf(issues, login):
    issue = issues[Status.ISSUED]

    html = login(superuser()).get(change_url(issue)).content.decode()

    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert '-DELETE"' not in html
    assert issue.pdf_sha256 in html
    assert reverse("distribution:issue_pdf", args=[issue.pk]) in html
    with translation.override("zh-hans"):
        assert str(issue.label) in html


def test_a_draft_page_lets_its_editor_edit_the_articles_inline(login):
    author = editor()
    issue = draft_issue(author=author, articles=2)
    RecipientFactory()

    html = login(author).get(change_url(issue)).content.decode()

    assert 'name="articles-0-title"' in html and 'name="articles-1-title"' in html
    assert 'name="articles-0-DELETE"' in html
    assert 'name="to_report"' in html and 'name="to_send"' in html


def test_people_are_named_by_their_names_never_their_login_names(client, fake_pdf):
    drafter = editor(first_name="王", last_name="编辑", username="wang_login")
    issuer = leader(first_name="李", last_name="领导", username="li_login")
    issue = services.issue_approve(issue=services.issue_submit(issue=draft_issue(author=drafter), actor=drafter),
                                   actor=issuer)
    client.force_login(issuer)
    for url in (reverse("admin:articles_issue_changelist"), change_url(issue),
                reverse("admin:articles_issuelog_changelist")):
        page = client.get(url).content.decode()
        assert "wang_login" not in page and "li_login" not in page, url
        assert "编辑王" in page or "王 编辑" in page or "王编辑" in page, url


def test_waiting_for_me_tells_a_returned_draft_by_who_when_and_why(client, fake_pdf):
    drafter = editor(first_name="王")
    issue = services.issue_submit(issue=draft_issue(author=drafter), actor=drafter)
    services.issue_return(issue=issue, actor=leader(first_name="李"), comment="第二段数字请核实")
    draft_issue(author=drafter)  # a new draft, told apart from the returned one
    client.force_login(drafter)
    page = client.get(reverse("admin:index")).content.decode()
    assert page.count('class="waiting-returned"') == 1
    assert "李" in page and "第二段数字请核实" in page


def test_a_delete_confirmation_names_no_search_index_rows(client):
    drafter = editor()
    issue = draft_issue(author=drafter)
    client.force_login(drafter)
    page = client.get(reverse("admin:articles_issue_delete", args=[issue.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "测试文章1" in text
    assert "检索索引" not in text and "search index" not in text


def test_django_phrases_read_naturally(client):
    client.force_login(editor())
    page = client.get(reverse("admin:articles_issue_changelist")).content.decode()
    assert "选择要修改的" in page and "选择 简报 来修改" not in page


@pytest.mark.parametrize("role", ["leader", "editor"])
def test_someone_whose_turn_it_is_not_is_told_whose_it_is(role, login):
    """The leader opening an issue still at 核稿 is told it waits for 综合处处长, on the issue page and the desk."""
    series = factories.two_step_series()
    issue = issue_in(Status.REVIEW, series=series)
    someone = ROLES[role]()

    for url in (change_url(issue), reverse("admin:articles_issue_review", args=[issue.pk])):
        html = login(someone).get(url).content.decode()
        assert zh("This issue is at the step %(step)s and waits for %(group)s.") % {
            "step": "核稿", "group": factories.CHIEFS} in html, url
        assert APPROVE not in html


def test_the_one_whose_turn_it_is_is_not_told_to_wait(login):
    issue = issue_in(Status.REVIEW, series=factories.two_step_series())

    html = login(factories.chief()).get(change_url(issue)).content.decode()

    assert 'id="waiting-for"' not in html
