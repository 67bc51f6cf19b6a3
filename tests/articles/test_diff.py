"""Tracked changes between two snapshots of an issue (articles/review/diff.py): pure Python, no database."""

import copy
import re
import time

from articles.review.diff import body_diff_html, compare, text_diff_html


def inserted(markup):
    return re.findall(r'<ins class="rev-ins[^"]*"[^>]*>(.*?)</ins>', markup)


def deleted(markup):
    return re.findall(r'<del class="rev-del[^"]*"[^>]*>(.*?)</del>', markup)


def clean_text(markup):
    """What the reader sees in clean mode: deletions gone, tags gone."""
    markup = re.sub(r"<del[^>]*>.*?</del>", "", markup)
    markup = re.sub(r'<(\w+) class="rev-block-del[^>]*>.*?</\1>', "", markup)
    return re.sub(r"<[^>]+>", "", markup)


def article(article_id, title="标题", body="<p>正文。</p>", **extra):
    return {"id": article_id, "kind": "会议报道", "title": title, "subtitle": "", "body": body, "facts": [], **extra}


def snapshot(*articles, fields=None, recipients=None):
    return {
        "fields": fields if fields is not None else [("期号", "第1期"), ("印发日期", "2021年1月13日"), ("印数", "12")],
        "recipients": recipients if recipients is not None else [("报", "省直机关工委"), ("发", "机关各处")],
        "articles": list(articles),
    }


# --- characters ---------------------------------------------------------------------------------


def test_a_one_character_change_marks_that_character_and_nothing_else():
    markup = text_diff_html("会议由张三主持", "会议由李三主持")
    assert deleted(markup) == ["张"]
    assert inserted(markup) == ["李"]
    assert markup.startswith("会议由<del") and markup.endswith("</ins>三主持")


def test_a_one_character_change_inside_a_paragraph_is_not_widened_to_the_clause():
    old = "<p>省委办公厅召开全体干部大会，传达学习全会精神，部署今年工作任务。会议由张三主持。</p>"
    new = "<p>省委办公厅召开全体干部大会，传达学习全会精神，部署明年工作任务。会议由张三主持。</p>"
    markup = body_diff_html(old, new)
    assert deleted(markup) == ["今"]
    assert inserted(markup) == ["明"]


def test_a_punctuation_change_is_marked_alone():
    markup = body_diff_html("<p>会议由张三主持，李四出席。</p>", "<p>会议由张三主持。李四出席。</p>")
    assert deleted(markup) == ["，"]
    assert inserted(markup) == ["。"]
    assert clean_text(markup) == "会议由张三主持。李四出席。"


def test_marks_carry_their_chinese_titles():
    markup = text_diff_html("一", "二")
    assert 'title="删除"' in markup and 'title="新增"' in markup


# --- blocks ------------------------------------------------------------------------------------


def test_a_paragraph_inserted_between_two_is_marked_whole_in_its_place():
    markup = body_diff_html("<p>第一段。</p><p>第三段。</p>", "<p>第一段。</p><p>第二段。</p><p>第三段。</p>")
    assert markup == '<p>第一段。</p><p class="rev-block-ins" title="新增">第二段。</p><p>第三段。</p>'


def test_a_deleted_paragraph_is_shown_where_it_was():
    markup = body_diff_html("<p>第一段。</p><p>第二段。</p><p>第三段。</p>", "<p>第一段。</p><p>第三段。</p>")
    assert markup == '<p>第一段。</p><p class="rev-block-del" title="删除">第二段。</p><p>第三段。</p>'


def test_a_changed_heading_is_diffed_in_place_and_keeps_its_tag():
    old = "<h3>一、主要做法</h3><p>正文。</p>"
    new = "<h3>一、主要成效</h3><p>正文。</p>"
    markup = body_diff_html(old, new)
    assert markup.startswith("<h3>一、主要") and markup.endswith("</h3><p>正文。</p>")
    assert deleted(markup) == ["做法"] and inserted(markup) == ["成效"]


def test_a_changed_paragraph_among_inserted_and_deleted_ones_is_paired_with_its_old_self():
    old = "<p>甲甲甲甲甲甲。</p><p>会议要求各处室认真落实。</p><p>乙乙乙乙乙乙。</p>"
    new = "<p>丙丙丙丙丙丙。</p><p>会议要求各处室认真贯彻落实。</p>"
    markup = body_diff_html(old, new)
    assert inserted(markup) == ["贯彻"]
    assert markup.count("rev-block-del") == 2 and markup.count("rev-block-ins") == 1


