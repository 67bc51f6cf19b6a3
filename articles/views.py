"""Views of the drafting tool outside the admin."""

from django.contrib.auth.decorators import permission_required
from django_ckeditor_5.views import upload_file


@permission_required("articles.change_article", raise_exception=True)
def image_upload(request):
    """CKEditor's image upload, for drafters only (the package itself only asks for staff)."""
    return upload_file(request)
