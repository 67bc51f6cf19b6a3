"""合订本 (articles/archive/volume.py): bound from the stored PDFs, with cover, contents and bookmarks; asked for in
the admin, built on the task queue, downloaded by staff only."""

import datetime
import io
import re

import pdfplumber
import pikepdf
import pytest
from django.urls import reverse

from articles import services
from articles.archive import volume as volumes
from articles.models import Article, BoundVolume
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_of_issues():
    """Three issued issues of one series in 2021, really rendered; the middle one has two articles."""
    series = factories.SeriesFactory(name="合订测试简报")
    issues = []
    for n, date in enumerate([datetime.date(2021, 1, 13), datetime.date(2021, 2, 10), datetime.date(2021, 3, 5)]):
        issue = factories.draft_issue(series=series, articles=0, issue_date=date)
        Article.objects.create(issue=issue, position=1, title=f"第{n + 1}期首篇：年鉴编纂工作会议召开",
                               body="<p>会议研究了年鉴编纂工作。</p>" * (40 if n == 1 else 3))
        if n == 1:
            Article.objects.create(issue=issue, position=2, title="省地方志办团支部获组织奖", body="<p>通报表扬。</p>")
        issue = services.issue_submit(issue=issue, actor=issue.created_by)
        issues.append(services.issue_approve(issue=issue, actor=factories.leader()))
    return series, issues


def outline_of(pdf):
    with pdf.open_outline() as outline:
        return [(item.title, pdf.pages.index(pikepdf.Page(item.destination[0])),
                 [(child.title, pdf.pages.index(pikepdf.Page(child.destination[0]))) for child in item.children])
                for item in outline.root]


def test_the_volume_binds_the_stored_files_in_order_with_contents_and_bookmarks(year_of_issues):
    series, issues = year_of_issues
    done = []

    data, pages, count = volumes.bind(series, 2021, progress=lambda d, t: done.append((d, t)))

    assert count == 3 and done == [(1, 3), (2, 3), (3, 3)]
    pdf = pikepdf.open(io.BytesIO(data))
    issue_pages = [issue.pdf_pages for issue in issues]
    # cover, its blank back, one page of contents and its blank back; every issue begins on an odd page
    assert pages == len(pdf.pages) == 4 + sum(n + n % 2 for n in issue_pages)
    outline = outline_of(pdf)
    assert outline[0][:2] == ("目录", 2)
    starts = [4]
    for n in issue_pages[:-1]:
        starts.append(starts[-1] + n + n % 2)
    assert [(title, page) for title, page, _children in outline[1:]] == [
        (f"{issue.label}（{issue.issue_date:%Y-%m-%d}）", start) for issue, start in zip(issues, starts, strict=True)]
    assert [[title for title, _page in children] for _t, _p, children in outline[1:]] == [
        [" ".join(a.title_lines) for a in issue.articles.all()] for issue in issues]
    assert all(page % 2 == 0 for _t, page, _c in outline[1:])  # 0-based even = right-hand page
    # the second issue's second article begins on a later page of that issue, and the bookmark says so
    second_children = outline[2][2]
    assert second_children[1][1] > second_children[0][1]

    with pdfplumber.open(io.BytesIO(data)) as volume:
        contents = volume.pages[2].extract_text()
        for issue, (_t, page, _children) in zip(issues, outline[1:], strict=True):
            assert issue.label in contents
            assert f"第{issues.index(issue) + 1}期首篇" in contents
            with pdfplumber.open(issue.pdf_file.path) as stored:
                # the issue's pages are the stored ones, unchanged
                assert volume.pages[page].extract_text() == stored.pages[0].extract_text()
        # Each article's number in the contents is the one printed on the page where it begins (issues keep
        # their own numbering; the volume's page count would be a number no page shows).
        for _t, start, children in outline[1:]:
            for title, page in children:
                printed = page - start + 1
                assert f"— {printed} —" in volume.pages[page].extract_text()
                assert re.search(rf"{re.escape(title[-6:])}\s*{printed}\b", contents), (title, printed, contents)
        assert "页码为各期所印页码" in contents and "comment" not in contents


