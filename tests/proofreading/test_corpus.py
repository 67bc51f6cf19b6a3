"""No false alarm on real bulletins: every finding on the corpus is one of the errors the offices published."""

import pytest
from django.utils import translation

from articles.proofreading.engine import proofread_text
from articles.proofreading.rules import Context
from tests.proofreading.corpus import bulletins

# The real errors of the sources, each read and explained in corpus/README.md: (file, rule, quote).
REAL_ERRORS = {
    ("03_zhuzhou_tongji", "nested_title", "<政府工作报告>"),
    ("07_xuanzhou_zhuqiao", "nested_title", "<关于深入开展“党建带群建，合力抓创建”活动的实施意见>"),
    ("11_cbs_bangongshi", "heading_mark", "3、"),
    ("13_zhonglou_nianjian", "range_dash", "日-1"),
    ("13_zhonglou_nianjian", "range_dash", "6-2"),
}


def corpus_findings():
    with translation.override("zh-hans"):
        return {(name, hit.rule, hit.quote) for name, text in bulletins()
                for hit in proofread_text(text, Context(year=2025))}


def test_the_corpus_holds_at_least_twenty_bulletins():
    assert len(bulletins()) >= 20


def test_no_false_alarm_on_the_corpus():
    findings = corpus_findings()
    false_alarms = findings - REAL_ERRORS
    print(f"\ncorpus: {len(findings)} findings, {len(findings & REAL_ERRORS)} real errors of the sources, "
          f"{len(false_alarms)} false alarms")
    assert false_alarms == set()


@pytest.mark.parametrize("error", sorted(REAL_ERRORS))
def test_the_real_errors_of_the_sources_are_found(error):
    assert error in corpus_findings()
