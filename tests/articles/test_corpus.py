"""Real bulletins (tests/corpus/) issued through the workflow: text in order, pages, the layout report."""

import io
import re
from pathlib import Path

import pdfplumber
import pytest

from articles import services
from articles.models import Article, Issue
from articles.printing.layout_report import PAGE_NUMBER, issue_layout_report
from articles.printing.pdfa import pdfa_findings
from tests.factories import SeriesFactory, draft_issue, editor, leader

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FILES = sorted(CORPUS.glob("*.txt"))


def articles_of(path):
    """[(title, [paragraph, …])] of a corpus file: `# ` lines are title lines, the others paragraphs."""
    articles = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("# "):
            if articles and not articles[-1][1]:
                articles[-1] = (articles[-1][0] + "\n" + line[2:], [])
            else:
                articles.append((line[2:], []))
        else:
            articles[-1][1].append(line)
    return articles


def _flat(text):
    return re.sub(r"\s+", "", text)


def test_the_corpus_holds_five_to_ten_bulletins_each_named_in_the_readme():
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert 5 <= len(FILES) <= 10
    for path in FILES:
        assert path.name in readme
        assert all(paragraphs for _title, paragraphs in articles_of(path))


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_a_real_bulletin_issues_with_its_text_in_order_and_on_the_grid(path):
    author = editor()
    issue = draft_issue(author=author, articles=0, series=SeriesFactory(name="工作动态"))
    articles = articles_of(path)
    for position, (title, paragraphs) in enumerate(articles, 1):
        body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
        Article.objects.create(issue=issue, position=position, title=title, body=body)
    issue = services.issue_submit(issue=issue, actor=author)
    issue = services.issue_approve(issue=issue, actor=leader())
    assert issue.status == Issue.Status.ISSUED

    with issue.pdf_file.open("rb") as fh:
        content = fh.read()
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        assert len(pdf.pages) == issue.pdf_pages >= 1
        lines = [line["text"] for page in pdf.pages for line in page.extract_text_lines()
                 if not PAGE_NUMBER.match(line["text"])]
    printed = _flat("".join(lines))
    position = 0
    for title, paragraphs in articles:
        for piece in [title, *paragraphs]:
            found = printed.find(_flat(piece), position)
            assert found >= 0, f"not printed in order: {piece[:30]}"
            position = found + len(_flat(piece))

    report = issue_layout_report(issue)
    assert [str(d) for d in report.deviations] == []
    assert "grid" in report.checks and "pdfa" in report.checks
    assert pdfa_findings(content) == []
