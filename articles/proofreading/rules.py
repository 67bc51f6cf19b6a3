"""The rules of 公文 writing, each a small function over an article's plain text that yields Hits.

A rule looks at the text only (and at the context it is given: the issue's year, the units of the address
book); it says what is wrong in a sentence a drafter understands, quotes the wrong text exactly as it stands
(text[offset:offset + len(quote)] == quote) and, when the fix is mechanical, suggests the replacement of the
quote. The sources of the rules are in docs/proofread.md.
"""

import calendar
import dataclasses
import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from zhon import hanzi

HAN = hanzi.characters  # a character class: the CJK ideographs, 〇 and the extensions
CJK_PUNCT = hanzi.punctuation.replace("－", "").replace("．", "")
IS_HAN = re.compile(f"[{HAN}]")
IS_CJK = re.compile(f"[{HAN}{re.escape(CJK_PUNCT)}]")
WORDS_FILE = Path(__file__).with_name("words.tsv")


class Kind:
    PUNCTUATION = "punctuation"
    NUMBERS = "numbers"
    NUMBERING = "numbering"
    WORDING = "wording"
    NAMES = "names"

    labels = {
        PUNCTUATION: gettext_lazy("punctuation"),
        NUMBERS: gettext_lazy("numbers and dates"),
        NUMBERING: gettext_lazy("heading numbers"),
        WORDING: gettext_lazy("wording"),
        NAMES: gettext_lazy("names of units"),
    }


@dataclass(frozen=True)
class Hit:
    """One error found by a rule: where it is, the wrong text, why, and what to write instead ("" if no fix)."""

    offset: int
    quote: str
    kind: str
    message: str
    suggestion: str = ""
    rule: str = ""

    @property
    def end(self):
        return self.offset + len(self.quote)


@dataclass
class Context:
    """What a rule may know besides the text: the issue's year, the units of the address book."""

    year: int | None = None
    units: tuple = ()
    _cache: dict = field(default_factory=dict, repr=False)


def _cjk(char):
    return bool(char) and IS_CJK.match(char) is not None


def _hit(text, start, end, replacement, kind, message, rule, *, widen=True):
    """A Hit for text[start:end] → replacement (None: no mechanical fix); a short quote takes its neighbours
    along, so it can be found."""
    if widen and end - start <= 3:
        left = start - 1 if start > 0 and not text[start - 1].isspace() else start
        right = end + 1 if end < len(text) and not text[end].isspace() else end
        if replacement is not None:
            replacement = text[left:start] + replacement + text[end:right]
        start, end = left, right
    return Hit(start, text[start:end], kind, message, replacement or "", rule)


def _lines(text):
    """(offset, line) for each paragraph of the text."""
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


# --- 标点 ---------------------------------------------------------------------------------------------

FULL_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
HALF_PUNCT = re.compile(r"[,;:?!]")
HALF_BRACKETS = re.compile(r"\(([^()\n]{0,40})\)")
HALF_QUOTES = re.compile(r'"([^"\n]{0,80})"')


def half_width_punctuation(text, context):
    """Half-width , ; : ? ! ( ) " in Chinese text, where GB/T 15834 writes the full-width marks."""
    taken = set()
    for match in HALF_BRACKETS.finditer(text):
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if IS_CJK.search(match.group(1)) or _cjk(before) or _cjk(after):
            taken.update((match.start(), match.end() - 1))
            yield Hit(match.start(), match.group(0), Kind.PUNCTUATION,
                      _("Half-width brackets in Chinese text: write （ ）."),
                      f"（{match.group(1)}）", "half_width_brackets")
    for match in HALF_QUOTES.finditer(text):
        if IS_CJK.search(match.group(1)):
            taken.update((match.start(), match.end() - 1))
            yield Hit(match.start(), match.group(0), Kind.PUNCTUATION,
                      _("Straight quotation marks in Chinese text: write “ ”."),
                      f"“{match.group(1)}”", "half_width_quotes")
    for match in HALF_PUNCT.finditer(text):
        i = match.start()
        char, before = match.group(0), text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if i in taken or not (_cjk(before) or _cjk(after)):
            continue
        if char in ",:" and before.isdigit() and after.isdigit():
            continue  # 1,000 and 10:30
        yield _hit(text, i, i + 1, FULL_WIDTH[char], Kind.PUNCTUATION,
                   _("Half-width “%(mark)s” in Chinese text: write “%(full)s”.") % {"mark": char,
                                                                                  "full": FULL_WIDTH[char]},
                   "half_width_punctuation")


