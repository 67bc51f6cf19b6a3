"""Chinese full-text search over articles: words segmented by jieba, indexed by the database.

Each article has a row in ArticleIndex with its title and its text (body and meeting/award facts) as
words separated by spaces, so the database's own tokenizer only splits at spaces: SQLite's FTS5 table
(unicode61) on the embedded default, a GIN index over to_tsvector('simple', …) on PostgreSQL. Both see
the same words and are asked for the same words (all of them must occur), so both find the same
articles; the order is ours, the same on both: a match in the title first, then the newer issue.

Who may see what is the caller's: `search` takes the issues to look in (the portal passes the issues
the reader may read, the admin the issues the user may view), never all of them.
"""

import html
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Case, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)

# A word of the index: Han characters, or letters and digits; nothing the databases' query syntax knows.
WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[^\W_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
SNIPPET_CHARS = 120
WORDS = Path(__file__).with_name("search_words.txt")
MAX_QUERY_WORDS = 12

_jieba = None


def _segmenter():
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        # Words of a government bulletin jieba's general dictionary splits (学习会 → 学习 + 会).
        jieba.load_userdict(str(WORDS))
        _jieba = jieba
    return _jieba


def _normal(text):
    return unicodedata.normalize("NFKC", text).lower()


def index_words(text):
    """The words of `text` for the index: jieba's search mode, which adds the short words inside long ones
    (地方志 → 地方, 方志, 地方志), so a two-character word is found inside a longer one."""
    words = []
    for token in _segmenter().cut_for_search(_normal(text)):
        words.extend(WORD.findall(token))
    return " ".join(words)


def query_words(query):
    """The words asked for: jieba's precise mode, each word once, in order."""
    words = []
    for token in _segmenter().cut(_normal(query)):
        for word in WORD.findall(token):
            if word not in words:
                words.append(word)
    return words[:MAX_QUERY_WORDS]


def plain_text(body):
    """The text of an article body (stored HTML) as a reader sees it, paragraphs separated by a space."""
    text = re.sub(r"</(p|h\d|li|td|th|div|tr)>|<br\s*/?>", " ", body or "")
    return re.sub(r"\s+", " ", html.unescape(strip_tags(text))).strip()


def _facts_text(article):
    from articles.models import Award, Meeting

    facts = []
    meeting = Meeting.objects.filter(article=article).first()
    if meeting:
        facts += [meeting.organiser, meeting.name, meeting.chair, meeting.attendees, meeting.topics]
    award = Award.objects.filter(article=article).first()
    if award:
        facts += [award.awarding_body, award.award_name, award.awardee, award.notice]
    return " ".join(f for f in facts if f)


def index_article(article):
    """Write (or rewrite) the article's row of the index."""
    from articles.models import ArticleIndex

    title = " ".join(article.title_lines + ([article.subtitle] if article.subtitle else []))
    ArticleIndex.objects.update_or_create(
        article_id=article.pk,
        defaults={
            "title_words": index_words(title),
            # 栏目 and 供稿单位 are searched with the text: 市州动态, 成都市地方志工作办公室.
            "body_words": index_words(f"{plain_text(article.body)} {_facts_text(article)} "
                                      f"{article.column.name if article.column_id else ''} {article.source}"),
        },
    )


def reindex(articles=None):
    """Index these articles (default: all) again; returns how many. For `manage.py search_index`."""
    from articles.models import Article, ArticleIndex

    if articles is None:
        ArticleIndex.objects.all().delete()
        articles = Article.objects.all()
    count = 0
    for article in articles.iterator(chunk_size=500):
        index_article(article)
        count += 1
    return count


# --- The databases' own full-text indexes (migration 0016; put back after every migrate, articles.apps) ---

SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_search_fts USING fts5(title_words, body_words, "
    "content='articles_articleindex', content_rowid='article_id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS articles_search_ai AFTER INSERT ON articles_articleindex BEGIN "
    "INSERT INTO articles_search_fts(rowid, title_words, body_words) "
    "VALUES (new.article_id, new.title_words, new.body_words); END",
    "CREATE TRIGGER IF NOT EXISTS articles_search_ad AFTER DELETE ON articles_articleindex BEGIN "
    "INSERT INTO articles_search_fts(articles_search_fts, rowid, title_words, body_words) "
    "VALUES ('delete', old.article_id, old.title_words, old.body_words); END",
    "CREATE TRIGGER IF NOT EXISTS articles_search_au AFTER UPDATE ON articles_articleindex BEGIN "
    "INSERT INTO articles_search_fts(articles_search_fts, rowid, title_words, body_words) "
    "VALUES ('delete', old.article_id, old.title_words, old.body_words); "
    "INSERT INTO articles_search_fts(rowid, title_words, body_words) "
    "VALUES (new.article_id, new.title_words, new.body_words); END",
    # Rebuilt from the rows: a table SQLite rebuilt for a schema change lost its triggers meanwhile.
    "INSERT INTO articles_search_fts(articles_search_fts) VALUES ('rebuild')",
]
POSTGRESQL_INDEX = [
    "CREATE INDEX IF NOT EXISTS articles_articleindex_fts ON articles_articleindex "
    "USING GIN (to_tsvector('simple', title_words || ' ' || body_words))",
    "CREATE INDEX IF NOT EXISTS articles_articleindex_title_fts ON articles_articleindex "
    "USING GIN (to_tsvector('simple', title_words))",
]


def install_index(connection):
    """Create the database's full-text index over ArticleIndex if it is missing (idempotent)."""
    statements = {"sqlite": SQLITE_INDEX, "postgresql": POSTGRESQL_INDEX}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)

