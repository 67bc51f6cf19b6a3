"""`load_demo`: the seed bulletin word for word, a draft, an issue under review, demo accounts; idempotent."""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from articles.models import Article, Award, Distribution, Issue, IssueLog, Meeting, Recipient, RecipientGroup, Series
from articles.selectors import address_lines

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "000_8f8c403cddf73fcf.txt"
CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"


def load_demo():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts():
    models = [Series, Issue, Article, Meeting, Award, IssueLog, Recipient, RecipientGroup, Distribution,
              get_user_model()]
    return {model.__name__: model.objects.count() for model in models} | {
        "group members": RecipientGroup.members.through.objects.count(),
        "unit accounts": Recipient.members.through.objects.count(),
        "user roles": get_user_model().groups.through.objects.count(),
    }


@pytest.fixture
def demo(fake_pdf):
    load_demo()
    return Issue.objects.get(status=Issue.Status.ISSUED)


def test_loading_the_demo_twice_adds_nothing_the_second_time():
    first = load_demo()
    after_first = counts()

    second = load_demo()

    assert counts() == after_first
    assert after_first["Issue"] == 3 and after_first["Article"] == 4
    assert after_first["Recipient"] == 4 and after_first["User"] == 4
    assert "已创建" in first and "已创建" not in second
    issued = Issue.objects.get(status=Issue.Status.ISSUED)
    with issued.pdf_file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"


def test_the_demo_series_has_the_two_step_chain_and_its_issue_went_through_both(demo):
    issued = Issue.objects.get(status=Issue.Status.ISSUED)
    steps = [(s.name, s.group.name) for s in issued.series.review_steps.all()]
    assert steps == [("核稿", "综合处处长"), ("签发", "领导")]
    assert list(issued.log.values_list("action", "step", "actor__username")) == [
        ("issue.create", "", "editor"), ("issue.submit", "", "editor"),
        ("issue.approve", "核稿", "chief"), ("issue.issue", "签发", "leader"),
    ]
    waiting = Issue.objects.get(status=Issue.Status.REVIEW)
    assert (waiting.current_step["name"], waiting.step_group.name) == ("核稿", "综合处处长")


def test_the_demo_has_an_issued_issue_a_draft_and_an_issue_under_review(demo):
    assert sorted(Issue.objects.values_list("status", flat=True)) == ["draft", "issued", "review"]
    for issue in Issue.objects.exclude(status=Issue.Status.ISSUED):
        assert issue.articles.exists() and issue.number is None


def test_the_issued_demo_issue_is_the_seed_bulletin(demo):
    assert (demo.year, demo.number, demo.total_number) == (2021, 1, 1)
    assert demo.issue_date == demo.print_date == datetime.date(2021, 1, 13)
    assert demo.print_run == 12
    assert demo.disclosure == Issue.Disclosure.PUBLIC
    assert demo.get_disclosure_display() == "主动公开"
    assert demo.series.name == "地方志工作信息"
    assert demo.series.issuing_office == "四川省地方志工作办公室综合处"
    assert demo.issued_by.username == "leader" and demo.submitted_by.username == "editor"
    assert address_lines(demo) == [
        ("报", "省直机关工委，省纪委监委驻省政府办公厅纪检监察组。"),
        ("发", "机关各处，四川年鉴社。"),
    ]


def test_the_demo_articles_carry_the_meeting_and_award_facts(demo):
    meeting_article, award_article = demo.articles.order_by("position")

    assert meeting_article.kind == Article.Kind.MEETING
    assert meeting_article.title_lines == ["省地方志办召开党组中心组（扩大）学习会", "传达学习中央、省委文件和会议精神"]
    meeting = meeting_article.meeting
    assert meeting.date == datetime.date(2021, 1, 12)
    assert meeting.organiser == "省地方志办党组"
    assert "陈建春" in meeting.chair
    assert "赵行" in meeting.attendees and "四川年鉴社副处级以上领导干部" in meeting.attendees
    assert "二〇二一年新年贺词" in meeting.topics

    assert award_article.kind == Article.Kind.AWARD
    assert award_article.title_lines == [
        "省地方志办团支部", "获“阅青春·阅努力·阅初心·阅践行”", "省直机关青年读习语金句网络接力分享赛组织奖",
    ]
    award = award_article.award
    assert award.awardee == "省地方志办团支部"
    assert award.awarding_body == "共青团四川省直属机关工作委员会"
    assert award.award_name.endswith("组织奖")
    assert "获奖情况的通报" in award.notice