DOUBLED_PUNCT = re.compile(r"([，；：、！？])\1+|(?<!。)。。(?!。)")
CLASHING_PUNCT = re.compile(r"[，；：、。][，；：、。]")
LINE_START_PUNCT = re.compile(r"^[，。；：、！？]", re.MULTILINE)


def doubled_punctuation(text, context):
    """A mark written twice (，， 。。), two marks that exclude each other (，。), a line that starts with one."""
    seen = set()
    for match in DOUBLED_PUNCT.finditer(text):
        seen.update(range(match.start(), match.end()))
        yield _hit(text, match.start(), match.end(), match.group(0)[0], Kind.PUNCTUATION,
                   _("The punctuation mark “%(mark)s” is written twice.") % {"mark": match.group(0)[0]},
                   "doubled_punctuation")
    for match in CLASHING_PUNCT.finditer(text):
        if match.start() in seen or match.end() - 1 in seen or len(set(match.group(0))) == 1:
            continue
        yield _hit(text, match.start(), match.end(), None, Kind.PUNCTUATION,
                   _("Two punctuation marks in a row (“%(marks)s”): keep one.") % {"marks": match.group(0)},
                   "clashing_punctuation")
    for match in LINE_START_PUNCT.finditer(text):
        if match.start() in seen:
            continue
        yield _hit(text, match.start(), match.end(), "", Kind.PUNCTUATION,
                   _("A paragraph starts with the punctuation mark “%(mark)s”.") % {"mark": match.group(0)},
                   "line_start_punctuation")


ELLIPSIS = re.compile(rf"(?<!…)…(?:…{{2}})*(?!…)|…{{3,}}|\.{{3,}}|。{{3,}}"
                      rf"|(?<=[{HAN}“”])(?:-{{2,}}|－{{2,}}|—{{3,}})(?=[{HAN}“”])")


RANGE_HYPHEN = re.compile(r"(?<=\d{4})[-－](?=\d{4}年)|(?<=\d年)[-－](?=\d{4}年)|(?<=\d日)[-－](?=\d{1,2}日)"
                          r"|(?<=\d月)[-－](?=\d{1,2}月)")
NESTED_TITLE = re.compile(r"《[^《》\n]*?([<＜]([^<>＜＞《》\n]*)[>＞])")


def ranges_and_nested_titles(text, context):
    """From … to … of years and dates is joined by “—” (2016—2017年, 17日—19日), not a hyphen; a title inside
    《》 is marked 〈〉, not < >."""
    for match in RANGE_HYPHEN.finditer(text):
        yield _hit(text, match.start(), match.end(), "—", Kind.PUNCTUATION,
                   _("A range of dates is joined by “—”, not by a hyphen."), "range_dash")
    for match in NESTED_TITLE.finditer(text):
        yield Hit(match.start(1), match.group(1), Kind.PUNCTUATION,
                  _("A title inside 《》 is marked 〈〉."), f"〈{match.group(2)}〉", "nested_title")


def dashes_and_ellipses(text, context):
    """An ellipsis is …… (two marks), a dash —— (two); … alone, ... or 。。。, -- and ——— are wrong."""
    for match in ELLIPSIS.finditer(text):
        wrong = match.group(0)
        if wrong[0] in "-－—":
            yield _hit(text, match.start(), match.end(), "——", Kind.PUNCTUATION,
                       _("A dash is written “——” (two em dashes), not “%(wrong)s”.") % {"wrong": wrong}, "dash")
            continue
        if wrong[0] == "." and not (_cjk(text[match.start() - 1:match.start()])
                                    or _cjk(text[match.end():match.end() + 1])):
            continue
        yield _hit(text, match.start(), match.end(), "……", Kind.PUNCTUATION,
                   _("An ellipsis is written “……” (two ellipsis marks), not “%(wrong)s”.") % {"wrong": wrong},
                   "ellipsis")


