"""URL configuration."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from articles import views as article_views

admin.site.site_header = _("Bulletin CMS")
admin.site.site_title = _("Bulletin CMS")
admin.site.index_title = _("Drafting and approval")

urlpatterns = [
    path("admin/", admin.site.urls),
    # Same path as the package's upload URL, so every upload goes through our permission check.
    path("ckeditor5/image_upload/", article_views.image_upload),
    path("ckeditor5/", include("django_ckeditor_5.urls")),
    path("", include("distribution.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Public media only (editor images); issued PDFs are never under MEDIA_URL.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
