from decimal import Decimal

from django.db import migrations, models

# A copy of Series.printed_fields at the time of this migration (migrations must not import models).
PRINTED = [
    "name", "compiling_office", "issuing_office", "top_left_mark", "show_total_number", "masthead_color",
    "masthead_size_pt", "masthead_letter_spacing_em", "masthead_rule_pt", "end_block_on_even_page",
    "mirror_margins", "print_run_below_rule",
]


def freeze_issued(apps, schema_editor):
    """Issues issued before this migration get their series as it is now: the best record there is."""
    Issue = apps.get_model("articles", "Issue")
    for issue in Issue.objects.filter(status="issued").select_related("series"):
        values = {name: getattr(issue.series, name) for name in PRINTED}
        issue.series_as_issued = {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}
        issue.save(update_fields=["series_as_issued"])


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0005_issue_address_lines'),
    ]

    operations = [
        migrations.AddField(
            model_name='issue',
            name='series_as_issued',
            field=models.JSONField(blank=True, default=dict, editable=False, help_text='The masthead and offices frozen at issuing, so the web page keeps matching the PDF.', verbose_name='series as issued'),
        ),
        migrations.RunPython(freeze_issued, migrations.RunPython.noop),
    ]
