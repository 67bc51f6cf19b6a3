"""Benchmark: full-text search and the 合订本 on the benchmark data (20 years × 50 issues).

Run: .venv/bin/python bench/archive.py [--requests 200]      (SQLite in a temporary folder)
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/bulletin_bench_archive .venv/bin/python bench/archive.py
Every benchmark issue's stored PDF is the demo issue as issued (4 pages, 仿宋, bookmarks), so the volume
binds real files. Printed: indexing time, search p50/p99 in process (the view through Django's test client,
anonymous and signed in, common and rare words), and binding a 50-issue year (time, pages, size).
Under load: bench/portal/run.py measures the search page with wrk, like the other portal pages.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["BULLETIN_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-archive-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulletin_cms.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from articles import search  # noqa: E402
from articles.archive.volume import bind  # noqa: E402
from articles.models import Article, Series, private_storage  # noqa: E402
from distribution import benchdata  # noqa: E402


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()  # the test client's response.context, and ALLOWED_HOSTS=testserver
    call_command("migrate", verbosity=0)
    from tests.factories import demo_issued_pdf

    _issue, pdf = demo_issued_pdf()
    storage = private_storage()
    if storage.exists(benchdata.PDF_NAME):
        storage.delete(benchdata.PDF_NAME)
    storage.save(benchdata.PDF_NAME, ContentFile(pdf))

    start = time.perf_counter()
    counts = benchdata.generate(years=20, per_year=50, units=200, distributions=2000, facts=True)
    generated = time.perf_counter() - start
    articles = Article.objects.filter(issue__series__name=benchdata.SERIES_NAME)
    start = time.perf_counter()
    search.reindex(articles)
    indexed = time.perf_counter() - start
    chars = sum(len(search.plain_text(body)) for body in articles.values_list("body", flat=True))
    print(f"database {connection.vendor}; {counts['issues']} issues, {counts['articles']} articles "
          f"({chars / 1e6:.1f} M characters); generated in {generated:.1f} s")
    print(f"indexing (jieba + database index): {indexed:.1f} s, {counts['articles'] / indexed:.0f} articles/s")

    series = Series.objects.get(name=benchdata.SERIES_NAME)
    first_year = series.issues.order_by("year").values_list("year", flat=True).first()
    staff = Client()
    staff.force_login(benchdata.get_user_model().objects.get(username="bench-staff"))
    anonymous = Client()
    queries = [
        ("common word, every article (地方志)", {"q": "地方志"}),
        ("two words, every article (组织领导 落到实处)", {"q": "组织领导 落到实处"}),
        ("title word in one year (情况通报, year)", {"q": "情况通报", "year": first_year + 5}),
        ("rare: one issue (第517期)", {"q": "第517期"}),
        ("meeting facts, kind filter (主任办公会)", {"q": "主任办公会", "kind": "meeting"}),
        ("no match (地震)", {"q": "地震"}),
    ]
    print(f"{'search page, in process':48} {'who':10} {'hits':>6} {'p50 ms':>8} {'p99 ms':>8}")
    for name, params in queries:
        for who, client in (("anonymous", anonymous), ("signed in", staff)):
            times = []
            for _ in range(args.requests):
                t = time.perf_counter()
                response = client.get("/search/", params)
                times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, response.status_code
            hits = response.context["page"].paginator.count
            print(f"{name:48} {who:10} {hits:6} {statistics.median(times):8.1f} {percentile(times, 99):8.1f}")

    times, result = [], None
    for _ in range(3):
        t = time.perf_counter()
        result = bind(series, first_year)
        times.append(time.perf_counter() - t)
    data, pages, issues = result
    print(f"合订本 of {issues} issues: median {statistics.median(times):.2f} s (of 3), {pages} pages, "
          f"{len(data) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
