"""PDF/A validation (articles/printing/pdfa.py) and the stream EOL the PDF/A finisher writes."""

import io
import time

import pikepdf
import pydyf
import pytest
from weasyprint import HTML

from articles.printing import engine
from articles.printing.layout_report import measure_pdf
from articles.printing.pdfa import declared_pdfa, pdfa_findings
from tests.factories import demo_issued_pdf

pytestmark = pytest.mark.django_db

STREAM_LENGTH = "PDFA2B-STREAM-LENGTH-001"


def test_the_issued_demo_passes_both_validators_fast_enough_for_every_issue():
    _issue, content = demo_issued_pdf()
    assert declared_pdfa(content) == "pdf/a-2b"
    pdfa_findings(content)  # the validators' first call loads them
    started = time.perf_counter()
    findings = pdfa_findings(content)
    elapsed = time.perf_counter() - started
    assert findings == []
    # About 0.35 s on this 2-core machine (docs/pdf.md, "PDF/A validation"); the bound is loose for loaded runners
    # and catches only a different order of magnitude.
    assert elapsed < 5.0, f"{elapsed * 1000:.0f} ms"


def test_a_plain_pdf_checked_as_pdfa_lists_what_is_missing():
    content = HTML(string="<p>工作信息</p>").write_pdf()
    assert declared_pdfa(content) == ""
    findings = pdfa_findings(content)
    assert any(f.startswith("page-validation PDFA2B-") for f in findings)
    assert any(f.startswith("pikepdf.pdfa") for f in findings)


@pytest.mark.parametrize("content", [b"", b"not a pdf", b"%PDF-1.7\n% fake for tests\n%%EOF\n"])
def test_an_unreadable_file_is_a_finding_not_a_crash(content):
    findings = pdfa_findings(content)
    assert findings and findings[0].startswith("page-validation: ")


def _ending_with_cr(finisher):
    """A finisher that makes the first page's content stream end with CR (as 1 Flate stream in 256 does)."""

    def finish(document, pdf):
        finisher(document, pdf)
        page = next(obj for obj in pdf.objects if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page")
        contents = pdf.objects[int(page["Contents"].split()[0])]
        contents.compress = False
        contents.stream.append(b"% ends with CR\r")

    return finish


def _pdfa(finisher):
    document = HTML(string='<p style="font-family: serif">WeChat Mini Program 3,456 工作信息</p>').render(
        font_config=engine.font_config())
    return document.write_pdf(pdf_variant="pdf/a-2b", finisher=_ending_with_cr(finisher))


def test_a_stream_ending_with_cr_gets_a_cr_lf_before_endstream_and_passes():
    unfixed = _pdfa(lambda document, pdf: None)
    assert b"\r\nendstream" in unfixed and b"\r\r\nendstream" not in unfixed
    assert any(STREAM_LENGTH in finding for finding in pdfa_findings(unfixed))

    fixed = _pdfa(engine._pdfa_finisher)
    assert b"% ends with CR\r\r\nendstream" in fixed
    assert pdfa_findings(fixed) == []
    with pikepdf.open(io.BytesIO(fixed)) as pdf:  # /Length still counts every byte of the data, CR included
        assert pdf.pages[0].Contents.read_raw_bytes().endswith(b"% ends with CR\r")


def test_the_layout_report_lists_the_same_findings():
    content = _pdfa(lambda document, pdf: None)
    report = measure_pdf(content, checks=["pdfa"], pdf_variant="pdf/a-2b")
    assert [d.message for d in report.deviations] == pdfa_findings(content)
    assert all(d.check == "pdf/a" and d.page is None for d in report.deviations)


def test_an_issue_with_more_bookmarks_than_the_validators_default_depth_passes():
    """WeasyPrint chains one bookmark per title and heading (/Next); page-validation stops at 256 by default."""
    html = "".join(f"<h2>标题{i}</h2><p>正文。</p>" for i in range(300))
    content = HTML(string=html).render(font_config=engine.font_config()).write_pdf(
        pdf_variant="pdf/a-2b", finisher=engine._pdfa_finisher)
    assert pdfa_findings(content) == []
