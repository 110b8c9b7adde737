"""Checking an uploaded product picture before it is stored: a real image, within size and pixel limits."""

import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 10 * 1024 * 1024
# 40 megapixels is a large camera photo; decoding one takes ~160 MB. Far more than that is a decompression bomb.
MAX_IMAGE_PIXELS = 40_000_000
# Pillow format name -> the extension we store it under (never the uploaded name's, which proves nothing).
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
NOT_AN_IMAGE = "The file is not an image we can read. Upload a JPEG, PNG, GIF or WebP picture."


@dataclass(frozen=True)
class ImageInfo:
    format: str
    extension: str
    width: int
    height: int


def inspect_image(file: File) -> ImageInfo:
    """Validate ``file`` without decoding its pixels; raise ``ValidationError`` with a clear message."""
    size = file.size or 0
    if size == 0:
        raise ValidationError(gettext("The file is empty."), code="empty")
    if size > MAX_IMAGE_BYTES:
        raise ValidationError(
            gettext("The image is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_IMAGE_BYTES // 1024 // 1024},
            code="too_large",
        )
    file.seek(0)
    try:
        # Pillow only warns between its own limit and twice it; treat that as the error it is here.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                # Image.open reads only the header, so the size check runs before any pixel is decoded.
                width, height = image.size
                if image.format not in IMAGE_FORMATS:
                    raise ValidationError(NOT_AN_IMAGE, code="format")
                if width * height > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(width, height)
                image_format = image.format
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            gettext("The image has far too many pixels for its file size (a decompression bomb); it was refused."),
            code="decompression_bomb",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError):
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from None
    finally:
        file.seek(0)
    return ImageInfo(image_format, IMAGE_FORMATS[image_format], width, height)


def _too_many_pixels(width: int, height: int) -> ValidationError:
    megapixels = width * height / 1_000_000
    return ValidationError(
        gettext(
            "The image is %(width)s x %(height)s pixels (%(megapixels)s megapixels); the limit is %(limit)s megapixels."
        )
        % {"width": width, "height": height, "megapixels": f"{megapixels:.0f}", "limit": MAX_IMAGE_PIXELS // 1_000_000},
        code="too_many_pixels",
    )