def test_a_stored_file_that_is_not_the_one_issued_stops_the_binding(year_of_issues):
    series, issues = year_of_issues
    with open(issues[1].pdf_file.path, "ab") as fh:
        fh.write(b"%tampered")
    volume = BoundVolume.objects.create(series=series, year=2021, requested_by=factories.editor())

    assert volumes.volume_build(volume=volume) is None

    volume.refresh_from_db()
    assert volume.status == BoundVolume.Status.FAILED
    assert issues[1].label in volume.error and "不是印发时的文件" in volume.error
    assert not volume.pdf_file


def test_editors_ask_for_a_volume_in_the_admin_and_it_is_built_on_the_queue(
        year_of_issues, client, django_capture_on_commit_callbacks):
    series, issues = year_of_issues
    editor = factories.editor()
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:articles_boundvolume_add"), {"series": series.pk, "year": 2021})

    assert response.status_code == 302
    volume = BoundVolume.objects.get()
    assert (volume.status, volume.issues_done, volume.issues_total) == (BoundVolume.Status.DONE, 3, 3)
    assert volume.requested_by == editor
    listing = client.get(reverse("admin:articles_boundvolume_changelist")).content.decode()
    assert "已完成：3 期" in listing
    download = client.get(reverse("admin:articles_boundvolume_download", args=[volume.pk]))
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert body.startswith(b"%PDF") and len(pikepdf.open(io.BytesIO(body)).pages) == volume.pages
    assert "attachment" in download["Content-Disposition"]


def test_a_year_without_issued_issues_is_refused_in_chinese_and_nothing_is_queued(client):
    series = factories.SeriesFactory()
    client.force_login(factories.editor())

    response = client.post(reverse("admin:articles_boundvolume_add"), {"series": series.pk, "year": 1999})

    assert response.status_code == 200
    assert "1999年没有已印发的期次" in response.content.decode()
    assert not BoundVolume.objects.exists()


def test_only_staff_allowed_to_view_volumes_may_download_one(year_of_issues, client):
    series, _issues = year_of_issues
    volume = volumes.volume_build(volume=BoundVolume.objects.create(series=series, year=2021,
                                                                    requested_by=factories.editor()))
    url = reverse("admin:articles_boundvolume_download", args=[volume.pk])

    client.force_login(factories.nobody(is_staff=True))
    assert client.get(url).status_code == 403
    client.force_login(factories.reader(factories.RecipientFactory()))
    assert client.get(url).status_code == 302  # to the admin login: not staff
    client.force_login(factories.leader())
    assert client.get(url).status_code == 200


def test_a_volume_whose_file_cannot_be_stored_fails_with_a_message(year_of_issues, monkeypatch, settings):
    from django.utils import translation

    from articles.archive.volume import volume_build

    settings.LANGUAGE_CODE = "zh-hans"
    series, _issues = year_of_issues
    volume = BoundVolume.objects.create(series=series, year=2021, requested_by=factories.editor())
    storage = BoundVolume._meta.get_field("pdf_file").storage

    def full(name, content, max_length=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage, "save", full)
    with translation.override("zh-hans"):
        assert volume_build(volume=volume) is None
    volume.refresh_from_db()
    assert volume.status == BoundVolume.Status.FAILED and not volume.pdf_file
    assert "文件未能保存" in volume.error and "No space left on device" in volume.error


def test_a_volume_asked_for_while_the_queue_is_down_fails_with_a_message(year_of_issues, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    from django.utils import translation

    from articles.archive import volume as volumes_module

    series, _issues = year_of_issues

    class Refusing:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("Redis is down")

    monkeypatch.setattr(volumes_module, "build_bound_volume", Refusing())
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        volume = volumes_module.volume_request(series=series, year=2021, actor=factories.editor())
    volume.refresh_from_db()
    assert volume.status == BoundVolume.Status.FAILED and "任务队列暂不可用" in volume.error
