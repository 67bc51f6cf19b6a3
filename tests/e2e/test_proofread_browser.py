"""校对 on the review desk in chromium: every open finding is marked where it stands in the document too."""

from articles import services
from articles.models import Article
from tests import factories
from tests.e2e.browser import MARKS, SHOTS
from tests.e2e.test_workflow_browser import SIZES, _admin_login

pytestmark = MARKS


@SIZES
def test_each_finding_is_marked_in_the_text_through_a_tracked_change(live_server, browser, viewport):
    series = factories.two_step_series()
    issue = factories.draft_issue(series=series, articles=0)
    article = Article.objects.create(issue=issue, position=1, title="全省地方志工作会议召开",
                                     body="<p>会议议定的的事项已布署落实。会议要求再接再励。</p>")
    issue = services.issue_submit(issue=issue, actor=issue.created_by)
    chief = factories.chief()
    # A correction in this round: the desk shows it as a tracked change, deleted text struck through.
    services.article_correct(article=article, actor=chief, title=article.title, subtitle="",
                             body="<p>会议议定的的事项已布署落实。会议要求大家再接再励。</p>")
    page = _admin_login(browser, live_server.url, chief, viewport)
    page.goto(f"{live_server.url}/admin/articles/issue/{issue.pk}/review/")
    page.wait_for_selector("#proofread .pf-finding")

    quotes = page.locator("#proofread .pf-finding").evaluate_all("items => items.map(i => i.dataset.quote)")
    page.wait_for_function("() => CSS.highlights.has('proofread')")
    marked = page.evaluate("() => [...CSS.highlights.get('proofread')].map(range => range.toString())")
    assert len(quotes) >= 3 and sorted(marked) == sorted(quotes), (quotes, marked)
    # Each mark lies in the article's text as it reads now, not in the panel or a deleted passage.
    assert page.evaluate("""() => [...CSS.highlights.get('proofread')].every(range =>
        range.startContainer.parentElement.closest('#document .body, #document .article-title')
        && !range.startContainer.parentElement.closest('del'))""")
    page.locator("#proofread .pf-finding.pf-located .pf-quote").last.click()
    # Clicking a finding scrolls the document to its mark.
    page.wait_for_function("""() => { const r = [...CSS.highlights.get('proofread')].pop().getBoundingClientRect();
                                      return r.top >= 0 && r.bottom <= window.innerHeight && window.scrollY > 0; }""")
    page.screenshot(path=SHOTS / f"e2e-proofread-marks-{viewport['width']}.png")
