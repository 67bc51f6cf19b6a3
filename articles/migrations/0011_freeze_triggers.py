"""The database refuses changes to issued issues and their content (articles.freeze.trigger_sql)."""

from django.db import migrations


def install(apps, schema_editor):
    from articles.freeze import trigger_sql

    for statement in trigger_sql(schema_editor.connection.vendor)[0]:
        schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    from articles.freeze import trigger_sql

    for statement in trigger_sql(schema_editor.connection.vendor)[1]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_approval_chains"),
        ("distribution", "0005_recipients_move"),
    ]
    operations = [migrations.RunPython(install, uninstall)]
