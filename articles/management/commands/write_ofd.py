from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from articles.models import Issue
from articles.services import WorkflowError, write_ofd


class Command(BaseCommand):
    help = _("Write the OFD of an issued issue from its stored PDF (when issuing could not).")

    def add_arguments(self, parser):
        parser.add_argument("issue_id", type=int)

    def handle(self, *args, issue_id, **options):
        issue = Issue.objects.select_related("series").filter(pk=issue_id).first()
        if issue is None:
            raise CommandError(_("No issue with id %(id)s.") % {"id": issue_id})
        try:
            ofd = write_ofd(issue=issue)
        except WorkflowError as exc:
            raise CommandError(exc.messages[0]) from exc
        if ofd.error:
            raise CommandError(_("The OFD of %(issue)s could not be written: %(reason)s")
                               % {"issue": issue, "reason": ofd.error})
        self.stdout.write(_("%(issue)s: OFD %(file)s (%(size)s bytes, SHA-256 %(sha256)s)")
                          % {"issue": issue, "file": ofd.ofd_file.name, "size": ofd.ofd_size,
                             "sha256": ofd.ofd_sha256})
