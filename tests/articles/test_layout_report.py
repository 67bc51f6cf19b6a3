"""The hard bulletin measured (issue 11), and the layout report: service, command and admin page."""

import io
import re

import page as page_validation
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.translation import gettext
from pikepdf import pdfa
from weasyprint import HTML

from articles.printing.layout_report import (
    BOTTOM,
    CELL,
    LEFT,
    MM,
    PITCH,
    RIGHT,
    TOP,
    _Measure,
    issue_layout_report,
    measure_pdf,
)
from tests.articles import hard_bulletin as hb
from tests.factories import issue_in, leader, rolled_back

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def hard(django_db_setup, django_db_blocker, tmp_path_factory):
    with rolled_back(django_db_blocker, tmp_path_factory.mktemp("hard-bulletin")):
        issue = hb.hard_bulletin()
        with issue.pdf_file.open("rb") as fh:
            content = fh.read()
        report = issue_layout_report(issue)
    doc = hb.IssuedPdf(issue, content, report)
    yield doc
    doc.pdf.close()


def test_the_layout_report_finds_no_deviation_in_the_hard_bulletin(hard):
    assert hard.report.checks == ["pages", "margins", "grid", "line_fill", "fonts", "page_numbers", "end_block",
                                  "images", "titles", "headings", "tables", "numbering", "letter_spacing", "widows",
                                  "pdfa"]
    assert [str(d) for d in hard.report.deviations] == []


def test_the_hard_bulletin_is_hard(hard):
    text = hard.text()
    for heading in ("一、总体情况", "（一）主要做法", "1.强化制度建设", "（1）明确工作责任"):
        assert heading in text
    assert "续表" in text and "WeChat Mini Program" in text
    assert any(page.images for page in hard.pages)
    assert len(hard.pages) == 8
    # The text ends on odd page 7; the end block moved on to page 8.
    assert any(hb.PAGE_NUMBER.match(ln["text"]) is None and round(ln["chars"][0]["size"]) == 16 for ln in hard.lines[6])
    assert hard.line("测试办公室综合处")[0] == 7


def test_the_body_is_set_in_fangsong_lead_ins_in_heiti_and_level_3_in_bold_fangsong(hard):
    _n, line = hard.line("修订完善")
    assert {c["fontname"].split("+")[-1] for c in line["chars"]} == {"FandolFang"}
    _n, lead = hard.line("一是坚持")
    assert {c["fontname"].split("+")[-1] for c in lead["chars"][:2]} == {"Noto-Sans-CJK-SC"}  # 黑体, not regular 仿宋
    n, level3 = hard.line("1.强化制度建设")
    # GB/T 9704 7.3.3: bold 仿宋; FandolFang has one weight, so it is drawn filled and stroked (synthetic bold).
    assert {c["fontname"].split("+")[-1] for c in level3["chars"]} == {"FandolFang-Bold"}
    measure = _Measure(hard.content)
    top, bottom, x0, x1 = next(box for box in measure._stroked(n) if abs(box[0] - level3["top"]) < 3)
    assert x0 <= level3["x0"] + 2 and x1 >= level3["x1"] - 2
    measure.run([])
    _n, level2 = hard.line("（一）主要做法")
    assert {c["fontname"].split("+")[-1] for c in level2["chars"]} == {"LXGW-WenKai"}


def test_full_lines_with_latin_digits_and_punctuation_end_flush_and_keep_their_spaces(hard):
    measured = 0
    for n, lines in enumerate(hard.lines):
        body = [ln for ln in lines if ln["chars"] and round(ln["chars"][0]["size"]) == 16]
        for line, following in zip(body, body[1:], strict=False):
            if abs(following["top"] - line["top"] - PITCH) < 2 and abs(following["x0"] - LEFT) < 1 \
                    and abs(line["x0"] - LEFT) < 1:
                assert line["x1"] == pytest.approx(RIGHT, abs=CELL / 2), (n + 1, line["text"])
                measured += 1
    assert measured > 30
    # The line with one space is not stretched at it: the words keep one space each, as typed.
    n, line = hard.line("依托微信")
    assert "（WeChat Mini Program）" in line["text"]
    gaps = [b["x0"] - a["x1"] for a, b in zip(line["chars"], line["chars"][1:], strict=False)]
    assert max(gaps) < 8  # a word space at its natural width (WeasyPrint alone stretched it to 94 pt)


def test_the_extracted_text_gains_no_spaces(hard):
    text = hard.text()
    paragraphs = re.findall(r"<p>(.*?)</p>", hb.HEADINGS + hb.PARAGRAPH)
    for paragraph in paragraphs:
        assert strip_tags(paragraph) in text
    assert "2021年1—11月，全省地方志系统完成年鉴编纂182部，同比增长12.5%" in text


def test_table_headers_are_centred_whole_and_repeated_with_a_continued_mark(hard):
    header_pages = [n for n, lines in enumerate(hard.lines) for ln in lines if ln["text"].startswith("序号")]
    assert len(header_pages) == 2  # the table runs onto a second page and its header comes with it
    for n in header_pages:
        header = next(ln for ln in hard.lines[n] if ln["text"].startswith("序号"))
        assert header["text"].split() == ["序号", "单位", "考核得分", "完成部数", "备注"]  # no header broken
        following = [ln for ln in hard.lines[n] if ln["top"] > header["top"]]
        assert following and re.match(r"^\d+ ", following[0]["text"])  # a body row right under it
    continued = next(ln for ln in hard.lines[header_pages[1]] if ln["text"] == "续表")
    assert continued["top"] < TOP + PITCH
    assert not any(ln["text"] == "续表" for ln in hard.lines[header_pages[0]])


