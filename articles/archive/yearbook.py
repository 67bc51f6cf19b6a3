"""大事记 and 荣誉 for the yearbook: the meetings and awards reported in issued issues, as .docx and .csv.

The entries are the facts recorded beside meeting reports and award notices (Meeting, Award), in the
customary 大事记 form: one paragraph per day, opening with the date ("1月12日，"), each entry a sentence
built from the facts and followed by the issue it was reported in ("（《地方志工作信息》2021年第1期）").
A year is the year the meeting was held or the award given, so a December meeting reported in January
belongs to the year it happened; an award without its own date takes its issue's date.

The document's words (大事记, 召开, 主持, 会议研究了, 同日) are the yearbook's, in Chinese whatever the
interface language, like the printed issue; the CSV's column names are interface strings.
"""

import datetime
import io
import itertools
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from articles.archive.spreadsheet import csv_text, safe_rows
from articles.models import Article, Award, Issue, Meeting

# The topics of a meeting that already say what the meeting did are not given a verb of our own.
TOPIC_VERBS = ("研究", "审议", "传达", "学习", "听取", "讨论", "部署", "通过", "决定", "议定", "分析", "总结", "安排")
END_PUNCTUATION = "。；;，,、 \n"
SAME_DAY = "同日，"


@dataclass(frozen=True)
class Entry:
    """One item of 大事记 (a meeting) or 荣誉 (an award), with the facts it was built from."""

    kind: str  # Meeting.kind or Award.kind
    date: datetime.date
    date_from_issue: bool  # an award recorded without a date: its issue's date stands in
    sentence: str  # what happened, without the date, ending in 。
    source: str  # （《刊物》2021年第1期）
    issue: Issue
    facts: Meeting | Award

    @property
    def day(self):
        return f"{self.date.month}月{self.date.day}日"

    @property
    def text(self):
        """The entry as it reads on its own: date, sentence, source."""
        return f"{self.day}，{self.sentence}{self.source}"


@dataclass(frozen=True)
class Yearbook:
    """The 大事记 (meetings) and 荣誉 (awards) of one year, optionally of one series, in date order."""

    year: int
    series: object  # a Series, or None for every series
    events: list
    honours: list

    @property
    def title(self):
        return f"{self.series.name if self.series else ''}{self.year}年大事记与荣誉"

    def filename(self, extension):
        return f"{self.title}.{extension}"


def _source(issue):
    return f"（《{issue.printed_series.name}》{issue.label}）"


def _clause(text):
    """`text` stripped of the punctuation it ends with, so that a sentence can end it."""
    return text.strip().rstrip(END_PUNCTUATION)


def meeting_sentence(meeting):
    """省地方志办公室召开2021年第1次主任办公会，陈建春主持。会议研究了……。"""
    organiser, name, chair = meeting.organiser.strip(), _clause(meeting.name), _clause(meeting.chair)
    # The facts are typed by people: a name that repeats its organiser, a chair that says 主持 already.
    sentence = f"{organiser}召开{name.removeprefix(organiser) or name}"
    if chair:
        sentence += f"，{chair.removesuffix('主持')}主持"
    sentence += "。"
    topics = _clause(meeting.topics)
    if topics.startswith("会议"):
        sentence += f"{topics}。"
    elif topics:
        sentence += f"会议{topics}。" if topics.startswith(TOPIC_VERBS) else f"会议研究了{topics}。"
    return sentence


def award_sentence(award):
    """团工委印发《……通报》，省地方志办团支部获组织奖。 / 团支部获团工委授予的组织奖。"""
    body, name, awardee, notice = (_clause(award.awarding_body), _clause(award.award_name),
                                   _clause(award.awardee), award.notice.strip())
    if notice.startswith("《"):
        return f"{body}印发{_clause(notice)}，{awardee}获{name}。"
    return f"{awardee}获{body}授予的{name}" + (f"（{_clause(notice)}）" if notice else "") + "。"


