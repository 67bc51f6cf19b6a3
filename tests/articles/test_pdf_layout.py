"""The print layout, measured in the rendered PDFs (GB/T 9704 geometry, see print-layout.md)."""

import io
import re
import subprocess
from collections import Counter

import pdfplumber
import pytest
from django.utils.html import strip_tags

from articles import demo_data
from articles.models import Article, Distribution
from articles.printing.layout_report import _Measure
from articles.printing.renderer import render_issue
from tests.factories import (
    RecipientFactory,
    SeriesFactory,
    demo_issued_pdf,
    draft_issue,
    one_line_paragraphs,
    rolled_back,
)

MM = 72 / 25.4
PAGE_W, PAGE_H = 210 * MM, 297 * MM
LEFT, RIGHT, TOP, BOTTOM = 28 * MM, 184 * MM, 37 * MM, 262 * MM
PITCH = 225 * MM / 22
CELL = 156 * MM / 28
THICK, THIN = 0.35 * MM, 0.25 * MM
pytestmark = pytest.mark.django_db  # also makes pytest-django set the test database up for the module fixture
PAGE_NUMBER = re.compile(r"^— (\d+) —$")
LONG_PARAGRAPH = (
    "<p>要切实强化依法治志工作，全面贯彻落实地方志工作条例和四川省地方志工作条例，推动落实党委领导人大监督政府主持"
    "地方志工作机构组织实施各部门共同参与的工作机制，着力提升全省依法修志读志用志治志水平，四川年鉴社要发挥好示范表率"
    "作用，尽快启动年鉴编纂，带动市县二级地方志部门抓好地方综合年鉴一年一鉴当年卷当年公开出版工作。</p>"
)


class Doc:
    """A rendered PDF opened with pdfplumber, with the measurements the tests need."""

    def __init__(self, content):
        self.content = content
        self.pdf = pdfplumber.open(io.BytesIO(content))
        self.pages = self.pdf.pages

    def lines(self, page):
        return page.extract_text_lines(keep_blank_chars=False)

    def page_number_line(self, page):
        return next((line for line in self.lines(page) if PAGE_NUMBER.match(line["text"])), None)

    def text(self):
        """All text without whitespace and page numbers, in reading order."""
        lines = [line["text"] for page in self.pages for line in self.lines(page)
                 if not PAGE_NUMBER.match(line["text"])]
        return re.sub(r"\s+", "", "".join(lines))

    def body_lines(self, page):
        """Lines of 16 pt body text (not titles, masthead, end block or page numbers)."""
        return [line for line in self.lines(page) if line["chars"] and round(line["chars"][0]["size"]) == 16
                and all(c["non_stroking_color"] in ((0,), (0, 0, 0), [0], [0, 0, 0]) for c in line["chars"])]

    def end_block_rules(self, page):
        return sorted((r for r in page.rects if r["width"] > 400 and r["top"] > TOP + 50), key=lambda r: r["top"])


def _generated(series_kwargs=None, *, body, articles=1, recipients=(), number=5, **fields):
    issue = draft_issue(series=SeriesFactory(**(series_kwargs or {})), articles=articles, body=body, **fields)
    for unit, role in recipients:
        Distribution.objects.create(issue=issue, recipient=unit, role=role)
    issue.number, issue.total_number = number, number + 40  # as issue_approve sets them before rendering
    return Doc(render_issue(issue, preview=False).content)


@pytest.fixture(scope="module")
def docs(django_db_setup, django_db_blocker, tmp_path_factory):
    """Every document of this module, rendered once: the demo and the generated issues."""
    with rolled_back(django_db_blocker, tmp_path_factory.mktemp("pdf-layout")):
        _issue, demo = demo_issued_pdf()
        report = [(RecipientFactory(name=f"省直机关第{i}工作委员会办公室"), "report") for i in range(1, 13)]
        send = [(RecipientFactory(name=f"机关第{i}处"), "send") for i in range(1, 4)]
        built = {
            "demo": Doc(demo),
            "long": _generated(body=LONG_PARAGRAPH * 40, recipients=send),
            "many": _generated(body="<h2>一、总体情况</h2><p>会议听取了工作汇报，研究部署下一步工作。</p>"
                                    "<h3>（一）主要做法</h3><p>坚持问题导向。</p><h4>1.具体措施</h4><p>抓好落实。</p>",
                               articles=14, recipients=send),
            # Text ends at the bottom of odd page 3: the end block goes to page 4 as it is.
            "odd_end": _generated(body=one_line_paragraphs(13 + 22 + 21), recipients=send),
            # Text ends early on page 3: the end block would stay on page 3 and is moved to page 4.
            "short_odd": _generated(body=one_line_paragraphs(13 + 22 + 4), recipients=send),
            # Text fills page 2: the end block would land on page 3; page 3 stays blank, the block is on 4.
            "even_end": _generated(body=one_line_paragraphs(13 + 21), recipients=send),
            "wrapping": _generated(body=one_line_paragraphs(3), recipients=report + send,
                                   extra_recipients="省档案馆，省图书馆。"),
        }
    yield built
    for doc in built.values():
        doc.pdf.close()