PAIRS = {"（": "）", "“": "”", "《": "》", "〈": "〉", "【": "】", "‘": "’"}
CLOSERS = {close: open_ for open_, close in PAIRS.items()}
PAIR_MARKS = re.compile("[{}]".format(re.escape("".join(PAIRS) + "".join(CLOSERS) + "()")))


def unpaired_marks(text, context):
    """Brackets, quotation marks and 书名号 that open and do not close in their paragraph, or close unopened."""
    for offset, line in _lines(text):
        stacks = {}
        for match in PAIR_MARKS.finditer(line):
            mark = {"(": "（", ")": "）"}.get(match.group(0), match.group(0))
            if mark in PAIRS:
                stacks.setdefault(mark, []).append(match.start())
            elif stacks.get(CLOSERS[mark]):
                stacks[CLOSERS[mark]].pop()
            else:
                yield _hit(text, offset + match.start(), offset + match.end(), None, Kind.PUNCTUATION,
                           _("“%(mark)s” closes what was never opened (“%(open)s” is missing).")
                           % {"mark": match.group(0), "open": CLOSERS[mark]}, "unpaired")
        if text.startswith("“", offset + len(line) + 1):
            # A quotation running over several paragraphs opens each one and closes only the last (GB/T 15834).
            stacks.pop("“", None)
        for mark, starts in stacks.items():
            for start in starts:
                yield _hit(text, offset + start, offset + start + 1, None, Kind.PUNCTUATION,
                           _("“%(mark)s” is opened and not closed (“%(close)s” is missing).")
                           % {"mark": mark, "close": PAIRS[mark]}, "unpaired")


SERIES_AND = re.compile(rf"、(?=(?:和|及|以及|与|或|或者)[{HAN}])")
CONJUNCTIONS = {"和", "及", "以及", "与", "或", "或者"}


def series_comma(text, context):
    """The last item of a series joined by 和 / 及 / 与 / 或 takes no 、 before the conjunction (a word of its own:
    、及时 is no conjunction)."""
    cache = context._cache.setdefault("tokens", {})
    for offset, line in _lines(text):
        for match in SERIES_AND.finditer(line):
            word = next((line[a:b] for a, b in _tokens(line, cache) if a == match.end()), "")
            if word not in CONJUNCTIONS:
                continue
            yield _hit(text, offset + match.start(), offset + match.end(), "", Kind.PUNCTUATION,
                       _("No “、” before “%(word)s”: the conjunction joins the last item of the series.")
                       % {"word": word}, "series_comma")


# --- 数字与日期 (GB/T 15835) ------------------------------------------------------------------------

FULL_DIGITS = re.compile(r"[０-９]+(?:[．.][０-９]+)?")
DOTTED_DATE = re.compile(r"(?<![\d.])((?:19|20)\d{2})([./-])(\d{1,2})\2(\d{1,2})(?![\d.])")
SLASH_DATE = re.compile(r"(?<![\d/.])(\d{1,2})/(\d{1,2})(?![\d/])")
HAO_DATE = re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})号")
CN_YEAR = re.compile(r"(?<![〇零○O0一二三四五六七八九])([一二][〇零○O0一二三四五六七八九]{3})年")
ARABIC_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}年")
CN_DIGIT = dict(zip("〇零○O0一二三四五六七八九", "00000123456789", strict=True))
WEEKDAY = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日[（(]?(?:星期|周)([一二三四五六日天])")
WEEKDAYS = "一二三四五六日"
FULL_DATE = re.compile(r"(?<!\d)(\d{4})年(\d{1,2})月(\d{1,2})日")
MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})日")
GROUPED = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?![\d,])")
UNGROUPED = re.compile(r"(?<![\d,.])\d{5,}(?![\d,.])(?=\s?(?:万|亿)?[元人户个家件份吨亩台辆次项所名株头只余多])")


