"""The corpus of real bulletins (tests/proofreading/corpus/) as the proofreader reads it.

The bulletins are reworded (facts, order and typography kept; see corpus/README.md) and written as the store kept the
pages, NFKC-folded: a full-width ，：；（）？！＂ reads as its half-width twin. `restore` turns them back where they
stand in Chinese text, the inverse of the fold, so the corpus is proofread with the marks it was published with. It
cannot know whether a page really had a half-width mark there, so the 标点 rule for half-width marks is
measured on the injected errors (recall), not on the corpus. Everything else is proofread as stored.
"""

import re
from pathlib import Path

from articles.proofreading.rules import IS_CJK

CORPUS = Path(__file__).with_name("corpus")
FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}


def _cjk(char):
    return bool(char) and IS_CJK.match(char) is not None


def restore(text):
    """The stored page with the full-width punctuation its Chinese text had before the fold."""
    text = re.sub(r"\(([^()\n]{0,60})\)", lambda m: f"（{m.group(1)}）" if IS_CJK.search(m.group(0) + _around(
        text, m)) else m.group(0), text)
    lines = []
    for line in text.split("\n"):
        line = _curly_quotes(line) if IS_CJK.search(line) else line
        chars = list(line)
        for i, char in enumerate(chars):
            if char in FULL:
                before, after = line[i - 1] if i else "", line[i + 1] if i + 1 < len(line) else ""
                if (_cjk(before) or _cjk(after)) and not (before.isdigit() and after.isdigit()):
                    chars[i] = FULL[char]
        lines.append("".join(chars))
    return "\n".join(lines)


def _curly_quotes(line):
    """"…" → “…” in a paragraph: opening and closing alternate."""
    parts = line.split('"')
    return "".join(part + ("“" if i % 2 == 0 else "”") for i, part in enumerate(parts[:-1])) + parts[-1]


def _around(text, match):
    return text[max(0, match.start() - 1):match.start()] + text[match.end():match.end() + 1]


def bulletins():
    """[(name, text)] of the corpus, restored."""
    return [(path.stem, restore(path.read_text(encoding="utf-8").strip())) for path in sorted(CORPUS.glob("*.txt"))]