def _matching_ids(words, *, title_only=False):
    from django.db import connection

    """SQL (string, params) selecting the article ids whose index holds every word (in the title only if asked)."""
    if connection.vendor == "postgresql":
        column = "title_words" if title_only else "title_words || ' ' || body_words"
        return (f"SELECT article_id FROM articles_articleindex "
                f"WHERE to_tsvector('simple', {column}) @@ to_tsquery('simple', %s)", [" & ".join(words)])
    # SQLite FTS5: a quoted string per word, all required; a column filter for the title.
    phrase = " AND ".join(f'{"title_words : " if title_only else ""}"{word}"' for word in words)
    return "SELECT rowid FROM articles_search_fts WHERE articles_search_fts MATCH %s", [phrase]


@dataclass
class Hit:
    article: object
    in_title: bool
    title: str
    snippet: str


def search(query, *, issues, series=None, year=None, kind=None):
    """The articles of `issues` matching every word of `query`, title matches first, then newer issues.

    Returns (words, queryset of Article annotated with `in_title`); `hits()` turns a page into Hits.
    """
    from articles.models import Article

    words = query_words(query)
    if not words:
        return words, Article.objects.none()
    sql, params = _matching_ids(words)
    title_sql, title_params = _matching_ids(words, title_only=True)
    articles = Article.objects.filter(issue__in=issues.values("pk"))
    if series:
        articles = articles.filter(issue__series_id=series)
    if year:
        articles = articles.filter(issue__year=year)
    if kind:
        articles = articles.filter(kind=kind)
    articles = articles.filter(_raw_in(sql, params))
    articles = articles.annotate(in_title=Case(
        When(_raw_in(title_sql, title_params), then=Value(True)), default=Value(False)))
    ordered = articles.select_related("issue", "issue__series").order_by(
        "-in_title", "-issue__issue_date", "-issue__number", "position", "pk")
    return words, ordered


def _raw_in(sql, params):
    """Q(pk in the ids selected by raw `sql`), usable inside When()."""
    return Q(pk__in=RawSQL(sql, params))


def highlight(text, words):
    """`text` escaped, with each occurrence of the words marked (<mark>); longest words first."""
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def snippet(text, words, *, length=SNIPPET_CHARS):
    """About `length` characters of `text` around the first word found, highlighted; the start if none is."""
    lowered = text.lower()
    found = [i for i in (lowered.find(w) for w in words) if i >= 0]
    start = max(0, min(found) - length // 4) if found else 0
    piece = text[start:start + length]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + length < len(text) else ""
    return mark_safe(f"{prefix}{highlight(piece, words)}{suffix}")  # noqa: S308 - highlight escapes


def hits(articles, words):
    """The page's articles as Hits with the title and a snippet highlighted."""
    # A one-character word (会, 年) marked everywhere is noise; it is marked when nothing longer was asked.
    words = [w for w in words if len(w) > 1] or words
    return [Hit(article=a, in_title=a.in_title, title=highlight(" ".join(a.title_lines), words),
                snippet=snippet(plain_text(a.body), words)) for a in articles]

