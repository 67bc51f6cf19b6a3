"""The workflow's rules (articles.workflow), through the services: every transition × step × role × state.

The chain is the demo's: 核稿 by 综合处处长, then 签发 by 领导. The editor submitted every issue under review.
"""

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import ProtectedError
from django.utils.translation import gettext

from articles import services, workflow
from articles.models import Issue, IssueLog, ReviewStep
from articles.review.revisions import revision_record
from tests import factories

Status = Issue.Status
T = workflow.Transition

ROLES = ["nobody", "editor", "chief", "leader", "superuser"]
# (state, step index under review)
STATES = {"draft": (Status.DRAFT, None), "核稿": (Status.REVIEW, 0), "签发": (Status.REVIEW, 1),
          "issued": (Status.ISSUED, None)}
ALLOWED = {
    T.SUBMIT: {"draft": {"editor", "superuser"}},
    T.WITHDRAW: {"核稿": {"editor"}},
    T.APPROVE: {"核稿": {"chief", "superuser"}, "签发": {"leader", "superuser"}},
    T.RETURN: {"核稿": {"chief", "superuser"}, "签发": {"leader", "superuser"}},
    T.CORRECT: {"核稿": {"chief", "superuser"}, "签发": {"leader", "superuser"}},
    T.COMMENT: {state: {"editor", "chief", "leader", "superuser"} for state in ("draft", "核稿", "签发")},
    T.DELETE: {"draft": {"editor", "superuser"}},  # the editor drafted it
    T.RESTORE: {"draft": {"editor", "superuser"}},
}
TO = {T.SUBMIT: ("核稿", Status.REVIEW, 0), T.WITHDRAW: ("draft", Status.DRAFT, None),
      T.RETURN: ("draft", Status.DRAFT, None)}


def expected_message(transition, state, role):
    """The exact message of the refusal (the Chinese catalogue translates it for users)."""
    status, step = STATES[state]
    if status == Status.ISSUED:
        return gettext("This issue has been issued and can no longer be changed.")
    needed = {T.SUBMIT: [Status.DRAFT], T.DELETE: [Status.DRAFT], T.RESTORE: [Status.DRAFT],
              T.COMMENT: [Status.DRAFT, Status.REVIEW]}.get(transition, [Status.REVIEW])
    if status not in needed:
        return gettext("This issue is %(status)s; the action needs it to be %(expected)s.") % {
            "status": Status(status).label, "expected": "、".join(str(Status(s).label) for s in needed)}
    if transition == T.SUBMIT:
        return gettext("You are not allowed to submit issues for review.")
    if transition == T.COMMENT:
        return gettext("You cannot comment on this issue.")
    if transition == T.DELETE:
        return gettext("Only the drafter who created this draft can delete it.")
    if transition == T.RESTORE:
        return gettext("You are not allowed to change issues.")
    if transition == T.WITHDRAW:
        if role != "editor":
            return gettext("Only the person who submitted this issue can withdraw it.")
        return gettext("The step %(step)s has already approved this issue; it can no longer be withdrawn.") % {
            "step": "核稿"}
    group = {0: "综合处处长", 1: "领导"}[step]
    return gettext("The step %(step)s is done by %(group)s; you are not one of them.") % {
        "step": state, "group": group}


def matrix(allowed):
    for transition in T:
        for state in STATES:
            for role in ROLES:
                if (role in ALLOWED[transition].get(state, set())) == allowed:
                    yield pytest.param(transition, state, role,
                                       id=f"{role} {'may' if allowed else 'may not'} {transition.value} at {state}")


@pytest.fixture
def people(db):
    return {"nobody": factories.nobody(), "editor": factories.editor(), "chief": factories.chief(),
            "leader": factories.leader(), "superuser": factories.superuser()}


def issue_at(state, people, fake_pdf=None):
    """An issue of the two-step series brought to `state` through the real transitions."""
    issue = factories.draft_issue(author=people["editor"], series=factories.two_step_series())
    status, step = STATES[state]
    if status == Status.DRAFT:
        return issue
    issue = services.issue_submit(issue=issue, actor=people["editor"])
    if step == 1 or status == Status.ISSUED:
        issue = services.issue_approve(issue=issue, actor=people["chief"])
    if status == Status.ISSUED:
        issue = services.issue_approve(issue=issue, actor=people["leader"])
    return issue


