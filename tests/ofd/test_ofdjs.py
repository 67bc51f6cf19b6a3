"""The second independent reader: ofd.js (DLTech21/ofd.js 0.2.6, installed by scripts/ofdjs.sh) in Debian's chromium
draws the issued demo OFD; each page's raster is compared with pdftoppm's raster of the PDF, and the text it draws
with pdftotext's text of the PDF (docs/ofd.md, "What the readers showed")."""

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat

from articles.printing.ofd import issue_ofd
from tests.e2e.browser import ARGS, CHROMIUM, NEEDS_CHROMIUM, SHOTS
from tests.factories import demo_issued_pdf, rolled_back

pytestmark = [pytest.mark.browser, pytest.mark.django_db, NEEDS_CHROMIUM]
READER = Path(__file__).with_name("ofdjs") / "reader.html"
UMD = READER.with_name("node_modules") / "ofd.js" / "lib" / "ofd.umd.js"
SCALE = 5  # ofd.js draws at (width − 10) / 210 px per mm, 5 at most: 127 dpi, 1050 × 1485 px for A4
# Both rasters in gray, blurred by 0.5 mm (anti-aliasing, hinting and ofd.js's whole-pixel placing differ, not the
# drawing), then per page:
BLUR = 0.5 * SCALE
MEAN_TOLERANCE = 3.0  # mean absolute difference, of 255
DIFFERING = 32  # a pixel differs when the blurred grays differ by more than this (of 255) …
DIFFERING_TOLERANCE = 1.0  # … and at most this % of a page's pixels may


@pytest.fixture(scope="module")
def drawn(django_db_setup, django_db_blocker, tmp_path_factory):
    """(ofd.js pages: size and text, the rasters' paths, the PDF's text per page) for the demo bulletin."""
    assert UMD.exists(), f"{UMD} is missing: scripts/ofdjs.sh installs ofd.js (test.sh runs it)"
    folder = tmp_path_factory.mktemp("ofdjs")
    with rolled_back(django_db_blocker, folder):
        issue, pdf = demo_issued_pdf()
        ofd = issue_ofd(issue)
    (folder / "demo.pdf").write_bytes(pdf)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 210 * SCALE + 10, "height": 297 * SCALE})
        errors = []
        page.on("pageerror", lambda error: errors.append(error))
        page.goto(READER.as_uri())
        pages = page.evaluate("([data, width]) => readBase64(data, width)",
                              [base64.b64encode(ofd).decode(), 210 * SCALE + 10])
        shots = []
        for number, element in enumerate(page.query_selector_all("#pages > div"), start=1):
            shots.append((folder / f"ofdjs-page{number}.png", folder / f"ofdjs-pdf-page{number}.png"))
            element.screenshot(path=shots[-1][0])
        browser.close()
    assert not errors
    for number, (_ofdjs, pdf_png) in enumerate(shots, start=1):
        subprocess.run(["pdftoppm", "-f", str(number), "-l", str(number), "-singlefile", "-png",
                        "-scale-to-x", str(pages[0]["width"]), "-scale-to-y", str(pages[0]["height"]),
                        str(folder / "demo.pdf"), str(pdf_png.with_suffix(""))], check=True, timeout=60)
    for raster in (path for pair in shots for path in pair):  # to be looked at (each xdist worker has its folder)
        shutil.copyfile(raster, SHOTS / raster.name)
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(folder / "demo.pdf"), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    return pages, shots, text.split("\f")[:len(pages)]


def _words(text):
    return re.sub(r"\s+", "", text)


def test_ofdjs_draws_every_page_at_the_pdfs_size(drawn):
    pages, _shots, pdf_pages = drawn
    assert len(pages) == len(pdf_pages) == 4
    assert {(page["width"], page["height"]) for page in pages} == {(210 * SCALE, 297 * SCALE)}


def test_the_text_ofdjs_draws_on_each_page_is_the_pdfs_in_order(drawn):
    pages, _shots, pdf_pages = drawn
    for page, pdf_page in zip(pages, pdf_pages, strict=True):
        assert _words(page["text"]) == _words(pdf_page) != ""


def _difference(first, second):
    """Mean absolute difference (0–255) and % of pixels differing by more than DIFFERING, after the blur."""
    gray = [Image.open(path).convert("L").filter(ImageFilter.GaussianBlur(BLUR)) for path in (first, second)]
    assert gray[0].size == gray[1].size
    difference = ImageChops.difference(*gray)
    over = sum(difference.histogram()[DIFFERING + 1:])
    return ImageStat.Stat(difference).mean[0], 100 * over / (difference.width * difference.height)


def test_each_page_ofdjs_draws_looks_like_the_pdfs_page(drawn):
    _pages, shots, _text = drawn
    figures = [_difference(ofdjs, pdf) for ofdjs, pdf in shots]
    print("ofd.js vs pdftoppm, per page: mean |Δ| / % of pixels differing by more than", DIFFERING,
          [f"{mean:.2f} / {share:.2f} %" for mean, share in figures])
    for mean, share in figures:
        assert mean <= MEAN_TOLERANCE and share <= DIFFERING_TOLERANCE
