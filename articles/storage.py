"""Storage for images uploaded through the rich-text editor."""

from django.core.files.storage import FileSystemStorage


class ImageStorage(FileSystemStorage):
    """Public media under MEDIA_ROOT/uploads, the only images rich text may show."""

    def __init__(self, **kwargs):
        from django.conf import settings

        super().__init__(location=settings.MEDIA_ROOT / "uploads", base_url=f"{settings.MEDIA_URL}uploads/", **kwargs)
