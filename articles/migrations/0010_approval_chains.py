"""Approval chains per series: issues under review record their chain and step; 签发 is "issue" everywhere."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forwards(apps, schema_editor):
    Issue = apps.get_model("articles", "Issue")
    IssueLog = apps.get_model("articles", "IssueLog")
    Group = apps.get_model("auth", "Group")
    IssueLog.objects.filter(action="issue.publish").update(action="issue.issue")
    # Issues already under review finish on today's behaviour: one step, 签发 by 领导.
    leaders, _ = Group.objects.get_or_create(name="领导")
    for issue in Issue.objects.filter(status="review"):
        issue.step_since = issue.submitted_at
        issue.save(update_fields=["step_since"])
    Issue.objects.filter(status="review").update(
        step=0, step_group=leaders, chain=[{"name": "签发", "group": leaders.pk, "group_name": leaders.name}]
    )
    # Acting at a step is a matter of the step's group now; the two permissions are gone.
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="articles", codename__in=["approve_issue", "return_issue"]
    ).delete()


def backwards(apps, schema_editor):
    apps.get_model("articles", "IssueLog").objects.filter(action="issue.issue").update(action="issue.publish")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_recipients_move"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="issue", name="issue_numbered_iff_issued"),
        migrations.RenameField(model_name="issue", old_name="approved_by", new_name="issued_by"),
        migrations.RenameField(model_name="issue", old_name="approved_at", new_name="issued_at"),
        migrations.AddField(
            model_name="issue", name="chain",
            field=models.JSONField(blank=True, default=list, editable=False, verbose_name="approval chain"),
        ),
        migrations.AddField(
            model_name="issue", name="step",
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name="step"),
        ),
        migrations.AddField(
            model_name="issue", name="step_group",
            field=models.ForeignKey(blank=True, editable=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+", to="auth.group",
                                    verbose_name="waiting for"),
        ),
        migrations.AddField(
            model_name="issue", name="step_since",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="at this step since"),
        ),
        migrations.AddField(
            model_name="issuelog", name="step",
            field=models.CharField(blank=True, max_length=20, verbose_name="step"),
        ),
        migrations.CreateModel(
            name="ReviewStep",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(default=1, verbose_name="order")),
                ("name", models.CharField(help_text="e.g. 核稿 or 签发; the last step issues.", max_length=20,
                                          verbose_name="step")),
                ("group", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                            to="auth.group", verbose_name="done by")),
                ("series", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                             related_name="review_steps", to="articles.series",
                                             verbose_name="series")),
            ],
            options={
                "verbose_name": "review step",
                "verbose_name_plural": "approval chain (review steps in order)",
                "ordering": ["series", "position", "pk"],
                "constraints": [models.UniqueConstraint(fields=("series", "position"),
                                                        name="review_step_position_unique_per_series")],
            },
        ),
        migrations.AlterModelOptions(
            name="issue",
            options={"ordering": ["-year", "-number", "-issue_date", "-pk"],
                     "permissions": [("submit_issue", "Can submit an issue for review")],
                     "verbose_name": "issue", "verbose_name_plural": "issues"},
        ),
        migrations.AlterField(
            model_name="issue", name="issued_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="issued at"),
        ),
        migrations.AlterField(
            model_name="issue", name="issued_by",
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="issued by (签发)"),
        ),
        migrations.AlterField(
            model_name="issuelog", name="action",
            field=models.CharField(choices=[
                ("issue.create", "drafted"), ("issue.submit", "submitted for review"), ("issue.return", "returned"),
                ("issue.withdraw", "withdrawn"), ("issue.approve", "approved the step"),
                ("issue.issue", "issued (签发)"), ("issue.restore", "restored an earlier version"),
            ], max_length=50, verbose_name="action"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddConstraint(
            model_name="issue",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("issued_at__isnull", False), ("issued_by__isnull", False), ("number__isnull", False),
                             ("pdf_pages__isnull", False), ("status", "issued"), ("total_number__isnull", False),
                             models.Q(("pdf_sha256", ""), _negated=True), models.Q(("pdf_file", ""), _negated=True)),
                    models.Q(models.Q(("status", "issued"), _negated=True), ("number__isnull", True),
                             ("total_number__isnull", True)),
                    _connector="OR"),
                name="issue_numbered_iff_issued"),
        ),
        migrations.AddConstraint(
            model_name="issue",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "review"), ("step__isnull", False), ("step_group__isnull", False)),
                    models.Q(models.Q(("status", "review"), _negated=True), ("step__isnull", True),
                             ("step_group__isnull", True)),
                    _connector="OR"),
                name="issue_at_a_step_iff_under_review"),
        ),
    ]
