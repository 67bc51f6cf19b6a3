"""Benchmark the PDF renderer: warm-process medians and spread, memory over 50 renders, LibreOffice and Typst
for reference (same text and fonts).

Run: .venv/bin/python bench/render.py  (or `make bench`). Nothing is kept: the data it needs is created
in a transaction that is rolled back, and LibreOffice works in a temporary folder.
"""

import gc
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulletin_cms.settings")

import django  # noqa: E402

django.setup()

import psutil  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils.html import strip_tags  # noqa: E402

from articles import demo_data, services  # noqa: E402
from articles.demo import load_demo  # noqa: E402
from articles.models import Article, Issue, Series  # noqa: E402
from articles.printing import fonts  # noqa: E402
from articles.printing.ofd import issue_metadata, ofd_from_pdf  # noqa: E402
from articles.printing.pdfa import pdfa_findings  # noqa: E402
from articles.printing.renderer import IssueRenderer, pdf_variant  # noqa: E402

PARAGRAPH = (
    "<p>要切实强化依法治志工作，全面贯彻落实地方志工作条例和四川省地方志工作条例，推动落实党委领导、人大监督、政府主持、"
    "地方志工作机构组织实施、各部门（单位）共同参与的工作机制，着力提升全省依法修志、读志、用志、治志水平。"
    "四川年鉴社要发挥好示范表率作用，带动市、县二级地方志部门抓好地方综合年鉴一年一鉴工作。</p>"
)


class Rollback(Exception):
    pass


def timed(renderer, runs):
    """Seconds per render (layout + PDF), after one warm-up render; and the page count."""
    rendered = renderer.render()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        renderer.render()
        times.append(time.perf_counter() - start)
    return times, rendered.pages


def describe(name, times, pages):
    spread = f"min {min(times):.3f}  max {max(times):.3f}  stdev {statistics.pstdev(times):.3f}"
    print(f"{name:<28} {pages:>3} pages  median {statistics.median(times):.3f} s  ({spread}, n={len(times)})")
    return statistics.median(times)


def generated_issue(series, editor, paragraphs):
    issue = services.issue_create(series=series, actor=editor, year=2021, issue_date=demo_data.ISSUED["issue_date"],
                                  print_date=demo_data.ISSUED["print_date"], print_run=12)
    Article.objects.create(issue=issue, position=1, title="关于地方志工作的\n长篇测试文章", body=PARAGRAPH * paragraphs)
    issue.number, issue.total_number = 2, 2
    return issue


def ofd_cost(issue, renderer, pdf_median, runs=15):
    """The OFD written after issuing (docs/ofd.md), beside what issuing costs: the render and the PDF/A check."""
    content = renderer.render().content
    metadata = issue_metadata(issue)
    ofd_from_pdf(content, metadata)  # warm-up: imports, pdfminer's caches
    ofd_times, check_times = [], []
    variant = pdf_variant()
    for _ in range(runs):
        start = time.perf_counter()
        package = ofd_from_pdf(content, metadata)
        ofd_times.append(time.perf_counter() - start)
        if variant:
            start = time.perf_counter()
            pdfa_findings(content, variant)
            check_times.append(time.perf_counter() - start)
    median = statistics.median(ofd_times)
    issuing = pdf_median + (statistics.median(check_times) if check_times else 0)
    spread = f"min {min(ofd_times):.3f}  max {max(ofd_times):.3f}, n={runs}"
    sizes = f"{len(package) // 1024} KB beside the PDF's {len(content) // 1024} KB"
    print(f"{'demo issue, OFD from the PDF':<28}      median {median:.3f} s  ({spread}); {sizes}")
    print(f"{'':<28}      issuing the PDF (render {pdf_median:.3f} s + PDF/A check) {issuing:.3f} s: the OFD adds "
          f"+{median / issuing:.0%} (target ≤ +30 %); +{median / pdf_median:.0%} on the render alone")


