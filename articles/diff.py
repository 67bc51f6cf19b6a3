"""Tracked changes between two snapshots of an issue (articles.revisions), the way Word shows them.

Text is compared character by character with diff-match-patch (Google's library: the same algorithm
in a dozen languages, fast on long texts, with a time budget): a changed 字 or punctuation mark is
marked, not its paragraph. Bodies are first cut into blocks (paragraphs, headings, list items, table
cells, figures), the blocks of the two versions are aligned with difflib, and only paired blocks are
compared by character; a block whose text is equal but whose HTML differs is named as a formatting
change. Everything emitted is escaped here: diff fragments are rebuilt from text, never passed through.

No cleanup pass runs after `diff_main`: on Chinese text, where every character is a "word",
`diff_cleanupSemantic` and even `diff_cleanupEfficiency` merge "张三主持。" → "李三主持，" into one
deleted and one inserted clause, while the raw diff marks 张→李 and 。→， alone, as a reviewer wants.
"""

import dataclasses
import difflib
import re
from html.parser import HTMLParser

from diff_match_patch import diff_match_patch
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "figcaption", "blockquote", "pre"}
DIFF_TIMEOUT = 1.0  # seconds; past it diff-match-patch returns a coarser but correct diff


@dataclasses.dataclass
class FieldChange:
    label: str
    old: str
    new: str
    html: str


@dataclasses.dataclass
class ArticleDiff:
    id: int
    status: str  # added, removed, changed, unchanged
    title_html: str
    subtitle_html: str
    body_html: str
    facts: list
    formatting_changes: list
    moved: bool = False
    old_position: int | None = None
    new_position: int | None = None
    changed_chars: int = 0

    @property
    def has_changes(self):
        return self.status != "unchanged" or self.moved


@dataclasses.dataclass
class IssueDiff:
    fields: list
    recipients_added: list
    recipients_removed: list
    articles: list

    @property
    def has_changes(self):
        return bool(self.fields or self.recipients_added or self.recipients_removed
                    or any(a.has_changes for a in self.articles))

    @property
    def summary(self):
        if not self.has_changes:
            return _("No changes.")
        count = {status: sum(a.status == status for a in self.articles) for status in ("changed", "added", "removed")}
        return _("%(changed)s articles changed, %(added)s added, %(removed)s deleted, %(moved)s moved; "
                 "%(chars)s characters changed; %(fields)s issue fields and %(lines)s recipient lines changed.") % {
            **count, "moved": sum(a.moved for a in self.articles),
            "chars": sum(a.changed_chars for a in self.articles),
            "fields": len(self.fields), "lines": len(self.recipients_added) + len(self.recipients_removed),
        }


# --- text ---------------------------------------------------------------------------------------------


def _dmp():
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_TIMEOUT
    return dmp


def _ops(old, new):
    # No cleanup pass: both merge a changed character with its neighbours on Chinese text (see above).
    return _dmp().diff_main(old, new)


def text_diff(old, new):
    """(HTML with <ins>/<del> marks, number of characters inserted or deleted)."""
    parts, changed = [], 0
    for op, text in _ops(old or "", new or ""):
        if op == 0:
            parts.append(escape(text))
        elif op == 1:
            parts.append(f'<ins class="rev-ins" title="{escape(_("added"))}">{escape(text)}</ins>')
            changed += len(text)
        else:
            parts.append(f'<del class="rev-del" title="{escape(_("deleted"))}">{escape(text)}</del>')
            changed += len(text)
    return "".join(parts), changed


def text_diff_html(old, new):
    return mark_safe(text_diff(old, new)[0])


# --- bodies ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Block:
    """One innermost block of a body: where it is in the HTML, its text, and its start tag."""

    html: str
    text: str
    tag: str
    start_tag: str  # e.g. '<p style="text-align:center;">'
    start: int
    end: int

    @property
    def key(self):
        return self.text if self.text.strip() else self.html


class _Blocks(HTMLParser):
    """Finds the innermost block elements (paragraphs, headings, list items, table cells) and images."""

    def __init__(self, source):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.blocks = []
        self.stack = []  # open block elements: [tag, start tag, offset, text parts, blocks before it]
        self.offsets = _line_offsets(source)

    def _pos(self):
        line, col = self.getpos()
        return self.offsets[line - 1] + col

    def handle_starttag(self, tag, attrs):
        start_tag = self.get_starttag_text() or f"<{tag}>"
        if tag in BLOCK_TAGS:
            self.stack.append([tag, start_tag, self._pos(), [], len(self.blocks)])
        elif tag == "img" and not self.stack:
            offset = self._pos()
            self.blocks.append(Block(start_tag, "", "img", start_tag, offset, offset + len(start_tag)))
        elif tag == "br" and self.stack:
            self.stack[-1][3].append("\n")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            return
        tag, start_tag, offset, parts, before = self.stack.pop()
        text = "".join(parts)
        if self.stack:
            self.stack[-1][3].append(text)
        if len(self.blocks) > before:
            return  # it holds blocks of its own (a list item with paragraphs): those stand for it
        end = self.source.find(">", self._pos()) + 1
        self.blocks.append(Block(self.source[offset:end], text, tag, start_tag, offset, end))

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][3].append(data)


