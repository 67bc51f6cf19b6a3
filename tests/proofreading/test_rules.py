"""Each rule of the proofreader: what it finds, what it suggests, and what it leaves alone."""

import pytest
from django.utils import translation

from articles.proofreading import rules
from articles.proofreading.engine import proofread_text
from articles.proofreading.rules import Context

UNITS = ("成都市人民政府", "成都市地方志工作办公室")


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def hits(rule, text, **context):
    found = list(rule(text, Context(**context)))
    for hit in found:
        assert text[hit.offset:hit.end] == hit.quote
    return [(hit.quote, hit.suggestion) for hit in found]


FOUND = [
    # (rule, text, quote, suggestion)
    (rules.half_width_punctuation, "加强领导,确保落实", "导,确", "导，确"),
    (rules.half_width_punctuation, "会议指出:要抓好", "出:要", "出：要"),
    (rules.half_width_punctuation, "是否完成?请报告", "成?请", "成？请"),
    (rules.half_width_punctuation, "成效明显!", "显!", "显！"),
    (rules.half_width_punctuation, "落实;二是", "实;二", "实；二"),
    (rules.half_width_punctuation, "召开会议(扩大)研究", "(扩大)", "（扩大）"),
    (rules.half_width_punctuation, '坚持"三个不变"原则', '"三个不变"', "“三个不变”"),
    (rules.doubled_punctuation, "会议指出，，要抓好", "出，，要", "出，要"),
    (rules.doubled_punctuation, "圆满结束。。下午", "束。。下", "束。下"),
    (rules.doubled_punctuation, "会议强调，。各部门", "调，。各", ""),
    (rules.doubled_punctuation, "第一段\n，第二段", "，第", "第"),
    (rules.dashes_and_ellipses, "调研、走访…等工作", "访…等", "访……等"),
    (rules.dashes_and_ellipses, "调研、走访。。。等工作", "访。。。等", "访……等"),
    (rules.dashes_and_ellipses, "调研、走访...等工作", "访...等", "访……等"),
    (rules.dashes_and_ellipses, "一项任务--脱贫攻坚", "务--脱", "务——脱"),
    (rules.unpaired_marks, "学习《条例的精神", "习《条", ""),
    (rules.unpaired_marks, "学习条例》的精神", "例》的", ""),
    (rules.unpaired_marks, "坚持“两个维护，", "持“两", ""),
    (rules.unpaired_marks, "召开会议（扩大研究", "议（扩", ""),
    (rules.series_comma, "教育、科技、和人才", "技、和", "技和"),
    (rules.full_width_digits, "共计１２３人参加", "计１２３人", "计123人"),
    (rules.date_formats, "于2025.7.16召开", "2025.7.16", "2025年7月16日"),
    (rules.date_formats, "于2025-07-16召开", "2025-07-16", "2025年7月16日"),
    (rules.date_formats, "定于7/16召开", "7/16", "7月16日"),
    (rules.date_formats, "定于7月16号召开", "7月16号", "7月16日"),
    (rules.year_forms, "2025年工作要点，二〇二四年总结", "二〇二四年", "2024年"),
    (rules.year_forms, "二零二四年十二月", "二零二四年", "二〇二四年"),
    (rules.thousands_separators, "投入12,500元，培训23456人次，帮扶34567户", "12,500", "12500"),
    (rules.dates_and_weekdays, "2025年7月16日（星期一）召开", "一", "三"),
    (rules.dates_and_weekdays, "7月16日（星期一）召开", "一", "三"),
    (rules.dates_and_weekdays, "于2025年2月29日召开", "2025年2月29日", ""),
    (rules.dates_and_weekdays, "于2月30日召开", "2月30日", ""),
    (rules.heading_numbers, "一、总体要求\n三、保障措施", "三、", "二、"),
    (rules.heading_numbers, "一、总体要求\n（二）主要任务", "（二）", "（一）"),
    (rules.heading_numbers, "一. 总体要求", "一.", "一、"),
    (rules.heading_numbers, "（一）、加强领导", "（一）、", "（一）"),
    (rules.heading_numbers, "1、加强领导", "1、", "1."),
    (rules.heading_numbers, "1.加强领导\n（一）明确任务", "（一）", ""),
    (rules.doubled_characters, "这是我们的的责任", "的的", "的"),
    (rules.doubled_characters, "召开会议议定事项", None, None),  # 会议|议定: no finding
    (rules.misused_words, "截止目前，已完成", "截止目前", "截至目前"),
    (rules.misused_words, "做为一名党员", "做为", "作为"),
    (rules.misused_words, "要再接再励", "再接再励", "再接再厉"),
    (rules.misused_words, "统一布署", "布署", "部署"),
    (rules.misused_words, "按装摄像头", "按装", "安装"),
    (rules.traditional_characters, "国務院通知", "国務院", "国务院"),
]