def memory_steadiness(renderer, runs=50):
    process = psutil.Process()
    rss = []
    for _ in range(runs):
        renderer.render()
        rss.append(process.memory_info().rss / 2**20)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Layout runs in forked children (articles.printing.budget): the largest of them is the render's peak.
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"memory over {runs} demo renders: RSS first {rss[0]:.0f} MB, after 10 {rss[9]:.0f} MB, "
          f"last {rss[-1]:.0f} MB, min {min(rss):.0f} / max {max(rss):.0f} MB; peak RSS of the process {peak:.0f} MB, "
          f"of the largest render process {children:.0f} MB")
    gc.collect()


def minimal_docx(path, issue):
    """The demo issue as a plain .docx (same text, 仿宋/16 pt body, 22 pt titles) for LibreOffice."""
    def run(text, size, bold=False, font=None):
        font = font or fonts.resolve("fangsong").family
        props = f'<w:rFonts w:eastAsia="{font}" w:ascii="{font}"/>{"<w:b/>" if bold else ""}<w:sz w:val="{size * 2}"/>'
        return f"<w:r><w:rPr>{props}</w:rPr><w:t xml:space=\"preserve\">{escape(text)}</w:t></w:r>"

    def para(text, size=16, bold=False, center=False, indent=True):
        jc = '<w:jc w:val="center"/>' if center else ""
        ind = '<w:ind w:firstLine="632"/>' if indent else ""
        spacing = '<w:spacing w:line="580" w:lineRule="exact"/>'
        return f"<w:p><w:pPr>{spacing}{jc}{ind}</w:pPr>{run(text, size, bold)}</w:p>"

    body = [para(issue.series.name, 36, True, True, False), para(f"第{issue.number}期", center=True, indent=False)]
    for article in issue.articles.all():
        body += [para(line, 22, True, True, False) for line in article.title_lines]
        body += [para(strip_tags(p)) for p in article.body.split("</p>") if strip_tags(p).strip()]
    body.append(para("信息公开选项：主动公开", 14, indent=False))
    sect = ('<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
            '<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588"/></w:sectPr>')
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body>{''.join(body)}{sect}</w:body></w:document>")
    with zipfile.ZipFile(path, "w") as docx:
        docx.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
            'document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.'
            'main+xml"/></Types>'))
        docx.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>'))
        docx.writestr("word/document.xml", document)


def typst_source(issue):
    """The demo issue as Typst markup: same text, fonts and page geometry (A4, 37/26/35/28 mm, 16 pt 仿宋 on a
    28.99 pt pitch, 22 pt titles, page numbers), with Typst's own CJK justification."""
    def quoted(text):
        return "[" + "".join(f"\\{c}" if c in "\\[]#*_`$<>@=-+/~" else c for c in text) + "]"

    fangsong, heiti, kaiti = (fonts.resolve(role).family for role in ("fangsong", "heiti", "kaiti"))
    title = fonts.resolve("xiaobiaosong").family
    lines = [
        '#set page(paper: "a4", margin: (top: 37mm, bottom: 35mm, left: 28mm, right: 26mm),',
        '  footer: context { let n = counter(page).get().first(); let t = text(size: 14pt, font: "Noto Serif CJK SC")'
        '[— #n —]; if calc.odd(n) { align(right, pad(right: 14pt, t)) } else { align(left, pad(left: 14pt, t)) } })',
        # Typst names the FandolFang face by its full family name, "FandolFang R".
        f'#set text(lang: "zh", region: "cn", font: ("{fangsong}", "{fangsong} R", "Noto Serif CJK SC"), size: 16pt)',
        "#set par(justify: true, first-line-indent: (amount: 2em, all: true), leading: 12.99pt, spacing: 12.99pt)",
        f'#align(center, text(size: 36pt, fill: rgb("#E60012"), weight: "bold", font: "{title}", '
        f'{quoted(issue.series.name)}))',
        f"#align(center)[第{issue.number}期]",
        '#line(length: 100%, stroke: 1pt + rgb("#E60012"))',
    ]
    for article in issue.articles.all():
        for line in article.title_lines:
            lines.append(f'#align(center, text(size: 22pt, weight: "bold", font: "{title}", {quoted(line)}))')
        for paragraph in article.body.split("</p>"):
            text = strip_tags(paragraph).strip()
            if text:
                lines.append(f"#par{quoted(text)}")
    lines.append(f'#text(size: 14pt, font: "{heiti}")[信息公开选项：主动公开] #text(font: "{kaiti}")[]')
    return "\n".join(lines).encode()


