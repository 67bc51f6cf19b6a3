"""Font stacks per typographic role: licensed official faces first, free Debian faces last.

An office that holds licences drops the font files into settings.BULLETIN_FONT_DIR;
they are loaded through @font-face (and the safe URL fetcher) under every family
name recorded in the file, so the stacks below pick them up without code changes.
Faces installed system-wide (fontconfig) are used the same way.
"""

import dataclasses
import functools
import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings

# Role → families in order of preference; the last one is always installed by setup.
STACKS = {
    "xiaobiaosong": [
        "方正小标宋简体", "FZXiaoBiaoSong-B05S", "方正小标宋_GBK", "FZXiaoBiaoSong-B05", "Noto Serif CJK SC",
    ],
    "fangsong": ["仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "FandolFang", "Noto Serif CJK SC"],
    "heiti": ["黑体", "SimHei", "Noto Sans CJK SC"],
    "kaiti": ["楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "LXGW WenKai", "AR PL UKai CN"],
    "songti": ["宋体", "SimSun", "Noto Serif CJK SC"],
}
ROLE_LABELS = {"xiaobiaosong": "小标宋", "fangsong": "仿宋", "heiti": "黑体", "kaiti": "楷体", "songti": "宋体"}
# The free stand-in for 小标宋 is the bold weight of Noto Serif CJK SC.
BOLD_FALLBACKS = {"xiaobiaosong": "Noto Serif CJK SC"}
# Bold in a face that has no bold weight: WeasyPrint does not embolden (a bold request prints regular),
# so bold 仿宋 (lead-ins, level-3 headings) is set in 黑体 at its regular weight, as offices do.
BOLD_SUBSTITUTES = {"fangsong": "heiti", "kaiti": "heiti"}
# After every stack: the face for what no CJK face draws — emoji pasted from WeChat (👍🎉), pictographs, dingbats
# (✅) — in monochrome outlines, as print wants, instead of .notdef boxes (which PDF/A forbids).
SYMBOLS = "Symbola"
FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc", ".woff", ".woff2"}
SAFE_FAMILY = re.compile(r"^[^\"'\\;{}<>\n\r]{1,80}$")


@dataclasses.dataclass(frozen=True)
class DroppedFont:
    path: Path
    families: tuple
    bold: bool
    mtime: int


@dataclasses.dataclass(frozen=True)
class Resolved:
    role: str
    family: str
    file: str
    dropped: bool
    weight: int


def font_dir():
    return Path(settings.BULLETIN_FONT_DIR)


def _read_font(path):
    """The family names a font file declares, and whether it is a bold face (weight class 600 or more)."""
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() in {".ttc", ".otc"}:
        fonts = TTCollection(str(path), lazy=True).fonts
    else:
        fonts = [TTFont(str(path), lazy=True)]
    names, bold = [], False
    for font in fonts:
        for record in font["name"].names:
            if record.nameID in (1, 16):
                name = record.toUnicode().strip()
                if SAFE_FAMILY.match(name) and name not in names:
                    names.append(name)
        if "OS/2" in font and font["OS/2"].usWeightClass >= 600:
            bold = True
    return tuple(names), bold


@functools.lru_cache(maxsize=8)
def _scan(signature):
    found = []
    for path, mtime in signature:
        try:
            found.append(DroppedFont(Path(path), *_read_font(Path(path)), mtime=mtime))
        except Exception:  # noqa: BLE001 - a broken file is skipped, not fatal
            continue
    return tuple(found)


def dropped_fonts():
    """The font files in BULLETIN_FONT_DIR with the family names they declare."""
    folder = font_dir()
    if not folder.is_dir():
        return ()
    signature = tuple(
        (str(p), int(p.stat().st_mtime))
        for p in sorted(folder.iterdir())
        if p.suffix.lower() in FONT_SUFFIXES and p.is_file()
    )
    return _scan(signature)


@functools.lru_cache(maxsize=1)
def system_families():
    """Every family name fontconfig knows on this machine (read once per process)."""
    if not shutil.which("fc-list"):
        return frozenset()
    out = subprocess.run(["fc-list", "--format", "%{family}\n"], capture_output=True, text=True, check=False).stdout
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(","))


@functools.lru_cache(maxsize=1)
def system_bold_families():
    """The families fontconfig has a real bold (or heavier) face for."""
    if not shutil.which("fc-list"):
        return frozenset()
    out = subprocess.run(["fc-list", ":weight=[180 215]", "--format", "%{family}\n"],
                         capture_output=True, text=True, check=False).stdout
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(","))