def do(transition, issue, actor):
    article = issue.articles.first()
    return {
        T.SUBMIT: lambda: services.issue_submit(issue=issue, actor=actor),
        T.WITHDRAW: lambda: services.issue_withdraw(issue=issue, actor=actor),
        T.APPROVE: lambda: services.issue_approve(issue=issue, actor=actor, comment="同意"),
        T.RETURN: lambda: services.issue_return(issue=issue, actor=actor, comment="请修改"),
        T.CORRECT: lambda: services.article_correct(article=article, actor=actor, title="改过的标题", subtitle="",
                                                    body="<p>改过的正文。</p>"),
        T.COMMENT: lambda: services.comment_add(article=article, actor=actor, text="这里请核实。"),
        T.DELETE: lambda: services.issue_delete(issue=issue, actor=actor),
        T.RESTORE: lambda: services.issue_restore(issue=issue, actor=actor, issue_revision=(
            issue.revisions.order_by("number").first() or revision_record(issue, actor=issue.created_by))),
    }[transition]()


@pytest.mark.django_db
@pytest.mark.parametrize(("transition", "state", "role"), list(matrix(allowed=True)))
def test_an_allowed_transition_does_what_it_says_and_logs_it(transition, state, role, people, fake_pdf):
    issue = issue_at(state, people)
    actor = people[role]
    assert workflow.allowed(transition, actor, issue)
    logged = issue.log.count()

    do(transition, issue, actor)

    if transition == T.DELETE:
        assert not Issue.objects.filter(pk=issue.pk).exists()
        assert IssueLog.objects.filter(issue=None, action="issue.delete", actor=actor).count() == 1
        return
    issue.refresh_from_db()
    if transition in TO:
        _, status, step = TO[transition]
        assert (issue.status, issue.step) == (status, step)
    if transition == T.APPROVE:
        if state == "核稿":
            assert (issue.status, issue.step, issue.step_group.name) == (Status.REVIEW, 1, "领导")
        else:
            assert issue.status == Status.ISSUED and issue.issued_by == actor and issue.number == 1
    if transition in (T.CORRECT, T.COMMENT):
        assert issue.log.count() == logged  # not a decision: kept as a revision or a comment instead
        return
    entry = issue.log.last()
    assert issue.log.count() == logged + 1 and entry.actor == actor
    action = {T.APPROVE: "issue.issue" if state == "签发" else "issue.approve"}.get(transition, f"issue.{transition}")
    assert entry.action == action
    assert entry.step == ({T.SUBMIT: "", T.WITHDRAW: "", T.RESTORE: ""}.get(transition, state))


@pytest.mark.django_db
@pytest.mark.parametrize(("transition", "state", "role"), list(matrix(allowed=False)))
def test_a_refused_transition_changes_nothing_and_says_exactly_why(transition, state, role, people, fake_pdf):
    issue = issue_at(state, people)
    before = Issue.objects.values().get(pk=issue.pk)
    logged, comments = issue.log.count(), issue.comments.count()
    actor = people[role]
    assert not workflow.allowed(transition, actor, issue)

    with pytest.raises(services.WorkflowError) as refused:
        do(transition, issue, actor)

    assert refused.value.messages == [expected_message(transition, state, role)]
    assert Issue.objects.values().get(pk=issue.pk) == before
    assert (issue.log.count(), issue.comments.count()) == (logged, comments)


@pytest.mark.django_db
def test_the_messages_are_in_chinese(people):
    issue = issue_at("核稿", people)
    with pytest.raises(services.WorkflowError) as refused:
        services.issue_approve(issue=issue, actor=people["leader"])
    assert refused.value.messages == ["核稿步骤由综合处处长办理，您不在其中。"]


@pytest.mark.django_db
def test_the_submitter_withdraws_before_the_first_step_acted_and_not_after(people, fake_pdf):
    issue = issue_at("核稿", people)
    issue = services.issue_withdraw(issue=issue, actor=people["editor"], comment="漏了一篇")
    assert (issue.status, issue.step, issue.chain) == (Status.DRAFT, None, [])
    entry = issue.log.last()
    assert (entry.action, entry.from_status, entry.to_status, entry.comment) == (
        "issue.withdraw", Status.REVIEW, Status.DRAFT, "漏了一篇")

    issue = services.issue_submit(issue=issue, actor=people["editor"])
    services.issue_approve(issue=issue, actor=people["chief"])
    with pytest.raises(services.WorkflowError) as refused:
        services.issue_withdraw(issue=issue, actor=people["editor"])
    assert refused.value.code == "acted"


@pytest.mark.django_db
def test_nobody_approves_a_step_on_what_they_submitted(people, fake_pdf, settings):
    both = factories.chief()
    both.groups.add(Group.objects.get(name="编辑"))
    issue = factories.draft_issue(author=both, series=factories.two_step_series())
    issue = services.issue_submit(issue=issue, actor=both)

    with pytest.raises(services.WorkflowError) as refused:
        services.issue_approve(issue=issue, actor=both)
    assert refused.value.code == "self_approval"
    assert refused.value.messages == [gettext(
        "You submitted this issue yourself; another member of %(group)s must approve the step %(step)s.")
        % {"group": "综合处处长", "step": "核稿"}]
    # They may still return it, and another member approves.
    assert workflow.allowed(T.RETURN, both, issue)
    services.issue_approve(issue=issue, actor=people["chief"])

    settings.BULLETIN_ALLOW_SELF_APPROVAL = True
    other = factories.draft_issue(author=both, series=factories.two_step_series())
    other = services.issue_submit(issue=other, actor=both)
    assert services.issue_approve(issue=other, actor=both).step == 1


