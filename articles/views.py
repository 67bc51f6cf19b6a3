"""Views of the drafting tool outside the admin."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ckeditor_5.storage_utils import get_django_storage

from articles.content.images import ImageRejected, image_prepare


def _error(message, status):
    # The shape CKEditor's upload adapter shows to the user.
    return JsonResponse({"error": {"message": message}}, status=status)


@require_POST
def image_upload(request):
    """CKEditor's image upload, for drafters only; the image is checked and made fit for print before it is stored."""
    if not request.user.has_perm("articles.change_article"):
        return _error(_("You do not have permission to upload images."), 403)
    try:
        upload = request.FILES.get("upload")
    except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        upload = None
    if upload is None:
        return _error(_("No image was sent. Please choose an image file and try again."), 400)
    try:
        image = image_prepare(upload)
    except ImageRejected as exc:
        return _error(str(exc), 400)
    # The package's storage (CKEDITOR_5_FILE_STORAGE): the same folder and URLs as before.
    storage = get_django_storage()
    return JsonResponse({"url": storage.url(storage.save(image.name, image))})
