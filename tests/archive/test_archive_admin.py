"""The 年度档案 admin page: the year's 大事记/荣誉 and archive zip, for staff who may view issues only."""

import io
import zipfile
from urllib.parse import unquote

import docx
import pytest
from django.urls import reverse

from tests.archive.conftest import day, issued
from tests.factories import editor, leader, nobody

pytestmark = pytest.mark.django_db
URL = "/admin/articles/issue/archive/"
MEETING = {"date": day(1, 12), "organiser": "省地方志办公室", "name": "2021年第1次主任办公会", "chair": "陈建春"}
AWARD = {"awarding_body": "省档案局", "award_name": "档案工作先进集体", "awardee": "综合处"}


@pytest.fixture
def year(fake_pdf, series):
    return [issued(series=series, issue_date=day(1, 13), meetings=[MEETING], awards=[AWARD])]


@pytest.fixture
def staff_without_view():
    user = nobody()
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def filename(response):
    return unquote(response["Content-Disposition"].split("filename*=utf-8''")[1])


def test_the_page_is_reached_from_the_issue_list(client):
    client.force_login(editor())
    assert reverse("admin:articles_issue_archive") == URL
    assert f'href="{URL}"' in client.get(reverse("admin:articles_issue_changelist")).content.decode()


def test_the_page_shows_the_years_entries_before_downloading(client, year, series):
    client.force_login(leader())
    page = client.get(URL, {"series": series.pk, "year": 2021}).content.decode()
    assert "1月12日，省地方志办公室召开2021年第1次主任办公会，陈建春主持。（《地方志工作信息》2021年第1期）" in page
    assert "1月13日，综合处获省档案局授予的档案工作先进集体。" in page
    assert "年内印发 1 期" in page


@pytest.mark.parametrize("kind", ["docx", "csv"])
def test_the_yearbook_downloads_as_docx_and_csv(client, year, series, kind):
    client.force_login(editor())
    response = client.get(URL, {"series": series.pk, "year": 2021, "download": kind})
    assert response.status_code == 200
    assert filename(response) == f"地方志工作信息2021年大事记与荣誉.{kind}"
    if kind == "docx":
        text = [p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs]
        assert any(line.startswith("1月12日，省地方志办公室召开") for line in text)
    else:
        assert response.content.startswith(b"\xef\xbb\xbf") and "档案工作先进集体" in response.content.decode()


def test_every_series_for_the_yearbook(client, year):
    client.force_login(editor())
    response = client.get(URL, {"series": "", "year": 2021, "download": "docx"})
    assert filename(response) == "2021年大事记与荣誉.docx"


def test_the_archive_zip_downloads_for_one_series(client, year, series):
    client.force_login(editor())
    response = client.get(URL, {"series": series.pk, "year": 2021, "download": "zip"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert filename(response) == "地方志工作信息2021年档案.zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert archive.namelist() == ["地方志工作信息2021年第1期.pdf", "manifest.csv", "manifest.json"]


def test_the_archive_zip_needs_a_series(client, year):
    client.force_login(editor())
    response = client.get(URL, {"series": "", "year": 2021, "download": "zip"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "请选择刊物" in response.content.decode()


def test_a_tampered_pdf_gives_the_reason_on_the_page_and_no_zip(client, year, series):
    with open(year[0].pdf_file.path, "ab") as fh:
        fh.write(b"%")
    client.force_login(editor())
    response = client.get(URL, {"series": series.pk, "year": 2021, "download": "zip"})
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    page = response.content.decode()
    assert 'id="export-error"' in page and "未导出任何文件" in page and "校验值不符" in page


def test_staff_without_the_view_permission_get_403_for_the_page_and_every_file(client, year, series,
                                                                               staff_without_view):
    client.force_login(staff_without_view)
    assert client.get(URL).status_code == 403
    for kind in ("docx", "csv", "zip"):
        assert client.get(URL, {"series": series.pk, "year": 2021, "download": kind}).status_code == 403


def test_non_staff_are_sent_to_log_in(client, year, series):
    client.force_login(nobody())
    response = client.get(URL, {"series": series.pk, "year": 2021, "download": "zip"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_page_only_reads(client, year):
    client.force_login(editor())
    assert client.post(URL, {"year": 2021}).status_code == 405


def test_the_page_queries_do_not_grow_with_the_year(client, year, series, django_assert_num_queries):
    user = editor()
    client.force_login(user)
    params = {"series": series.pk, "year": 2021}
    client.get(URL, params)  # the session and the user's permissions, as on any admin page
    with django_assert_num_queries(10) as small:
        client.get(URL, params)
    issued(series=series, issue_date=day(2, 1), meetings=[MEETING, MEETING], awards=[AWARD])
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(URL, params)


def test_editors_are_offered_the_years_bound_volume_and_the_form_comes_filled(client, year, series):
    client.force_login(editor())
    page = client.get(URL, {"series": series.pk, "year": 2021}).content.decode()
    link = f"{reverse('admin:articles_boundvolume_add')}?series={series.pk}&amp;year=2021"
    assert link in page

    form = client.get(link.replace("&amp;", "&")).context["adminform"].form
    assert (form.initial["series"], form.initial["year"]) == (str(series.pk), "2021")
    client.force_login(leader())  # may read, may not bind
    assert "bind-volume" not in client.get(URL, {"series": series.pk, "year": 2021}).content.decode()