def _line_offsets(source):
    offsets, total = [], 0
    for line in source.splitlines(keepends=True):
        offsets.append(total)
        total += len(line)
    return offsets or [0]


def blocks(body):
    """The body's innermost blocks in order."""
    parser = _Blocks(body or "")
    parser.feed(body or "")
    parser.close()
    return parser.blocks


def _wrap_block(block, css_class, title, inner=None):
    """The block marked as a whole (class and title on its element); `inner` replaces its content if given."""
    if block.tag == "img":
        return f'<span class="{css_class}" title="{escape(title)}">{block.html}</span>'
    content = inner if inner is not None else block.html[len(block.start_tag):len(block.html) - len(f"</{block.tag}>")]
    start = block.start_tag[:-1].rstrip("/").rstrip()
    if re.search(r'\sclass="', start):
        start = re.sub(r'\sclass="([^"]*)"', lambda m: f' class="{m.group(1)} {css_class}"', start, count=1)
    else:
        start += f' class="{css_class}"'
    if " title=" not in start:
        start += f' title="{escape(title)}"'
    return f"{start}>{content}</{block.tag}>"


def body_diff(old_body, new_body):
    """(the new body's HTML with changes marked, characters changed, [formatting change notes]).

    The new body's structure (tables, lists, figures) is kept: each block is replaced by its marked
    version where it stands, and deleted blocks are shown after the block that preceded them.
    """
    old_body, new_body = old_body or "", new_body or ""
    if old_body == new_body:
        return new_body, 0, []
    old, new = blocks(old_body), blocks(new_body)
    marked = {}  # index of a new block → its marked HTML
    deleted_after = {}  # index of the new block they follow (-1: before the first) → [marked HTML]
    changed, notes = 0, []
    matcher = difflib.SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k, (a, b) in enumerate(zip(old[i1:i2], new[j1:j2], strict=True)):
                if a.html != b.html:
                    note = _("Paragraph %(n)s: formatting changed (bold, alignment, heading level or the like)") % {
                        "n": j1 + k + 1}
                    notes.append(note)
                    marked[j1 + k] = _wrap_block(b, "rev-format", note)
            continue
        pairs = list(zip(range(i1, i2), range(j1, j2), strict=False)) if op == "replace" else []
        for i, j in pairs:
            a, b = old[i], new[j]
            if "img" in (a.tag, b.tag):
                deleted_after.setdefault(j - 1, []).append(_wrap_block(a, "rev-block-del", _("deleted")))
                marked[j] = _wrap_block(b, "rev-block-ins", _("added"))
                changed += 1
                continue
            text, n = text_diff(a.text, b.text)
            changed += n
            if a.start_tag == b.start_tag:
                marked[j] = _wrap_block(b, "rev-changed", _("changed"), inner=text.replace("\n", "<br>"))
            else:
                notes.append(_("Paragraph %(n)s: text and formatting changed") % {"n": j + 1})
                marked[j] = _wrap_block(b, "rev-changed rev-format", _("text and formatting changed"),
                                        inner=text.replace("\n", "<br>"))
        for i in range(i1 + len(pairs), i2):
            a = old[i]
            inner = None if a.tag == "img" else f'<del class="rev-del">{escape(a.text)}</del>'
            deleted_after.setdefault(j1 + len(pairs) - 1, []).append(
                _wrap_block(a, "rev-block-del", _("deleted"), inner=inner))
            changed += len(a.text) or 1
        for j in range(j1 + len(pairs), j2):
            b = new[j]
            inner = None if b.tag == "img" else f'<ins class="rev-ins">{escape(b.text)}</ins>'
            marked[j] = _wrap_block(b, "rev-block-ins", _("added"), inner=inner)
            changed += len(b.text) or 1
    out, position = list(deleted_after.get(-1, [])), 0
    for j, block in enumerate(new):
        out.append(new_body[position:block.start])
        out.append(marked.get(j, block.html))
        out.extend(deleted_after.get(j, []))
        position = block.end
    out.append(new_body[position:])
    return "".join(out), changed, notes


def body_diff_html(old_body, new_body):
    return mark_safe(body_diff(old_body, new_body)[0])


# --- issues ------------------------------------------------------------------------------------------


def _title(text):
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return "\n".join(lines)


