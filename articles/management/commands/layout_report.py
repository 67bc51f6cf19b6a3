from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from articles.models import Issue
from articles.printing.layout_report import issue_layout_report


class Command(BaseCommand):
    help = _("Measure issued PDFs against GB/T 9704 and list each deviation with its page (exit code 1 if any).")

    def add_arguments(self, parser):
        parser.add_argument("issue_ids", type=int, nargs="*", help=_("Issued issues to measure; all when none."))

    def handle(self, *args, issue_ids, **options):
        issues = Issue.objects.select_related("series").filter(status=Issue.Status.ISSUED).order_by("pk")
        if issue_ids:
            issues = issues.filter(pk__in=issue_ids)
            missing = set(issue_ids) - {issue.pk for issue in issues}
            if missing:
                ids = ", ".join(map(str, sorted(missing)))
                raise CommandError(_("No issued issue with id %(ids)s.") % {"ids": ids})
        failed = measured = 0
        for issue in issues:
            measured += 1
            report = issue_layout_report(issue)
            if report.ok:
                self.stdout.write(_("%(issue)s (id %(id)s): %(pages)s pages, no deviation")
                                  % {"issue": issue, "id": issue.pk, "pages": report.pages})
                continue
            failed += 1
            self.stdout.write(self.style.WARNING(
                _("%(issue)s (id %(id)s): %(pages)s pages, %(count)s deviations")
                % {"issue": issue, "id": issue.pk, "pages": report.pages, "count": len(report.deviations)}))
            for deviation in report.deviations:
                self.stdout.write(f"    {deviation}")
        if failed:
            raise CommandError(_("%(failed)s of %(count)s issued PDFs deviate from GB/T 9704.")
                               % {"failed": failed, "count": measured})