ALL = ["demo", "long", "many", "odd_end", "short_odd", "even_end", "wrapping"]


@pytest.mark.parametrize("name", ALL)
def test_pages_are_a4(docs, name):
    for page in docs[name].pages:
        assert page.width == pytest.approx(PAGE_W, abs=0.5)
        assert page.height == pytest.approx(PAGE_H, abs=0.5)


@pytest.mark.parametrize("name", ALL)
def test_text_stays_inside_the_type_area(docs, name):
    doc = docs[name]
    for page in doc.pages:
        for line in doc.lines(page):
            if PAGE_NUMBER.match(line["text"]) or line["text"].startswith("（共印"):
                continue  # the page number and the print run sit below the type area by design
            assert line["x0"] >= LEFT - 0.5, line["text"]
            assert line["x1"] <= RIGHT + 0.5, line["text"]
            assert line["top"] >= TOP - 0.5, line["text"]
            assert line["bottom"] <= BOTTOM + 0.5, line["text"]


def test_body_text_is_16pt_on_the_28_99pt_pitch(docs):
    doc = docs["long"]
    pitches = []
    for page in doc.pages[1:]:
        tops = [line["top"] for line in doc.body_lines(page)]
        pitches += [b - a for a, b in zip(tops, tops[1:], strict=False)]
        for line in doc.body_lines(page):
            assert {round(c["size"], 1) for c in line["chars"]} == {16.0}
    assert len(pitches) > 50
    assert all(p == pytest.approx(PITCH, abs=0.1) for p in pitches), sorted(set(round(p, 2) for p in pitches))


def test_a_full_page_holds_22_lines(docs):
    doc = docs["long"]
    assert len(doc.pages) >= 4
    assert len(doc.body_lines(doc.pages[1])) == 22
    first, last = doc.body_lines(doc.pages[1])[0], doc.body_lines(doc.pages[1])[-1]
    assert last["top"] - first["top"] == pytest.approx(21 * PITCH, abs=0.5)
    # The 16 pt characters sit inside their 28.99 pt line boxes, which fill the type area.
    assert TOP < first["top"] < TOP + PITCH / 2
    assert BOTTOM - PITCH / 2 < last["bottom"] < BOTTOM


def test_full_lines_hold_28_characters_flush_with_the_type_area(docs):
    doc = docs["long"]
    counts = Counter()
    for page in doc.pages:
        for line in doc.body_lines(page):
            counts[len(line["text"])] += 1
            if len(line["text"]) == 28:
                assert line["x0"] == pytest.approx(LEFT, abs=0.5)
                assert line["x1"] == pytest.approx(RIGHT, abs=0.6)
    assert counts.most_common(1)[0][0] == 28, counts


def test_first_lines_are_indented_two_cells(docs):
    doc = docs["odd_end"]
    for line in doc.body_lines(doc.pages[1]):
        assert line["x0"] == pytest.approx(LEFT + 2 * CELL, abs=0.5)
        assert len(line["text"]) == 26


@pytest.mark.parametrize("name", ALL)
def test_page_numbers_alternate_sides_7mm_below_the_type_area(docs, name):
    doc = docs[name]
    numbered = 0
    for index, page in enumerate(doc.pages, start=1):
        line = doc.page_number_line(page)
        if line is None:
            continue
        numbered += 1
        assert line["text"] == f"— {index} —"
        assert {round(c["size"]) for c in line["chars"]} == {14}
        # GB/T 9704 7.5: 7 mm from the type area to the dash itself (its ink, read from a rendering).
        assert _Measure.dash_top(page, line) == pytest.approx(BOTTOM + 7 * MM, abs=0.5 * MM)
        if index % 2:
            assert line["x1"] == pytest.approx(RIGHT - 14, abs=0.8)  # one 14 pt character in from the right
        else:
            assert line["x0"] == pytest.approx(LEFT + 14, abs=0.8)
    # Only the blank page before the end-block page and that page go unnumbered (even_end).
    blank_before_end = not doc.pages[-2].extract_text().strip()
    assert numbered == len(doc.pages) - (2 if blank_before_end else 0)
    assert blank_before_end == (name in ("even_end", "many"))


