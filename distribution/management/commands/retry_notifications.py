from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distribution.services import notifications_sweep, sweep_schedule


class Command(BaseCommand):
    help = gettext_lazy("The mail sweep (deploy/bulletin-mail-sweep.timer): send every email about an issued issue "
                        "that is due, those left claimed by a worker that died included, and make sure the "
                        "worker's own sweep is scheduled.")

    def add_arguments(self, parser):
        parser.add_argument("--failed", action="store_true", dest="include_failed",
                            help=gettext_lazy("Also send again the emails that failed for good."))

    def handle(self, *args, include_failed, **options):
        sent, failed = notifications_sweep(failed=include_failed)
        self.stdout.write(_("Sent: %(sent)s, failed: %(failed)s.") % {"sent": sent, "failed": failed})
        if failed:
            self.stderr.write(self.style.WARNING(
                _("Some emails failed again; see the email notifications in the admin.")
            ))
        try:
            sweep_schedule()
        except Exception as exc:  # noqa: BLE001 - the mail above went out; the queue is the worker's business
            self.stderr.write(self.style.WARNING(
                _("The task queue could not be reached (%(error)s); the worker's sweep was not scheduled.")
                % {"error": exc}))
