"""Nothing typed is lost: optimistic locking, 送审 with unsaved changes, drafters deleting their own drafts."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from articles.models import Issue, IssueLog
from articles.review.revisions import revision_record
from tests import factories
from tests.articles.test_revisions import _change_form_data

pytestmark = pytest.mark.django_db
Status = Issue.Status


def change_url(issue):
    return reverse("admin:articles_issue_change", args=[issue.pk])


def opened_version(client, issue):
    """The version number the change form was opened on (its hidden base_revision)."""
    response = client.get(change_url(issue))
    return str(response.context["base_revision"])


def test_a_save_over_a_newer_version_is_refused_in_chinese_and_keeps_what_was_typed(client):
    issue = factories.draft_issue(author=factories.editor(), body="<p>原来的正文。</p>")
    alice, bob = factories.editor(first_name="甲"), factories.editor(first_name="乙")
    from django.test import Client

    a, b = Client(), Client()
    a.force_login(alice)
    b.force_login(bob)
    base_a, base_b = opened_version(a, issue), opened_version(b, issue)

    data = _change_form_data(issue) | {"base_revision": base_b, "articles-0-body": "<p>乙改过的正文。</p>"}
    assert b.post(change_url(issue), data).status_code == 302

    data = _change_form_data(issue) | {"base_revision": base_a, "articles-0-title": "甲改的标题",
                                       "articles-0-body": "<p>甲改过的正文。</p>"}
    response = a.post(change_url(issue), data)

    assert response.status_code == 200  # the form again, not a redirect
    html = response.content.decode()
    assert "乙" in html and "保存了本期" in html and "您的修改尚未保存" in html
    assert "甲改的标题" in html and "甲改过的正文" in html  # what was typed is still in the form
    article = issue.articles.get()
    assert (article.title, article.body) == ("测试文章1", "<p>乙改过的正文。</p>")
    # Seen the warning, the form still carries the version Alice started from; a reload starts from Bob's.
    assert f'name="base_revision" value="{base_a}"' in html


def test_a_save_on_the_version_it_was_opened_on_goes_through(client):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    client.force_login(editor)
    data = _change_form_data(issue) | {"base_revision": opened_version(client, issue), "articles-0-title": "新标题"}
    assert client.post(change_url(issue), data).status_code == 302
    assert issue.articles.get().title == "新标题"


def test_an_article_page_is_locked_the_same_way(client):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    article = issue.articles.get()
    url = reverse("admin:articles_article_change", args=[article.pk])
    client.force_login(editor)
    base = str(client.get(url).context["base_revision"])
    client.post(change_url(issue), _change_form_data(issue) | {"articles-0-title": "别人先改了"})

    response = client.post(url, {"position": 1, "kind": "general", "title": "我改的", "subtitle": "",
                                 "body": "<p>x</p>", "base_revision": base,
                                 "meeting-TOTAL_FORMS": 0, "meeting-INITIAL_FORMS": 0,
                                 "award-TOTAL_FORMS": 0, "award-INITIAL_FORMS": 0})
    assert response.status_code == 200 and "您的修改尚未保存" in response.content.decode()
    assert issue.articles.get().title == "别人先改了"


def test_送审_from_the_edit_form_saves_what_was_typed_then_submits(client):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    client.force_login(editor)
    data = _change_form_data(issue) | {"base_revision": opened_version(client, issue),
                                       "articles-0-title": "送审前刚改的标题", "_submit_for_review": "送审"}

    response = client.post(change_url(issue), data, follow=True)

    issue.refresh_from_db()
    assert issue.status == Status.REVIEW
    assert issue.articles.get().title == "送审前刚改的标题"
    submitted = issue.log.get(action="issue.submit").revision
    assert submitted.number == issue.revisions.latest("number").number  # what was submitted includes the edit
    assert "已保存您的修改并送审" in response.content.decode()


def test_送审_with_an_invalid_form_submits_nothing_and_keeps_what_was_typed(client):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    client.force_login(editor)
    data = _change_form_data(issue) | {"base_revision": opened_version(client, issue), "issue_date": "不是日期",
                                       "articles-0-title": "没保存的标题", "_submit_for_review": "送审"}

    response = client.post(change_url(issue), data)

    assert response.status_code == 200 and "没保存的标题" in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT


def test_a_drafter_deletes_their_own_draft_and_its_log_is_kept(client):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    label = str(issue)
    client.force_login(editor)

    response = client.post(reverse("admin:articles_issue_delete", args=[issue.pk]), {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert not Issue.objects.filter(pk=issue.pk).exists()
    log = list(IssueLog.objects.filter(issue__isnull=True).order_by("pk").values_list("action", "issue_label"))
    assert log == [("issue.create", label), ("issue.delete", label)]


@pytest.mark.parametrize("case", ["someone else's draft", "own issue under review"])
def test_a_drafter_cannot_delete_someone_elses_draft_or_one_under_review(client, case, fake_pdf):
    editor = factories.editor()
    if case == "someone else's draft":
        issue = factories.draft_issue(author=factories.editor())
    else:
        issue = factories.issue_in(Status.REVIEW, author=editor)
    client.force_login(editor)

    response = client.post(reverse("admin:articles_issue_delete", args=[issue.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert Issue.objects.filter(pk=issue.pk).exists()


def test_the_refusal_to_delete_says_why_in_chinese():
    from articles import services, workflow

    other = factories.draft_issue(author=factories.editor())
    editor = factories.editor()
    assert workflow.refusal(workflow.Transition.DELETE, editor, other).message == "只有起草本期的人可以删除这份草稿。"
    with pytest.raises(services.WorkflowError):
        services.issue_delete(issue=other, actor=editor)
    assert gettext("deleted the draft") == "删除了草稿"


def test_a_new_issue_like_the_last_one_copies_series_settings_and_recipients(client, fake_pdf):
    from articles.models import Distribution, Role

    editor = factories.editor()
    unit = factories.RecipientFactory(name="四川年鉴社")
    last = factories.issue_in(Status.ISSUED, author=editor, recipients=[(unit, Role.SEND)], print_run=12,
                              disclosure=Issue.Disclosure.ON_REQUEST)
    client.force_login(editor)

    response = client.post(reverse("admin:articles_issue_copy", args=[last.pk]), follow=True)

    new = Issue.objects.exclude(pk=last.pk).get()
    assert response.redirect_chain[-1][0] == change_url(new)
    assert (new.status, new.series, new.print_run, new.disclosure) == (Status.DRAFT, last.series, 12,
                                                                      Issue.Disclosure.ON_REQUEST)
    lines = list(Distribution.objects.filter(issue=new).values_list("role", "recipient__name"))
    assert lines == [("send", "四川年鉴社")]
    assert not new.articles.exists() and new.created_by == editor
    assert "已按“" in response.content.decode()


def test_copying_needs_the_right_to_draft(client, fake_pdf):
    issue = factories.issue_in(Status.ISSUED)
    client.force_login(factories.leader())
    assert client.post(reverse("admin:articles_issue_copy", args=[issue.pk])).status_code == 403
    assert client.get(reverse("admin:articles_issue_copy", args=[issue.pk])).status_code in (403, 405)
    assert Issue.objects.count() == 1


def test_a_new_issue_without_recipients_gets_the_series_usual_ones(client):
    from articles.models import DefaultAddressee, Role

    editor = factories.editor()
    series = factories.SeriesFactory(name="常用报送工作信息")
    unit = factories.RecipientFactory(name="省直机关工委")
    DefaultAddressee.objects.create(series=series, role=Role.REPORT, recipient=unit)
    client.force_login(editor)
    data = {"series": series.pk, "issue_date": "2025-07-01", "print_date": "2025-07-01", "print_run": 10,
            "disclosure": "public", "extra_recipients": "", "base_revision": "0",
            "articles-TOTAL_FORMS": 0, "articles-INITIAL_FORMS": 0, "distributions-TOTAL_FORMS": 0,
            "distributions-INITIAL_FORMS": 0, "log-TOTAL_FORMS": 0, "log-INITIAL_FORMS": 0}

    response = client.post(reverse("admin:articles_issue_add"), data, follow=True)

    issue = Issue.objects.get(series=series)
    assert list(issue.distributions.values_list("role", "recipient__name")) == [("report", "省直机关工委")]
    assert "已填入本刊物的常用报送对象" in response.content.decode()


def test_meeting_facts_are_edited_beside_their_article_and_only_for_a_meeting_report(client):
    from articles.models import Award, Meeting

    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    client.force_login(editor)
    data = _change_form_data(issue) | {
        "articles-0-kind": "meeting", "articles-0-meeting_date": "2021-01-12",
        "articles-0-meeting_organiser": "省方志办",
        "articles-0-meeting_name": "党组中心组（扩大）学习会", "articles-0-meeting_chair": "陈建春",
        # Award facts typed beside a meeting report are not kept.
        "articles-0-award_awardee": "不该保存的获奖者",
    }
    assert client.post(change_url(issue), data).status_code == 302
    meeting = Meeting.objects.get(article__issue=issue)
    assert (meeting.name, meeting.chair, str(meeting.date)) == ("党组中心组（扩大）学习会", "陈建春", "2021-01-12")
    assert not Award.objects.exists()

    # The article becomes a general one: its meeting facts go.
    data = _change_form_data(issue) | {"articles-0-kind": "general"}
    assert client.post(change_url(issue), data).status_code == 302
    assert not Meeting.objects.exists()


def test_incomplete_facts_are_refused_beside_the_article_and_what_was_typed_stays(client):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    client.force_login(editor)
    data = _change_form_data(issue) | {"articles-0-kind": "award", "articles-0-award_awardee": "四川年鉴社"}

    response = client.post(change_url(issue), data)

    html = response.content.decode()
    assert response.status_code == 200 and "四川年鉴社" in html
    # The awarding body and the award are missing: each says so beside its field.
    assert html.count("<li>此字段不能为空。</li>") == 2
    assert not issue.articles.get().kind == "award"


def test_facts_of_the_other_kind_are_refused_by_the_model():
    import datetime

    from django.core.exceptions import ValidationError

    from articles.models import Meeting

    issue = factories.draft_issue(author=factories.editor())
    article = issue.articles.get()
    meeting = Meeting(article=article, date=datetime.date(2025, 1, 1), organiser="甲", name="乙")
    with pytest.raises(ValidationError):
        meeting.full_clean()


def test_history_is_written_only_when_something_changed_and_names_fields_in_chinese(client):
    from django.contrib.admin.models import LogEntry
    from django.utils import translation

    editor = factories.editor()
    issue = factories.draft_issue(author=editor, body="<p>正文。</p>")
    issue.articles.update(title="关于加强\n学习的通知")
    revision_record(issue, actor=editor)
    client.force_login(editor)
    data = _change_form_data(issue)
    # As a browser sends it: CRLF in the title, the body as the editor serialises it.
    data["articles-0-title"] = "关于加强\r\n学习的通知"
    data["articles-0-body"] = "<p>正文。</p>\n"
    revisions = issue.revisions.count()
    assert client.post(change_url(issue), data).status_code == 302
    assert issue.revisions.count() == revisions
    assert not LogEntry.objects.exists()  # nothing changed: no "修改了 标题 和 正文", not even "没有字段被修改"

    data["articles-0-body"] = "<p>正文改了。</p>"
    assert client.post(change_url(issue), data).status_code == 302
    with translation.override("zh-hans"):
        message = LogEntry.objects.order_by("pk").last().get_change_message()
    assert "正文" in message and "Body" not in message and "标题" not in message


def _two_editors(issue):
    from django.test import Client

    a, b = Client(), Client()
    a.force_login(factories.editor(first_name="甲"))
    b.force_login(factories.editor(first_name="乙"))
    return a, b


def test_saving_again_after_the_refusal_is_refused_again_until_the_replacement_is_confirmed(client):
    issue = factories.draft_issue(author=factories.editor(), body="<p>原来的正文。</p>")
    a, b = _two_editors(issue)
    base_a, base_b = opened_version(a, issue), opened_version(b, issue)
    assert b.post(change_url(issue), _change_form_data(issue) | {
        "base_revision": base_b, "articles-0-body": "<p>乙保存的句子。</p>"}).status_code == 302
    mine = _change_form_data(issue) | {"base_revision": base_a, "articles-0-body": "<p>甲的正文。</p>"}

    first = a.post(change_url(issue), mine)
    newer = issue.revisions.order_by("-number").first().number
    assert first.status_code == 200 and f'name="replace_revision" value="{newer}"' in first.content.decode()
    # Saving again as it was, without confirming, never overwrites silently.
    assert a.post(change_url(issue), mine).status_code == 200
    assert issue.articles.get().body == "<p>乙保存的句子。</p>"
    # Confirming the replacement of an older version than the latest does not count either.
    assert a.post(change_url(issue), mine | {"replace_revision": str(newer - 1)}).status_code == 200
    # Confirmed for exactly their version: saved, and the log says who replaced it.
    assert a.post(change_url(issue), mine | {"replace_revision": str(newer)}).status_code == 302
    assert issue.articles.get().body == "<p>甲的正文。</p>"


def test_a_confirmation_for_a_version_someone_has_since_replaced_is_refused(client):
    issue = factories.draft_issue(author=factories.editor(), body="<p>原来的正文。</p>")
    a, b = _two_editors(issue)
    base_a = opened_version(a, issue)
    for text in ("乙第一次", "乙第二次"):
        assert b.post(change_url(issue), _change_form_data(issue) | {
            "base_revision": opened_version(b, issue), "articles-0-body": f"<p>{text}。</p>"}).status_code == 302
    latest = issue.revisions.order_by("-number").first().number
    mine = _change_form_data(issue) | {"base_revision": base_a, "articles-0-body": "<p>甲的正文。</p>",
                                       "replace_revision": str(latest - 1)}
    assert a.post(change_url(issue), mine).status_code == 200
    assert issue.articles.get().body == "<p>乙第二次。</p>"