def full_width_digits(text, context):
    """Digits in full width (１２３); a 公文 writes Arabic numerals in half width."""
    for match in FULL_DIGITS.finditer(text):
        half = match.group(0).translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
        yield _hit(text, match.start(), match.end(), half, Kind.NUMBERS,
                   _("Full-width digits: write Arabic numerals in half width."), "full_width_digits")


def date_formats(text, context):
    """Dates are written 2025年7月16日: not 2025.7.16, 2025-7-16, 7/16 or 7月16号."""
    for match in DOTTED_DATE.finditer(text):
        year, _sep, month, day = match.groups()
        if _valid(int(year), int(month), int(day)):
            yield _hit(text, match.start(), match.end(), f"{int(year)}年{int(month)}月{int(day)}日", Kind.NUMBERS,
                       _("Write the date as 年月日: %(date)s.")
                       % {"date": f"{int(year)}年{int(month)}月{int(day)}日"}, "date_format", widen=False)
    for match in SLASH_DATE.finditer(text):
        month, day = int(match.group(1)), int(match.group(2))
        before, after = text[match.start() - 1:match.start()], text[match.end():match.end() + 1]
        dated = before in set("于在自从至到") or after in set("起至前后上下晚召举日")
        if 1 <= month <= 12 and 1 <= day <= 31 and dated:
            yield _hit(text, match.start(), match.end(), f"{month}月{day}日", Kind.NUMBERS,
                       _("Write the date as 月日: %(date)s.") % {"date": f"{month}月{day}日"}, "date_format")
    for match in HAO_DATE.finditer(text):
        yield _hit(text, match.start(), match.end(), f"{match.group(1)}月{match.group(2)}日", Kind.NUMBERS,
                   _("A 公文 writes the day as 日, not 号."), "date_format", widen=False)


def _valid(year, month, day):
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def year_forms(text, context):
    """One article writes its years one way: 2025年 beside 二〇二五年 is inconsistent; 〇 is not 零 or ○."""
    arabic = ARABIC_YEAR.search(text)
    for match in CN_YEAR.finditer(text):
        written = match.group(1)
        digits = "".join(CN_DIGIT[c] for c in written)
        if arabic:
            yield _hit(text, match.start(), match.end(), f"{digits}年", Kind.NUMBERS,
                       _("Years are written %(arabic)s elsewhere in this article: write %(year)s.")
                       % {"arabic": arabic.group(0), "year": f"{digits}年"}, "year_forms")
        elif set(written) & set("零○O0"):
            fixed = "".join("〇" if c in "零○O0" else c for c in written)
            yield _hit(text, match.start(), match.end(), f"{fixed}年", Kind.NUMBERS,
                       _("In a year written in Chinese numerals, zero is “〇”: %(year)s.")
                       % {"year": f"{fixed}年"}, "year_forms")


def thousands_separators(text, context):
    """Large numbers are grouped the same way throughout an article: 12,345 beside 23456 is inconsistent."""
    grouped, plain = list(GROUPED.finditer(text)), list(UNGROUPED.finditer(text))
    if not grouped or not plain:
        return
    minority = grouped if len(grouped) <= len(plain) else plain
    for match in minority:
        value = match.group(0)
        suggestion = value.replace(",", "") if "," in value else f"{int(value):,}"
        yield _hit(text, match.start(), match.end(), suggestion, Kind.NUMBERS,
                   _("Numbers are grouped differently elsewhere in this article: write %(number)s.")
                   % {"number": suggestion}, "thousands_separators", widen=False)


