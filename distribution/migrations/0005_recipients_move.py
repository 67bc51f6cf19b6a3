"""The address book and the issues' 报 / 送 / 发 lines moved to the articles app; their tables and permissions go with them."""

import django.db.models.deletion
from django.db import migrations, models

MOVED = ["recipient", "recipientgroup", "distribution"]


def move_content_types(apps, schema_editor, source="distribution", target="articles"):
    """Keep the permissions granted on the moved models (and their ids) by moving their content types."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=target, model__in=MOVED).delete()  # none unless created early
    ContentType.objects.filter(app_label=source, model__in=MOVED).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="articles", target="distribution")


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0009_recipients_move'),
        ('distribution', '0004_auth_throttle'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        # Only Django's picture of the models changes: the tables keep their names (Meta.db_table).
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='recipient',
                name='members',
            ),
            migrations.AlterField(
                model_name='receipt',
                name='recipient',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='receipts', to='articles.recipient', verbose_name='unit'),
            ),
            migrations.AlterField(
                model_name='notification',
                name='recipient',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='articles.recipient', verbose_name='unit'),
            ),
            migrations.RemoveField(
                model_name='recipientgroup',
                name='members',
            ),
            migrations.DeleteModel(
                name='Distribution',
            ),
            migrations.DeleteModel(
                name='Recipient',
            ),
            migrations.DeleteModel(
                name='RecipientGroup',
            ),
        ]),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
