from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from articles.services import stray_pdf_files, verify_stored_pdfs


class Command(BaseCommand):
    help = _("Check every issued PDF against its stored SHA-256; exit with an error if any differs or is missing.")

    def handle(self, *args, **options):
        checked = problems = 0
        for issue, problem in verify_stored_pdfs():
            checked += 1
            if problem:
                problems += 1
                self.stderr.write(f"{issue} (id {issue.pk}): {problem}")
            elif options["verbosity"] > 1:
                self.stdout.write(f"{issue} (id {issue.pk}): OK")
        for name in stray_pdf_files():
            # Not a broken issue, but worth knowing: a left-over of a rolled-back publish.
            self.stderr.write(_("%(name)s is not the PDF of any issued issue") % {"name": name})
        if problems:
            raise CommandError(_("%(problems)s of %(checked)s stored PDFs failed verification.")
                               % {"problems": problems, "checked": checked})
        self.stdout.write(_("%(checked)s stored PDFs verified.") % {"checked": checked})
