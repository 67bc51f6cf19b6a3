from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distribution import benchdata


class Command(BaseCommand):
    help = gettext_lazy("Fill the database with the portal benchmark data set (use a separate database).")

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=20)
        parser.add_argument("--per-year", type=int, default=50)
        parser.add_argument("--units", type=int, default=2000)
        parser.add_argument("--distributions", type=int, default=50000)

    def handle(self, *args, **options):
        counts = benchdata.generate(years=options["years"], per_year=options["per_year"], units=options["units"],
                                    distributions=options["distributions"])
        if counts is None:
            self.stdout.write(_("The benchmark data is already present; nothing was added."))
        else:
            self.stdout.write(self.style.SUCCESS(
                _("Added %(issues)s issues, %(articles)s articles, %(units)s units and %(distributions)s "
                  "distribution rows.") % counts
            ))
