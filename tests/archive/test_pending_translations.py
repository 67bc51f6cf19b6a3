"""Every string of the archive's code is in the catalogue or in locale/pending-yearbook.json, in Chinese."""

import json
import re
import shutil
import subprocess

import pytest
from django.utils.translation.template import templatize

from tests.archive.conftest import PENDING

ROOT = PENDING.parents[1]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
CODE = ["articles/yearbook.py", "articles/year_export.py", "articles/archive_admin.py", "distribution/feeds.py",
        "articles/management/commands/yearbook.py", "articles/management/commands/export_year.py"]
TEMPLATES = ["templates/admin/articles/archive/index.html", "templates/admin/articles/issue/change_list.html",
             "templates/distribution/base.html"]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _pending():
    return json.loads(PENDING.read_text(encoding="utf-8"))


def _catalogue_msgids():
    text = PO.read_text(encoding="utf-8")
    return {json.loads(m) for m in re.findall(r'^msgid ("(?:[^"\\]|\\.)*")$', text, re.M)}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")
def test_every_msgid_is_translated_or_pending(tmp_path):
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
    known = _catalogue_msgids() | {msgid for msgid, _msgstr in _pending()} | {"Yes"}  # "Yes" is Django's
    assert len(found) > 30, "nothing extracted"
    assert found - known == set()


def test_pending_translations_are_chinese_new_and_keep_their_placeholders():
    pending = _pending()
    msgids = [msgid for msgid, _msgstr in pending]
    assert len(msgids) == len(set(msgids))
    assert set(msgids) & _catalogue_msgids() == set()  # nothing the lead would merge twice
    for msgid, msgstr in pending:
        assert re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", msgstr), msgid
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid
