"""WeasyPrint runs in a forked child held to a time and memory budget; the worker survives and says why."""

import logging
import os
import time

import psutil
import pytest
from django.urls import reverse

from articles import services
from articles.models import Issue
from articles.printing import engine, renderer
from tests.factories import editor, issue_in, leader

pytestmark = pytest.mark.django_db
Status = Issue.Status


@pytest.fixture
def budget(settings):
    """A budget a test can go past: 200 MB, and 30 s until a test sets the 1 s it then goes past."""
    settings.BULLETIN_RENDER_TIMEOUT = 30  # real renders, on a machine that may be busy
    settings.BULLETIN_RENDER_MEMORY_MB = 200
    return settings


def slow_layout(html):
    time.sleep(60)


def greedy_layout(html):
    return bytearray(1024 * 2**20)  # 1 GB, five times the test budget


def no_children_left():
    return psutil.Process().children() == []


def stored_files(settings):
    root = settings.PRIVATE_MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_by_default_the_layout_runs_in_another_process(settings, monkeypatch):
    assert (settings.BULLETIN_RENDER_TIMEOUT, settings.BULLETIN_RENDER_MEMORY_MB) == (50, 1024)
    monkeypatch.setattr(renderer, "write_pdf",
                        lambda layouts, variant: renderer.RenderedPdf(str(os.getpid()).encode(), 1))

    rendered = renderer.render_issue(issue_in(Status.DRAFT), preview=True)

    assert int(rendered.content) != os.getpid()
    assert no_children_left()


def test_with_no_budget_the_layout_runs_in_the_worker(settings, monkeypatch):
    settings.BULLETIN_RENDER_TIMEOUT = settings.BULLETIN_RENDER_MEMORY_MB = 0
    monkeypatch.setattr(renderer, "write_pdf",
                        lambda layouts, variant: renderer.RenderedPdf(str(os.getpid()).encode(), 1))

    assert int(renderer.render_issue(issue_in(Status.DRAFT), preview=True).content) == os.getpid()


def test_a_render_within_the_budget_gives_the_pdf(budget):
    rendered = renderer.render_issue(issue_in(Status.DRAFT), preview=True)

    assert rendered.content.startswith(b"%PDF") and rendered.pages >= 1


def test_a_render_past_the_deadline_is_stopped_and_the_worker_carries_on(budget, monkeypatch, caplog):
    issue = issue_in(Status.DRAFT)
    budget.BULLETIN_RENDER_TIMEOUT = 1
    monkeypatch.setattr(engine, "_lay_out", slow_layout)  # the forked child inherits the patch

    start = time.monotonic()
    with pytest.raises(renderer.PdfRenderError) as stopped:
        renderer.render_issue(issue, preview=True)

    assert time.monotonic() - start < 10
    assert str(stopped.value) == "排版超过 1 秒，已停止。请精简本期内容，或拆分过长的文章。"
    assert any("排版超过 1 秒" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    assert no_children_left()
    monkeypatch.undo()
    assert Issue.objects.filter(pk=issue.pk).exists()  # the worker's database connection is untouched
    budget.BULLETIN_RENDER_TIMEOUT = 30
    assert renderer.render_issue(issue, preview=True).content.startswith(b"%PDF")


def test_a_render_past_the_memory_limit_is_stopped_and_reported(budget, monkeypatch):
    issue = issue_in(Status.DRAFT)
    monkeypatch.setattr(engine, "_lay_out", greedy_layout)

    with pytest.raises(renderer.PdfRenderError) as stopped:
        renderer.render_issue(issue, preview=True)

    assert str(stopped.value) == "排版所需内存超过 200 MB，已停止。请精简本期内容，或拆分过长的文章。"
    assert no_children_left()
    monkeypatch.undo()
    assert renderer.render_issue(issue, preview=True).content.startswith(b"%PDF")


def test_a_failure_in_the_child_is_reported_with_its_reason_and_traceback(budget, monkeypatch, caplog):
    def broken(html):
        raise RuntimeError("字体服务器故障")

    monkeypatch.setattr(engine, "_lay_out", broken)

    with pytest.raises(renderer.PdfRenderError, match="^排版时发生意外错误.*（字体服务器故障）。$"):
        renderer.render_issue(issue_in(Status.DRAFT), preview=True)

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "PDF layout failed in the render process" in logged and "in broken" in logged


def test_the_childs_log_records_reach_the_workers_log(budget, monkeypatch, caplog):
    lay_out = engine._lay_out

    def chatty(html):
        logging.getLogger("weasyprint.test").error("laid out in %s", os.getpid())
        return lay_out(html)

    monkeypatch.setattr(engine, "_lay_out", chatty)
    renderer.render_issue(issue_in(Status.DRAFT), preview=True)

    pids = {int(r.getMessage().split()[-1]) for r in caplog.records if r.name == "weasyprint.test"}
    assert pids and os.getpid() not in pids


def test_issuing_with_a_render_past_the_deadline_leaves_the_issue_under_review_and_burns_no_number(
    budget, monkeypatch
):
    issue = issue_in(Status.REVIEW)
    budget.BULLETIN_RENDER_TIMEOUT = 1
    monkeypatch.setattr(engine, "_lay_out", slow_layout)

    with pytest.raises(services.WorkflowError) as refused:
        services.issue_approve(issue=issue, actor=leader())

    assert refused.value.code == "render"
    assert "排版超过 1 秒" in refused.value.messages[0]
    issue.refresh_from_db()
    assert (issue.status, issue.number, issue.total_number, issue.pdf_file.name) == (Status.REVIEW, None, None, "")
    assert not issue.log.filter(action="issue.issue").exists()
    assert stored_files(budget) == []

    monkeypatch.undo()
    budget.BULLETIN_RENDER_TIMEOUT = 30
    assert services.issue_approve(issue=issue, actor=leader()).number == 1


def test_the_preview_button_shows_why_the_render_was_stopped(budget, monkeypatch, client):
    issue = issue_in(Status.DRAFT)
    budget.BULLETIN_RENDER_TIMEOUT = 1
    monkeypatch.setattr(engine, "_lay_out", slow_layout)
    client.force_login(editor())

    response = client.get(reverse("admin:articles_issue_preview", args=[issue.pk]), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("admin:articles_issue_change", args=[issue.pk])
    messages = [str(m) for m in response.context["messages"]]
    assert any("排版超过 1 秒，已停止" in m for m in messages), messages
    assert no_children_left()
