"""An independent reader opens the OFD: easyofd (its own parser and drawing), run by the Python of .venv-easyofd, which
scripts/easyofd.sh makes (test.sh runs it), or by EASYOFD_PYTHON: easyofd pulls in PyMuPDF and reportlab, so it is
kept out of the project's environment (docs/ofd.md)."""

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image

from articles.printing.ofd import PT_TO_MM, issue_ofd
from tests.factories import demo_issued_pdf, rolled_back

pytestmark = pytest.mark.django_db
EASYOFD_PYTHON = Path(os.environ.get("EASYOFD_PYTHON") or Path(__file__).parents[2] / ".venv-easyofd/bin/python")
RED_TOLERANCE = 0.01  # of the page's width and height: the rule's place in both rasters


@pytest.fixture(scope="module")
def read(django_db_setup, django_db_blocker, tmp_path_factory):
    assert EASYOFD_PYTHON.exists(), f"{EASYOFD_PYTHON} is missing: scripts/easyofd.sh makes it (test.sh runs it)"
    folder = tmp_path_factory.mktemp("readers")
    with rolled_back(django_db_blocker, folder):
        issue, pdf = demo_issued_pdf()
        (folder / "demo.ofd").write_bytes(issue_ofd(issue))
    (folder / "demo.pdf").write_bytes(pdf)
    result = subprocess.run([str(EASYOFD_PYTHON), str(Path(__file__).with_name("easyofd_reader.py")),
                             str(folder / "demo.ofd"), str(folder / "easyofd.pdf")],
                            capture_output=True, check=True, text=True, timeout=300)
    return folder, pdf, json.loads(result.stdout.splitlines()[-1])["pages"]


def test_easyofd_reads_every_page_with_the_pdfs_text_in_order(read):
    _folder, pdf, pages = read
    with pdfplumber.open(io.BytesIO(pdf)) as plumber:
        assert [page["text"] for page in pages] == ["".join(c["text"] for c in p.chars) for p in plumber.pages]


def test_easyofd_finds_the_red_rule_where_the_pdf_draws_it(read):
    _folder, pdf, pages = read
    with pdfplumber.open(io.BytesIO(pdf)) as plumber:
        [rule] = plumber.pages[0].rects
    [[left, top, width, _height]] = pages[0]["red"]
    assert (left, top, width) == pytest.approx(
        (rule["x0"] * PT_TO_MM, rule["top"] * PT_TO_MM, rule["width"] * PT_TO_MM), abs=0.01)


def _red_box(png):
    image = Image.open(png).convert("RGB")
    width, height = image.size
    red = [(x, y) for y in range(height) for x in range(width)
           if (lambda p: p[0] > 180 and p[1] < 80 and p[2] < 80)(image.getpixel((x, y)))]
    return (min(x for x, _y in red) / width, min(y for _x, y in red) / height,
            max(x for x, _y in red) / width, max(y for _x, y in red) / height)


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) is not installed")
def test_easyofds_drawing_puts_the_rule_where_pdftoppm_shows_it(read):
    """Rasters of page 1 at 50 dpi: the rule's box as fractions of the page. Text is not compared: easyofd draws
    with reportlab, which loads TrueType outlines only, so it shows our CFF (OpenType) fonts' text in none."""
    folder, _pdf, _pages = read
    for name in ("demo", "easyofd"):
        subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", "-singlefile",
                        str(folder / f"{name}.pdf"), str(folder / name)], check=True)
    pdf_rule = _red_box(folder / "demo.png")  # the masthead's red text is above the rule: only the rule row counts
    ofd_rule = _red_box(folder / "easyofd.png")
    assert ofd_rule[2:] == pytest.approx(pdf_rule[2:], abs=RED_TOLERANCE)
    assert ofd_rule[0] == pytest.approx(pdf_rule[0], abs=RED_TOLERANCE)
