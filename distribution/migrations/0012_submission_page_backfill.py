"""Items adopted into issues issued before 0010 get their page too (0010 records it only on issuing)."""

from django.db import migrations


def backfill(apps, schema_editor):
    Submission = apps.get_model("distribution", "Submission")
    issue_ids = set(Submission.objects.filter(
        status="adopted", adopted_page__isnull=True, adopted_article__issue__status="issued",
    ).values_list("adopted_article__issue_id", flat=True))
    if not issue_ids:
        return  # a new database, or nothing to fill: the live code below is never reached
    # The service reads the stored PDF's bookmarks, as issuing does; it logs and skips a PDF it cannot read.
    from articles.models import Issue
    from distribution.services import submission_pages_record

    for issue in Issue.objects.filter(pk__in=issue_ids):
        submission_pages_record(issue=issue)


class Migration(migrations.Migration):

    dependencies = [
        ("distribution", "0011_submission_sent_in_at"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
