"""Issue 19, print fidelity: a bulletin with every hard case (tests/articles/hard_bulletin.fidelity_bulletin),
issued through the workflow once and measured class by class in its PDF (pdfplumber), against the type area
156 × 225 mm of docs/pdf.md. Before the fixes it printed 续表 rows one column left, a 163 mm table, a 1:6 image
over the page number with its caption on the next page, a 61 pt hash overflow, "h t t p s", a 黑体 "1." and
nested lists numbered （1）（1）; the layout report (tests/printing/test_layout_report_faults.py) names each."""

import re

import pytest

from articles.printing.layout_report import BOTTOM, CELL, LEFT, MM, PITCH, RIGHT, TOP, _Measure, issue_layout_report
from tests.articles import hard_bulletin as hb
from tests.factories import rolled_back

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def doc(django_db_setup, django_db_blocker, tmp_path_factory):
    with rolled_back(django_db_blocker, tmp_path_factory.mktemp("fidelity")):
        issue = hb.fidelity_bulletin()
        with issue.pdf_file.open("rb") as fh:
            content = fh.read()
        report = issue_layout_report(issue)
    fidelity = hb.IssuedPdf(issue, content, report)
    yield fidelity
    fidelity.pdf.close()


def test_the_layout_report_finds_no_deviation(doc):
    assert [str(d) for d in doc.report.deviations] == []


def _header_columns(page, lines):
    """x ranges of the table's header cells that stand over one column, by their text."""
    header = next(ln for ln in lines if ln["text"].startswith("片区"))
    words = [w for w in page.extract_words() if abs(w["top"] - header["top"]) < 3]
    return {w["text"]: (w["x0"], w["x1"]) for w in words}


def test_span_table_rows_stay_under_their_headers_on_both_pages_with_the_same_columns(doc):
    pages = [n for n, lines in enumerate(doc.lines) if any(ln["text"].startswith("片区") for ln in lines)]
    assert len(pages) == 2
    edges = []
    for n in pages:
        page = doc.pages[n]
        table = next(t for t in page.find_tables() if "片区" in (t.extract()[0][0] or ""))
        edges.append(sorted({round(c[0], 1) for c in table.cells} | {round(c[2], 1) for c in table.cells}))
        x0, top, x1, bottom = table.bbox
        assert sum((c[2] - c[0]) * (c[3] - c[1]) for c in table.cells) == pytest.approx((x1 - x0) * (bottom - top),
                                                                                     rel=0.002)
        assert LEFT - 1 <= x0 and x1 <= RIGHT + 1
        for row in table.extract()[2:]:
            assert re.match(r"^(第\d片区)?$", row[0] or ""), row  # 片区 only in its column
            assert "地方志办公室" in row[1] or "办公厅" in row[1], row  # the unit under 单位
            assert re.match(r"^\d+\.\d$", row[2]), row  # 基础分
            assert row[4] in ("按期完成", "提前完成"), row
    assert edges[0] == pytest.approx(edges[1], abs=0.5)  # 续表 keeps the column widths
    continued = next(ln for ln in doc.lines[pages[1]] if ln["text"] == "续表")
    assert continued["top"] < TOP + PITCH


def test_a_long_unit_name_stays_whole_in_its_cell(doc):
    assert any("中国人民政治协商会议四川省委员会办公厅" in ln["text"] for lines in doc.lines for ln in lines)


def test_a_table_wider_than_the_type_area_is_fitted(doc):
    n, header = doc.line("第1季")
    table = next(t for t in doc.pages[n].find_tables() if "第1季" in (t.extract()[0][0] or ""))
    assert table.bbox[0] >= LEFT - 0.5 and table.bbox[2] <= RIGHT + 0.5
    assert len(table.extract()[0]) == 12
    assert "1407" in table.extract()[-1][-1]


def test_images_fit_the_type_area_clear_of_the_page_number_with_their_captions(doc):
    images = [(n, im) for n, page in enumerate(doc.pages) for im in page.images]
    assert len(images) == 2
    for n, image in images:
        assert LEFT - 0.5 <= image["x0"] and image["x1"] <= RIGHT + 0.5
        assert TOP - 0.5 <= image["top"] and image["bottom"] <= BOTTOM + 0.5
        caption = next(ln for ln in doc.lines[n] if ln["text"].startswith("图") and ln["top"] > image["bottom"] - 1)
        assert caption["top"] - image["bottom"] < PITCH
    tall = next(im for _n, im in images if im["height"] > im["width"])
    assert tall["height"] / tall["width"] == pytest.approx(6, rel=0.02)  # its aspect ratio kept
    assert tall["height"] > 150 * MM


