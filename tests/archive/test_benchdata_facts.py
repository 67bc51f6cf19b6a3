"""The benchmark data with facts (bench/yearbook.py): a meeting and an award per issued issue, in the yearbook."""

import datetime

import pytest

from articles.archive.yearbook import yearbook_entries
from articles.models import Award, Issue, Meeting, Series
from distribution import benchdata

pytestmark = pytest.mark.django_db


def test_generate_with_facts_gives_every_issue_a_meeting_and_an_award():
    counts = benchdata.generate(years=2, per_year=3, units=5, distributions=6, facts=True)
    assert counts["issues"] == 6
    issues = Issue.objects.filter(series__name=benchdata.SERIES_NAME)
    assert Meeting.objects.filter(article__issue__in=issues, article__kind="meeting").count() == 6
    assert Award.objects.filter(article__issue__in=issues, article__kind="award").count() == 6
    assert Award.objects.filter(date__isnull=True).exists() and Award.objects.filter(date__isnull=False).exists()
    series = Series.objects.get(name=benchdata.SERIES_NAME)
    year = issues.order_by("year").first().year
    yearbook = yearbook_entries(year=year, series=series)
    # Odd-numbered issues' awards have no date of their own; the others are three days before their issue.
    assert [(e.date, e.date_from_issue) for e in yearbook.honours] == [
        (datetime.date(year, 1, 1), True), (datetime.date(year, 1, 5), False), (datetime.date(year, 1, 15), True)]
    # Meetings the day before each issue: the first issue's was last year, next year's first issue's this year.
    assert [(e.date, e.issue.year) for e in yearbook.events] == [
        (datetime.date(year, 1, 7), year), (datetime.date(year, 1, 14), year), (datetime.date(year, 12, 31), year + 1)]
    first = yearbook.events[0]
    assert first.text.endswith(f"（《{benchdata.SERIES_NAME}》{year}年第{first.issue.number}期）")


def test_generate_without_facts_is_as_before():
    benchdata.generate(years=1, per_year=2, units=3, distributions=2)
    assert not Meeting.objects.exists() and not Award.objects.exists()
    assert set(Issue.objects.values_list("articles__kind", flat=True)) == {"general"}