def test_a_list_item_added_and_one_removed_stay_in_the_list():
    markup = body_diff_html("<ol><li>一</li><li>二</li></ol>", "<ol><li>一</li><li>三</li><li>二</li></ol>")
    assert markup == '<ol><li>一</li><li class="rev-block-ins" title="新增">三</li><li>二</li></ol>'
    markup = body_diff_html("<ul><li>一</li><li>二</li></ul><p>尾。</p>", "<ul><li>一</li></ul><p>尾。</p>")
    assert markup == '<ul><li>一</li><li class="rev-block-del" title="删除">二</li></ul><p>尾。</p>'


# --- formatting --------------------------------------------------------------------------------


def test_bold_added_to_the_same_text_is_named_and_marked():
    diff = compare(
        snapshot(article(1, body="<p>第一段。</p><p>全面从严治党。</p>")),
        snapshot(article(1, body="<p>第一段。</p><p><strong>全面从严治党</strong>。</p>")),
    )
    [changed] = diff.articles
    assert changed.status == "changed"
    assert changed.formatting_changes == ["第2段：格式有改动（加粗）"]
    assert '<span class="rev-format" title="格式有改动：加粗">全面从严治党</span>' in changed.body_html
    assert not inserted(changed.body_html) and not deleted(changed.body_html)


def test_centring_a_paragraph_is_named_and_marked_on_the_block():
    diff = compare(
        snapshot(article(1, body="<p>落款。</p>")),
        snapshot(article(1, body='<p style="text-align:center">落款。</p>')),
    )
    [changed] = diff.articles
    assert changed.formatting_changes == ["第1段：格式有改动（居中）"]
    assert 'class="rev-format" title="格式有改动：居中"' in changed.body_html
    assert diff.has_changes


def test_a_paragraph_turned_into_a_heading_is_a_formatting_change():
    markup = body_diff_html("<p>二、下一步工作</p>", "<h3>二、下一步工作</h3>")
    assert markup.startswith('<h3 class="rev-format" title="格式有改动：段落样式">')


def test_a_bulleted_list_turned_into_a_numbered_one_is_a_formatting_change():
    diff = compare(
        snapshot(article(1, body="<ul><li>一</li><li>二</li></ul>")),
        snapshot(article(1, body="<ol><li>一</li><li>二</li></ol>")),
    )
    [changed] = diff.articles
    assert changed.formatting_changes == ["第1段：格式有改动（列表样式）", "第2段：格式有改动（列表样式）"]
    assert changed.body_html.startswith('<ol><li class="rev-format" title="格式有改动：列表样式">一</li>')


def test_a_changed_table_cell_span_is_named():
    diff = compare(
        snapshot(article(1, body="<table><tr><td>一</td><td>二</td></tr></table>")),
        snapshot(article(1, body='<table><tr><td colspan="2">一</td><td>二</td></tr></table>')),
    )
    assert diff.articles[0].formatting_changes == ["第1段表格第1行第1列：格式有改动（合并单元格）"]


def test_splitting_a_bold_run_in_two_is_not_a_change():
    diff = compare(
        snapshot(article(1, body="<p><strong>加强</strong><strong>领导</strong></p>")),
        snapshot(article(1, body="<p><strong>加强领导</strong></p>")),
    )
    assert not diff.has_changes


# --- titles, facts, fields, recipients -----------------------------------------------------------


def test_a_line_break_removed_from_a_title_is_marked():
    diff = compare(
        snapshot(article(1, title="关于做好2021年\n元旦春节期间有关工作的通知")),
        snapshot(article(1, title="关于做好2021年元旦春节期间有关工作的通知")),
    )
    [changed] = diff.articles
    assert changed.status == "changed"
    assert '<del class="rev-del rev-br" title="删除换行"></del>' in changed.title_html


def test_a_line_break_added_to_a_title_is_marked_and_kept():
    markup = text_diff_html("第一行第二行", "第一行\n第二行")
    assert markup == '第一行<ins class="rev-ins rev-br" title="新增换行"></ins><br>第二行'


def test_changed_facts_are_listed_with_their_old_and_new_values():
    old = article(1, facts=[("会议", "全体干部大会"), ("日期", "2021年1月12日"), ("地点", "三楼")])
    new = article(1, facts=[("会议", "全体干部大会"), ("日期", "2021年1月13日"), ("主持", "张三")])
    [changed] = compare(snapshot(old), snapshot(new)).articles
    assert [(f.label, f.old, f.new) for f in changed.facts] == [
        ("日期", "2021年1月12日", "2021年1月13日"), ("地点", "三楼", ""), ("主持", "", "张三"),
    ]
    assert deleted(changed.facts[0].html) == ["2"] and inserted(changed.facts[0].html) == ["3"]


