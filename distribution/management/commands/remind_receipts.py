from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distribution.services import receipts_to_remind, remind_units


class Command(BaseCommand):
    help = gettext_lazy("催签: queue a reminder to every unit that has not acknowledged an issue within its series' "
                        "reminder days (run daily by cron or deploy/bulletin-remind.timer).")

    def handle(self, *args, **options):
        due = [receipt.pk for receipt in receipts_to_remind()]
        if due:
            remind_units.enqueue(due)
        self.stdout.write(_("Reminders queued: %(count)s.") % {"count": len(due)})