def test_no_hole_of_more_than_two_lines_before_an_image(doc):
    for n in range(1, len(doc.pages)):
        flow = _measure(doc).flow(n)
        if flow and flow[0][2] == "image":
            before = [ln for ln in doc.lines[n - 1] if not hb.PAGE_NUMBER.match(ln["text"])]
            assert BOTTOM - max(ln["bottom"] for ln in before) < 2 * PITCH + 4


def _measure(doc):
    if not hasattr(doc, "measure"):
        doc.measure = _Measure(doc.content)
    return doc.measure


def test_hashes_and_urls_break_inside_the_type_area_and_read_back_as_typed(doc):
    for page in doc.pages:
        for char in page.chars:
            if char["top"] < BOTTOM:
                assert LEFT - 0.5 <= char["x0"] and char["x1"] <= RIGHT + 0.5, char["text"]
    text = doc.text()
    assert hb.HASH in text and hb.URL in text
    assert "\u200b" not in text
    n, line = doc.line("本期数据包")
    assert line["x1"] == pytest.approx(RIGHT, abs=CELL / 2)  # filled: the hash starts on this line


def test_justification_never_spaces_the_letters_of_a_word_or_the_digits_of_a_number(doc):
    measured = 0
    for n, page in enumerate(doc.pages):
        for line in _measure(doc).body_lines(n):
            chars = sorted((c for c in page.chars if abs(c["top"] - line["top"]) < 1), key=lambda c: c["x0"])
            for a, b in zip(chars, chars[1:], strict=False):
                if re.match(r"^[A-Za-z0-9]{2}$", a["text"] + b["text"]):
                    assert b["x0"] - a["x1"] < 0.5, (n + 1, line["text"])
                    measured += 1
    assert measured > 150
    n, line = doc.line("截至2024年")
    assert line["x1"] == pytest.approx(RIGHT, abs=CELL / 2)  # the line is still justified, between the hanzi


def test_a_title_line_that_does_not_fit_is_broken_not_squeezed(doc):
    titles = [ln for ln in doc.lines[0] if round(ln["chars"][0]["size"]) == 22]
    assert "".join(ln["text"] for ln in titles) == "关于进一步加强和改进新时代全省地方志工作高质量发展的实施意见"
    assert len(titles) == 2
    for line in titles:
        chars = line["chars"]
        assert min(b["x0"] - a["x1"] for a, b in zip(chars, chars[1:], strict=False)) > -0.06 * 22 - 0.01
        assert LEFT <= line["x0"] and line["x1"] <= RIGHT


def test_level_3_headings_are_bold_fangsong(doc):
    n, line = doc.line("1.加强质量管理")
    assert {c["fontname"].split("+")[-1] for c in line["chars"]} == {"FandolFang-Bold"}
    assert any(abs(top - line["top"]) < 3 for top, _b, _x0, _x1 in _measure(doc)._stroked(n))


def test_lists_are_numbered_by_level_and_nested_bullets_indented(doc):
    for start in ("1.完善工作机制", "（1）建立月调度", "①每月5日前", "②每季度通报", "（2）建立督查", "2.加强队伍"):
        _n, line = doc.line(start)
        assert line["x0"] == pytest.approx(LEFT + 2 * CELL, abs=1), start
    n, _line = doc.line("省级层面")
    marks = {c["text"]: c["x0"] for c in doc.pages[n].chars if c["text"] in "●○■"}
    assert marks["●"] == pytest.approx(LEFT + 2 * CELL, abs=1)
    assert marks["○"] - marks["●"] == pytest.approx(2 * CELL, abs=1)  # each level two cells further in
    assert marks["■"] - marks["○"] == pytest.approx(2 * CELL, abs=1)


def test_lines_return_to_the_grid_after_lists_tables_and_images(doc):
    measure = _measure(doc)
    measure.check_grid()
    assert measure.deviations == []
    # The lines right after the bullet list, the 续表 and the tall image are among those measured.
    for start in ("要切实强化", "数据与网址", "短讯"):
        assert doc.line(start)


def test_no_title_alone_at_a_page_foot_and_no_single_line_widow(doc):
    measure = _measure(doc)
    measure.check_titles()
    measure.check_widows()
    assert measure.deviations == []


def test_end_block_names_that_fit_a_line_stay_whole(doc):
    lines = [ln["text"].replace(" ", "") for ln in doc.lines[-1]]
    for name in ("中共四川省委全面依法治省委员会办公室秘书处综合科",
                 "中共四川省委党史研究室（四川省地方志工作办公室）"):
        assert any(name in line for line in lines), name
