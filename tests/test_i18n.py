"""The interface speaks Chinese: the zh-hans catalogue is complete and compiled."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"

needs_msgfmt = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext is not installed")


@needs_msgfmt
def test_every_project_string_has_a_chinese_translation():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(LOCALE / "django.po")],
        capture_output=True, text=True, check=True,
    )
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@needs_msgfmt
def test_the_committed_catalogue_is_compiled_from_the_current_po(tmp_path):
    subprocess.run(["msgfmt", "-o", str(tmp_path / "django.mo"), str(LOCALE / "django.po")], check=True)
    assert (tmp_path / "django.mo").read_bytes() == (LOCALE / "django.mo").read_bytes(), (
        "run: python manage.py compilemessages -l zh_Hans --ignore=.venv"
    )


def test_the_default_language_is_simplified_chinese(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert translation.gettext("Submit for review") == "送审"


@pytest.mark.parametrize(("typed", "day"), [
    ("2026年12月3日", "2026-12-03"), ("2026年12月03日", "2026-12-03"), ("2026-12-3", "2026-12-03"),
    ("2026/12/3", "2026-12-03"), ("2026.12.3", "2026-12-03"), ("2026-12-03", "2026-12-03"),
])
def test_dates_are_accepted_as_offices_type_them(typed, day):
    from django import forms

    with translation.override("zh-hans"):
        assert forms.DateField().clean(typed).isoformat() == day


def test_a_date_that_is_not_one_is_refused_in_chinese():
    from django import forms
    from django.core.exceptions import ValidationError

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        forms.DateField().clean("2026年13月3日")
    assert "日期" in refused.value.messages[0]


def _template_phrases(root):
    """(template, context, msgid) of every {% translate %} and {% blocktranslate %} under root."""
    from django.template import Engine
    from django.templatetags.i18n import BlockTranslateNode, TranslateNode

    engine = Engine.get_default()

    def walk(nodelist):
        for node in nodelist:
            yield node
            for attr in node.child_nodelists:
                yield from walk(getattr(node, attr, None) or ())

    for path in sorted(root.rglob("*.html")):
        for node in walk(engine.from_string(path.read_text()).nodelist):
            literal = getattr(node.filter_expression.var, "literal", None) if isinstance(node, TranslateNode) else None
            if isinstance(literal, str):
                context = node.message_context.resolve({}) if node.message_context else None
                yield path.relative_to(root), context, literal
            elif isinstance(node, BlockTranslateNode) and not node.plural:
                context = node.message_context.resolve({}) if node.message_context else None
                yield path.relative_to(root), context, node.render_token_list(node.singular)[0]


def _template_roots():
    import django.contrib.admin
    import django.contrib.auth

    base = Path(__file__).resolve().parent.parent
    return [Path(django.contrib.admin.__file__).parent / "templates",
            Path(django.contrib.auth.__file__).parent / "templates",
            base / "templates", base / "distribution" / "templates"]


def test_every_phrase_of_the_admin_and_our_pages_reads_in_chinese():
    """Headings only a screen reader speaks (the app list's «Model name»), page titles (「Error:」) included."""
    import re

    untranslated = []
    with translation.override("zh-hans"):
        for root in _template_roots():
            for template, context, msgid in _template_phrases(root):
                if not re.search(r"[A-Za-z]{2,}", re.sub(r"%\(\w+\)s", "", msgid)):
                    continue  # 「%(name)s」 or punctuation: nothing to translate
                said = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
                if said == msgid:
                    untranslated.append(f"{root.parent.name}/{template}: {msgid!r}")
    assert not untranslated, "\n".join(untranslated)
