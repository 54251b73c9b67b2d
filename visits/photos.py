"""What a visit photo may be, and the clean copy of it that is stored — 走访照片.

An upload is opened only as one of the formats we accept (Pillow never tries its other parsers on it),
its declared size is checked from the header before any pixel is decoded (a 200-byte PNG can declare
30000×30000 pixels, which would take gigabytes to decode), and what is stored is a re-encoded copy:
turned upright by its EXIF orientation, no larger than PHOTO_MAX_SIDE, without EXIF (the GPS position
of the household's home), XMP, ICC profile, comments or anything appended after the image data.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

# What a phone camera produces, and a size a village mobile connection can upload.
PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_MAX_COUNT = 6
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# A 48-megapixel phone camera (8000×6000) fits; decoding more is a cost, not a photo.
PHOTO_MAX_PIXELS = 50_000_000
# The long side of the stored copy: enough to read a document photographed on a table.
PHOTO_MAX_SIDE = 2560
SAVE_OPTIONS = {"JPEG": {"quality": 85}, "PNG": {}, "WEBP": {"quality": 85}}

# Formats we refuse, named by their first bytes so the message can say what the file is without
# letting Pillow parse it.
_OTHER_FORMATS = ((b"GIF8", "GIF"), (b"BM", "BMP"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"))
_HEIF_BRANDS = (b"heic", b"heix", b"heif", b"mif1", b"msf1", b"avif")


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    content_type: str


def _other_format(head: bytes) -> str:
    for magic, label in _OTHER_FORMATS:
        if head.startswith(magic):
            return label
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIC"
    return ""


def photo_clean(upload: UploadedFile) -> CleanPhoto:
    """The stored copy of an acceptable photo, or a ValidationError in Chinese saying what is wrong."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = getattr(upload, "name", "") or _("照片")
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(_("照片“%(n)s”大小为 %(s).1f MB，超过 %(m)d MB 的上限，请压缩后再上传。") % {
            "n": name, "s": upload.size / 1024 / 1024, "m": PHOTO_MAX_BYTES // 1024 // 1024})
    if upload.size == 0:
        raise ValidationError(_("照片“%(n)s”是空文件。") % {"n": name})
    not_an_image = ValidationError(_("“%(n)s”不是有效的图片文件，只能上传 JPG、PNG 或 WebP 照片。") % {"n": name})
    try:
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                image = Image.open(upload, formats=list(PHOTO_FORMATS))
            except UnidentifiedImageError:
                other = _other_format(head)
                if other:
                    raise ValidationError(_("“%(n)s”的格式为 %(f)s，只能上传 JPG、PNG 或 WebP 照片。") % {
                        "n": name, "f": other}) from None
                raise not_an_image from None
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise _too_large(name) from None
        with image:
            width, height = image.size
            if width * height > PHOTO_MAX_PIXELS:
                raise _too_large(name, width, height)
            image_format = image.format
            if image_format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale when that still covers the stored size: a fraction of the memory.
                image.draft(None, (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            upright = ImageOps.exif_transpose(image)
        upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
        return CleanPhoto(_encode(upright, image_format), PHOTO_FORMATS[image_format])
    except ValidationError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError):
        raise not_an_image from None
    finally:
        upload.seek(0)


def _too_large(name: str, width: int = 0, height: int = 0) -> ValidationError:
    if width and height:
        return ValidationError(_("照片“%(n)s”的尺寸为 %(w)d×%(h)d 像素，超过 %(m)d 万像素的上限，请缩小后再上传。") % {
            "n": name, "w": width, "h": height, "m": PHOTO_MAX_PIXELS // 10_000})
    return ValidationError(_("照片“%(n)s”的尺寸超过 %(m)d 万像素的上限，请缩小后再上传。") % {
        "n": name, "m": PHOTO_MAX_PIXELS // 10_000})


def _encode(image, image_format: str) -> bytes:
    """The pixels alone, in the upload's format: a fresh image carries no metadata of the original."""
    from PIL import Image

    if image_format == "JPEG":
        mode = "L" if image.mode == "L" else "RGB"
    else:
        mode = "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
    if image.mode != mode:
        image = image.convert(mode)
    clean = Image.new(mode, image.size)
    clean.paste(image)
    buffer = io.BytesIO()
    clean.save(buffer, image_format, **SAVE_OPTIONS[image_format])
    return buffer.getvalue()