def seed_text():
    """The seed with the extraction's artefacts undone: lines rejoined, page number and digit/CJK spaces gone."""
    if not SEED.is_file():
        pytest.skip(f"the seed bulletin is not here ({SEED}); it lives outside the project")
    text = "".join(line.strip() for line in SEED.read_text(encoding="utf-8").splitlines())
    text = text.replace("—4—", "")
    return re.sub(rf"(?<=\d) (?={CJK})|(?<={CJK}) (?=\d)", "", text)


def sentences(text, first, last):
    """The sentences of `text` from the one starting with `first` to the one ending with `last`."""
    part = text[text.index(first):text.index(last) + len(last)]
    return [s + "。" for s in part.split("。") if s]


def body_text(article):
    return re.sub(r"<[^>]+>", "", article.body)


def test_the_demo_articles_are_the_seed_word_for_word(demo):
    seed = seed_text()
    meeting_article, award_article = demo.articles.order_by("position")
    meeting_sentences = sentences(seed, "1月12日，省地方志办党组", "领导干部参加学习会。")
    award_sentences = sentences(seed, "近日，共青团四川省直属机关工作委员会", "贡献方志青年力量。")

    assert len(meeting_sentences) >= 10 and len(award_sentences) >= 10
    for sentence in meeting_sentences:
        assert sentence in body_text(meeting_article), sentence
    for sentence in award_sentences:
        assert sentence in body_text(award_article), sentence
    assert "—4—" not in body_text(award_article)
    assert "1月 12日" not in body_text(meeting_article)
    for exact in ("对12个获得单项奖的团组织和37个获得组织奖的团组织进行通报表扬", "各平台点赞和阅读量48802",
                  "抓好2021年各项工作"):
        assert exact in seed and exact in body_text(meeting_article) + body_text(award_article)


def test_the_seed_end_block_matches_the_demo(demo):
    seed = seed_text()

    assert "信息公开选项：主动公开" in seed
    for prefix, line in address_lines(demo):
        assert f"{prefix}：{line}" in seed
    assert "四川省地方志工作办公室综合处2021年1月13日印发" in seed
    assert "（共印12份）" in seed


def test_the_demo_accounts_log_in_with_the_printed_password(client, fake_pdf):
    output = load_demo()

    password = re.search(r"(?:password: |密码：)([^\s（(]+)", output).group(1)
    for username in ("editor", "leader", "reader"):
        assert client.login(username=username, password=password), username
    User = get_user_model()
    assert list(User.objects.get(username="editor").groups.values_list("name", flat=True)) == ["编辑"]
    assert list(User.objects.get(username="leader").groups.values_list("name", flat=True)) == ["领导"]
    reader = User.objects.get(username="reader")
    assert not reader.is_staff and not reader.groups.exists()
    assert list(reader.recipient_units.values_list("name", flat=True)) == ["四川年鉴社"]


def test_loading_the_demo_again_never_resets_a_changed_password(client, fake_pdf):
    output = load_demo()
    password = re.search(r"(?:password: |密码：)([^\s（(]+)", output).group(1)
    editor = get_user_model().objects.get(username="editor")
    editor.set_password("changed-by-someone")
    editor.save()

    load_demo()

    assert not client.login(username="editor", password=password)
    assert client.login(username="editor", password="changed-by-someone")


def test_the_project_never_reads_the_shared_folder():
    for folder in ("articles", "distribution", "bulletin_cms", "templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".html", ".txt", ".json"}:
                text = path.read_text(encoding="utf-8")
                assert "shared/seed" not in text and "../shared" not in text, path