@pytest.mark.parametrize(("rule", "text", "quote", "suggestion"), FOUND,
                         ids=[f"{r.__name__}:{t}" for r, t, *_ in FOUND])
def test_each_rule_quotes_the_wrong_text_and_suggests_the_right_one(rule, text, quote, suggestion):
    found = hits(rule, text, year=2025)
    if quote is None:
        assert found == []
    else:
        assert (quote, suggestion) in found


CLEAN = [
    "2025年7月16日，成都市召开会议，研究部署下一阶段工作。",
    "全市共有1,000余家企业、12,345名职工参加，时间为10:30。",
    "一、总体要求\n（一）加强领导\n1.明确分工\n（1）细化任务\n2.压实责任\n（二）强化保障\n二、工作措施",
    "会议议程包括：学习《中华人民共和国地方志工作条例》。",
    "“两个确立”“两个维护”",
    "中国国际进口博览会、人民民主、工作作风、这个个人",
    "按装修标准执行，按排名先后",
    "瞭望、狼藉、乾坤",
    "2011—2015年，上海—北京",
    "调研、走访……等工作——这是大事。",
    "二〇二五年七月十六日",
    "WTO (World Trade Organization)",
    "常常、天天、人人、刚刚、谢谢、研究研究、认认真真",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_has_no_finding(text):
    assert proofread_text(text, Context(year=2025, units=UNITS)) == []


def test_a_quotation_over_several_paragraphs_opens_each_and_closes_the_last():
    assert hits(rules.unpaired_marks, "“第一段。\n“第二段。”") == []


def test_a_short_form_before_the_full_name_is_found():
    assert hits(rules.unit_names, "成都市政府召开会议", units=UNITS) == [("成都市政府", "成都市人民政府")]


def test_a_short_form_after_the_full_name_is_fine():
    assert hits(rules.unit_names, "成都市人民政府召开会议。成都市政府要求", units=UNITS) == []


def test_a_short_form_introduced_as_such_is_fine():
    assert hits(rules.unit_names, "（以下简称成都市政府）", units=UNITS) == []


def test_a_unit_name_with_one_character_wrong_is_found():
    assert hits(rules.unit_names, "成都市地方志工作办公厅发文", units=UNITS) == [
        ("成都市地方志工作办公厅", "成都市地方志工作办公室")]


def test_another_place_of_the_same_name_is_not_a_typo():
    assert hits(rules.unit_names, "德阳市地方志工作办公室发文", units=UNITS) == []


def test_every_word_list_entry_has_a_source_and_its_right_form_is_not_flagged():
    entries = rules.word_list()
    assert len(entries) >= 40
    for entry in entries:
        assert entry.source and entry.wrong != entry.right
        assert not [h for h in rules.misused_words(entry.right, Context()) if h.quote == entry.wrong]


def test_chinese_numbers_read_and_write_both_ways():
    for n in range(1, 100):
        assert rules.cn_number(rules.cn_numeral(n)) == n