def typst_bench(issue, demo_median, runs=15):
    try:
        import typst
    except ImportError:
        print("Typst: the typst package is not installed — comparison skipped")
        return
    source = typst_source(issue)
    folders = sorted({str(Path(f).parent) for f in (fonts.resolve(role, with_file=True).file for role in fonts.STACKS)
                      if f})
    compiler = typst.Compiler(font_paths=folders, ignore_system_fonts=True)
    compiler.compile(input=source)  # warm-up: font index
    def numbered(i):
        return source.replace("第1期".encode(), f"第{i}期".encode())

    cases = (
        # A reused compiler memoizes what did not change; the number in the masthead changes on every run.
        ("Typst (warm compiler)", lambda i: compiler.compile(input=numbered(i), pdf_standards=["a-2b"])),
        ("Typst (fresh compiler)", lambda i: typst.Compiler(font_paths=folders, ignore_system_fonts=True).compile(
            input=source, pdf_standards=["a-2b"])),
    )
    for label, run in cases:
        times = []
        for i in range(runs):
            start = time.perf_counter()
            run(i + 2)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"{label + ', pdf/a-2b':<34}      median {median:.3f} s  (min {min(times):.3f}  max {max(times):.3f}, "
              f"n={runs}); WeasyPrint takes {demo_median / median:.1f}× as long")


def libreoffice(issue, demo_median, runs=5):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("LibreOffice: not installed (soffice not found) — comparison skipped")
        return
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "demo.docx"
        minimal_docx(source, issue)
        profile = f"-env:UserInstallation=file://{folder}/profile"
        command = [soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", folder, str(source)]
        subprocess.run(command, capture_output=True, check=True)  # first start creates the profile
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"{'LibreOffice soffice docx→pdf':<28}            median {median:.3f} s  "
          f"(min {min(times):.3f}  max {max(times):.3f}, n={runs}); WeasyPrint is {median / demo_median:.1f}× faster")


def main():
    from django.test import override_settings

    print(f"WeasyPrint renderer benchmark — {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as media, override_settings(
        MEDIA_ROOT=Path(media) / "media", PRIVATE_MEDIA_ROOT=Path(media) / "private",
        STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                  "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                              "OPTIONS": {"location": Path(media) / "private"}}},
    ):
        try:
            with transaction.atomic():
                load_demo()
                series = Series.objects.get(name=demo_data.SERIES["name"])
                demo = Issue.objects.get(series=series, year=2021, number=1)
                editor = demo.created_by
                demo_renderer = IssueRenderer(demo, preview=False)
                median = describe(f"demo issue (issued, {pdf_variant() or 'plain PDF'})", *timed(demo_renderer, 15))
                ofd_cost(demo, demo_renderer, median)
                with override_settings(BULLETIN_PDF_VARIANT="none"):
                    describe("demo issue (issued, plain PDF)", *timed(demo_renderer, 15))
                describe("demo issue (preview)", *timed(IssueRenderer(demo, preview=True), 15))
                per_page = {}
                for target, paragraphs in ((20, 71), (60, 216)):
                    renderer = IssueRenderer(generated_issue(series, editor, paragraphs), preview=False)
                    times, pages = timed(renderer, 5 if target == 20 else 3)
                    per_page[target] = describe(f"generated ~{target}-page issue", times, pages)
                print(f"60-page median / demo median = {per_page[60] / median:.1f}× (target ≤ 20×)")
                memory_steadiness(demo_renderer)
                typst_bench(demo, median)
                libreoffice(demo, median)
                raise Rollback
        except Rollback:
            pass


if __name__ == "__main__":
    main()
