"""Image uploads from the rich-text editor: drafters only, stored as public media."""

import io

import pytest
from PIL import Image

from articles.models import Article
from tests.factories import draft_issue, editor, leader

pytestmark = pytest.mark.django_db


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "seal.png"
    return buffer


def test_a_drafter_uploads_an_image_that_rich_text_may_then_show(client, settings):
    user = editor()
    client.force_login(user)
    response = client.post("/ckeditor5/image_upload/", {"upload": _png()})
    assert response.status_code == 200, response.content
    url = response.json()["url"]
    assert url.startswith("/media/uploads/")
    assert "seal" not in url and len(url.rsplit("/", 1)[1]) == len("0123456789abcdef0123456789abcdef.png")
    assert (settings.MEDIA_ROOT / "uploads" / url.rsplit("/", 1)[1]).is_file()

    issue = draft_issue(author=user)
    article = Article.objects.create(issue=issue, title="图片", body=f'<p><img src="{url}" onerror="x()"></p>')
    assert article.body == f'<p><img src="{url}"></p>'


@pytest.mark.parametrize("who", ["leader", "anonymous"])
def test_nobody_but_a_drafter_may_upload(client, who):
    if who == "leader":
        client.force_login(leader())
    response = client.post("/ckeditor5/image_upload/", {"upload": _png()})
    assert response.status_code in (302, 403)
    if who == "leader":
        assert response.status_code == 403