def _system_file(family, weight):
    if not shutil.which("fc-match"):
        return ""
    pattern = f"{family}:bold" if weight >= 700 else family
    result = subprocess.run(["fc-match", "--format", "%{file}", pattern], capture_output=True, text=True, check=False)
    return result.stdout.strip()


def resolve(role, *, with_file=False):
    """The family a role uses on this machine: the first of its stack that is really there."""
    dropped = {name: font for font in dropped_fonts() for name in font.families}
    installed = system_families()
    stack = STACKS[role]
    for family in stack:
        if family in dropped:
            return Resolved(role, family, str(dropped[family].path), True, 400)
        if family in installed or family == stack[-1]:
            weight = 700 if BOLD_FALLBACKS.get(role) == family else 400
            return Resolved(role, family, _system_file(family, weight) if with_file else "", False, weight)
    raise AssertionError("unreachable: the last family of a stack is always chosen")


def has_bold(role):
    """True when the face a role resolves to has a real bold weight."""
    face = resolve(role)
    if face.dropped:
        return any(face.family in font.families and font.bold for font in dropped_fonts())
    return face.family in system_bold_families()


def bold_face(role):
    """(CSS font-family, weight) for bold text in a role: its own bold where the face has one, else the
    substitute role (黑体) at regular weight, because WeasyPrint would print a one-weight face's bold as regular."""
    substitute = BOLD_SUBSTITUTES.get(role)
    if substitute is None or has_bold(role):
        return css_family(role), 700
    return css_family(substitute), 400


def css_family(role):
    """The CSS font-family value for a role: the resolved face, the free fallback, then the symbols' face."""
    families = [resolve(role).family, STACKS[role][-1], SYMBOLS]
    return ", ".join(f'"{name}"' for name in dict.fromkeys(families))


def font_face_rules():
    """@font-face rules for the dropped files, one per family name they declare."""
    rules = []
    for font in dropped_fonts():
        url = f"{font.path.resolve().as_uri()}?v={font.mtime}"
        for family in font.families:
            rules.append(f'@font-face {{ font-family: "{family}"; src: url("{url}"); }}')
    return "\n".join(rules)


# Synthetic bold for a face that has no bold weight (FandolFang, the free 仿宋): the glyphs are filled and
# stroked in their own colour with a line of SYNTHETIC_BOLD_EM of the font size (Tr 2), the way word
# processors embolden a one-weight face and what FreeType's FT_GlyphSlot_Embolden does (em/24 there, a
# little lighter here so that 仿宋's thin strokes do not close up). Advances are unchanged: the text stays
# on its 28-cell grid. The PDF keeps the face's glyphs and text, only the rendering mode differs.
SYNTHETIC_BOLD_EM = 1 / 30


def install_synthetic_bold():
    """Draw text asked in bold (font-weight ≥ 600) but set in a lighter face with a synthetic bold."""
    from weasyprint import draw
    from weasyprint.draw import text

    if getattr(text.draw_first_line, "synthetic_bold", False):
        return
    _families_without_bold()  # resolved here, before the render child is forked
    original_line, original_text = text.draw_first_line, draw.draw_text

    def draw_text(stream, textbox, *args, **kwargs):
        if textbox.style["font_weight"] < 600:
            return original_text(stream, textbox, *args, **kwargs)
        with stream.stacked():  # the rendering mode and line width end with the text box
            return original_text(stream, textbox, *args, **kwargs)

    def draw_first_line(stream, textbox, *args, **kwargs):
        if textbox.style["font_weight"] >= 600 and _drawn_lighter(textbox):
            stream.set_text_rendering(2)
            stream.set_line_width(textbox.style["font_size"] * SYNTHETIC_BOLD_EM)
            stream.set_color(textbox.style["color"], stroke=True)
        return original_line(stream, textbox, *args, **kwargs)

    draw_first_line.synthetic_bold = True
    text.draw_first_line = draw_first_line
    draw.draw_text = draw_text


def _drawn_lighter(textbox):
    """True when the text box's face (its first family) has no bold weight on this machine.

    Not the weight Pango reports: fontconfig's 90-synthetic.conf marks a regular face matched for a bold
    request as bold (and "embolden", which WeasyPrint ignores)."""
    families = textbox.style["font_family"]
    return bool(families) and families[0] in _families_without_bold()


@functools.lru_cache(maxsize=4)
def _families_without_bold_for(_rules):
    return frozenset(resolve(role).family for role in STACKS if not has_bold(role))


def _families_without_bold():
    return _families_without_bold_for(font_face_rules())
