"""The layout report finds each print fault of issue 19, with its page: each fault planted on its own page of one
small PDF (WeasyPrint straight from HTML on the GB/T 9704 page, no workflow), measured once."""

import io

import pytest
from django.utils import translation
from PIL import Image
from weasyprint import HTML

from articles.printing import fonts
from articles.printing.layout_report import measure_pdf

PARAGRAPH = "要切实强化依法治志工作，全面贯彻落实地方志工作条例，推动落实党委领导人大监督政府主持的工作机制。" * 2
ROW = "<tr><td>成都市地方志办公室</td><td>80.0</td><td>按期完成</td></tr>"


def _png(size):
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 90, 90)).save(buffer, "PNG")
    return buffer.getvalue()


PAGES = {
    # 1: a 1:6 image at its natural size, set right: off the type area and over the page number.
    "tall": '<img class="free" src="tall.png">',
    # 2: text ending after four lines, then an image at the top of page 3: a hole of 17 lines on page 2.
    "hole": f"<p>{PARAGRAPH}</p>",
    "image": '<img src="wide.png" style="width: 100%"><p class="caption">图1 示意图</p>',
    # 4: a caption alone at the top of a page.
    "caption": '<p class="caption">图2 分布图</p><p>正文。</p>',
    # 5: a title squeezed until its glyphs overlap, then at the foot of the page with one body line.
    "title": '<h1 style="letter-spacing: -4pt">这是一条由编辑设定的很长的文章标题行需要压缩才能放下</h1>'
             '<div style="height: 172mm"></div><h1>页脚的标题</h1><p>一行正文。</p>',
    # 6: a level-3 heading in 黑体.
    "heading": '<p class="heiti">1.强化制度建设</p><p>正文。</p>',
    # 7: a table with a row short of a cell (data under the wrong header) and a table wider than the type area.
    "table": f'<table><tr><th>单位</th><th>得分</th><th>备注</th></tr>{ROW}<tr><td>自贡</td><td>81.1</td></tr>{ROW}'
             '</table><table style="width: 180mm"><tr><td>宽</td><td>表</td></tr></table>',
    # 8: nested list levels printed with their parent's numbers.
    "numbering": "<p>（1）建立月调度制度。</p><p>（1）每月5日前报送进度。</p><p>（2）每季度通报一次。</p>",
    # 9: letter spacing inside a Latin word and a number.
    "spacing": '<p>详见网站<span style="letter-spacing: 6pt">https</span>，共<span style="letter-spacing: 5pt">2024'
               "</span>条。</p>",
    # 10: a paragraph whose last line stands alone at the top of page 11, and whose first at the foot of 10.
    "widow": f'<div style="height: {21 * 28.99}pt"></div><p>{PARAGRAPH[:40]}</p>',
}
CHECKS = {1: "images", 2: "images", 4: "images", 5: "titles", 6: "headings", 7: "tables", 8: "numbering",
          9: "letter-spacing", 10: "widows", 11: "widows"}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    (folder / "tall.png").write_bytes(_png((300, 1800)))
    (folder / "wide.png").write_bytes(_png((1600, 900)))
    body = "".join(f"<section>{html}</section>" for html in PAGES.values())
    html = f"""<html lang="zh-CN"><style>
    @page {{ size: A4; margin: 37mm 26mm 35mm 28mm;
             @bottom-right {{ content: "— " counter(page) " —"; font: 14pt {fonts.css_family("songti")};
                              white-space: nowrap; vertical-align: top; padding-top: 10pt; padding-right: 14pt }} }}
    html {{ font: 16pt/28.99pt {fonts.css_family("fangsong")}; letter-spacing: -0.21pt }}
    body, p, h1 {{ margin: 0 }} p {{ text-indent: 31.58pt; orphans: 1; widows: 1 }}
    h1 {{ font: 700 22pt/28.99pt {fonts.css_family("xiaobiaosong")}; text-align: center; white-space: nowrap }}
    img.free {{ display: block; margin-left: auto }} .heiti {{ font-family: {fonts.css_family("heiti")} }}
    .caption {{ font-size: 14pt; text-align: center; text-indent: 0 }}
    table {{ border-collapse: collapse; font-size: 14pt }} td, th {{ border: 0.5pt solid #000; padding: 2pt }}
    section + section {{ break-before: page }}
    </style><body>{body}</body></html>"""
    content = HTML(string=html, base_url=str(folder) + "/").write_pdf()
    (folder / "faults.pdf").write_bytes(content)
    checks = ["images", "titles", "headings", "tables", "numbering", "letter_spacing", "widows"]
    with translation.override("en"):
        english = measure_pdf(content, pdf_variant="", checks=checks)
    with translation.override("zh-hans"):
        chinese = measure_pdf(content, pdf_variant="", checks=checks)
    return english, chinese


@pytest.mark.parametrize(("page", "check"), sorted(CHECKS.items()))
def test_the_report_names_each_planted_fault_with_its_page(report, page, check):
    found = {(d.page, d.check) for d in report[0].deviations}
    assert (page, check) in found, [str(d) for d in report[0].deviations]


def test_each_fault_is_named_for_what_it_is_in_chinese_too(report):
    english, chinese = report
    assert len(english.deviations) == len(chinese.deviations)
    assert "第1页: 图片超出版心" in "\n".join(str(d) for d in chinese.deviations)
    messages = "\n".join(str(d) for d in english.deviations)
    for words in ("image outside the type area", "image over the page number", "caption separated",
                  "a hole of", "glyphs overlap", "title at the page foot", "level-3 heading in 黑体",
                  "short of cells", "wider than the type area", "nested list", "letters spaced",
                  "last line alone", "first line alone"):
        assert words in messages, (words, messages)
