"""The body made ready for print: any text the editor accepts is parsed as HTML, never as a file name."""

import io
import re

import pdfplumber
import pytest

from articles import services
from articles.models import Issue
from articles.printing import print_body
from tests.factories import draft_issue, issue_in, leader

# A one-paragraph 市州动态 item as offices write it (四川省地方志工作办公室, 地方志工作信息).
ITEM = (
    "1月8日，成都市地方志工作办公室召开2021年全市地方志工作会议，总结2020年工作，部署2021年重点任务。"
    "会议要求，要围绕中心、服务大局，高质量推进两轮修志、年鉴编纂、地情研究和方志馆建设，"
    "为建设践行新发展理念的公园城市示范区提供历史借鉴。"
)


@pytest.mark.parametrize("length", range(1, 401))
def test_a_paragraph_of_every_length_is_parsed_as_html(length):
    text = (ITEM * 4)[:length]
    html = print_body.prepare(f"<p>{text}</p>", "a1")
    assert html == f"<p>{text}</p>"


def test_a_body_that_names_a_local_file_is_not_read(tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("<p>不应出现的内容</p>")
    monkeypatch.chdir(tmp_path)
    # prepare wraps the body in <div>…</div>: a relative folder named "<div>…" would be a path.
    folder = tmp_path / "<div>x" / "y<" / "<"
    folder.mkdir(parents=True)
    (folder / "div>").write_text("<p>不应出现的内容</p>")
    assert "不应出现" not in print_body.prepare("x/y<", "a1")


@pytest.mark.django_db
@pytest.mark.parametrize("length", [85, 120, 187])
def test_a_one_paragraph_item_previews_and_issues(length):
    text = (ITEM * 2)[:length]
    issue = draft_issue(body=f"<p>{text}</p>")
    from articles.printing import renderer

    preview = renderer.render_issue(issue, preview=True)
    with pdfplumber.open(io.BytesIO(preview.content)) as doc:
        assert text[:20] in "".join(page.extract_text() for page in doc.pages).replace("\n", "")
    issued = services.issue_approve(issue=services.issue_submit(issue=issue, actor=issue.created_by), actor=leader())
    assert issued.status == Issue.Status.ISSUED
    assert issued.pdf_pages >= 1


@pytest.mark.django_db
def test_the_factory_issue_still_issues():
    assert issue_in(Issue.Status.ISSUED).pdf_file


@pytest.mark.django_db
def test_an_unforeseen_render_failure_is_told_in_chinese_and_leaves_the_issue_in_review(monkeypatch):
    from django.utils import translation

    from articles.printing import renderer
    from articles.services import WorkflowError

    issue = issue_in(Issue.Status.REVIEW)

    def broken(self):
        raise OSError(36, "File name too long")

    monkeypatch.setattr(renderer.IssueRenderer, "render", broken)
    with translation.override("zh-hans"), pytest.raises(WorkflowError) as raised:
        services.issue_approve(issue=issue, actor=leader())
    assert "意外错误" in str(raised.value) and "File name too long" in str(raised.value)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.REVIEW and not issue.pdf_file


@pytest.mark.parametrize(("body", "runs"), [
    ("<p>气氛热烈👍🎉。</p>", ["👍🎉"]),
    ("<p>完成✅，继续💪🏻加油❤️</p>", ["✅", "💪🏻", "❤️"]),
    ("<p><strong>点赞👍</strong>与<em>鼓掌👏</em></p>", ["👍", "👏"]),
    ("<p>一面🇨🇳国旗</p>", ["🇨🇳"]),
    ("<p>会议⏰准时召开，第1️⃣条⌛，详见ℹ️</p>", ["⏰", "1️⃣", "⌛", "ℹ️"]),  # symbols only Symbola draws, keycaps whole
])
def test_emoji_runs_are_marked_so_they_add_no_height_to_their_line(body, runs):
    """Emoji print in fonts.SYMBOLS, whose taller ascent would push their line off the grid (issue.css: spans)."""
    html = print_body.prepare(body, "t")

    assert [run for run in re.findall(r'<span class="symbols">([^<]*)</span>', html)] == runs
    assert re.sub(r"<[^>]+>", "", html) == re.sub(r"<[^>]+>", "", body)  # nothing lost or added


def test_a_long_latin_run_and_an_emoji_are_each_marked_once():
    url = "https://www.scdfz.org.cn/gzdt/2024/01/12/content_7f3a9c2b41d8.html"
    html = print_body.prepare(f"<p>详见{url}👍</p>", "t")

    assert html.count('class="latin-run"') == 1 and html.count('class="symbols"') == 1
    assert re.sub(r"<[^>]+>|\u200b", "", html) == f"详见{url}👍"