def dates_and_weekdays(text, context):
    """A date that does not exist (2月30日) or a weekday that does not match its date."""
    for match in WEEKDAY.finditer(text):
        year = int(match.group(1)) if match.group(1) else context.year
        month, day = int(match.group(2)), int(match.group(3))
        if not year or not _valid(year, month, day):
            continue
        weekday = WEEKDAYS[datetime.date(year, month, day).weekday()]
        written = match.group(4).replace("天", "日")
        if written != weekday:
            start = match.end() - 1
            yield Hit(start, text[start], Kind.NUMBERS,
                      _("%(year)s年%(month)s月%(day)s日 is a 星期%(weekday)s.")
                      % {"year": year, "month": month, "day": day, "weekday": weekday}, weekday, "weekday")
    for match in FULL_DATE.finditer(text):
        year, month, day = (int(g) for g in match.groups())
        if 1900 <= year <= 2100 and not _valid(year, month, day):
            yield Hit(match.start(), match.group(0), Kind.NUMBERS,
                      _("There is no such date: %(date)s.") % {"date": match.group(0)}, "", "no_such_date")
    for match in MONTH_DAY.finditer(text):
        month, day = int(match.group(1)), int(match.group(2))
        if not _valid(2024, month, day):  # 2024, a leap year: 2月29日 may exist
            yield Hit(match.start(), match.group(0), Kind.NUMBERS,
                      _("There is no such date: %(date)s.") % {"date": match.group(0)}, "", "no_such_date")


# --- 序号 ---------------------------------------------------------------------------------------------

CN_NUMERALS = "一二三四五六七八九十"
LEVELS = [
    # (level, pattern at the start of a paragraph, how the number is written)
    (1, re.compile(r"([一二三四五六七八九十]{1,3})([、.．,，])"), "%s、"),
    (2, re.compile(r"[（(]([一二三四五六七八九十]{1,3})[）)]([、.．]?)"), "（%s）"),
    (3, re.compile(r"(\d{1,2})([.．、](?!\d)|[，,])"), "%s."),
    (4, re.compile(r"[（(](\d{1,2})[）)]([、.．]?)"), "（%s）"),
]
RIGHT_MARK = {1: "、", 2: "", 3: ".", 4: ""}
LEVEL_NAMES = {1: "一、", 2: "（一）", 3: "1.", 4: "（1）"}


def cn_number(text):
    """一 → 1 … 九十九 → 99."""
    if "十" not in text:
        return CN_NUMERALS.index(text) + 1 if len(text) == 1 and text != "十" else None
    tens, _ten, units = text.partition("十")
    value = (CN_NUMERALS.index(tens) + 1 if tens else 1) * 10 + (CN_NUMERALS.index(units) + 1 if units else 0)
    return value if value < 100 and (not tens or tens != "十") else None


def cn_numeral(number):
    if number <= 10:
        return CN_NUMERALS[number - 1]
    tens, units = divmod(number, 10)
    return ("" if tens == 1 else CN_NUMERALS[tens - 1]) + "十" + (CN_NUMERALS[units - 1] if units else "")


def _heading(line):
    """(level, number, match) when the paragraph starts with a heading number, else None."""
    for level, pattern, _written in LEVELS:
        match = pattern.match(line)
        if match:
            number = cn_number(match.group(1)) if level in (1, 2) else int(match.group(1))
            if number:
                return level, number, match
    return None


def heading_numbers(text, context):
    """一、→（一）→ 1. →（1）: each level counts 1, 2, 3 under its parent, a lower level never holds a
    higher one, and each level is written its one way (一、 not 一. ; （一） without 、; 1. not 1、)."""
    stack = []  # [(level, last number)], outermost first
    for offset, line in _lines(text):
        found = _heading(line)
        if not found:
            continue
        level, number, match = found
        written = LEVELS[level - 1][2]
        numeral = cn_numeral(number) if level in (1, 2) else str(number)
        mark = match.group(2)
        if mark != RIGHT_MARK[level] and not (level == 3 and mark == "．"):
            if level == 3 and mark in "，,":
                continue  # "1，2，3" is a list of numbers, not a heading
            yield Hit(offset, match.group(0), Kind.NUMBERING,
                      _("This heading level is numbered %(right)s.") % {"right": written % numeral},
                      written % numeral, "heading_mark")
        levels = [lvl for lvl, _n in stack]
        if level in levels:
            del stack[levels.index(level) + 1:]
            expected = stack[-1][1] + 1
            stack[-1] = (level, number)
        elif not stack or level > stack[-1][0]:
            expected = 1
            stack.append((level, number))
        else:
            yield Hit(offset, match.group(0), Kind.NUMBERING,
                      _("%(this)s is a higher level than the %(inner)s above it: the order is 一、→（一）→ 1. →（1）.")
                      % {"this": LEVEL_NAMES[level], "inner": LEVEL_NAMES[stack[-1][0]]}, "", "heading_order")
            stack = [(level, number)]
            continue
        if number != expected:
            right = cn_numeral(expected) if level in (1, 2) else str(expected)
            message = (_("The numbering skips from %(last)s to %(this)s.")
                       % {"last": written % (cn_numeral(expected - 1) if level in (1, 2) else expected - 1),
                          "this": written % numeral}) if number > expected else \
                (_("This level starts at %(first)s.") % {"first": written % right}) if expected == 1 else \
                (_("%(this)s follows %(last)s.") % {"this": written % numeral,
                                                    "last": written % (cn_numeral(expected - 1)
                                                                       if level in (1, 2) else expected - 1)})
            yield Hit(offset, match.group(0), Kind.NUMBERING, message,
                      match.group(0).replace(match.group(1), right, 1), "heading_sequence")


