"""The issue form's 报 / 送 / 发, ticked in the address book (articles.forms.IssueForm, issue 22)."""

import datetime
import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from articles import services
from articles.models import Distribution, Issue, RecipientGroup, Role
from articles.review.revisions import latest_revision
from articles.selectors import address_lines
from tests import factories
from tests.articles.test_revisions import _change_form_data

pytestmark = pytest.mark.django_db
Status = Issue.Status


def change_url(issue):
    return reverse("admin:articles_issue_change", args=[issue.pk])


def _group(name, units, sort_order=100):
    group = RecipientGroup.objects.create(name=name, sort_order=sort_order)
    group.members.add(*units)
    return group


@pytest.fixture
def book():
    """The office's address book: two groups, a unit in both, a unit in none, an inactive unit."""
    unit = factories.RecipientFactory
    book = {
        "工委": unit(name="省直机关工委", sort_order=10),
        "纪检组": unit(name="省纪委监委驻省政府办公厅纪检监察组", sort_order=20),
        "综合处": unit(name="综合处", sort_order=30),
        "志鉴处": unit(name="志鉴处", sort_order=40),
        "年鉴社": unit(name="四川年鉴社", sort_order=50),
        "停用": unit(name="已撤销单位", sort_order=60, is_active=False),
    }
    book["省直"] = _group("报送单位（省直）", [book["工委"], book["纪检组"]], sort_order=10)
    book["各处"] = _group("机关各处", [book["综合处"], book["志鉴处"], book["工委"]], sort_order=20)
    return book


def _ticked(data, **roles):
    """`data` with the 报 / 送 / 发 checkboxes ticked as `roles` says: report=[unit or group, ...]."""
    data = {key: value for key, value in data.items() if not key.startswith("to_")}
    for role, items in roles.items():
        data[f"to_{role}"] = [f"g{item.pk}" if isinstance(item, RecipientGroup) else f"u{item.pk}" for item in items]
    return data


def _lines(issue):
    return sorted(Distribution.objects.filter(issue=issue).values_list("role", "recipient_id", "group_id"))


def _checked(html, role):
    """The values of the checkboxes of `role` that the page shows ticked."""
    return {re.search(r'value="([^"]+)"', tag).group(1)
            for tag in re.findall(r"<input [^>]*>", html) if f'name="to_{role}"' in tag and " checked" in tag}


def test_the_page_lists_the_units_by_group_in_print_order_with_the_issues_lines_ticked(client, book):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    Distribution.objects.create(issue=issue, role=Role.REPORT, group=book["省直"])
    Distribution.objects.create(issue=issue, role=Role.SEND, recipient=book["年鉴社"])
    client.force_login(editor)

    html = client.get(change_url(issue)).content.decode()

    picker = html[html.index('id="id_to_send"'):html.index('id="id_to_send"') + 20_000]
    legends = re.findall(r"<legend>(.*?)</legend>", picker, re.S)
    assert ["报送单位（省直）" in legends[0], "机关各处" in legends[1], "其他" in legends[2]] == [True] * 3
    names = re.findall(r'data-name="([^"]+)"', picker[:picker.index("</div>\n", picker.index("其他"))])
    # Each group, then its units in print order (sort order, then name); the unit in both groups is under both.
    assert names == ["报送单位（省直）", "省直机关工委", "省纪委监委驻省政府办公厅纪检监察组",
                     "机关各处", "省直机关工委", "综合处", "志鉴处", "四川年鉴社"]
    assert "已撤销单位" not in html  # inactive and not on the issue
    assert _checked(html, "report") == {f"g{book['省直'].pk}"}
    assert _checked(html, "send") == {f"u{book['年鉴社'].pk}"}
    assert _checked(html, "copy") == set()
    assert "报：<span class=\"pick-printed-names\">报送单位（省直）。</span>" in html


