"""Recall: errors of every kind injected into copies of the corpus; at least 90 % found, each by a quote of it."""

import re

import opencc
import pytest
from django.utils import translation

from articles.proofreading.engine import proofread_text
from articles.proofreading.rules import Context
from tests.proofreading.corpus import bulletins

UNITS = ("成都市人民政府", "成都市地方志工作办公室")
TO_TRADITIONAL = opencc.OpenCC("s2t")


def _replace_first(pattern, make):
    """An injection that rewrites the first match of `pattern`: (text) → (copy, start, end of the wrong text)."""
    def inject(text):
        match = re.search(pattern, text)
        if not match:
            return None
        wrong = make(match)
        return text[:match.start()] + wrong + text[match.end():], match.start(), match.start() + len(wrong)
    return inject


def _append(paragraphs, wrong):
    """An injection that adds paragraphs at the end; `wrong` is the wrong text inside them."""
    def inject(text):
        added = "\n" + paragraphs
        start = len(text) + added.index(wrong)
        return text + added, start, start + len(wrong)
    return inject


def _traditional(text):
    for match in re.finditer(r"[\u4e00-\u9fff]", text):
        converted = TO_TRADITIONAL.convert(match.group(0))
        if converted != match.group(0):
            return text[:match.start()] + converted + text[match.end():], match.start(), match.end()
    return None


INJECTIONS = {
    "标点 half-width comma": _replace_first(r"(?<=[\u4e00-\u9fff])，", lambda m: ","),
    "标点 half-width colon": _append("会议要求:各单位抓好落实。", ":"),
    "标点 half-width brackets": _replace_first(r"（([^（）\n]{1,20})）", lambda m: f"({m.group(1)})"),
    "标点 doubled comma": _replace_first(r"(?<=[\u4e00-\u9fff])，", lambda m: "，，"),
    "标点 doubled full stop": _replace_first(r"(?<=[\u4e00-\u9fff])。(?=[\u4e00-\u9fff])", lambda m: "。。"),
    "标点 comma and full stop": _replace_first(r"(?<=[\u4e00-\u9fff])。", lambda m: "，。"),
    "标点 unclosed 书名号": _append("认真学习《条例的有关规定。", "《"),
    "标点 unclosed quotation": _append("坚持“两个维护，抓好落实。", "“"),
    "标点 single ellipsis": _append("开展走访、调研…等工作。", "…"),
    "标点 、 before 和": _append("加强教育、科技、和人才工作。", "、和"),
    "数字 full-width digits": _replace_first(r"\d+", lambda m: m.group(0).translate(str.maketrans(
        "0123456789", "０１２３４５６７８９"))),
    "数字 dotted date": _append("会议于2025.7.16召开。", "2025.7.16"),
    "数字 号 for 日": _append("定于7月16号召开推进会。", "7月16号"),
    "数字 weekday": _append("2025年7月16日（星期一），召开推进会。", "一"),
    "数字 mixed year forms": _append("2025年工作要点已于二〇二四年底印发。", "二〇二四年"),
    "数字 no such date": _append("于2025年2月30日召开。", "2025年2月30日"),
    "序号 skipped number": _append("一、工作进展\n三、下一步打算", "三、"),
    "序号 wrong mark": _append("一、工作进展\n（一）加强领导\n1、明确分工", "1、"),
    "序号 reversed levels": _append("（一）加强领导\n一、工作进展", "一、"),
    "字词 doubled character": _replace_first(r"的(?![的确])", lambda m: "的的"),
    "字词 截止目前": _append("截止目前，已完成全年任务。", "截止目前"),
    "字词 再接再励": _append("要再接再励，推动工作再上新台阶。", "再接再励"),
    "字词 布署": _replace_first(r"部署", lambda m: "布署"),
    "字词 traditional character": _traditional,
    "名称 typo in a unit's name": _append("成都市地方志工作办公厅印发通知。", "成都市地方志工作办公厅"),
    "名称 short form first": _append("成都市政府召开常务会议。", "成都市政府"),
}


def _found(text, start, end):
    hits = proofread_text(text, Context(year=2025, units=UNITS))
    return any(hit.offset < end and start < hit.end and text[hit.offset:hit.end] == hit.quote for hit in hits)


def test_recall_over_injected_errors_is_at_least_ninety_percent():
    tried, missed = 0, []
    with translation.override("zh-hans"):
        for name, text in bulletins():
            for kind, inject in INJECTIONS.items():
                injected = inject(text)
                if injected is None:
                    continue
                tried += 1
                if not _found(*injected):
                    missed.append(f"{name}: {kind}")
    rate = 1 - len(missed) / tried
    print(f"\nrecall: {tried - len(missed)} of {tried} injected errors found ({rate:.1%}); missed: {missed}")
    assert tried >= 20 * 20
    assert rate >= 0.9


@pytest.mark.parametrize("kind", sorted(INJECTIONS))
def test_every_kind_of_injected_error_is_found_in_the_first_bulletin_that_can_hold_it(kind):
    with translation.override("zh-hans"):
        for _name, text in bulletins():
            injected = INJECTIONS[kind](text)
            if injected is not None:
                assert _found(*injected), kind
                return