@pytest.mark.django_db
def test_a_series_without_steps_keeps_one_step_by_the_leaders(people, fake_pdf):
    issue = factories.issue_in(Status.REVIEW, author=people["editor"])
    assert [step["name"] for step in issue.chain] == ["签发"] and issue.step_group.name == "领导"
    assert not workflow.allowed(T.APPROVE, people["chief"], issue)
    assert services.issue_approve(issue=issue, actor=people["leader"]).status == Status.ISSUED


@pytest.mark.django_db
def test_changing_the_chain_never_strands_an_issue_under_review(people, fake_pdf):
    issue = issue_at("核稿", people)
    series = issue.series
    # The office adds a third step and drops 核稿 while the issue is at 核稿.
    ReviewStep.objects.filter(series=series, name="核稿").delete()
    ReviewStep.objects.create(series=series, position=3, name="会签", group=Group.objects.get(name="编辑"))

    issue = services.issue_approve(issue=issue, actor=people["chief"])  # finishes on the chain it started with
    issue = services.issue_approve(issue=issue, actor=people["leader"])
    assert issue.status == Status.ISSUED
    assert [s["name"] for s in workflow.chain_of(series)] == ["签发", "会签"]
    # A group still waited on cannot be deleted from under an issue.
    waiting = issue_at("核稿", people)
    with pytest.raises(ProtectedError):
        Group.objects.get(name="综合处处长").delete()
    assert Issue.objects.get(pk=waiting.pk).step_group.name == "综合处处长"


@pytest.mark.django_db
def test_a_decision_on_a_step_someone_else_already_decided_changes_nothing(people, fake_pdf):
    issue = issue_at("核稿", people)
    other_chief = factories.chief(first_name="处长乙")
    services.issue_approve(issue=issue, actor=other_chief, step=0)

    with pytest.raises(services.WorkflowError) as refused:
        services.issue_return(issue=issue, actor=people["chief"], comment="请改", step=0)

    assert refused.value.code == "stale"
    assert "处长乙" in refused.value.messages[0]
    assert list(issue.log.values_list("action", flat=True)).count("issue.approve") == 1


@pytest.mark.django_db
def test_waiting_for_me_lists_what_waits_at_a_step_of_mine(people, fake_pdf):
    at_review = issue_at("核稿", people)
    at_issue = issue_at("签发", people)
    draft = issue_at("draft", people)

    def waiting(role):
        return set(Issue.objects.filter(workflow.waiting_for_q(people[role])).values_list("pk", flat=True))

    assert waiting("chief") == {at_review.pk}
    assert waiting("leader") == {at_issue.pk}
    assert waiting("editor") == {draft.pk}
    assert waiting("nobody") == set()
    assert waiting("superuser") >= {at_review.pk, at_issue.pk, draft.pk}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("sqlite" in connection.vendor, reason="SQLite serialises writers; see the PostgreSQL run")
def test_two_reviewers_approving_the_same_step_at_once_make_one_decision(fake_pdf):
    people = {"editor": factories.editor(), "chief": factories.chief()}
    issue = issue_at("核稿", people)
    reviewers = [people["chief"], factories.chief(first_name="处长乙")]
    barrier, outcomes = threading.Barrier(2), []

    def approve(actor):
        try:
            barrier.wait()
            services.issue_approve(issue=Issue(pk=issue.pk), actor=actor, step=0)
            outcomes.append("ok")
        except services.WorkflowError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(r,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes.count("ok") == 1
    [message] = [o for o in outcomes if o != "ok"]
    decided_by = IssueLog.objects.get(issue_id=issue.pk, action="issue.approve").actor_id
    winner = next(r for r in reviewers if r.pk == decided_by)
    assert message.startswith(winner.first_name or winner.username) and message.endswith("您的操作未生效。")
    assert IssueLog.objects.filter(issue_id=issue.pk, action="issue.approve").count() == 1
    assert Issue.objects.get(pk=issue.pk).step == 1


@pytest.mark.django_db
def test_the_admin_index_shows_the_true_count_beyond_the_twenty_listed(people, client, fake_pdf):
    series = factories.two_step_series()
    for _ in range(23):
        services.issue_submit(issue=factories.draft_issue(author=people["editor"], series=series),
                              actor=people["editor"])
    client.force_login(people["chief"])
    html = client.get("/admin/").content.decode()
    assert "待我处理 (23)" in html
    assert html.count('<ul class="waiting-titles">') == 20