def test_ticking_units_and_a_whole_group_saves_exactly_those_lines_as_one_revision(client, book):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    client.force_login(editor)
    before = issue.revisions.count()

    data = _ticked(_change_form_data(issue), report=[book["省直"]], copy=[book["志鉴处"]],
                   send=[book["年鉴社"], book["综合处"]])
    data["base_revision"] = latest_revision(issue).number
    response = client.post(change_url(issue), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert _lines(issue) == sorted([("report", None, book["省直"].pk), ("copy", book["志鉴处"].pk, None),
                                    ("send", book["年鉴社"].pk, None), ("send", book["综合处"].pk, None)])
    assert issue.revisions.count() == before + 1
    # The end block: the group by its name, the units in print order.
    assert address_lines(issue) == [("报", "报送单位（省直）。"), ("送", "志鉴处。"), ("发", "综合处，四川年鉴社。")]


def test_unticking_and_moving_keep_one_row_per_unit(client, book):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    kept = Distribution.objects.create(issue=issue, role=Role.REPORT, recipient=book["工委"])
    Distribution.objects.create(issue=issue, role=Role.SEND, recipient=book["年鉴社"])
    client.force_login(editor)

    response = client.post(change_url(issue), _ticked(_change_form_data(issue), send=[book["工委"]]))

    assert response.status_code == 302
    assert _lines(issue) == [("send", book["工委"].pk, None)]
    assert Distribution.objects.get(issue=issue).pk == kept.pk  # moved from 报 to 发, not deleted and re-added


@pytest.mark.parametrize(("ticked", "message"), [
    (lambda b: {"report": [b["工委"]], "send": [b["工委"]]},
     "「省直机关工委」勾选在「报」中，又勾选在「发」中；一个单位每期只能列一次，请取消其中一处。"),
    (lambda b: {"send": [b["各处"], b["综合处"]]},
     "「综合处」属于「机关各处」，该组整组勾选在「发」中，又勾选在「发」中；一个单位每期只能列一次，请取消其中一处。"),
    (lambda b: {"report": [b["省直"]], "send": [b["各处"]]},
     "「省直机关工委」属于「报送单位（省直）」，该组整组勾选在「报」中，又属于「机关各处」，该组整组勾选在「发」中；"
     "一个单位每期只能列一次，请取消其中一处。"),
    (lambda b: {"report": [b["省直"]], "copy": [b["省直"]]},
     "「报送单位（省直）」整组同时勾选在「报」和「送」中，请取消其中一个。"),
])
def test_a_unit_addressed_twice_is_refused_in_chinese_and_what_was_ticked_is_kept(client, book, ticked, message):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    Distribution.objects.create(issue=issue, role=Role.COPY, recipient=book["年鉴社"])
    client.force_login(editor)
    roles = ticked(book)
    before = issue.revisions.count()

    response = client.post(change_url(issue), _ticked(_change_form_data(issue) | {"extra_recipients": "临时单位"},
                                                      **roles))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(message) == 1
    assert _lines(issue) == [("copy", book["年鉴社"].pk, None)] and issue.revisions.count() == before
    for role, items in roles.items():  # nothing typed is lost
        assert {f"g{i.pk}" if isinstance(i, RecipientGroup) else f"u{i.pk}" for i in items} <= _checked(html, role)
    assert 'value="临时单位"' in html


def test_two_whole_groups_sharing_a_unit_in_one_role_are_both_printed(client, book):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    client.force_login(editor)

    response = client.post(change_url(issue), _ticked(_change_form_data(issue), send=[book["各处"], book["省直"]]))

    assert response.status_code == 302
    assert address_lines(issue) == [("发", "报送单位（省直），机关各处。")]


def test_a_unit_or_group_not_in_the_address_book_is_refused_in_chinese(client, book):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    client.force_login(editor)
    data = _change_form_data(issue) | {"to_send": [f"u{book['年鉴社'].pk}", "u999999"], "to_report": ["x1"]}

    html = client.post(change_url(issue), data).content.decode()

    assert "勾选的单位或单位组已不在通讯录中（u999999），请刷新页面后重新勾选。" in html
    assert "勾选的单位或单位组已不在通讯录中（x1），请刷新页面后重新勾选。" in html
    assert not Distribution.objects.filter(issue=issue).exists()
    assert _checked(html, "send") == {f"u{book['年鉴社'].pk}"}


def test_an_inactive_unit_already_on_the_issue_is_listed_ticked_and_kept(client, book):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    Distribution.objects.create(issue=issue, role=Role.SEND, recipient=book["停用"])
    client.force_login(editor)

    html = client.get(change_url(issue)).content.decode()
    assert "已撤销单位<span class=\"pick-hint\">已停用</span>" in html
    assert _checked(html, "send") == {f"u{book['停用'].pk}"}
    assert client.post(change_url(issue), _change_form_data(issue)).status_code == 302
    assert _lines(issue) == [("send", book["停用"].pk, None)]


def test_an_issue_under_review_or_issued_shows_its_lines_read_only_and_refuses_a_post(client, book, fake_pdf):
    for status in (Status.REVIEW, Status.ISSUED):
        issue = factories.issue_to(status, units=[(book["年鉴社"], Role.SEND)], groups=[(book["省直"], Role.REPORT)])
        user = factories.superuser()
        client.force_login(user)

        html = client.get(change_url(issue)).content.decode()

        assert 'name="to_send"' not in html and 'name="to_report"' not in html
        assert "报：报送单位（省直）。<br>发：四川年鉴社。" in html
        response = client.post(change_url(issue), _ticked(_change_form_data(issue), send=[book["综合处"]]))
        assert response.status_code == 403
        assert _lines(issue) == sorted([("report", None, book["省直"].pk), ("send", book["年鉴社"].pk, None)])


def test_only_who_may_change_the_draft_may_post_its_lines(client, book):
    issue = factories.draft_issue(author=factories.editor())
    client.force_login(factories.leader())

    response = client.post(change_url(issue), _ticked(_change_form_data(issue), send=[book["综合处"]]))

    assert response.status_code == 403
    assert not Distribution.objects.filter(issue=issue).exists()


def test_the_service_refuses_an_issue_that_is_not_a_draft_and_a_user_who_may_not_change_it(book, fake_pdf):
    issued = factories.issue_to(Status.ISSUED, units=[(book["年鉴社"], Role.SEND)])
    with pytest.raises(services.WorkflowError):
        services.issue_address(issue=issued, addressees=[("send", book["综合处"].pk, None)],
                               actor=factories.superuser())
    draft = factories.draft_issue(author=factories.editor())
    with pytest.raises(services.WorkflowError) as refused:
        services.issue_address(issue=draft, addressees=[("send", book["综合处"].pk, None)], actor=factories.leader())
    assert refused.value.code == "permission"
    assert not draft.distributions.exists()


def test_the_form_page_costs_a_fixed_number_of_queries_however_big_the_address_book(
        client, book, django_assert_num_queries):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    Distribution.objects.create(issue=issue, role=Role.REPORT, group=book["省直"])
    Distribution.objects.create(issue=issue, role=Role.SEND, recipient=book["年鉴社"])
    client.force_login(editor)
    client.get(change_url(issue))  # the session and the content types, once

    with django_assert_num_queries(27) as small:
        assert client.get(change_url(issue)).status_code == 200
    more = [factories.RecipientFactory() for _ in range(30)]
    for n in range(5):
        _group(f"第{n}组", more[n * 6:(n + 1) * 6])
    Distribution.objects.create(issue=issue, role=Role.COPY, recipient=more[0])
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(change_url(issue)).status_code == 200


# --- what the form accepts: any ticks, any ids -------------------------------------------------------------

ROLES = ["report", "copy", "send"]


def _oracle(book, posted):
    """Whether the form must accept `posted` ({role: [value]}): known values, each unit reached once.

    A unit may be reached twice only through two whole groups in the same role; a group is ticked in one role.
    """
    units = {f"u{u.pk}": u.pk for u in book.values() if not isinstance(u, RecipientGroup) and u.is_active}
    groups = {f"g{g.pk}": g for g in book.values() if isinstance(g, RecipientGroup)}
    if any(value not in units and value not in groups for values in posted.values() for value in values):
        return False
    group_roles, reached = {}, {}
    for role, values in posted.items():
        for value in set(values):
            if value in groups:
                group_roles.setdefault(value, set()).add(role)
                for member in groups[value].members.values_list("pk", flat=True):
                    reached.setdefault(member, []).append((role, value))
            else:
                reached.setdefault(units[value], []).append((role, None))
    if any(len(roles) > 1 for roles in group_roles.values()):
        return False
    for ways in reached.values():
        if len(ways) > 1 and not (all(group for _r, group in ways) and len({r for r, _g in ways}) == 1):
            return False
    return True


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_ticks_are_saved_exactly_or_refused_in_chinese_with_the_ticks_kept(client, book, data):
    editor = factories.editor()
    issue = Issue.objects.filter(created_by__username="hypothesis").first()
    if issue is None:
        editor.username = "hypothesis"
        editor.save()
        issue = factories.draft_issue(author=editor)
    client.force_login(issue.created_by)
    values = [f"u{item.pk}" if not isinstance(item, RecipientGroup) else f"g{item.pk}" for item in book.values()]
    # Each unit and group in at most one role (as a person ticks), then now and then a tick more: the same or
    # another role, an id that was never in the address book, or anything at all.
    posted = {role: [] for role in ROLES}
    for value in values:
        role = data.draw(st.sampled_from([None] * 5 + ROLES), label=value)
        if role:
            posted[role].append(value)
    junk = st.one_of(st.sampled_from(values), st.sampled_from(["u0", "g0", "u-1", "x", "", "u1.5", "g999999"]),
                     st.text(max_size=6))
    for role, value in data.draw(st.lists(st.tuples(st.sampled_from(ROLES), junk), max_size=1), label="more"):
        posted[role].append(value)
    before = _lines(issue)
    form = _change_form_data(issue) | {f"to_{role}": ticks for role, ticks in posted.items()}
    form["base_revision"] = latest_revision(issue).number if latest_revision(issue) else 0

    response = client.post(change_url(issue), form)

    accepted = _oracle(book, posted)
    event("accepted" if accepted else "refused")
    if accepted:
        assert response.status_code == 302, response.context["errors"]
        assert _lines(issue) == sorted(
            (role, int(v[1:]) if v[0] == "u" else None, int(v[1:]) if v[0] == "g" else None)
            for role, ticks in posted.items() for v in set(ticks))
    else:
        assert response.status_code == 200
        assert _lines(issue) == before
        errors = [str(message) for error_list in response.context["errors"] for message in error_list]
        assert errors and all(re.search(r"[\u4e00-\u9fff]", message) for message in errors), errors
        html = response.content.decode()
        for role, ticks in posted.items():  # every tick that names something listed is still ticked
            listed = {v for v in ticks if re.search(rf'name="to_{role}" value="{re.escape(v)}"', html)}
            assert listed <= _checked(html, role)


# --- the series' usual 报 / 送 / 发, ticked the same way ----------------------------------------------------------


def _series_form_data(series, **roles):
    """The series change form's POST data as it stands, with 报 / 送 / 发 ticked as `roles` says."""
    data = {field: getattr(series, field) for field in (
        "name", "compiling_office", "issuing_office", "masthead_color", "masthead_size_pt",
        "masthead_letter_spacing_em", "masthead_rule_pt", "top_left_mark", "total_number_offset")}
    data.update({flag: "on" for flag in ("is_supplement", "show_total_number", "end_block_on_even_page",
                                          "mirror_margins", "print_run_below_rule") if getattr(series, flag)})
    for prefix in ("columns", "review_steps"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0,
                     f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})
    return _ticked(data, **roles)


