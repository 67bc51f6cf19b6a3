"""Benchmark: the issue form's 报 / 送 / 发 checkbox lists as the address book grows (issue 22).

Run: .venv/bin/python bench/addressees.py [--units 100 500 2000] [--runs 7]      (SQLite in a temporary folder)
For each size: units in groups of 25 (one in ten in no group), a draft with 30 addressees. Printed: the
change form's GET (median, through Django's test client, signed in as a drafter), its HTML size, its query
count, and saving it unchanged (POST, median).
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["BULLETIN_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-addressees-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulletin_cms.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from articles.models import Distribution, Issue, Recipient, RecipientGroup  # noqa: E402
from tests import factories  # noqa: E402


def address_book(units):
    Distribution.objects.all().delete()
    Recipient.objects.all().delete()
    RecipientGroup.objects.all().delete()
    recipients = Recipient.objects.bulk_create(
        [Recipient(name=f"基准收文单位{i:04d}", sort_order=i) for i in range(units)])
    grouped = [unit for i, unit in enumerate(recipients) if i % 10]
    for start in range(0, len(grouped), 25):
        group = RecipientGroup.objects.create(name=f"基准单位组{start // 25:03d}", sort_order=start)
        group.members.add(*grouped[start:start + 25])
    return recipients


def form_data(html):
    """The change form's fields as the browser would post them back unchanged."""
    data = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html):
        data[name] = value
    for tag in re.findall(r"<input[^>]+>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and value and ('type="checkbox"' not in tag or " checked" in tag):
            if 'type="checkbox"' in tag:
                data.setdefault(name[1], []).append(value[1])
            elif 'type="hidden"' not in tag and 'type="submit"' not in tag:
                data[name[1]] = value[1]
    for name, value in re.findall(r'<textarea[^>]+name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        data[name] = value
    for name, body in re.findall(r'<select[^>]+name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen[1] if chosen else ""
    data["_continue"] = "1"
    return data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    setup_test_environment()
    author = factories.editor()
    client = Client()
    client.force_login(author)
    print(f"{'units':>6} {'GET median':>11} {'HTML':>9} {'queries':>8} {'POST median':>12}")
    for units in args.units:
        recipients = address_book(units)
        issue = factories.draft_issue(author=author)
        for i, unit in enumerate(recipients[:30]):
            Distribution.objects.create(issue=issue, recipient=unit, role=("report", "copy", "send")[i % 3])
        url = f"/admin/articles/issue/{issue.pk}/change/"
        gets, posts = [], []
        for _run in range(args.runs):
            start = time.perf_counter()
            response = client.get(url)
            gets.append(time.perf_counter() - start)
        html = response.content.decode()
        connection.force_debug_cursor = True
        reset_queries()
        client.get(url)
        queries = len(connection.queries)
        connection.force_debug_cursor = False
        for _run in range(args.runs):
            data = form_data(client.get(url).content.decode())
            start = time.perf_counter()
            saved = client.post(url, data)
            posts.append(time.perf_counter() - start)
            assert saved.status_code == 302, re.findall(r'class="errorlist[^"]*"><li>([^<]+)', saved.content.decode())
        assert Issue.objects.get(pk=issue.pk).distributions.count() == 30
        print(f"{units:>6} {statistics.median(gets) * 1000:>9.0f} ms {len(html) / 1024:>7.0f} KB {queries:>8}"
              f" {statistics.median(posts) * 1000:>10.0f} ms")


if __name__ == "__main__":
    main()
