from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distribution.services import notifications_retry


class Command(BaseCommand):
    help = gettext_lazy("Send again the emails about issued issues that failed or never went out.")

    def handle(self, *args, **options):
        sent, failed = notifications_retry()
        self.stdout.write(_("Sent: %(sent)s, failed: %(failed)s.") % {"sent": sent, "failed": failed})
        if failed:
            self.stderr.write(self.style.WARNING(
                _("Some emails failed again; see the email notifications in the admin.")
            ))
