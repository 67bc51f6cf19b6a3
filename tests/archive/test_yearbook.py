"""大事记 and 荣誉: meetings and awards of issued issues, by date, each citing its issue, as .docx and .csv."""

import csv
import io

import docx
import pytest
from django.core.management import CommandError, call_command

from articles.archive.yearbook import award_sentence, meeting_sentence, yearbook_csv, yearbook_docx, yearbook_entries
from articles.models import Article, Award, Meeting
from tests.archive.conftest import day, issued
from tests.factories import SeriesFactory, draft_issue

pytestmark = pytest.mark.django_db

OFFICE_MEETING = {"date": day(1, 12), "organiser": "省地方志办公室", "name": "2021年第1次主任办公会",
                  "chair": "党组书记、主任陈建春", "topics": "《2021年全省地方志工作要点》，议定了全年重点工作"}
PARTY_MEETING = {"date": day(1, 12), "organiser": "省地方志办党组", "name": "党组中心组（扩大）学习会",
                 "chair": "", "topics": "传达学习中央、省委文件和会议精神。"}
DECEMBER_MEETING = {"date": day(12, 30, 2020), "organiser": "省地方志办公室", "name": "年终工作总结会"}
YOUTH_AWARD = {"awarding_body": "共青团四川省直属机关工作委员会", "award_name": "组织奖", "awardee": "省地方志办团支部",
               "notice": "《关于青年读习语金句网络接力分享赛获奖情况的通报》"}
ARCHIVE_AWARD = {"awarding_body": "省档案局", "award_name": "档案工作先进集体", "awardee": "省地方志办综合处",
                 "date": day(1, 8)}


@pytest.fixture
def world(fake_pdf, series):
    """Two issues of 地方志工作信息 and one of another series, issued in 2021, and a draft that never counts."""
    first = issued(series=series, issue_date=day(1, 13), meetings=[OFFICE_MEETING], awards=[YOUTH_AWARD])
    second = issued(series=series, issue_date=day(3, 2), meetings=[PARTY_MEETING, DECEMBER_MEETING],
                    awards=[ARCHIVE_AWARD])
    other_series = SeriesFactory(name="年鉴工作动态")
    other = issued(series=other_series, issue_date=day(2, 1),
                   meetings=[{"date": day(1, 5), "organiser": "四川年鉴社", "name": "编纂工作会"}])
    draft = draft_issue(series=series, articles=0, issue_date=day(1, 20))
    return {"first": first, "second": second, "other": other, "other_series": other_series, "draft": draft}


def sections(content):
    """{heading: [paragraph text, ...]} of a .docx, read back with python-docx."""
    document = docx.Document(io.BytesIO(content))
    found, current = {}, None
    for paragraph in document.paragraphs:
        if paragraph.style.name == "Heading 1":
            current = found.setdefault(paragraph.text, [])
        elif current is not None:
            current.append(paragraph.text)
    return found


def test_the_docx_lists_meetings_by_day_in_the_customary_form_each_citing_its_issue(world, series):
    content = yearbook_docx(yearbook_entries(year=2021, series=series))
    assert sections(content)["大事记"] == [
        "1月12日，省地方志办公室召开2021年第1次主任办公会，党组书记、主任陈建春主持。"
        "会议研究了《2021年全省地方志工作要点》，议定了全年重点工作。（《地方志工作信息》2021年第1期）"
        # The same day reported in a later issue: one paragraph per day.
        "同日，省地方志办党组召开党组中心组（扩大）学习会。会议传达学习中央、省委文件和会议精神。"
        "（《地方志工作信息》2021年第2期）",
    ]


def test_awards_are_the_honours_by_date_and_one_without_a_date_takes_its_issues(world, series):
    content = yearbook_docx(yearbook_entries(year=2021, series=series))
    assert sections(content)["荣誉"] == [
        "1月8日，省地方志办综合处获省档案局授予的档案工作先进集体。（《地方志工作信息》2021年第2期）",
        "1月13日，共青团四川省直属机关工作委员会印发《关于青年读习语金句网络接力分享赛获奖情况的通报》，"
        "省地方志办团支部获组织奖。（《地方志工作信息》2021年第1期）",
    ]


def test_the_date_opens_each_paragraph_in_bold_and_the_document_is_titled(world, series):
    document = docx.Document(io.BytesIO(yearbook_docx(yearbook_entries(year=2021, series=series))))
    assert document.paragraphs[0].text == "地方志工作信息2021年大事记与荣誉"
    first_entry = next(p for p in document.paragraphs if p.text.startswith("1月12日"))
    assert first_entry.runs[0].text == "1月12日，" and first_entry.runs[0].bold


def test_the_docx_is_a4_with_the_official_margins(world, series):
    document = docx.Document(io.BytesIO(yearbook_docx(yearbook_entries(year=2021, series=series))))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.left_margin.mm), round(section.top_margin.mm)) == (28, 37)


def test_a_year_is_when_it_happened_not_when_it_was_reported(world, series):
    assert [e.facts.name for e in yearbook_entries(year=2020, series=series).events] == ["年终工作总结会"]
    text = "".join(sections(yearbook_docx(yearbook_entries(year=2020, series=series)))["大事记"])
    assert text == "12月30日，省地方志办公室召开年终工作总结会。（《地方志工作信息》2021年第2期）"


