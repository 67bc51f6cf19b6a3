import os
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from articles.archive.year_export import YearExportError, year_export
from articles.models import Series


class Command(BaseCommand):
    help = _("Write a zip of a series' issued PDFs of one year, as stored and verified, with manifest.csv and "
             "manifest.json, for the archive.")

    def add_arguments(self, parser):
        parser.add_argument("--series", type=int, required=True, help=_("Id of the series."))
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--out", required=True, help=_("Where to write the zip."))

    def handle(self, *args, series, year, out, **options):
        found = Series.objects.filter(pk=series).first()
        if found is None:
            raise CommandError(_("No series with id %(id)s.") % {"id": series})
        try:
            exported = year_export(series=found, year=year)
        except YearExportError as exc:
            raise CommandError(exc.message) from exc
        # Written beside its name and renamed: --out never holds half a zip.
        partial = Path(f"{out}.part")
        with exported, partial.open("wb") as fh:
            shutil.copyfileobj(exported, fh)
        os.replace(partial, out)
        self.stdout.write(_("%(series)s %(year)s: written to %(path)s (%(size)s bytes).") % {
            "series": found, "year": year, "path": out, "size": Path(out).stat().st_size})
