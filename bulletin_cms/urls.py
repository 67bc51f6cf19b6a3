"""URL configuration."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.static import serve

from articles import views as article_views

admin.site.site_header = _("Bulletin CMS")
admin.site.site_title = _("Bulletin CMS")
admin.site.index_title = _("Drafting and approval")

urlpatterns = [
    path("admin/", admin.site.urls),
    # Same path as the package's upload URL, so every upload goes through our permission check.
    path("ckeditor5/image_upload/", article_views.image_upload),
    path("ckeditor5/", include("django_ckeditor_5.urls")),
    # Browsers ask for /favicon.ico; the file is a static one (WhiteNoise serves it by its plain name too).
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}bulletin/favicon.ico", permanent=True)),
    path("", include("distribution.urls")),
]

if settings.SERVE_MEDIA:
    # Public media only (editor images); issued PDFs are never under MEDIA_URL.
    urlpatterns.append(re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", serve,
                               {"document_root": settings.MEDIA_ROOT}))
