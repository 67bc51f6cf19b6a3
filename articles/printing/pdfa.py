"""PDF/A validation of a written PDF: page-validation and pikepdf.pdfa, at the level the file declares.

Neither validator claims veraPDF's completeness, so both run and every finding of either is kept.
Cheap enough to run once on every issue, not on every page view (docs/pdf.md, "PDF/A validation"): about
0.35 s for the demo issue, nearly all of it pikepdf.pdfa parsing the embedded font subsets.
"""

import io
import re

import page as page_validation
import pikepdf
from pikepdf import pdfa

# WeasyPrint's pdf_variant → (page-validation profile, pikepdf.pdfa flavour). pikepdf.pdfa knows 1b/2b/3b only,
# so the u levels are checked by it at their b level (u only adds the Unicode mapping page-validation checks).
PROFILES = {
    "pdf/a-1b": ("PDF_A_1B", "1b"),
    "pdf/a-2b": ("PDF_A_2B", "2b"),
    "pdf/a-2u": ("PDF_A_2U", "2b"),
    "pdf/a-3b": ("PDF_A_3B", "3b"),
    "pdf/a-3u": ("PDF_A_3U", "3b"),
}
DEFAULT_LEVEL = "pdf/a-2b"
# page-validation stops at a chain of 256 references by default; WeasyPrint links an issue's bookmarks (one per
# title and heading) in one /Next chain, so an issue of 400 short items "exceeded" it. Measured: 5,000 bookmarks
# validate in 0.4 s at this depth.
LIMITS = page_validation.SafetyLimits(max_reference_depth=65_536)


def declared_pdfa(content):
    """The PDF/A level the file's XMP declares ("pdf/a-2b"), or "" (a plain PDF)."""
    part = re.search(rb'pdfaid:part(?:="|>)(\d)', content)
    conformance = re.search(rb'pdfaid:conformance(?:="|>)([ABUabu])', content)
    if not part:
        return ""
    return f"pdf/a-{part.group(1).decode()}{(conformance.group(1).decode() if conformance else 'b').lower()}"


def pdfa_findings(content: bytes, level: str | None = None) -> list[str]:
    """Every finding of both validators on `content` at `level` (default: what it declares); [] if it passes.

    A file that declares no PDF/A level is checked as PDF/A-2b, so a plain PDF where PDF/A was expected
    is reported (its first finding says the identification is missing) rather than passed.
    """
    level = (level or declared_pdfa(content) or DEFAULT_LEVEL).lower()
    profile, flavour = PROFILES.get(level, PROFILES[DEFAULT_LEVEL])
    try:
        report = page_validation.validate_pdf_bytes(content, profile=profile, limits=LIMITS)
    except page_validation.PageError as exc:  # unreadable or beyond its safety limits: a finding, not a crash
        findings = [f"page-validation: {exc}"]
    else:
        findings = [f"page-validation {failure.rule_id}: {failure.message}" for failure in report.failures]
    try:
        result = pdfa.validate_written(io.BytesIO(content), flavour)
    except pikepdf.PdfError as exc:
        findings.append(f"pikepdf.pdfa: {exc}")
    else:
        findings += [f"pikepdf.pdfa: {finding}" for finding in result.findings if not result.passed]
    return findings
