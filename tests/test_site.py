"""What every visitor gets: a favicon, and Chinese error pages instead of Django's technical ones."""

from django.test import override_settings


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("/static/bulletin/favicon.ico")


@override_settings(DEBUG=False)
def test_an_unknown_page_is_a_chinese_404_that_lists_no_urls(client, db):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html and "admin/" not in html and "URLconf" not in html


def test_the_readme_first_command_serves_with_debug_off():
    from pathlib import Path

    script = (Path(__file__).parents[1] / "scripts" / "run.sh").read_text()
    assert 'DEBUG="${DEBUG:-0}"' in script and "collectstatic" in script


def test_the_readme_first_command_serves_with_gunicorn_and_runs_the_worker():
    from pathlib import Path

    script = (Path(__file__).parents[1] / "scripts" / "run.sh").read_text()
    assert ".venv/bin/gunicorn bulletin_cms.wsgi" in script and "runserver" not in script
