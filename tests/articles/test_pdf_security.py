"""WeasyPrint may read only the project's own static and media files: everything else is refused and logged."""

import io
import logging

import pdfplumber
import pytest
from django.db import models
from weasyprint import HTML

from articles.models import Article, Issue
from articles.printing.engine import BASE_URL, SafeURLFetcher
from articles.printing.renderer import render_issue
from tests.factories import issue_in

PNG = (  # a 1 × 1 red pixel
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00"
    b"\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)
REFUSED = [
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "file://evil.example/share/x.png",
    "http://127.0.0.1:1/",
    "https://example.com/logo.png",
    "ftp://example.com/x.png",
    "data:image/png;base64,iVBORw0KGgo=",
    "file:///static/../../etc/hostname",
    "file:///media/../private/issues/1/2025/001.pdf",
    "file:///media/%2e%2e/private/issues/1/2025/001.pdf",
    "file:///media/uploads/..%2f..%2fprivate/issues/1/2025/001.pdf",
    "file:///media/uploads/x.png%00.pdf",
]


@pytest.fixture
def media(settings, monkeypatch):
    """An uploaded image in MEDIA_ROOT and an issued PDF in PRIVATE_MEDIA_ROOT."""
    # Another test may have re-run logging.config with disable_existing_loggers: we need this logger.
    monkeypatch.setattr(logging.getLogger("articles.printing.engine"), "disabled", False)
    uploads = settings.MEDIA_ROOT / "uploads"
    uploads.mkdir(parents=True)
    (uploads / "ok.png").write_bytes(PNG)
    private = settings.PRIVATE_MEDIA_ROOT / "issues" / "1" / "2025"
    private.mkdir(parents=True)
    (private / "001.pdf").write_bytes(b"%PDF-1.7 secret")
    return settings


def _refusals(caplog):
    return [r.getMessage() for r in caplog.records
            if r.name == "articles.printing.engine" and "refused" in r.getMessage()]


@pytest.mark.parametrize("url", REFUSED)
def test_the_fetcher_refuses_and_logs(media, caplog, url):
    with caplog.at_level(logging.WARNING, logger="articles.printing.engine"), pytest.raises(PermissionError):
        SafeURLFetcher().fetch(url)
    assert len(_refusals(caplog)) == 1


def test_the_fetcher_refuses_private_media_by_absolute_path(media, caplog):
    path = media.PRIVATE_MEDIA_ROOT / "issues" / "1" / "2025" / "001.pdf"
    with pytest.raises(PermissionError, match="private"):
        SafeURLFetcher().fetch(path.as_uri())


def test_the_fetcher_refuses_a_symlink_out_of_media(media):
    (media.MEDIA_ROOT / "uploads" / "link.png").symlink_to("/etc/passwd")
    with pytest.raises(PermissionError):
        SafeURLFetcher().fetch("file:///media/uploads/link.png")


def test_the_fetcher_serves_media_and_static_files(media, tmp_path):
    response = SafeURLFetcher().fetch("file:///media/uploads/ok.png")
    assert response.read() == PNG and response.content_type == "image/png"
    absolute = SafeURLFetcher().fetch((media.MEDIA_ROOT / "uploads" / "ok.png").as_uri())
    assert absolute.read() == PNG
    media.STATIC_ROOT = tmp_path / "static"
    (media.STATIC_ROOT / "print").mkdir(parents=True)
    (media.STATIC_ROOT / "print" / "seal.png").write_bytes(PNG)
    assert SafeURLFetcher().fetch("file:///static/print/seal.png").read() == PNG


@pytest.mark.parametrize("payload", [
    '<img src="file:///etc/passwd">',
    '<img src="http://127.0.0.1:1/x.png">',
    '<img src="/static/../../etc/hostname">',
    '<img src="/media/../private/issues/1/2025/001.pdf">',
    '<div style="background: url(file:///etc/passwd)">x</div>',
    '<style>p { background: url("http://127.0.0.1:1/track.png") }</style><p>x</p>',
    '<style>@import url("file:///etc/passwd");</style><p>x</p>',
    '<link rel="attachment" href="file:///etc/passwd"><p>x</p>',
])
def test_payloads_in_html_are_refused_and_logged(media, caplog, payload):
    with caplog.at_level(logging.WARNING, logger="articles.printing.engine"):
        content = HTML(string=payload, base_url=BASE_URL, url_fetcher=SafeURLFetcher()).write_pdf()
    assert _refusals(caplog)
    assert b"root:" not in content


@pytest.mark.django_db
def test_unsanitised_article_html_cannot_reach_outside_files(media, caplog):
    issue = issue_in(Issue.Status.DRAFT)
    # Saving and bulk updates sanitise the body; the plain QuerySet.update is what a bypass would look like.
    models.QuerySet.update(Article.objects.filter(issue=issue), body=(
        '<p>正文。</p><img src="file:///etc/passwd"><img src="/media/../private/issues/1/2025/001.pdf">'
        '<p style="background: url(http://127.0.0.1:1/)">尾。</p><img src="/media/uploads/ok.png">'
    ))
    with caplog.at_level(logging.WARNING, logger="articles.printing.engine"):
        content = render_issue(issue, preview=True).content
    refused = {message.split(": ")[0].rsplit(" ", 1)[-1] for message in _refusals(caplog)}
    assert refused == {"file:///etc/passwd", "file:///private/issues/1/2025/001.pdf", "http://127.0.0.1:1/"}
    with pdfplumber.open(io.BytesIO(content)) as doc:
        assert len(doc.pages[0].images) == 1  # only our own uploaded image
        assert "尾。" in doc.pages[0].extract_text()
