"""Create the two roles, 编辑 (drafters) and 领导 (leaders), with their permissions."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from articles.roles import ensure_roles

    ensure_roles(apps)


def drop_roles(apps, schema_editor):
    from articles.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("distribution", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, drop_roles)]
