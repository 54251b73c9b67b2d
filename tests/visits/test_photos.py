"""Hostile and oversized visit photos are refused at the field; stored photos are clean re-encoded copies."""
import datetime as dt
import io
import struct
import tracemalloc
import uuid
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image, PngImagePlugin

from visits.models import Visit, VisitPhoto
from visits.photos import PHOTO_MAX_SIDE
from visits.services import visit_log

from .factories import ALL_CHECKS, make_roster, visit_data

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a couple of hundred bytes whose header declares width×height RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
            + _chunk(b"IEND", b""))


def jpeg_with_gps(size=(64, 32), orientation=6) -> bytes:
    """A phone photo: EXIF with a GPS position and a camera orientation, and bytes appended after the image."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue: shows the rotation
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (31.0, 12.0, 30.0), 3: "E", 4: (121.0, 28.0, 10.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, comment=b"home of the household")
    return buffer.getvalue() + b"PK\x03\x04 appended archive with a secret"


def post_data(**overrides):
    data = {"submission_key": str(uuid.uuid4()), "visited_on": timezone.localdate().isoformat(), "method": "home",
            "person_seen": "on", **ALL_CHECKS, "situation": "生活基本正常", "willingness": "not_asked",
            "ability": "na", "actions_taken": "宣讲政策", "measures": "", "situation_clear": "on"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("width,height", [
    (30000, 30000),  # beyond Pillow's own bomb limit: DecompressionBombError from Image.open
    (10000, 10000),  # between Pillow's warning and error: the warning is a refusal too
    (8000, 7000),    # under Pillow's limits, over ours
])
def test_visit_form_refuses_a_png_declaring_too_many_pixels_at_the_field(client, demo, width, height):
    household = make_roster(demo.village_a)
    client.force_login(demo.caseworker_a)
    bomb = png_declaring(width, height)
    assert len(bomb) < 300
    tracemalloc.start()
    try:
        response = client.post(reverse("visits:visit_new", args=[household.pk]),
                               post_data(photos=SimpleUploadedFile("bomb.png", bomb, content_type="image/png")))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400
    errors = response.context["form"].errors["photos"]
    assert any("超过 5000 万像素的上限" in message for message in errors)
    assert peak < 20 * 1024 * 1024  # nothing was decoded (the pixels alone would be gigabytes)
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()


def test_stored_photo_is_upright_without_exif_gps_comment_or_appended_bytes(demo, settings):
    household = make_roster(demo.village_a)
    upload = jpeg_with_gps()
    visit, _ = visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)),
                         photos=[SimpleUploadedFile("p.jpg", upload, content_type="image/jpeg")])
    photo = visit.photos.get()
    stored = (settings.MEDIA_ROOT / photo.file.name).read_bytes()
    assert photo.size == len(stored) and photo.content_type == "image/jpeg"
    assert b"appended archive" not in stored and b"PhoneMaker" not in stored and b"household" not in stored
    assert stored.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
        # Orientation 6 (turn 90° clockwise to view): the 64×32 sensor image is stored 32×64, the blue
        # left half now on top.
        assert image.size == (32, 64)
        top, bottom = image.convert("RGB").getpixel((16, 5)), image.convert("RGB").getpixel((16, 58))
        assert top[2] > 150 > top[0] and bottom[0] > 150 > bottom[2]


def test_a_large_photo_is_stored_downscaled_to_the_maximum_side(demo, settings):
    household = make_roster(demo.village_a)
    buffer = io.BytesIO()
    Image.new("RGB", (5200, 2600), (90, 140, 60)).save(buffer, "JPEG", quality=50)
    visit, _ = visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)),
                         photos=[SimpleUploadedFile("big.jpg", buffer.getvalue(), content_type="image/jpeg")])
    with Image.open(settings.MEDIA_ROOT / visit.photos.get().file.name) as image:
        assert image.size == (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE // 2)


def test_png_keeps_its_format_and_transparency_but_not_its_text_or_colour_profile(demo, settings):
    household = make_roster(demo.village_a)
    image = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "王桂兰 家门口")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info, icc_profile=b"\x00" * 128)
    visit, _ = visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)),
                         photos=[SimpleUploadedFile("s.png", buffer.getvalue(), content_type="image/png")])
    photo = visit.photos.get()
    with Image.open(settings.MEDIA_ROOT / photo.file.name) as stored:
        assert stored.format == "PNG" and photo.content_type == "image/png" and stored.mode == "RGBA"
        assert "Comment" not in stored.info and "icc_profile" not in stored.info
        assert stored.getpixel((3, 3))[3] == 0


@pytest.mark.parametrize("fmt,label", [("BMP", "BMP"), ("TIFF", "TIFF"), ("GIF", "GIF")])
def test_formats_we_do_not_accept_are_named_and_refused(demo, fmt, label):
    household = make_roster(demo.village_a)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, fmt)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)),
                  photos=[SimpleUploadedFile(f"a.{fmt.lower()}", buffer.getvalue())])
    assert f"格式为 {label}" in exc.value.message_dict["photos"][0]
    assert not Visit.objects.exists()


def test_a_truncated_photo_is_refused_not_stored(demo):
    household = make_roster(demo.village_a)
    whole = jpeg_with_gps(size=(200, 200))
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 5)),
                  photos=[SimpleUploadedFile("cut.jpg", whole[:len(whole) // 3], content_type="image/jpeg")])
    assert "不是有效的图片文件" in exc.value.message_dict["photos"][0]
