"""Approval chains stay whole: a group a waiting issue needs cannot be deleted; approving says why if one is gone."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from articles import roles, services, workflow
from articles.models import Issue, ReviewStep
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(fake_pdf):
    """An issue at the first step (核稿) of a chain whose second step is done by 分管领导, a group of its own."""
    deputies = Group.objects.create(name="分管领导")
    roles.grant_reviewer_permissions(deputies)
    series = factories.SeriesFactory(name="链测试简报")
    factories.chief()
    ReviewStep.objects.create(series=series, position=1, name="核稿", group=Group.objects.get(name=factories.CHIEFS))
    step = ReviewStep.objects.create(series=series, position=2, name="签发", group=deputies)
    editor = factories.editor()
    issue = services.issue_submit(issue=factories.draft_issue(author=editor, series=series), actor=editor)
    step.delete()  # the series' chain changes; the waiting issue keeps the chain it was submitted on
    return issue, deputies


def test_a_group_a_waiting_issue_needs_cannot_be_deleted_in_the_admin(waiting, client):
    issue, deputies = waiting
    client.force_login(factories.superuser())
    with translation.override("zh-hans"):
        page = client.post(reverse("admin:auth_group_delete", args=[deputies.pk]), {"post": "yes"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert page.status_code == 200 and Group.objects.filter(pk=deputies.pk).exists()
    assert str(issue) in text and "核稿" in text and "分管领导" in text


def test_the_bulk_delete_action_refuses_the_same(waiting, client):
    _issue, deputies = waiting
    client.force_login(factories.superuser())
    client.post(reverse("admin:auth_group_changelist"),
                {"action": "delete_selected", "_selected_action": [deputies.pk], "post": "yes"})
    assert Group.objects.filter(pk=deputies.pk).exists()


def test_a_group_no_waiting_issue_needs_can_be_deleted(waiting, client):
    spare = Group.objects.create(name="临时组")
    client.force_login(factories.superuser())
    client.post(reverse("admin:auth_group_delete", args=[spare.pk]), {"post": "yes"})
    assert not Group.objects.filter(pk=spare.pk).exists()
    assert workflow.issues_waiting_on_group(spare) == []


def test_approving_towards_a_group_deleted_behind_the_admin_is_refused_in_chinese(waiting):
    issue, deputies = waiting
    deputies.delete()
    with translation.override("zh-hans"), pytest.raises(services.WorkflowError) as refused:
        services.issue_approve(issue=issue, actor=factories.chief())
    assert refused.value.code == "chain" and "分管领导" in refused.value.messages[0]
    issue.refresh_from_db()
    assert (issue.status, issue.step) == (Issue.Status.REVIEW, 0)
    services.issue_return(issue=issue, actor=factories.chief(), comment="审批链已变更，请重新送审")
