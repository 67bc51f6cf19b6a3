"""Benchmark: the 大事记/荣誉 export of a year, the public Atom feed and a year's archive zip (embedded SQLite).

Run: .venv/bin/python bench/yearbook.py [--rounds 20]
A fresh SQLite file in a temporary folder with the portal benchmark's data (distribution/benchdata.py:
20 years × 50 issued issues, 4 in 5 主动公开), each issue with a meeting report and an award notice.
Printed: the median and maximum of
- reading a year's entries (50 meetings, 50 awards), writing the .docx, writing the .csv, and all three;
- GET /feed/atom/ through Django's test client (50 entries, anonymous), and polled with its ETag (304);
- a year's archive zip (50 stored PDFs read, hashed and zipped). The benchmark issues share one stored
  PDF; here it is padded to 220 KB, the size of a real two-page issue (docs/portal.md).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
folder = tempfile.mkdtemp(prefix="bench-yearbook-")
os.environ["BULLETIN_VAR_DIR"] = folder
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulletin_cms.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from articles.archive.year_export import year_export  # noqa: E402
from articles.archive.yearbook import yearbook_csv, yearbook_docx, yearbook_entries  # noqa: E402
from articles.models import Award, Meeting, Series, private_storage  # noqa: E402
from distribution import benchdata  # noqa: E402

PDF_SIZE = 220 * 1024


def timed(function, rounds):
    """[seconds] of `rounds` calls of `function`, after one call to warm caches."""
    function()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def queries(function):
    """How many SQL statements `function()` runs (counted by a wrapper: a request resets connection.queries)."""
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        function()
    return count[0]


def report(name, times, note=""):
    print(f"  {name:40s} median {statistics.median(times) * 1000:8.1f} ms   max {max(times) * 1000:8.1f} ms"
          f"{'   ' + note if note else ''}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--per-year", type=int, default=50)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from weasyprint import HTML

    pdf = HTML(string="<h1>基准测试</h1>").write_pdf()
    # A comment after %%EOF: the file stays a PDF, as large as a real issue's.
    private_storage().save(benchdata.PDF_NAME, ContentFile(pdf + b"%" + b"0" * (PDF_SIZE - len(pdf) - 2) + b"\n"))
    start = time.perf_counter()
    counts = benchdata.generate(years=args.years, per_year=args.per_year, units=200, distributions=2000, facts=True)
    print(f"data: {counts['issues']} issued issues, {Meeting.objects.count()} meetings, {Award.objects.count()} "
          f"awards, built in {time.perf_counter() - start:.1f} s; database {connection.vendor} in {folder}")
    series = Series.objects.get(name=benchdata.SERIES_NAME)
    year = series.issues.order_by("year").values_list("year", flat=True).distinct()[args.years // 2]
    yearbook = yearbook_entries(year=year, series=series)
    print(f"大事记 and 荣誉 of {year}: {len(yearbook.events)} meetings, {len(yearbook.honours)} awards; "
          f".docx {len(yearbook_docx(yearbook)) / 1024:.0f} KB, .csv {len(yearbook_csv(yearbook)) / 1024:.0f} KB")

    def whole():
        entries = yearbook_entries(year=year, series=series)
        return yearbook_docx(entries), yearbook_csv(entries)

    report("entries", timed(lambda: yearbook_entries(year=year, series=series), args.rounds))
    report(".docx", timed(lambda: yearbook_docx(yearbook), args.rounds))
    report(".csv", timed(lambda: yearbook_csv(yearbook), args.rounds))
    report("大事记 export of a year (all three)", timed(whole, args.rounds), f"{queries(whole)} queries")

    client = Client()
    url = reverse("distribution:feed")
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    report("GET /feed/atom/ (50 entries)", timed(lambda: client.get(url), args.rounds),
           f"{queries(lambda: client.get(url))} queries, {len(response.content) / 1024:.0f} KB")
    polled = {"if-none-match": response["ETag"]}
    assert client.get(url, headers=polled).status_code == 304
    report("the same, polled (304 Not Modified)", timed(lambda: client.get(url, headers=polled), args.rounds),
           f"{queries(lambda: client.get(url, headers=polled))} query")

    def export():
        with year_export(series=series, year=year) as fh:
            return fh.seek(0, os.SEEK_END)

    size = export()
    report(f"archive zip of {year} ({args.per_year} PDFs)", timed(export, max(3, args.rounds // 4)),
           f"{size / 1024:.0f} KB")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
