import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from articles.models import Issue
from articles.proofreading.engine import proofread_issue
from articles.proofreading.rules import Kind


class Command(BaseCommand):
    help = _("Proofread an issue (校对): list what breaks the rules of 公文 writing, article by article.")

    def add_arguments(self, parser):
        parser.add_argument("issue", type=int, help=_("Id of the issue."))
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, issue, format, **options):
        found = Issue.objects.select_related("series").filter(pk=issue).first()
        if found is None:
            raise CommandError(_("No issue with id %(id)s.") % {"id": issue})
        findings = proofread_issue(found)
        if format == "json":
            self.stdout.write(json.dumps({"findings": [f.as_json() for f in findings]}, ensure_ascii=False))
            return
        for finding in findings:
            self.stdout.write(f"{finding.article}｜{Kind.labels[finding.kind]}｜{finding.quote}｜{finding.message}"
                              + (f"｜→ {finding.suggestion}" if finding.fixable else ""))
        self.stdout.write(_("%(issue)s: %(count)s findings.") % {"issue": found, "count": len(findings)})
