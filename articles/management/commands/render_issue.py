from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from articles.models import Issue
from articles.printing.renderer import PdfRenderError, render_issue


class Command(BaseCommand):
    help = _("Write an issue's PDF: the stored file of an issued issue, a watermarked preview otherwise.")

    def add_arguments(self, parser):
        parser.add_argument("issue_id", type=int)
        parser.add_argument("-o", "--output", required=True, help=_("Where to write the PDF."))

    def handle(self, *args, issue_id, output, **options):
        issue = Issue.objects.select_related("series").filter(pk=issue_id).first()
        if issue is None:
            raise CommandError(_("No issue with id %(id)s.") % {"id": issue_id})
        if issue.is_issued:
            with issue.pdf_file.open("rb") as fh:
                content = fh.read()
            kind = _("stored issued PDF")
        else:
            try:
                content = render_issue(issue, preview=True).content
            except PdfRenderError as exc:
                raise CommandError(_("The preview could not be rendered: %(reason)s") % {"reason": exc}) from exc
            kind = _("preview")
        Path(output).write_bytes(content)
        self.stdout.write(_("%(issue)s: %(kind)s written to %(path)s (%(size)s bytes)")
                          % {"issue": issue, "kind": kind, "path": output, "size": len(content)})