def test_masthead_is_red_large_and_ruled(docs):
    page = docs["demo"].pages[0]
    name_chars = [c for c in page.chars if c["text"] in demo_data.SERIES["name"] and c["top"] < TOP + 80]
    assert "".join(c["text"] for c in name_chars) == demo_data.SERIES["name"]
    for char in name_chars:
        assert char["size"] == pytest.approx(36, abs=0.1)
        assert tuple(round(v, 2) for v in char["non_stroking_color"]) == (0.9, 0.0, 0.07)  # #E60012
    text = page.extract_text()
    assert "第1期" in text and "总第" not in text  # the demo series hides the running total
    assert "四川省地方志工作办公室" in text and "2021年1月13日" in text
    red_rules = [r for r in page.rects if r["non_stroking_color"] and r["non_stroking_color"][0] > 0.8]
    assert len(red_rules) == 1
    rule = red_rules[0]
    assert rule["height"] == pytest.approx(1, abs=0.05)
    assert rule["x0"] == pytest.approx(LEFT, abs=0.5) and rule["x1"] == pytest.approx(RIGHT, abs=0.5)
    office_line = next(line for line in docs["demo"].lines(page) if line["text"].startswith("四川省地方志工作办公室"))
    assert office_line["x0"] == pytest.approx(LEFT, abs=0.5) and office_line["x1"] == pytest.approx(RIGHT, abs=0.5)
    assert office_line["bottom"] < rule["top"]


def test_generated_masthead_shows_the_running_total(docs):
    assert "第5期（总第45期）" in docs["long"].pages[0].extract_text()


def test_article_titles_are_22pt_and_broken_as_the_editor_set_them(docs):
    doc = docs["demo"]
    lines = [line for page in doc.pages for line in doc.lines(page)
             if line["chars"] and round(line["chars"][0]["size"]) == 22]
    texts = [line["text"] for line in lines]
    expected = [*demo_data.MEETING_ARTICLE["title"].split("\n"), *demo_data.AWARD_ARTICLE["title"].split("\n")]
    assert texts == expected
    for line in lines:  # centred
        assert (line["x0"] - LEFT) == pytest.approx(RIGHT - line["x1"], abs=3)


@pytest.mark.parametrize("name", ALL)
def test_end_block_sits_at_the_bottom_of_the_last_page_on_an_even_page(docs, name):
    doc = docs[name]
    assert len(doc.pages) % 2 == 0
    last = doc.pages[-1]
    for page in doc.pages[:-1]:
        assert not any(line["text"].endswith("日印发") for line in doc.lines(page))
    rules = doc.end_block_rules(last)
    heights = [r["height"] for r in rules]
    assert heights[0] == pytest.approx(THICK, abs=0.05) and heights[-1] == pytest.approx(THICK, abs=0.05)
    assert all(h == pytest.approx(THIN, abs=0.05) for h in heights[1:-1])
    assert len(rules) >= 3
    for rule in rules:
        assert rule["x0"] == pytest.approx(LEFT, abs=0.5) and rule["x1"] == pytest.approx(RIGHT, abs=0.5)
    assert rules[-1]["bottom"] == pytest.approx(BOTTOM, abs=1 * MM)
    lines = doc.lines(last)
    disclosure = next(line for line in lines if line["text"].startswith("信息公开选项："))
    imprint = next(line for line in lines if line["text"].endswith("印发"))
    run = next(line for line in lines if line["text"].startswith("（共印"))
    assert disclosure["bottom"] <= rules[0]["top"]
    assert rules[-2]["bottom"] <= imprint["top"] and imprint["bottom"] <= rules[-1]["top"]
    assert run["top"] >= rules[-1]["bottom"] - 0.5  # below the last rule (the series default)
    assert imprint["x0"] == pytest.approx(LEFT + 14, abs=0.5) and imprint["x1"] == pytest.approx(RIGHT - 14, abs=0.5)
    assert {round(c["size"]) for c in imprint["chars"]} == {14}


def test_demo_end_block_matches_the_seed(docs):
    doc = docs["demo"]
    assert len(doc.pages) == 4
    text = doc.pages[-1].extract_text()
    for expected in ("信息公开选项：主动公开", "报：省直机关工委，省纪委监委驻省政府办公厅纪检监察组。",
                     "发：机关各处，四川年鉴社。", "四川省地方志工作办公室综合处", "2021年1月13日印发", "（共印12份）"):
        assert expected in text
    assert len(doc.end_block_rules(doc.pages[-1])) == 4  # thick, thin, thin, thick


def test_end_block_moved_after_text_ending_early_on_an_odd_page(docs):
    doc = docs["short_odd"]
    assert len(doc.pages) == 4
    assert doc.body_lines(doc.pages[2]) and not doc.body_lines(doc.pages[3])
    assert doc.page_number_line(doc.pages[3]) is not None  # no blank page before it: numbered as usual


