from django.core.management.base import BaseCommand

from distribution.services import notifications_retry


class Command(BaseCommand):
    help = "Send again the emails about issued issues that failed or never went out."

    def handle(self, *args, **options):
        sent, failed = notifications_retry()
        self.stdout.write(f"sent: {sent}, failed: {failed}")
        if failed:
            self.stderr.write(self.style.WARNING("some emails failed again; see the notifications in the admin"))
