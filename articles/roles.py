"""The two roles, 编辑 (drafters) and 领导 (leaders), and the permissions each carries.

Who approves, returns or issues is not a permission: it is the group of each review step (see
articles.workflow); 领导 is the group of the default chain's one step, 签发.
"""

from django.contrib.auth.management import create_permissions

EDITORS = "编辑"
LEADERS = "领导"

EDITOR_PERMS = {
    "articles": ["add_issue", "change_issue", "delete_issue", "view_issue", "submit_issue",
                 "add_article", "change_article", "delete_article", "view_article",
                 "add_meeting", "change_meeting", "delete_meeting", "view_meeting",
                 "add_award", "change_award", "delete_award", "view_award",
                 "view_series", "view_issuelog", "view_pdfcheck",
                 "add_distribution", "change_distribution", "delete_distribution", "view_distribution",
                 "add_recipient", "change_recipient", "view_recipient",
                 "add_recipientgroup", "change_recipientgroup", "view_recipientgroup",
                 "add_boundvolume", "view_boundvolume"],
    "distribution": ["view_receipt", "view_notification", "change_notification"],
}
LEADER_PERMS = {
    "articles": ["view_issue", "view_article", "view_meeting", "view_award",
                 "view_series", "view_issuelog", "view_pdfcheck",
                 "view_distribution", "view_recipient", "view_recipientgroup", "view_boundvolume"],
    "distribution": ["view_receipt", "view_notification"],
}
ROLES = {EDITORS: EDITOR_PERMS, LEADERS: LEADER_PERMS}


def ensure_roles(apps, **kwargs):
    """Create the role groups and grant them their permissions (idempotent; models not yet migrated are skipped)."""
    for app_label in ("articles", "distribution"):
        app_config = apps.get_app_config(app_label)
        if getattr(app_config, "models_module", None) is None:
            # Inside a migration the app registry is a stub without models_module.
            app_config.models_module = True
            create_permissions(app_config, verbosity=0, apps=apps)
            app_config.models_module = None
        else:
            create_permissions(app_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codenames in perms.items():
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


def grant_reviewer_permissions(group):
    """Let the group of a review step read issues in the admin, as 领导 do (idempotent)."""
    from django.contrib.auth.models import Permission

    for app_label, codenames in LEADER_PERMS.items():
        group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


def person_name(user):
    """A person as office staff know them: the name, the login name only when no name is set; "—" for nobody."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()
