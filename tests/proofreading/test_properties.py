"""Property tests over what the article form accepts: the proofreader never crashes, and its offsets always point
at its quotes, in the plain text and in the stored HTML a suggestion is applied to."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.content.sanitize import sanitize_html
from articles.proofreading.engine import proofread_text
from articles.proofreading.rules import Context
from articles.proofreading.text import ArticleText, body_text

PIECES = list("的会议国務院截止目前布署再接再励一二三四五六七八九十〇零年月日号星期周")
PIECES += list("，。、；：？！“”‘’（）《》〈〉【】—…·,.;:?!()\"'<>-－/ \n") + list("0123456789０１２３")
PIECES += ["一、", "（一）", "1.", "（1）", "1、", "三、", "2025.7.16", "7/16", "成都市政府", "成都市地方志工作办公厅",
           "12,345", "23456元", "二〇二四年", "2025年7月16日（星期一）", "&amp;", "&nbsp;", "<p>", "</p>",
           "<strong>", "</strong>", "<br>", "<h3>", "</h3>", "<li>", "<table><tr><td>", "</td></tr></table>"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=60).map("".join) | st.text(max_size=80)
CONTEXT = Context(year=2025, units=("成都市人民政府", "成都市地方志工作办公室"))
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXT)
def test_the_proofreader_never_crashes_and_each_offset_points_at_its_quote(text):
    for hit in proofread_text(text, Context(year=2025, units=CONTEXT.units)):
        assert text[hit.offset:hit.offset + len(hit.quote)] == hit.quote
        assert hit.quote


@FAST
@given(TEXT, TEXT, TEXT)
def test_on_a_stored_article_offsets_point_at_quotes_and_suggestions_land_where_the_quote_was(title, subtitle, body):
    stored = sanitize_html(body)
    article = ArticleText(title=title.replace("\r", ""), subtitle=subtitle, body=stored)
    text = article.text
    for hit in proofread_text(text, Context(year=2025, units=CONTEXT.units)):
        assert text[hit.offset:hit.end] == hit.quote
        if not hit.suggestion or hit.suggestion == hit.quote:
            continue
        fields = article.replaced(hit.offset, hit.end, hit.suggestion)
        if fields is None:
            continue  # crosses formatting: applied by hand
        after = ArticleText(**fields).text
        assert after[:hit.offset] == text[:hit.offset]
        assert after[hit.offset:hit.offset + len(hit.suggestion)] == hit.suggestion


@FAST
@given(TEXT)
def test_the_plain_text_of_a_body_maps_every_character_back_to_the_html(body):
    stored = sanitize_html(body)
    text, starts, ends = body_text(stored)
    assert len(text) == len(starts) == len(ends)
    for char, start, end in zip(text, starts, ends, strict=True):
        if start == -1:
            assert char == "\n"
        elif end - start == 1:
            assert stored[start] == char or (char == " " and stored[start].isspace())