def test_issue_fields_list_only_what_changed():
    diff = compare(
        snapshot(fields=[("期号", "第1期"), ("印数", "12"), ("本期增发", "")]),
        snapshot(fields=[("期号", "第1期"), ("印数", "15"), ("本期增发", "市委办")]),
    )
    assert [(f.label, f.old, f.new) for f in diff.fields] == [("印数", "12", "15"), ("本期增发", "", "市委办")]
    assert inserted(diff.fields[1].html) == ["市委办"]
    assert diff.has_changes and "本期信息改动 2 项" in diff.summary


def test_recipients_added_and_removed():
    diff = compare(
        snapshot(recipients=[("报", "省直机关工委"), ("发", "机关各处")]),
        snapshot(recipients=[("报", "省直机关工委"), ("报", "省委办公厅"), ("送", "机关各处")]),
    )
    assert diff.recipients_added == [("报", "省委办公厅"), ("送", "机关各处")]
    assert diff.recipients_removed == [("发", "机关各处")]


# --- articles -----------------------------------------------------------------------------------


def test_an_added_and_a_removed_article_are_in_place_and_marked_whole():
    diff = compare(
        snapshot(article(1), article(2, title="旧稿", body="<p>旧稿正文。</p>"), article(3)),
        snapshot(article(1), article(4, title="新稿", body="<p>新稿正文。</p>"), article(3)),
    )
    assert [(a.id, a.status) for a in diff.articles] == [
        (1, "unchanged"), (2, "removed"), (4, "added"), (3, "unchanged"),
    ]
    removed, added = diff.articles[1], diff.articles[2]
    assert removed.body_html == '<p class="rev-block-del" title="删除">旧稿正文。</p>'
    assert deleted(removed.title_html) == ["旧稿"]
    assert added.body_html == '<p class="rev-block-ins" title="新增">新稿正文。</p>'
    assert (removed.old_position, removed.new_position, added.old_position, added.new_position) == (2, None, None, 2)
    assert not any(a.moved for a in diff.articles)
    assert diff.summary.startswith("修改 0 篇稿件，新增 1 篇，删除 1 篇")


def test_one_article_moved_to_the_front_is_the_only_one_flagged():
    diff = compare(
        snapshot(article(1), article(2), article(3), article(4), article(5)),
        snapshot(article(5), article(1), article(2), article(3), article(4)),
    )
    assert [(a.id, a.moved) for a in diff.articles] == [(5, True), (1, False), (2, False), (3, False), (4, False)]
    assert (diff.articles[0].old_position, diff.articles[0].new_position) == (5, 1)
    assert diff.articles[0].status == "unchanged" and diff.has_changes
    assert "调整顺序 1 篇" in diff.summary


def test_the_summary_counts_articles_and_characters():
    diff = compare(
        snapshot(article(1, body="<p>会议由张三主持。</p>"), article(2)),
        snapshot(article(1, body="<p>会议由李四主持。</p>"), article(2), article(3)),
    )
    assert diff.summary == "修改 1 篇稿件，新增 1 篇，删除 0 篇；改动 4 字"


def test_identical_snapshots_have_no_changes():
    old = snapshot(article(1, body="<p>正文<strong>加粗</strong>。</p><table><tr><td>一</td></tr></table>",
                           facts=[("会议", "大会")]), article(2))
    diff = compare(old, copy.deepcopy(old))
    assert not diff.has_changes
    assert diff.summary == "两稿相同，没有改动。"
    assert all(a.status == "unchanged" and not a.has_changes for a in diff.articles)
    assert "rev-" not in diff.articles[0].body_html


# --- tables and images --------------------------------------------------------------------------


TABLE = (
    "<table><thead><tr><th>单位</th><th>人数</th></tr></thead>"
    "<tbody><tr><td>办公室</td><td>12</td></tr><tr><td>综合处</td><td>8</td></tr></tbody></table>"
)


def test_a_changed_table_cell_marks_only_that_cells_text():
    markup = body_diff_html(TABLE, TABLE.replace("<td>8</td>", "<td>9</td>"))
    assert deleted(markup) == ["8"] and inserted(markup) == ["9"]
    assert "<td>综合处</td><td><del" in markup
    assert markup.startswith("<table><thead><tr><th>单位</th><th>人数</th></tr></thead><tbody><tr><td>办公室</td>")
    assert markup.endswith("</ins></td></tr></tbody></table>")


def test_a_table_row_added_is_marked_as_a_row():
    markup = body_diff_html(TABLE, TABLE.replace("</tbody>", "<tr><td>研究室</td><td>5</td></tr></tbody>"))
    assert '<tr class="rev-block-ins" title="新增"><td>研究室</td><td>5</td></tr></tbody></table>' in markup
    assert not inserted(markup)