# --- 字词 ---------------------------------------------------------------------------------------------

DOUBLED_HAN = re.compile(rf"([{HAN}])\1")
# Reduplications a sentence may hold even where jieba splits them.
DOUBLES_OK = set("〇一个人天家年层步处事时条件点滴")


def _segmenter():
    from articles.search import _segmenter as segmenter  # the same jieba, with the bulletin's own words

    return segmenter()


def _tokens(line, cache):
    """Token boundaries of a paragraph (jieba's precise mode): [(start, end)], cached per paragraph."""
    if line not in cache:
        bounds, position = [], 0
        for token in _segmenter().cut(line, HMM=False):
            bounds.append((position, position + len(token)))
            position += len(token)
        cache[line] = bounds
    return cache[line]


def _begins_word(line, i):
    """True when a word of jieba's dictionary (two to four characters) starts at line[i]."""
    frequencies = _segmenter().dt.FREQ
    return any(frequencies.get(line[i:i + n]) for n in (2, 3, 4) if i + n <= len(line))


def doubled_characters(text, context):
    """A character typed twice (的的, 会议议): the second one belongs to no word (jieba) and XX is no word."""
    cache = context._cache.setdefault("tokens", {})
    for offset, line in _lines(text):
        if not DOUBLED_HAN.search(line):
            continue
        tokens = _tokens(line, cache)
        by_position = {}
        for start, end in tokens:
            for i in range(start, end):
                by_position[i] = (start, end)
        for match in DOUBLED_HAN.finditer(line):
            char, i = match.group(1), match.start()
            first, second = by_position[i], by_position[i + 1]
            if first == second or char in DOUBLES_OK:
                continue
            if second != (i + 1, i + 2) or _begins_word(line, i + 1):
                continue  # 会议|议程, 市|市场, 专报|报送: the second one begins a word
            start, end = first[0], second[1]
            quote = line[start:end]
            yield Hit(offset + start, quote, Kind.WORDING,
                      _("“%(char)s” is written twice.") % {"char": char},
                      line[start:i] + line[i + 1:end], "doubled_character")


@dataclass(frozen=True)
class WordEntry:
    wrong: str
    right: str
    whole_word: bool
    source: str


@lru_cache(maxsize=1)
def word_list():
    """The list of common 公文 错别字 and misused words (words.tsv): wrong, right, match, source."""
    entries = []
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        wrong, right, match, source = line.split("\t")
        entries.append(WordEntry(wrong, right, match == "word", source))
    return entries


@lru_cache(maxsize=1)
def _word_pattern():
    entries = sorted(word_list(), key=lambda e: -len(e.wrong))
    return re.compile("|".join(re.escape(e.wrong) for e in entries)), {e.wrong: e for e in entries}


