"""Create the two roles, 编辑 (drafters) and 领导 (leaders), with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMS = {
    "articles": ["add_issue", "change_issue", "delete_issue", "view_issue", "submit_issue",
                 "add_article", "change_article", "delete_article", "view_article",
                 "add_meeting", "change_meeting", "delete_meeting", "view_meeting",
                 "add_award", "change_award", "delete_award", "view_award",
                 "view_series", "view_issuelog"],
    "distribution": ["add_distribution", "change_distribution", "delete_distribution", "view_distribution",
                     "add_recipient", "change_recipient", "view_recipient",
                     "add_recipientgroup", "change_recipientgroup", "view_recipientgroup"],
}
LEADER_PERMS = {
    "articles": ["view_issue", "return_issue", "approve_issue", "view_article", "view_meeting", "view_award",
                 "view_series", "view_issuelog"],
    "distribution": ["view_distribution", "view_recipient", "view_recipientgroup"],
}
ROLES = {"编辑": EDITOR_PERMS, "领导": LEADER_PERMS}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; roles need them now.
    for app_label in ("articles", "distribution"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codenames in perms.items():
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("distribution", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, drop_roles)]