def test_every_series_unless_one_is_chosen_and_drafts_never(world):
    Meeting.objects.create(article=Article.objects.create(issue=world["draft"], kind="meeting", title="草稿会议"),
                           date=day(1, 20), organiser="某处", name="草稿会议")
    everything = yearbook_entries(year=2021)
    assert [(e.date, e.issue) for e in everything.events] == [
        (day(1, 5), world["other"]), (day(1, 12), world["first"]), (day(1, 12), world["second"])]
    assert "草稿会议" not in "".join(sections(yearbook_docx(everything))["大事记"])
    assert [e.facts.name for e in yearbook_entries(year=2021, series=world["other_series"]).events] == ["编纂工作会"]
    assert sections(yearbook_docx(everything))["大事记"][0] == \
        "1月5日，四川年鉴社召开编纂工作会。（《年鉴工作动态》2021年第1期）"


def test_an_empty_year_says_so():
    found = sections(yearbook_docx(yearbook_entries(year=1999)))
    assert found == {"大事记": ["（本年无记录）"], "荣誉": ["（本年无记录）"]}


def test_the_csv_has_a_bom_and_the_same_entries_as_the_docx(world, series):
    yearbook = yearbook_entries(year=2021, series=series)
    content = yearbook_csv(yearbook)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header, rows = rows[0], rows[1:]
    assert header[:4] == ["栏目", "日期", "条目", "召开单位"]
    assert header[-4:] == ["日期取自所载简报", "刊物", "简报", "出刊日期"]
    assert [(r[0], r[1]) for r in rows] == [
        ("大事记", "2021-01-12"), ("大事记", "2021-01-12"), ("荣誉", "2021-01-08"), ("荣誉", "2021-01-13")]
    by_column = [dict(zip(header, row, strict=True)) for row in rows]
    assert by_column[0]["条目"].startswith("1月12日，省地方志办公室召开2021年第1次主任办公会")
    assert by_column[0]["主持人"] == "党组书记、主任陈建春"
    assert by_column[1]["条目"].startswith("1月12日，省地方志办党组召开")  # on its own, each entry has its date
    assert by_column[3]["获奖者"] == "省地方志办团支部" and by_column[3]["日期取自所载简报"] == "是"
    assert by_column[2]["日期取自所载简报"] == ""
    assert [(r["刊物"], r["简报"], r["出刊日期"]) for r in by_column][:2] == [
        ("地方志工作信息", "2021年第1期", "2021-01-13"), ("地方志工作信息", "2021年第2期", "2021-03-02")]
    docx_text = "".join(sum(sections(yearbook_docx(yearbook)).values(), []))
    for row in by_column:
        assert row["条目"].split("，", 1)[1] in docx_text


def test_the_yearbook_command_writes_both_files(world, series, tmp_path, capsys):
    call_command("yearbook", "--year", "2021", "--series", str(series.pk),
                 "--docx", str(tmp_path / "y.docx"), "--csv", str(tmp_path / "y.csv"))
    assert "会议 2 项，表彰 2 项" in capsys.readouterr().out
    assert len(sections((tmp_path / "y.docx").read_bytes())["大事记"]) == 1
    assert (tmp_path / "y.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_yearbook_command_refuses_an_unknown_series_and_no_output(tmp_path):
    with pytest.raises(CommandError, match="没有 ID 为 999 的刊物"):
        call_command("yearbook", "--year", "2021", "--series", "999", "--csv", str(tmp_path / "y.csv"))
    with pytest.raises(CommandError, match="--docx"):
        call_command("yearbook", "--year", "2021")
    assert not (tmp_path / "y.csv").exists()


def test_the_yearbook_takes_two_queries_however_many_entries(world, django_assert_num_queries):
    with django_assert_num_queries(2):
        yearbook = yearbook_entries(year=2021)
        yearbook_csv(yearbook)
        yearbook_docx(yearbook)


@pytest.mark.parametrize("facts, sentence", [
    ({"organiser": "省地方志办公室", "name": "2021年第1次主任办公会", "chair": "陈建春", "topics": "年鉴编纂工作；"},
     "省地方志办公室召开2021年第1次主任办公会，陈建春主持。会议研究了年鉴编纂工作。"),
    ({"organiser": "省地方志办", "name": "省地方志办主任办公会", "chair": "陈建春主持。", "topics": ""},
     "省地方志办召开主任办公会，陈建春主持。"),
    ({"organiser": "党组", "name": "学习会", "chair": "", "topics": "传达学习了有关文件"},
     "党组召开学习会。会议传达学习了有关文件。"),
    ({"organiser": "党组", "name": "学习会", "chair": "", "topics": "会议审议通过了工作要点。"},
     "党组召开学习会。会议审议通过了工作要点。"),
])
def test_a_meeting_is_one_sentence_whatever_the_facts_were_typed_like(facts, sentence):
    assert meeting_sentence(Meeting(date=day(1, 1), **facts)) == sentence


@pytest.mark.parametrize("notice, sentence", [
    ("《关于表彰的通报》", "团工委印发《关于表彰的通报》，团支部获组织奖。"),
    ("川团直〔2021〕3号", "团支部获团工委授予的组织奖（川团直〔2021〕3号）。"),
    ("", "团支部获团工委授予的组织奖。"),
])
def test_an_award_names_its_notice_when_there_is_one(notice, sentence):
    award = Award(awarding_body="团工委", award_name="组织奖", awardee="团支部", notice=notice)
    assert award_sentence(award) == sentence
