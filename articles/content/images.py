"""Images uploaded through the rich-text editor: checked before they are decoded, then made fit for print.

An upload is refused (ImageRejected, with a translated message) if it is too large in bytes, if its
header announces more pixels than BULLETIN_IMAGE_MAX_PIXELS, or if it is not a PNG, JPEG, GIF or WebP
by content. What is kept is turned upright (EXIF orientation), scaled down to PRINT_WIDTH_PX, stripped
of its metadata (EXIF, GPS, XMP, comments, text chunks) and stored in its own format.
"""

import io
import struct

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps

# The type area is 156 mm wide (articles/printing/renderer.py, TYPE_AREA_WIDTH_PT); 300 dpi is what print needs.
# More pixels cannot show on paper and only make every PDF render slower and bigger.
TYPE_AREA_WIDTH_MM = 156
PRINT_DPI = 300
PRINT_WIDTH_PX = round(TYPE_AREA_WIDTH_MM / 25.4 * PRINT_DPI)  # 1843

# Decoded format → file suffix. Image.open is only allowed to try these decoders.
FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
# The only metadata carried over: colour (not identity) and palette transparency.
KEPT_INFO = {"icc_profile", "transparency"}
# Modes that resize smoothly; palette and 1-bit images are widened first (Pillow resizes them "nearest").
RESIZABLE_MODES = {"RGB", "RGBA", "L", "LA", "CMYK"}
# Rotations by 90° (EXIF orientations 5–8) swap width and height.
ROTATED = {5, 6, 7, 8}
# What a corrupt or truncated file makes Pillow's decoders raise.
BROKEN_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, TypeError, EOFError, IndexError, struct.error)


class ImageRejected(Exception):
    """The upload is not accepted; the message says why, for the drafter."""


def image_prepare(upload):
    """Check an uploaded file and return the image to store (a ContentFile named by its real format)."""
    max_bytes = settings.BULLETIN_IMAGE_MAX_BYTES
    if not upload.size:
        raise ImageRejected(_("The file is empty."))
    if upload.size > max_bytes:
        raise ImageRejected(_("The image is larger than %(size)s MB. Please upload a smaller image.")
                            % {"size": _megabytes(max_bytes)})
    try:
        return _normalised(upload)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels() from exc
    except BROKEN_IMAGE_ERRORS as exc:
        raise ImageRejected(_("The file is not a PNG, JPEG, GIF or WebP image, or it is damaged.")) from exc


def _normalised(upload):
    upload.seek(0)
    # Reads the header only: nothing is decoded yet.
    image = Image.open(upload, formats=list(FORMATS))
    # Our own limit, checked here rather than through Image.MAX_IMAGE_PIXELS: that is a process-wide
    # global (unsafe to change per request) and Pillow only refuses at twice its value (179 MP).
    # Animated images are decoded one frame at a time; only the first is ever decoded here.
    width, height = image.size
    if width * height > settings.BULLETIN_IMAGE_MAX_PIXELS:
        raise _too_many_pixels()

    orientation = image.getexif().get(ExifTags.Base.Orientation)
    upright = (height, width) if orientation in ROTATED else (width, height)
    target = _print_size(upright)
    if image.format == "JPEG":
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still leaves at least the target size.
        stored = (target[1], target[0]) if orientation in ROTATED else target
        image.draft(image.mode, stored)
    image.load()

    image_format = image.format
    kept = {key: value for key, value in image.info.items() if key in KEPT_INFO}
    image = ImageOps.exif_transpose(image)
    if image.size != target:
        if image.mode not in RESIZABLE_MODES:
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
            kept.pop("transparency", None)
        image = image.resize(target, Image.Resampling.LANCZOS)
    # Whatever Pillow would copy from info on save (JPEG comments, XMP, PNG text) stays behind.
    image.info = kept

    output = io.BytesIO()
    image.save(output, image_format, **_save_options(image_format, kept))
    return ContentFile(output.getvalue(), name=f"image.{FORMATS[image_format]}")


def _print_size(size):
    """`size` scaled down to PRINT_WIDTH_PX wide, aspect ratio kept; never scaled up."""
    width, height = size
    if width <= PRINT_WIDTH_PX:
        return size
    return PRINT_WIDTH_PX, max(1, round(height * PRINT_WIDTH_PX / width))


def _save_options(image_format, kept):
    options = {key: value for key, value in kept.items() if key == "icc_profile"}
    if image_format == "JPEG":
        options.update(quality=85, optimize=True)
    elif image_format == "PNG":
        options.update(optimize=True)
    elif image_format == "WEBP":
        options.update(quality=85)
    return options


def _too_many_pixels():
    megapixels = settings.BULLETIN_IMAGE_MAX_PIXELS / 1_000_000
    return ImageRejected(
        _("The image has too many pixels (at most %(megapixels)s megapixels). Please reduce its size and try again.")
        % {"megapixels": f"{megapixels:g}"}
    )


def _megabytes(size):
    return f"{size / 2**20:g}"
