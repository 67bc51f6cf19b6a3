"""Proofreading an issue: every rule over every article, findings in reading order, the ignored ones left out."""

import hashlib
from dataclasses import dataclass

from articles.models import Article, ProofreadIgnore, Recipient
from articles.proofreading.rules import RULES, Context, Hit, Kind
from articles.proofreading.text import ArticleText

CONTEXT_CHARS = 12


@dataclass(frozen=True)
class Finding:
    """A rule's hit in one article: the quote as it stands, why, the suggested text, and where it is."""

    article: Article
    quote: str
    kind: str
    message: str
    suggestion: str
    offset: int
    rule: str
    before: str  # the text just before the quote, to show it in its place
    after: str

    @property
    def key(self):
        """Stable while the text around the quote does not change: what an ignore remembers."""
        raw = "\x00".join([self.rule, self.before, self.quote, self.after])
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    @property
    def kind_label(self):
        return Kind.labels[self.kind]

    @property
    def fixable(self):
        return bool(self.suggestion) and self.suggestion != self.quote

    def as_json(self):
        return {"article": self.article.pk, "quote": self.quote, "kind": self.kind, "message": self.message,
                "suggestion": self.suggestion}


def proofread_text(text, context=None):
    """The hits of every rule on `text`, in reading order, one per span (the first rule that found it)."""
    context = context or Context()
    hits = sorted((hit for rule in RULES for hit in rule(text, context)), key=lambda h: (h.offset, -len(h.quote)))
    kept = []
    for hit in hits:
        if not (kept and hit.offset == kept[-1].offset and hit.quote == kept[-1].quote):
            kept.append(hit)
    return kept


def context_for(issue):
    """What the rules know of an issue: its year and the units of the address book."""
    return Context(year=issue.year or (issue.issue_date.year if issue.issue_date else None),
                   units=tuple(Recipient.objects.filter(is_active=True).values_list("name", flat=True)))


def proofread_article(article, context):
    """The findings in one article."""
    text = ArticleText.of(article).text
    return [_finding(article, text, hit) for hit in proofread_text(text, context)]


def _finding(article, text, hit: Hit):
    return Finding(article=article, quote=hit.quote, kind=hit.kind, message=hit.message, suggestion=hit.suggestion,
                   offset=hit.offset, rule=hit.rule, before=text[max(0, hit.offset - CONTEXT_CHARS):hit.offset],
                   after=text[hit.end:hit.end + CONTEXT_CHARS])


def proofread_issue(issue, *, include_ignored=False, articles=None):
    """The findings in an issue's articles, in print order; those ignored for the issue are left out."""
    context = context_for(issue)
    articles = articles if articles is not None else list(issue.articles.order_by("position", "pk"))
    ignored = set() if include_ignored else set(
        ProofreadIgnore.objects.filter(issue=issue).values_list("article_id", "key"))
    findings = []
    for article in articles:
        findings.extend(f for f in proofread_article(article, context) if (article.pk, f.key) not in ignored)
    return findings


def open_count(issue):
    """How many findings of the issue are neither applied nor ignored."""
    return len(proofread_issue(issue))


def find(issue, article, key):
    """The finding of `article` with `key` as the text stands now, or None."""
    for finding in proofread_article(article, context_for(issue)):
        if finding.key == key:
            return finding
    return None


def applied(finding):
    """The article's fields with the finding's suggestion in place of its quote, or None if it cannot be done."""
    if not finding.fixable:
        return None
    text = ArticleText.of(finding.article)
    if text.text[finding.offset:finding.offset + len(finding.quote)] != finding.quote:
        return None
    return text.replaced(finding.offset, finding.offset + len(finding.quote), finding.suggestion)


def by_article(findings):
    """[(article, [findings])] in print order, for the pages that list them."""
    grouped = {}
    for finding in findings:
        grouped.setdefault(finding.article.pk, (finding.article, []))[1].append(finding)
    return list(grouped.values())
