"""Bad requests answered with a clear Chinese page, whatever DEBUG says, never a 500 or a technical page."""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DataError
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def bad_request_page(request, message, *, status=400):
    if request.path.startswith("/ckeditor5/"):
        # The editor's upload adapter shows {"error": {"message": …}} to the user; a page it cannot show.
        return JsonResponse({"error": {"message": message}}, status=status)
    return render(request, "400.html", {"message": message}, status=status)


class BadInputMiddleware:
    """Reads a POST body up front against the size limits, and turns out-of-range numbers into a 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The image upload view reads its own body and answers the editor in JSON (articles/views.py).
        if request.method == "POST" and not request.path.startswith("/ckeditor5/"):
            # Parsed here, before the CSRF check would, so that a body past the limits gets our page even
            # with DEBUG on (Django's own answer is then its English technical page).
            try:
                request.POST  # noqa: B018 - parse now
            except RequestDataTooBig:
                return bad_request_page(request, _(
                    "What you submitted is too large to be saved (at most %(mb)s MB at a time). Nothing was saved: "
                    "go back, shorten the text or split it into several articles, and save again."
                ) % {"mb": _limit_mb()}, status=413)
            except (TooManyFieldsSent, TooManyFilesSent, MultiPartParserError):
                return bad_request_page(request, _("The form could not be read. Nothing was saved."))
        return self.get_response(request)

    def process_exception(self, request, exception):
        # A number in the URL or query string beyond what the database column holds: SQLite's driver raises
        # OverflowError, PostgreSQL a DataError ("out of range"). Views validate what they read; this is the net.
        if isinstance(exception, OverflowError) or (
            isinstance(exception, DataError) and "out of range" in str(exception)
        ):
            logger.warning("Out-of-range value in %s: %s", request.get_full_path()[:200], exception)
            return bad_request_page(request, _("A number in the address is out of range."))
        return None


def _limit_mb():
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
