"""Storage for images uploaded through the rich-text editor."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class ImageStorage(FileSystemStorage):
    """Public media under MEDIA_ROOT/uploads, the only images rich text may show.

    Files get random names: they are served without a permission check, so a name
    must not be guessable from the original ("image.png") or from its neighbours.
    """

    def __init__(self, **kwargs):
        super().__init__(location=settings.MEDIA_ROOT / "uploads", base_url=f"{settings.MEDIA_URL}uploads/", **kwargs)

    def get_available_name(self, name, max_length=None):
        suffix = PurePosixPath(name).suffix.lower()
        return super().get_available_name(f"{uuid.uuid4().hex}{suffix}", max_length=max_length)
