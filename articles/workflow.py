"""The workflow's rules in one place: what each user may do to an issue, in its state, at its step.

An issue goes draft → review → issued. Under review it passes the steps of the approval chain it was
submitted on (its series' ReviewSteps, or one step 签发 by 领导), each done by the members of the
step's group: approve moves it to the next step, and approving the last step issues it (签发); return
sends it back to the draft with a comment. The submitter may withdraw it until the first step has
approved. Services, admin buttons and views all ask `refusal()`; nobody else decides.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.models import ISSUED_IS_FINAL, Issue, ReviewStep
from articles.roles import LEADERS

Status = Issue.Status

# The chain of a series that configures none: today's single step, 签发 by the leaders.
DEFAULT_STEP_NAME = "签发"


class Transition(models.TextChoices):
    """What a user can do to an issue."""

    SUBMIT = "submit", gettext_lazy("submit for review")
    WITHDRAW = "withdraw", gettext_lazy("withdraw")
    APPROVE = "approve", gettext_lazy("approve")  # at the last step: issue (签发)
    RETURN = "return", gettext_lazy("return")
    CORRECT = "correct", gettext_lazy("correct in review")
    COMMENT = "comment", gettext_lazy("comment on an article")
    DELETE = "delete", gettext_lazy("delete the draft")
    RESTORE = "restore", gettext_lazy("restore an earlier version")


class Refusal:
    """Why a transition is refused: a code for programs and the message for people."""

    def __init__(self, code, message):
        self.code, self.message = code, message

    def __repr__(self):
        return f"Refusal({self.code!r}, {self.message!r})"


# --- chains ------------------------------------------------------------------------------------------


def chain_of(series):
    """The steps an issue of `series` submitted now would pass: [{"name", "group", "group_name"}, ...]."""
    steps = [
        {"name": step.name, "group": step.group_id, "group_name": step.group.name}
        for step in ReviewStep.objects.filter(series=series).select_related("group").order_by("position", "pk")
    ]
    if not steps:
        leaders, _created = Group.objects.get_or_create(name=LEADERS)
        steps = [{"name": DEFAULT_STEP_NAME, "group": leaders.pk, "group_name": leaders.name}]
    return steps


def issues_waiting_on_group(group):
    """The issues under review whose chain still has a step (the current one or a later one) done by `group`."""
    waiting = Issue.objects.filter(status=Status.REVIEW).select_related("series").order_by("pk")
    return [issue for issue in waiting if any(step["group"] == group.pk for step in issue.chain[issue.step:])]


def current_step(issue):
    """The step an issue under review is at ({"name", "group", "group_name"}), else None."""
    return issue.current_step


def is_last_step(issue):
    return issue.status == Status.REVIEW and issue.step == len(issue.chain) - 1


def group_ids(user):
    """The ids of the user's groups (one query, remembered on the user like Django's permission cache)."""
    if not hasattr(user, "_workflow_group_ids"):
        user._workflow_group_ids = set(user.groups.values_list("pk", flat=True)) if user.is_authenticated else set()
    return user._workflow_group_ids


def does_step(user, step):
    """True when `user` acts at `step`: a member of its group (superusers act at every step)."""
    return bool(step) and user.is_active and (user.is_superuser or step["group"] in group_ids(user))


def reviews(user, issue):
    """True when `user` does any step of the chain the issue is (or would be) reviewed on."""
    chain = issue.chain if issue.status == Status.REVIEW else chain_of(issue.series)
    return any(does_step(user, step) for step in chain)


# --- the rules -----------------------------------------------------------------------------------------


def _state(issue, *expected):
    """The refusal for an issue in the wrong state, else None."""
    if issue.status in expected:
        return None
    if issue.status == Status.ISSUED:
        return Refusal("issued", str(ISSUED_IS_FINAL))
    return Refusal("state", _("This issue is %(status)s; the action needs it to be %(expected)s.") % {
        "status": issue.get_status_display(), "expected": "、".join(str(Status(s).label) for s in expected)})


def _not_your_step(issue):
    step = current_step(issue)
    return Refusal("permission", _("The step %(step)s is done by %(group)s; you are not one of them.")
                   % {"step": step["name"], "group": step["group_name"]})


def refusal(transition, user, issue):
    """Why `user` may not do `transition` to `issue` now (a Refusal), or None when they may."""
    transition = Transition(transition)
    if transition == Transition.SUBMIT:
        refused = _state(issue, Status.DRAFT)
        if not refused and not user.has_perm("articles.submit_issue"):
            refused = Refusal("permission", _("You are not allowed to submit issues for review."))
        return refused
    if transition == Transition.DELETE:
        refused = _state(issue, Status.DRAFT)
        if not refused and not (user.has_perm("articles.delete_issue")
                                and (user.is_superuser or issue.created_by_id == user.pk)):
            refused = Refusal("permission", _("Only the drafter who created this draft can delete it."))
        return refused
    if transition == Transition.RESTORE:
        return draft_change_refusal(user, issue)
    if transition == Transition.COMMENT:
        refused = _state(issue, Status.DRAFT, Status.REVIEW)
        if not refused and not (user.has_perm("articles.change_issue") or reviews(user, issue)):
            refused = Refusal("permission", _("You cannot comment on this issue."))
        return refused

    refused = _state(issue, Status.REVIEW)
    if refused:
        return refused
    if transition == Transition.WITHDRAW:
        if issue.submitted_by_id != user.pk:
            return Refusal("permission", _("Only the person who submitted this issue can withdraw it."))
        if issue.step > 0:
            return Refusal("acted", _("The step %(step)s has already approved this issue; it can no longer be "
                                      "withdrawn.") % {"step": issue.chain[0]["name"]})
        return None
    if not does_step(user, current_step(issue)):
        return _not_your_step(issue)
    if transition == Transition.APPROVE and issue.submitted_by_id == user.pk \
            and not settings.BULLETIN_ALLOW_SELF_APPROVAL:
        step = current_step(issue)
        return Refusal("self_approval", _("You submitted this issue yourself; another member of %(group)s must "
                                          "approve the step %(step)s.")
                       % {"group": step["group_name"], "step": step["name"]})
    return None  # RETURN and CORRECT: any member of the step's group


def draft_change_refusal(user, issue, *, not_a_draft=None):
    """Why `user` may not change a draft's content (restore, split and join, apply a proofreading finding), or None.

    `not_a_draft` is the caller's own words for an issue that is no longer a draft.
    """
    refused = _state(issue, Status.DRAFT)
    if refused and not_a_draft:
        refused = Refusal("state", not_a_draft)
    if not refused and not user.has_perm("articles.change_issue"):
        refused = Refusal("permission", _("You are not allowed to change issues."))
    return refused


def allowed(transition, user, issue):
    return refusal(transition, user, issue) is None


def allowed_transitions(user, issue):
    """{transition value: True/False} for the admin's buttons, from the same rules as the services."""
    return {transition.value: allowed(transition, user, issue) for transition in Transition}


def actions_context(user, issue):
    """What the workflow's buttons need (issue page and review desk): what the user may do, the step, why not."""
    approve = refusal(Transition.APPROVE, user, issue)
    return {
        "can": allowed_transitions(user, issue),
        "step": current_step(issue),
        "last_step": is_last_step(issue),
        # Someone who does this step but may not approve it is told why (e.g. they submitted it).
        "approve_refused": approve.message if approve and approve.code == "self_approval" else "",
        # Anyone else who opens an issue under review is told whose turn it is, not shown an empty desk.
        "waiting_for": _waiting_for(issue) if approve and approve.code != "self_approval" else "",
    }


def _waiting_for(issue):
    if issue.status != Status.REVIEW:
        return ""
    step = current_step(issue)
    return _("This issue is at the step %(step)s and waits for %(group)s.") % {
        "step": step["name"], "group": step["group_name"]}


def waiting_for_q(user):
    """The issues that wait for `user`: drafts for drafters, issues at a step of theirs for reviewers."""
    q = models.Q(status=Status.REVIEW)
    if not user.is_superuser:
        q &= models.Q(step_group__in=group_ids(user))
    if user.has_perm("articles.submit_issue"):
        q |= models.Q(status=Status.DRAFT)
    return q
