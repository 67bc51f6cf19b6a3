"""Pages rendered to PNG and compared with committed reference images, within a tolerance.

After an intended layout change, regenerate them with `python manage.py refresh_reference_pages`
(or BULLETIN_REFRESH_REFERENCES=1 pytest tests/articles/test_pdf_visual.py) and look at the PNGs.
"""

import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from articles.models import Issue
from articles.printing.renderer import render_issue
from tests.factories import demo_issued_pdf, rolled_back

REFERENCE_DIR = Path(__file__).parent / "reference"
REFRESH = os.environ.get("BULLETIN_REFRESH_REFERENCES") == "1"
DPI = 50
MAX_MEAN_DIFFERENCE = 1.5  # grey levels out of 255, averaged over the page
MAX_CHANGED_SHARE = 0.004  # share of pixels that differ by more than a third of the range
pytestmark = pytest.mark.django_db  # also makes pytest-django set the test database up for the module fixture


def _posterise(image):
    """16 grey levels: enough to see the layout, and 4-bit PNGs keep the committed references small."""
    return image.convert("L").point(lambda v: (v // 16) * 17)


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker, tmp_path_factory):
    """{name: PNG path}: the demo issue's pages and page 1 of the demo issue under review (preview)."""
    folder = tmp_path_factory.mktemp("pdf-visual")
    with rolled_back(django_db_blocker, folder / "files"):
        _issue, issued = demo_issued_pdf()
        review = Issue.objects.get(status=Issue.Status.REVIEW, articles__title__contains="年终岗位目标考核")
        preview = render_issue(review, preview=True).content
    found = {}
    for name, content, last in (("demo", issued, 99), ("preview", preview, 1)):
        (folder / f"{name}.pdf").write_bytes(content)
        subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-l", str(last), folder / f"{name}.pdf",
                        folder / name], check=True)
        for png in sorted(folder.glob(f"{name}-*.png")):
            found[f"{name}-{int(png.stem.rsplit('-', 1)[1])}"] = png
    return found


def test_the_demo_has_its_reference_pages(pages):
    if REFRESH:
        for old in REFERENCE_DIR.glob("*.png"):
            old.unlink()
        for name, png in pages.items():
            small = _posterise(Image.open(png)).quantize(colors=16, dither=Image.Dither.NONE)
            small.save(REFERENCE_DIR / f"{name}.png", optimize=True, bits=4)
        pytest.skip("reference pages refreshed")
    assert sorted(p.stem for p in REFERENCE_DIR.glob("*.png")) == sorted(pages)


@pytest.mark.parametrize("name", ["demo-1", "demo-2", "demo-3", "demo-4", "preview-1"])
def test_page_looks_like_its_reference(pages, name):
    if REFRESH:
        pytest.skip("refreshing")
    reference = Image.open(REFERENCE_DIR / f"{name}.png").convert("L")
    page = _posterise(Image.open(pages[name]))
    assert page.size == reference.size
    difference = ImageChops.difference(page, reference)
    histogram = difference.histogram()
    pixels = page.size[0] * page.size[1]
    mean = sum(level * count for level, count in enumerate(histogram)) / pixels
    changed = sum(histogram[85:]) / pixels
    if mean > MAX_MEAN_DIFFERENCE or changed > MAX_CHANGED_SHARE:
        difference.point(lambda v: 255 - min(255, v * 4)).save(pages[name].with_suffix(".diff.png"))
    diff = pages[name].with_suffix(".diff.png")
    assert mean <= MAX_MEAN_DIFFERENCE, f"{name}: mean difference {mean:.2f}; see {diff}"
    assert changed <= MAX_CHANGED_SHARE, f"{name}: {changed:.2%} of pixels changed"