def misused_words(text, context):
    """Words from the list of common errors (words.tsv), each entry with its source."""
    pattern, entries = _word_pattern()
    cache = context._cache.setdefault("tokens", {})
    for offset, line in _lines(text):
        for match in pattern.finditer(line):
            entry = entries[match.group(0)]
            if entry.whole_word:
                bounds = {edge for span in _tokens(line, cache) for edge in span}
                if match.start() not in bounds or match.end() not in bounds:
                    continue  # 按|装修: the letters are there, the word is not
            yield Hit(offset + match.start(), match.group(0), Kind.WORDING,
                      _("“%(wrong)s” should be “%(right)s” (%(source)s).")
                      % {"wrong": entry.wrong, "right": entry.right, "source": entry.source},
                      entry.right, "word_list")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def traditional_characters(text, context):
    """Traditional characters in simplified text, as OpenCC's t2s conversion finds them (國 → 国)."""
    convert = _converter().convert
    simplified = convert(text)
    pairs = [(text, simplified, 0)] if len(simplified) == len(text) else \
        [(line, convert(line), offset) for offset, line in _lines(text)]
    for original, converted, offset in pairs:
        if original == converted or len(original) != len(converted):
            continue
        i = 0
        while i < len(original):
            if original[i] == converted[i]:
                i += 1
                continue
            j = i
            while j < len(original) and original[j] != converted[j]:
                j += 1
            hit = _hit(original, i, j, converted[i:j], Kind.WORDING,
                       _("Traditional character in simplified text: “%(traditional)s” is written “%(simplified)s”.")
                       % {"traditional": original[i:j], "simplified": converted[i:j]}, "traditional")
            yield dataclasses.replace(hit, offset=hit.offset + offset)
            i = j


# --- 名称 ---------------------------------------------------------------------------------------------

PLACE = re.compile(r"^.{1,6}?[省市区县州旗盟]")


def short_forms(name):
    """The short forms of a unit's name that keep its place: 成都市人民政府 → 成都市政府; …工作办公室 → …办."""
    forms = {name}
    for old, new in (("人民政府", "政府"), ("工作办公室", "办公室"), ("办公室", "办"), ("委员会", "委"),
                     ("工作办", "办")):
        forms |= {form.replace(old, new) for form in forms if old in form}
    return sorted((form for form in forms if form != name and len(form) >= 4), key=len, reverse=True)


def unit_names(text, context):
    """A unit of the address book named by a short form before its full name, or with a character wrong."""
    names = [name for name in context.units if len(name) >= 4]
    if not names:
        return
    known = set(names)
    full_at = {name: text.find(name) for name in names}
    full = []  # where the units are named in full
    for name in names:
        start = text.find(name)
        while start != -1:
            full.append((start, start + len(name)))
            start = text.find(name, start + 1)
    shorts = []
    for name in sorted(names, key=len, reverse=True):
        for form in short_forms(name):
            start = text.find(form)
            while start != -1:
                end = start + len(form)
                inside = any(a <= start and end <= b for a, b in full + shorts)
                shorts.append((start, end))
                continues = text[end:end + 1] and text[end] in name[len(form) - 1:]  # 成都市地方志工作办|公厅
                named_before = -1 < full_at[name] < start
                if not (inside or continues or named_before or "简称" in text[max(0, start - 6):start]):
                    yield Hit(start, form, Kind.NAMES,
                              _("On first mention the unit is named in full: %(name)s.") % {"name": name},
                              name, "short_form")
                start = text.find(form, end)
    for name in names:
        if len(name) < 6:
            continue
        place = PLACE.match(name)
        keep = max(2, place.end() if place else 2)
        prefix = name[:keep]
        start = text.find(prefix)
        while start != -1:
            window = text[start:start + len(name)]
            if len(window) == len(name) and window not in known and not any(a <= start < b for a, b in full):
                wrong = [i for i in range(len(name)) if window[i] != name[i]]
                if len(wrong) == 1 and IS_HAN.match(window[wrong[0]]) and all(IS_HAN.match(c) for c in window):
                    yield Hit(start, window, Kind.NAMES,
                              _("The address book names this unit %(name)s.") % {"name": name}, name, "name_typo")
            start = text.find(prefix, start + 1)


RULES = [
    half_width_punctuation, doubled_punctuation, dashes_and_ellipses, ranges_and_nested_titles, unpaired_marks,
    series_comma,
    full_width_digits, date_formats, year_forms, thousands_separators, dates_and_weekdays,
    heading_numbers,
    doubled_characters, misused_words, traditional_characters,
    unit_names,
]
