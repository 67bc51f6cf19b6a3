"""System checks for what the PDF renderer needs from the system."""

from django.core.checks import Warning, register
from django.utils.translation import gettext as _


def harfbuzz_subset_usable():
    """True when WeasyPrint can subset fonts with HarfBuzz (libharfbuzz-subset, HarfBuzz ≥ 4.1)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


@register()
def check_harfbuzz_subset(app_configs, **kwargs):
    """Warn when WeasyPrint would fall back to fontTools, ~40× slower with CJK fonts."""
    try:
        usable = harfbuzz_subset_usable()
    except Exception as exc:  # noqa: BLE001 - a broken Pango/HarfBuzz install is reported, not raised
        return [Warning(_("WeasyPrint cannot be loaded: %(error)s") % {"error": exc}, id="articles.W002")]
    if usable:
        return []
    return [
        Warning(
            _("libharfbuzz-subset (HarfBuzz ≥ 4.1) is not loadable: WeasyPrint will subset CJK fonts with "
              "fontTools and rendering an issue takes seconds instead of a fraction of a second."),
            hint=_("Install libharfbuzz-subset0 (Debian/Ubuntu), e.g. with scripts/setup-system.sh."),
            id="articles.W001",
        )
    ]


@register()
def check_justification(app_configs, **kwargs):
    """Warn when the installed WeasyPrint is not the one the justification patch was written for."""
    from articles.printing import justify

    if justify.supported():
        return []
    import weasyprint

    return [
        Warning(
            _("WeasyPrint %(found)s is installed, but the print layout's justification is written for WeasyPrint "
              "%(needed)s: the site runs, and every PDF render fails with a message until it is fixed.")
            % {"found": weasyprint.__version__, "needed": justify.WRITTEN_FOR},
            hint=_("Install the WeasyPrint version pinned in requirements.txt."),
            id="articles.W003",
        )
    ]