def _usual(series):
    return sorted(series.default_addressees.values_list("role", "recipient_id", "group_id"))


def test_a_series_usual_recipients_are_ticked_like_an_issues_and_new_issues_get_them(client, book):
    series = factories.SeriesFactory(name="常用对象工作信息")
    client.force_login(factories.superuser())
    url = reverse("admin:articles_series_change", args=[series.pk])
    assert 'id="id_to_report"' in client.get(url).content.decode()

    response = client.post(url, _series_form_data(series, report=[book["省直"]],
                                                   send=[book["综合处"], book["年鉴社"]]))

    assert response.status_code == 302
    assert _usual(series) == sorted([("report", None, book["省直"].pk), ("send", book["综合处"].pk, None),
                                     ("send", book["年鉴社"].pk, None)])
    assert _checked(client.get(url).content.decode(), "send") == {f"u{book['综合处'].pk}", f"u{book['年鉴社'].pk}"}
    # A new issue of the series with nothing ticked starts with them.
    issue = services.issue_create(actor=factories.editor(), series=series, issue_date=datetime.date(2026, 12, 3),
                                  print_date=datetime.date(2026, 12, 3), print_run=10, disclosure="public")
    assert services.issue_address_as_usual(issue=issue) == 3
    assert ("发", "综合处，四川年鉴社。") in [tuple(line) for line in address_lines(issue)]


