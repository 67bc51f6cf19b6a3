"""Benchmark the tracked-changes diff (articles/review/diff.py): medians over repeated runs, in one warm process.

Run: .venv/bin/python bench/diff.py [--rounds 20]. No database: it only needs Django's settings for gettext.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulletin_cms.settings")

import django  # noqa: E402

django.setup()

from articles.review.diff import body_diff_html, compare  # noqa: E402

PHRASES = [
    "各处室要认真贯彻落实会议精神", "结合实际抓好工作落实", "确保各项任务按期完成", "坚持稳中求进工作总基调",
    "推动高质量发展取得新成效", "进一步加强机关作风建设", "切实提高服务保障水平", "全年共办理来文1,286件",
    "会议由办公厅主任张三主持", "省直机关工委有关负责同志出席会议",
]


def paragraph(rng, length):
    text = ""
    while len(text) < length:
        text += rng.choice(PHRASES) + rng.choice("，，，。；")
    return text[: length - 1] + "。"


def body(rng, characters, paragraph_length=120):
    blocks = []
    total = 0
    while total < characters:
        if len(blocks) % 15 == 0:
            blocks.append(f"<h3>{len(blocks) // 15 + 1}、{paragraph(rng, 12)}</h3>")
        text = paragraph(rng, paragraph_length)
        blocks.append(f"<p>{text}</p>")
        total += len(text)
    return blocks


def edit(rng, blocks, edits):
    """A few leader's corrections: characters changed, a sentence added, a paragraph dropped, one bolded."""
    blocks = list(blocks)
    for number in range(edits):
        index = rng.randrange(1, len(blocks) - 1)
        if number % 4 == 0:
            blocks[index] = blocks[index].replace("认真", "切实", 1).replace("落实", "贯彻", 1)
        elif number % 4 == 1:
            blocks.insert(index, f"<p>{paragraph(rng, 60)}</p>")
        elif number % 4 == 2:
            del blocks[index]
        else:
            blocks[index] = blocks[index].replace("<p>", "<p><strong>", 1).replace("。", "</strong>。", 1)
    return blocks


def timed(label, function, rounds):
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    print(f"{label:<62} median {statistics.median(times) * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    rng = random.Random(13)

    blocks = body(rng, 50_000)
    old = "".join(blocks)
    new = "".join(edit(rng, blocks, 5))
    print(f"body: {len(old):,} characters of HTML, {len(blocks)} blocks")
    timed("50,000 characters, 5 edits", lambda: body_diff_html(old, new), rounds)
    timed("50,000 characters, 20 edits", lambda: body_diff_html(old, "".join(edit(rng, blocks, 20))), rounds)
    timed("50,000 characters, identical", lambda: body_diff_html(old, old), rounds)

    one = paragraph(rng, 50_000)
    changed = one[:10_000] + "切实" + one[10_002:30_000] + "，" + one[30_001:]
    one, changed = f"<p>{one}</p>", f"<p>{changed}</p>"
    timed("one 50,000-character paragraph, 2 edits", lambda: body_diff_html(one, changed), rounds)

    before, rewritten = "".join(body(rng, 6_000)), "".join(body(random.Random(99), 6_000))
    timed("6,000 characters rewritten entirely", lambda: body_diff_html(before, rewritten), max(3, rounds // 4))
    before, rewritten = old, "".join(body(random.Random(99), 50_000))
    timed("50,000 characters rewritten entirely (worst case)", lambda: body_diff_html(before, rewritten), 3)

    bodies = [body(rng, 6_000) for _ in range(8)]

    def issue(edits):
        articles = []
        for number, article_blocks in enumerate(bodies):
            if edits and number % 3 == 0:
                article_blocks = edit(random.Random(number), article_blocks, edits)
            articles.append({"id": number, "kind": "会议报道", "title": f"第{number}篇", "subtitle": "",
                             "body": "".join(article_blocks), "facts": [("日期", "2021年1月12日")]})
        return {"fields": [("期号", "第1期")], "recipients": [("报", "省直机关工委")], "articles": articles}

    old_issue, new_issue = issue(0), issue(3)
    timed("compare(): issue of 8 articles x 6,000 characters, 3 edited", lambda: compare(old_issue, new_issue), rounds)


if __name__ == "__main__":
    main()
