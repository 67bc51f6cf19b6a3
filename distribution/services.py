"""Writes on distribution: telling recipient units that an issue is out."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from articles.models import Issue
from distribution.selectors import recipient_units

logger = logging.getLogger(__name__)


def issue_notify_recipients(*, issue_pk):
    """Email every addressed unit that has an address, once each (runs after commit)."""
    issue = Issue.objects.select_related("series").get(pk=issue_pk)
    link = settings.SITE_URL + issue.get_absolute_url()
    for unit in recipient_units(issue).exclude(email=""):
        try:
            send_mail(
                subject=_("%(issue)s has been issued") % {"issue": issue},
                message=_("%(unit)s:\n\n%(issue)s has been issued. Read it here:\n%(link)s\n")
                % {"unit": unit.name, "issue": issue, "link": link},
                from_email=None,
                recipient_list=[unit.email],
            )
        except Exception:  # noqa: BLE001 - a failed send never undoes the issue
            logger.exception("could not notify %s of issue %s", unit, issue.pk)