def test_a_unit_twice_among_a_series_usual_recipients_is_refused_and_nothing_changes(client, book):
    series = factories.SeriesFactory(name="常用对象工作信息")
    series.default_addressees.create(role="copy", recipient=book["志鉴处"])
    client.force_login(factories.superuser())
    url = reverse("admin:articles_series_change", args=[series.pk])

    response = client.post(url, _series_form_data(series, report=[book["综合处"]], send=[book["综合处"]]))

    assert response.status_code == 200
    assert "「综合处」勾选在「报」中，又勾选在「发」中" in response.content.decode()
    assert _checked(response.content.decode(), "send") == {f"u{book['综合处'].pk}"}  # what was ticked stays
    assert _usual(series) == [("copy", book["志鉴处"].pk, None)]


@pytest.mark.parametrize("value", ["u²", "g¹", "u١", "u-1", "u", "x1"])
def test_a_tick_that_is_no_number_is_refused_in_chinese_not_a_crash(client, book, value):
    editor = factories.editor()
    issue = factories.draft_issue(author=editor)
    client.force_login(editor)
    data = _change_form_data(issue)
    data["to_send"] = [value]

    response = client.post(change_url(issue), data)

    assert response.status_code == 200
    assert "已不在通讯录中" in response.content.decode()
    assert not Distribution.objects.filter(issue=issue).exists()


def test_a_drafter_sees_a_series_usual_recipients_as_they_print_not_as_checkboxes(client, book):
    series = factories.SeriesFactory(name="常用对象工作信息")
    series.default_addressees.create(role="send", recipient=book["年鉴社"])
    series.default_addressees.create(role="report", group=book["省直"])
    client.force_login(factories.editor())  # may view a series, not change it

    html = client.get(reverse("admin:articles_series_change", args=[series.pk])).content.decode()

    assert "报：报送单位（省直）。<br>发：四川年鉴社。" in html
    assert 'name="to_send"' not in html
