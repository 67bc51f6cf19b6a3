from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from articles.archive.yearbook import yearbook_csv, yearbook_docx, yearbook_entries
from articles.models import Series


class Command(BaseCommand):
    help = _("Write the year's 大事记 (meetings) and 荣誉 (awards) of issued issues as .docx and/or .csv.")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--series", type=int, help=_("Id of one series; every series when omitted."))
        parser.add_argument("--docx", help=_("Where to write the Word document."))
        parser.add_argument("--csv", help=_("Where to write the CSV (UTF-8 with BOM, for Excel)."))

    def handle(self, *args, year, series, docx, csv, **options):
        if not docx and not csv:
            raise CommandError(_("Say where to write: --docx, --csv or both."))
        if series is not None:
            found = Series.objects.filter(pk=series).first()
            if found is None:
                raise CommandError(_("No series with id %(id)s.") % {"id": series})
            series = found
        yearbook = yearbook_entries(year=year, series=series)
        for path, render in ((docx, yearbook_docx), (csv, yearbook_csv)):
            if path:
                Path(path).write_bytes(render(yearbook))
                self.stdout.write(_("Written: %(path)s") % {"path": path})
        self.stdout.write(_("%(title)s: %(events)s meetings, %(honours)s awards.") % {
            "title": yearbook.title, "events": len(yearbook.events), "honours": len(yearbook.honours)})
