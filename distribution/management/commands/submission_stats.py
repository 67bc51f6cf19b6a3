import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy

from distribution.selectors import submission_stats


class Command(BaseCommand):
    help = gettext_lazy("采用统计: per unit, the items submitted and adopted in a year (or quarter) and their score.")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        rows = submission_stats(year=options["year"], quarter=options["quarter"])
        if options["format"] == "json":
            self.stdout.write(json.dumps([
                {"unit": r["unit"], "submitted": r["submitted"], "adopted": r["adopted"], "by_column": r["by_column"],
                 "score": float(r["score"])}
                for r in rows], ensure_ascii=False, indent=2))
            return
        for rank, r in enumerate(rows, start=1):
            columns = "，".join(f"{name or '—'} {n}" for name, n in sorted(r["by_column"].items()))
            self.stdout.write(f"{rank}. {r['unit']}\t{r['submitted']}\t{r['adopted']}\t{r['score']}\t{columns}")