def test_a_replaced_image_is_marked_as_deleted_and_added():
    old = '<figure><img src="/media/a.png" alt=""><figcaption>会场</figcaption></figure>'
    markup = body_diff_html(old, old.replace("a.png", "b.png"))
    assert '<del class="rev-del rev-img" title="删除图片"><img src="/media/a.png" alt=""></del>' in markup
    assert '<ins class="rev-ins rev-img" title="新增图片"><img src="/media/b.png" alt=""></ins>' in markup
    assert "<figcaption>会场</figcaption>" in markup


def test_an_image_added_to_a_paragraph_is_marked():
    markup = body_diff_html("<p>正文。</p>", '<p>正文。<img src="/media/c.png"></p>')
    assert markup == '<p>正文。<ins class="rev-ins rev-img" title="新增图片"><img src="/media/c.png"></ins></p>'


# --- escaping -----------------------------------------------------------------------------------


def test_special_characters_in_text_come_out_escaped():
    markup = body_diff_html("<p>A&amp;B &lt;script&gt;alert(1)&lt;/script&gt;</p>",
                            "<p>A&amp;B &lt;script&gt;alert(2)&lt;/script&gt; &amp; &lt;b&gt;</p>")
    assert "<script" not in markup and "<b>" not in markup
    assert "A&amp;B &lt;script&gt;alert(" in markup
    assert deleted(markup) == ["1"]
    assert inserted(markup) == ["2", " &amp; &lt;b&gt;"]


def test_deleted_text_and_fields_are_escaped_too():
    markup = text_diff_html('<script>"x"</script> & 1', "1")
    assert "<script>" not in markup
    assert deleted(markup) == ['&lt;script&gt;"x"&lt;/script&gt; &amp; ']
    diff = compare(snapshot(fields=[("期号", "<b>1</b>")]), snapshot(fields=[("期号", "<i>1</i>")]))
    assert "<b>" not in diff.fields[0].html and "<i>" not in diff.fields[0].html


def test_unchanged_inserted_and_deleted_blocks_are_escaped():
    kept = "<p>&lt;script&gt;保留&lt;/script&gt;</p>"
    gone, added = "<p>删去 &lt;b&gt;</p>", "<p>新增 &amp; &lt;i&gt;</p>"
    markup = body_diff_html(kept + gone, kept + added)
    assert markup == (
        "<p>&lt;script&gt;保留&lt;/script&gt;</p>"
        '<p class="rev-block-del" title="删除">删去 &lt;b&gt;</p>'
        '<p class="rev-block-ins" title="新增">新增 &amp; &lt;i&gt;</p>'
    )
    [same] = compare(snapshot(article(1, body=kept)), snapshot(article(1, body=kept))).articles
    assert same.body_html == kept


def test_attribute_values_are_escaped():
    markup = body_diff_html("", '<p>图<img src="/media/a.png" alt="&quot;onerror=&quot;x"></p>')
    assert 'alt="&quot;onerror=&quot;x"' in markup


# --- size ---------------------------------------------------------------------------------------


def test_a_large_body_with_a_few_changes_is_diffed():
    sentence = "各处室要认真贯彻落实会议精神，结合实际抓好工作落实，确保各项任务按期完成。"
    paragraphs = [f"<p>第{n}段：{sentence}</p>" for n in range(1100)]
    old = "".join(paragraphs)
    changed = list(paragraphs)
    changed[10] = changed[10].replace("认真", "切实")
    changed[500] = "<p>新增的一段。</p>" + changed[500]
    del changed[900]
    new = "".join(changed)
    assert len(old) > 50_000
    started = time.perf_counter()
    markup = body_diff_html(old, new)
    elapsed = time.perf_counter() - started
    assert deleted(markup) == ["认真"] and inserted(markup) == ["切实"]
    assert markup.count("rev-block-ins") == 1 and markup.count("rev-block-del") == 1
    print(f"50,000+ characters, 3 edits: {elapsed * 1000:.0f} ms")


def test_a_changed_article_type_and_subtitle_are_marked():
    old = article(1, subtitle="——在全体干部大会上的讲话")
    new = {**article(1, subtitle="——在全体干部会议上的讲话"), "kind": "领导讲话"}
    [changed] = compare(snapshot(old), snapshot(new)).articles
    assert changed.status == "changed"
    assert (changed.kind_change.old, changed.kind_change.new) == ("会议报道", "领导讲话")
    assert deleted(changed.subtitle_html) == ["大"] and inserted(changed.subtitle_html) == ["议"]


def test_a_removed_first_article_stays_first():
    diff = compare(snapshot(article(1), article(2)), snapshot(article(2)))
    assert [(a.id, a.status, a.moved) for a in diff.articles] == [(1, "removed", False), (2, "unchanged", False)]
