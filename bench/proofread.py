"""Benchmark: proofreading a 20-page issue (校对), median of repeated runs.

Run: .venv/bin/python bench/proofread.py [--runs 15]
The issue is made of the corpus of real bulletins (tests/proofreading/corpus/), repeated until it holds as many
characters as 20 printed pages (≈ 600 characters a page in 仿宋 三号), as HTML bodies the way the editor stores
them, with errors injected into every third article. What is timed is articles.proofreading.engine.proofread_article
over every article (plain text, every rule, findings); the database reads of proofread_issue are three queries.
The first run (jieba's and OpenCC's dictionaries loading) is printed apart.
"""

import argparse
import html
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulletin_cms.settings")

import django  # noqa: E402

django.setup()

from django.utils import translation  # noqa: E402

from articles.models import Article  # noqa: E402
from articles.proofreading.engine import proofread_article  # noqa: E402
from articles.proofreading.rules import Context  # noqa: E402
from tests.proofreading.corpus import bulletins  # noqa: E402

PAGES, CHARS_PER_PAGE = 20, 600
ERRORS = "截止目前，会议议定的的事项已布署落实,共１２项。2025.7.16召开推进会（三）再接再励"


def issue_articles():
    articles, total, n = [], 0, 0
    corpus = bulletins()
    while total < PAGES * CHARS_PER_PAGE:
        name, text = corpus[n % len(corpus)]
        title, *paragraphs = text.split("\n")
        if n % 3 == 0:
            paragraphs.append(ERRORS)
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        articles.append(Article(pk=n + 1, title=title[:60], body=body))
        total += len(text)
        n += 1
    return articles, total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    translation.activate("zh-hans")
    articles, chars = issue_articles()
    times, findings = [], 0
    for _run in range(args.runs + 1):
        started = time.perf_counter()
        context = Context(year=2025, units=("成都市人民政府", "成都市地方志工作办公室"))  # nothing cached between runs
        findings = sum(len(proofread_article(article, context)) for article in articles)
        times.append(time.perf_counter() - started)
    print(f"issue: {len(articles)} articles, {chars} characters (≈ {chars / CHARS_PER_PAGE:.0f} pages), "
          f"{findings} findings")
    print(f"first run (dictionaries loading): {times[0]:.3f} s")
    print(f"median of {args.runs} runs: {statistics.median(times[1:]):.3f} s (target < 1 s)")


if __name__ == "__main__":
    main()
