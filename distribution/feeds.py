"""The public Atom feed: the 主动公开 issued issues, newest first, the same for everyone who asks."""

from django.contrib.syndication.views import Feed
from django.db.models import Count, Max, Prefetch
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import condition

from distribution import selectors

FEED_SIZE = 50


class PublicIssuesFeed(Feed):
    """Only what anyone may read: never depends on who asks (a feed is fetched and shared without a session)."""

    feed_type = Atom1Feed
    title = _("Public bulletins")
    subtitle = _("Issued bulletins made public (主动公开), newest first.")

    def link(self):
        return reverse("distribution:home")

    def feed_url(self):
        return reverse("distribution:feed")

    def items(self):
        return (selectors.public_issues().select_related("series").order_by("-issue_date", "-pk")
                .prefetch_related(Prefetch("articles", queryset=selectors.ARCHIVE_TITLES))[:FEED_SIZE])

    def item_title(self, issue):
        return str(issue)

    def item_description(self, issue):
        """The article titles, as an HTML list (Atom's summary type="html")."""
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((a,) for a in issue.articles.all())))

    def item_pubdate(self, issue):
        return issue.issued_at

    def item_updateddate(self, issue):
        return issue.issued_at

    def item_author_name(self, issue):
        return issue.printed_series.compiling_office


def feed_etag(request):
    """Changes whenever an issue is made public (issued issues never change); to the microsecond, unlike
    Last-Modified, so two issues issued within one second are never taken for one."""
    latest = selectors.public_issues().aggregate(n=Count("pk"), last=Max("issued_at"))
    return f"{latest['n']}-{latest['last'].timestamp() if latest['last'] else 0}"


# A reader polling with If-None-Match gets 304 after one small query until something new is made public.
public_issues_feed = condition(etag_func=feed_etag)(PublicIssuesFeed())
