from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from articles import demo_data
from articles.demo import load_demo


class Command(BaseCommand):
    help = _("Load the demo bulletin (the seed issue of 2021-01-13), a draft, an issue under review and demo accounts.")

    def handle(self, *args, **options):
        created = load_demo()
        for issue in created:
            self.stdout.write(_("created: %(issue)s (%(status)s)") % {"issue": issue,
                                                                     "status": issue.get_status_display()})
        if not created:
            self.stdout.write(_("The demo data is already present; nothing was added."))
        users = ", ".join(username for username, *_rest in demo_data.USERS)
        self.stdout.write(self.style.SUCCESS(
            _("Demo accounts: %(users)s — password: %(password)s (set when an account is first created)")
            % {"users": users, "password": demo_data.PASSWORD}
        ))
