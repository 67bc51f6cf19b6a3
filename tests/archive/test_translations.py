"""Every string of the archive's code is in the Chinese catalogue."""

import gettext
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
CODE = ["articles/archive/yearbook.py", "articles/archive/year_export.py", "articles/archive/admin.py",
        "distribution/feeds.py",
        "articles/management/commands/yearbook.py", "articles/management/commands/export_year.py"]
TEMPLATES = ["templates/admin/articles/archive/index.html", "templates/admin/articles/issue/change_list.html",
             "templates/distribution/base.html"]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _catalogue_msgids():
    """The msgids of the compiled catalogue (the .po wraps long ones over several lines)."""
    with open(PO.with_suffix(".mo"), "rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    return {key[0] if isinstance(key, tuple) else key for key in catalog}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")
def test_every_msgid_is_in_the_catalogue(tmp_path):
    sources = [ROOT / name for name in CODE]
    for name in TEMPLATES:
        # As makemessages does: the template as Python-ish code xgettext can read.
        copy = tmp_path / (name.replace("/", "_") + ".py")
        copy.write_text(templatize((ROOT / name).read_text(encoding="utf-8"), origin=name), encoding="utf-8")
        sources.append(copy)
    pot = tmp_path / "archive.pot"
    subprocess.run(["xgettext", "-L", "Python", "--from-code=UTF-8", "--no-wrap", "-k", "-kgettext", "-kgettext_lazy",
                    "-k_", "-kpgettext:1c,2", "-o", str(pot), *map(str, sources)], check=True)
    found = {json.loads(m) for m in re.findall(r'^msgid ("(?:[^"\\]|\\.)*")$', pot.read_text(), re.M)} - {""}
    known = _catalogue_msgids() | {"Yes"}  # "Yes" is Django's
    assert len(found) > 30, "nothing extracted"
    assert found - known == set()