def test_table_numbers_are_right_aligned_and_names_unbroken(hard):
    n = next(n for n, lines in enumerate(hard.lines) if any(ln["text"].startswith("序号") for ln in lines))
    page = hard.pages[n]
    header = next(ln for ln in hard.lines[n] if ln["text"].startswith("序号"))
    rows = [ln for ln in hard.lines[n] if re.match(r"^\d+ ", ln["text"]) and ln["top"] > header["top"]]
    assert len(rows) > 10
    words = page.extract_words()
    for column in range(0, 4, 2):  # 序号 and 考核得分 hold numbers: their right edges line up
        right_edges = set()
        for row in rows:
            cells = [w for w in words if abs(w["top"] - row["top"]) < 2]
            right_edges.add(round(cells[column]["x1"]))
        assert max(right_edges) - min(right_edges) <= 1, right_edges
    for row in rows:
        assert re.search(r"\S+市地方志办公室", row["text"])


def test_lists_are_numbered_1_and_parenthesised_and_flush_with_the_text(hard):
    for start in ("1.推进二轮修志", "2.抓好年鉴", "（1）按时完成", "（2）加强市县"):
        _n, line = hard.line(start)
        assert line["x0"] == pytest.approx(LEFT + 2 * CELL, abs=1), start
    n, first = hard.line("1.推进二轮修志")
    wrapped = next(ln for ln in hard.lines[n] if ln["top"] > first["top"])
    assert wrapped["x0"] == pytest.approx(LEFT, abs=1)


def test_lines_after_tables_and_images_and_on_page_one_are_on_the_grid(hard):
    measure = _Measure(hard.content)
    measure.check_grid()
    assert measure.deviations == []
    phases = {}
    for index in range(len(hard.pages)):
        for line in measure.body_lines(index):
            first = line["chars"][0]
            if first["fontname"].endswith("+FandolFang"):  # each face has its own baseline in the pitch
                base = hard.pages[index].height - first["matrix"][5]
                phases.setdefault(index, set()).add(round((base - TOP) % PITCH, 1))
    assert phases[0] == phases[1] == phases[3] == phases[4]  # page 1, and after the table (4) and image (5)
    measure.pdf.close()


def test_page_number_dashes_sit_7mm_below_the_type_area(hard):
    for n, (page, lines) in enumerate(zip(hard.pages, hard.lines, strict=True)):
        line = next(ln for ln in lines if hb.PAGE_NUMBER.match(ln["text"]))
        assert _Measure.dash_top(page, line) == pytest.approx(BOTTOM + 7 * MM, abs=0.5 * MM), n + 1


def test_end_block_unit_names_are_never_broken(hard):
    lines = [ln["text"].replace(" ", "") for ln in hard.lines[-1]]
    for name in ("中国人民政治协商会议四川省委员会办公厅", "省纪委监委驻省政府办公厅纪检监察组", "攀枝花市地方志办公室",
                 "省政协办公厅"):
        assert any(name in line for line in lines), name


def test_the_issued_pdf_passes_both_pdfa_validators(hard):
    assert page_validation.validate_pdf_bytes(hard.content, profile="PDF_A_2B").is_compliant
    assert pdfa.validate_written(io.BytesIO(hard.content), "2b").passed


def test_the_report_lists_each_deviation_with_its_page():
    html = ('<html><style>@page { size: A4; margin: 20mm; @bottom-center { content: "- " counter(page) " -" } }'
            'p { font-size: 16pt; line-height: 20pt }</style><body>'
            + "<p>" + "正文文字" * 300 + "</p></body></html>")
    report = measure_pdf(HTML(string=html).write_pdf(), pdf_variant="pdf/a-2b")
    checks = {d.check for d in report.deviations}
    assert {"margins", "page-number", "end-block", "pdf/a"} <= checks
    assert any(d.check == "margins" and d.page == 1 for d in report.deviations)
    assert gettext("page %(page)s") % {"page": 1} in str(next(d for d in report.deviations if d.page == 1))


def test_the_command_reports_each_issued_issue(capsys):
    issue = issue_in("issued")
    call_command("layout_report", str(issue.pk))
    out = capsys.readouterr().out
    assert f"id {issue.pk}" in out and "0 " not in out.split(":")[-1]
    with pytest.raises(CommandError):
        call_command("layout_report", "987654")


def test_the_command_fails_on_a_deviation(monkeypatch, capsys):
    from articles.printing import layout_report

    issue = issue_in("issued")
    monkeypatch.setattr(layout_report, "LEFT", LEFT + 30 * MM)  # as if the binding margin were wrong
    with pytest.raises(CommandError):
        call_command("layout_report")
    assert f"id {issue.pk}" in capsys.readouterr().out


def test_the_admin_page_shows_the_report_of_an_issued_issue(client):
    issue = issue_in("issued")
    client.force_login(leader())
    change = client.get(reverse("admin:articles_issue_change", args=[issue.pk]))
    url = reverse("admin:articles_issue_layout_report", args=[issue.pk])
    assert url in change.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert 'id="no-deviation"' in response.content.decode()
    draft = issue_in("draft")
    assert client.get(reverse("admin:articles_issue_layout_report", args=[draft.pk])).status_code == 404