def test_end_block_after_a_full_even_page_leaves_a_blank_unnumbered_page(docs):
    doc = docs["even_end"]
    assert len(doc.pages) == 4
    assert doc.pages[2].extract_text().strip() == ""
    # GB/T 9704 7.5: the blank page and the end-block page after it carry no page number.
    assert doc.page_number_line(doc.pages[3]) is None


def test_text_ending_at_the_bottom_of_an_odd_page_pushes_the_end_block_to_the_next_page(docs):
    doc = docs["odd_end"]
    assert len(doc.pages) == 4
    assert doc.body_lines(doc.pages[2])[-1]["bottom"] > BOTTOM - 3 * PITCH
    assert not doc.body_lines(doc.pages[3])


def test_wrapped_recipient_lines_hang_under_the_first_name(docs):
    doc = docs["wrapping"]
    lines = doc.lines(doc.pages[-1])
    start = next(i for i, line in enumerate(lines) if line["text"].startswith("报："))
    first = lines[start]
    assert first["x0"] == pytest.approx(LEFT + 14, abs=0.5)
    name_x = first["chars"][2]["x0"]
    assert name_x == pytest.approx(LEFT + 3 * 14, abs=0.5)
    continuation = []
    for line in lines[start + 1:]:
        if line["text"].startswith("发："):
            break
        continuation.append(line)
    assert continuation, "the 报 line should wrap"
    for line in continuation:
        assert line["x0"] == pytest.approx(name_x, abs=0.5)
    assert continuation[-1]["text"].endswith("。")
    extra = next(line for line in lines if line["text"].startswith("本期增发："))
    assert extra["x0"] == pytest.approx(LEFT + 14, abs=0.5)


def test_headings_use_their_typefaces(docs):
    doc = docs["many"]
    fonts_by_text = {}
    for line in doc.lines(doc.pages[0]) + doc.lines(doc.pages[1]):
        fonts_by_text.setdefault(line["text"], {c["fontname"].split("+")[-1] for c in line["chars"]})
    assert any("Sans" in f for f in fonts_by_text["一、总体情况"])  # 黑体 → Noto Sans CJK SC
    assert fonts_by_text["（一）主要做法"] == {"LXGW-WenKai"}  # 楷体 → LXGW WenKai
    # Level 3 in bold 仿宋 (GB/T 9704 7.3.3): FandolFang has one weight, so a synthetic bold (fonts.py).
    assert fonts_by_text["1.具体措施"] == {"FandolFang-Bold"}
    assert fonts_by_text["坚持问题导向。"] == {"FandolFang"}  # 仿宋 body


def test_seed_sentences_are_in_the_extracted_text(docs):
    text = docs["demo"].text()
    for article in (demo_data.MEETING_ARTICLE, demo_data.AWARD_ARTICLE):
        body = re.sub(r"\s+", "", strip_tags(article["body"]))
        for sentence in filter(None, body.split("。")):
            assert sentence in text
        for line in article["title"].split("\n"):
            assert line in text


@pytest.mark.parametrize("name", ["demo", "many"])
def test_fonts_are_embedded_as_subsets(docs, name, tmp_path):
    doc = docs[name]
    fontnames = {c["fontname"] for page in doc.pages for c in page.chars}
    assert fontnames and all(re.match(r"^[A-Z]{6}\+", f) for f in fontnames), fontnames
    path = tmp_path / "doc.pdf"
    path.write_bytes(doc.content)
    rows = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert rows
    for row in rows:
        emb, sub = row.split()[-5:-3]
        assert (emb, sub) == ("yes", "yes"), row


def test_pdf_text_is_in_reading_order(docs):
    text = docs["demo"].text()
    order = ["地方志工作信息", "第1期", "省地方志办召开党组中心组", "1月12日", "省地方志办团支部", "信息公开选项",
             "（共印12份）"]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)


def test_a_long_title_line_is_squeezed_rather_than_broken():
    issue = draft_issue(articles=0)
    Article.objects.create(issue=issue, title="这是一条由编辑设定的很长的文章标题行需压缩", body="<p>正文。</p>")
    doc = Doc(render_issue(issue, preview=True).content)
    titles = [line["text"] for line in doc.lines(doc.pages[0]) if round(line["chars"][0]["size"]) == 22]
    assert titles == ["这是一条由编辑设定的很长的文章标题行需压缩"]


@pytest.mark.parametrize("name", ALL)
def test_every_issued_pdf_passes_both_pdfa_validators(docs, name):
    import page as page_validation
    from pikepdf import pdfa

    content = docs[name].content
    report = page_validation.validate_pdf_bytes(content, profile="PDF_A_2B")
    assert report.is_compliant, [f.message for f in report.failures]
    result = pdfa.validate_written(io.BytesIO(content), "2b")
    assert result.passed, [str(f) for f in result.findings]