def _title_html(old, new):
    marked, changed = text_diff(_title(old), _title(new))
    lines = marked.split("\n")
    return "".join(f"<span>{line}</span>" for line in lines), changed


def _moved(old_ids, new_ids):
    """Ids whose relative order changed: those outside the longest common subsequence of the two orders."""
    common = [i for i in old_ids if i in set(new_ids)]
    new_common = [i for i in new_ids if i in set(old_ids)]
    matcher = difflib.SequenceMatcher(None, common, new_common, autojunk=False)
    stayed = set()
    for block in matcher.get_matching_blocks():
        stayed.update(common[block.a:block.a + block.size])
    return set(common) - stayed


def compare(old, new):
    """The IssueDiff from snapshot `old` to snapshot `new`."""
    old_fields, new_fields = dict(old["fields"]), dict(new["fields"])
    fields = []
    for label, value in new["fields"]:
        before = old_fields.get(label, value if not old["fields"] else "")
        if before != value:
            fields.append(FieldChange(label, before, value, text_diff_html(before, value)))
    for label, value in old["fields"]:
        if label not in new_fields:
            fields.append(FieldChange(label, value, "", text_diff_html(value, "")))
    old_lines, new_lines = list(map(tuple, old["recipients"])), list(map(tuple, new["recipients"]))
    added = [line for line in new_lines if line not in old_lines] if old["fields"] else []
    removed = [line for line in old_lines if line not in new_lines]

    old_articles = {a["id"]: a for a in old["articles"]}
    new_articles = {a["id"]: a for a in new["articles"]}
    old_ids, new_ids = [a["id"] for a in old["articles"]], [a["id"] for a in new["articles"]]
    moved = _moved(old_ids, new_ids)
    result = []
    for article_id in _merged_order(old_ids, new_ids):
        before, after = old_articles.get(article_id), new_articles.get(article_id)
        result.append(_article_diff(before, after, article_id, moved, old_ids, new_ids))
    return IssueDiff(fields=fields, recipients_added=added, recipients_removed=removed, articles=result)


def _merged_order(old_ids, new_ids):
    """The new order, with removed articles placed after the article that preceded them."""
    order = list(new_ids)
    for index, article_id in enumerate(old_ids):
        if article_id in order:
            continue
        previous = next((old_ids[k] for k in range(index - 1, -1, -1) if old_ids[k] in order), None)
        order.insert(order.index(previous) + 1 if previous is not None else 0, article_id)
    return order


def _article_diff(before, after, article_id, moved, old_ids, new_ids):
    position = {"old_position": old_ids.index(article_id) + 1 if article_id in old_ids else None,
                "new_position": new_ids.index(article_id) + 1 if article_id in new_ids else None}
    if before is None or after is None:
        status = "added" if before is None else "removed"
        article = after or before
        mark = "ins" if before is None else "del"
        lines = "".join(f'<span><{mark} class="rev-{mark}">{escape(line)}</{mark}></span>'
                        for line in _title(article["title"]).splitlines())
        subtitle = f'<{mark} class="rev-{mark}">{escape(article["subtitle"])}</{mark}>' if article["subtitle"] else ""
        body = f'<div class="rev-block-{mark}">{article["body"]}</div>'
        facts = [FieldChange(label, "" if before is None else value, value if before is None else "", escape(value))
                 for label, value in article["facts"]]
        return ArticleDiff(id=article_id, status=status, title_html=mark_safe(lines), subtitle_html=mark_safe(subtitle),
                           body_html=mark_safe(body), facts=facts, formatting_changes=[],
                           changed_chars=len(re.sub(r"<[^>]+>", "", article["body"])), **position)
    title_html, title_changed = _title_html(before["title"], after["title"])
    subtitle_html, subtitle_changed = text_diff(before["subtitle"], after["subtitle"])
    body_html, body_changed, notes = body_diff(before["body"], after["body"])
    old_facts = dict(before["facts"])
    facts = [FieldChange(label, old_facts.get(label, ""), value, text_diff_html(old_facts.get(label, ""), value))
             for label, value in after["facts"]]
    facts_changed = any(f.old != f.new for f in facts) or len(before["facts"]) != len(after["facts"])
    if before["kind"] != after["kind"]:
        notes.append(_("Kind changed from %(old)s to %(new)s") % {"old": before["kind"], "new": after["kind"]})
    changed = title_changed + subtitle_changed + body_changed
    status = "changed" if changed or notes or facts_changed else "unchanged"
    return ArticleDiff(
        id=article_id, status=status, title_html=mark_safe(title_html), subtitle_html=mark_safe(subtitle_html),
        body_html=mark_safe(body_html), facts=facts, formatting_changes=notes, moved=article_id in moved,
        changed_chars=changed, **position,
    )