def yearbook_entries(*, year, series=None):
    """The Yearbook of `year` (of `series`, or all): meetings and awards of issued issues, by date."""
    issued = {"article__issue__status": Issue.Status.ISSUED}
    if series is not None:
        issued["article__issue__series"] = series
    in_issue_order = ["article__issue__issue_date", "article__issue__number", "article__position", "pk"]
    meetings = (Meeting.objects.filter(date__year=year, **issued).select_related("article__issue__series")
                .order_by("date", *in_issue_order))
    awards = (Award.objects.annotate(day=Coalesce("date", F("article__issue__issue_date")))
              .filter(day__year=year, **issued).select_related("article__issue__series")
              .order_by("day", *in_issue_order))
    events = [Entry(kind=m.kind, date=m.date, date_from_issue=False, sentence=meeting_sentence(m),
                    source=_source(m.article.issue), issue=m.article.issue, facts=m) for m in meetings]
    honours = [Entry(kind=a.kind, date=a.day, date_from_issue=a.date is None, sentence=award_sentence(a),
                     source=_source(a.article.issue), issue=a.article.issue, facts=a) for a in awards]
    return Yearbook(year=year, series=series, events=events, honours=honours)


def by_day(entries):
    """[(date, [entry, ...])] in date order: one paragraph of 大事记 each."""
    return [(day, list(group)) for day, group in itertools.groupby(entries, key=lambda entry: entry.date)]


# --- .docx -----------------------------------------------------------------------------------------------

BODY_FONT, HEADING_FONT = "宋体", "黑体"


def _east_asian_font(style, name):
    """Word takes a Chinese run's face from w:eastAsia, which python-docx's font.name does not set."""
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    style.font.name = name


def _set_language(style, tag="zh-CN"):
    rpr = style.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), tag)


def yearbook_docx(yearbook):
    """The yearbook's 大事记 and 荣誉 as an editable Word document (bytes)."""
    document = Document()
    # A4 with the margins of GB/T 9704 (python-docx's template is US Letter).
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    _east_asian_font(normal, BODY_FONT)
    _set_language(normal)
    normal.font.size = Pt(12)
    normal.paragraph_format.first_line_indent = Pt(24)  # two characters, as Chinese prose is set
    normal.paragraph_format.space_after = Pt(6)
    for name in ("Title", "Heading 1"):
        style = document.styles[name]
        _east_asian_font(style, HEADING_FONT)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.first_line_indent = Pt(0)
    document.core_properties.title = yearbook.title
    document.core_properties.language = "zh-CN"

    title = document.add_heading(yearbook.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for heading, entries in (("大事记", yearbook.events), ("荣誉", yearbook.honours)):
        document.add_heading(heading, level=1)
        if not entries:
            document.add_paragraph("（本年无记录）")
        for _day, same_day in by_day(entries):
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{same_day[0].day}，").bold = True
            for i, entry in enumerate(same_day):
                paragraph.add_run(f"{SAME_DAY if i else ''}{entry.sentence}{entry.source}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- .csv ------------------------------------------------------------------------------------------------

def _field(model, name):
    return model._meta.get_field(name).verbose_name


MEETING_FACTS = ["organiser", "name", "chair", "topics"]
AWARD_FACTS = ["awarding_body", "award_name", "awardee", "notice"]
CSV_COLUMNS = [
    _("section"), _field(Meeting, "date"), _("entry"),
    *(_field(Meeting, name) for name in MEETING_FACTS), *(_field(Award, name) for name in AWARD_FACTS),
    _("date taken from the issue"), _field(Issue, "series"), _field(Article, "issue"), _field(Issue, "issue_date"),
]
SECTION = {Meeting.kind: "大事记", Award.kind: "荣誉"}


def yearbook_rows(yearbook):
    """The entries as rows of plain strings (header first): the same entries, in the same order, as the .docx."""
    with translation.override(settings.LANGUAGE_CODE):
        rows = [[str(label) for label in CSV_COLUMNS]]
        for entry in [*yearbook.events, *yearbook.honours]:
            issue = entry.issue
            rows.append([
                SECTION[entry.kind], entry.date.isoformat(), entry.text,
                *(getattr(entry.facts, name) if entry.kind == Meeting.kind else "" for name in MEETING_FACTS),
                *(getattr(entry.facts, name) if entry.kind == Award.kind else "" for name in AWARD_FACTS),
                gettext("Yes") if entry.date_from_issue else "", issue.printed_series.name, str(issue.label),
                issue.issue_date.isoformat(),
            ])
    return rows


def yearbook_csv(yearbook):
    """The rows as CSV, UTF-8 with a BOM so that Excel reads the Chinese as Chinese (bytes)."""
    return csv_text(safe_rows(yearbook_rows(yearbook))).encode("utf-8")
