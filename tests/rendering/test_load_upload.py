"""load_upload accepts real photos, whatever their form, and refuses everything else readably."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import pytest
from PIL import Image, ImageCms

from chalicelib.rendering import ImageRejected, load_upload, render_thumbnail

from .photos import encode, gps_exif, photo_like, swapped_primaries_icc


def _thumbnail_image(src) -> Image.Image:
    return Image.open(BytesIO(render_thumbnail(src, 200))).convert("RGB")


@pytest.mark.parametrize(
    ("pil_format", "expected", "params"),
    [
        ("JPEG", "jpeg", {"quality": 90}),
        ("PNG", "png", {}),
        ("WEBP", "webp", {"quality": 90}),
        ("HEIF", "heif", {"quality": 90}),
    ],
)
def test_every_supported_format_is_identified_from_its_bytes(pil_format, expected, params):
    data = encode(photo_like((320, 240)), pil_format, **params)

    src = load_upload(data)

    assert src.format == expected
    assert (src.width, src.height) == (320, 240)
    assert _thumbnail_image(src).size == (200, 150)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nendobj\n", "PDF"),
        (encode(photo_like((32, 32)).convert("P"), "GIF"), "GIF"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "SVG"),
        (b"hello, this is just some text\n", "text"),
        (encode(photo_like((32, 32)), "BMP"), "BMP"),
        (encode(photo_like((32, 32)), "TIFF"), "TIFF"),
        (b"\x00\x01\x02\x03" * 64, "JPEG, PNG, WebP or HEIC"),
    ],
)
def test_files_that_are_not_photos_are_refused_with_a_reason_naming_them(data, words):
    with pytest.raises(ImageRejected) as caught:
        load_upload(data)

    assert words in caught.value.reason
    assert caught.value.reason.endswith(".")


def test_a_photo_with_a_misleading_signature_is_judged_by_its_content():
    data = b"\x89PNG\r\n\x1a\n" + encode(photo_like((32, 32)), "JPEG")[8:]

    with pytest.raises(ImageRejected, match="not a valid PNG"):
        load_upload(data)


def test_an_empty_upload_is_refused():
    with pytest.raises(ImageRejected, match="empty"):
        load_upload(b"")


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read():
    data = encode(photo_like(), "JPEG")

    with pytest.raises(ImageRejected, match="too large"):
        load_upload(data, max_bytes=len(data) - 1)


def test_a_photo_with_too_many_pixels_is_refused():
    data = encode(Image.new("L", (400, 300)), "PNG")

    with pytest.raises(ImageRejected, match="too many pixels"):
        load_upload(data, max_pixels=100_000)


def test_a_decompression_bomb_is_refused_without_decoding_it():
    # 60 MP of one colour compresses to a few kilobytes: the classic bomb.
    data = encode(Image.new("1", (10_000, 6_000)), "PNG")
    assert len(data) < 100_000

    with pytest.raises(ImageRejected, match="too many pixels"):
        load_upload(data)


def test_pillows_bomb_warning_is_an_error(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    data = encode(photo_like((200, 100)), "JPEG")

    with pytest.raises(ImageRejected, match="too many pixels"):
        load_upload(data)


@pytest.mark.parametrize("pil_format", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_a_truncated_file_is_refused(pil_format):
    data = encode(photo_like((640, 480)), pil_format, quality=90)

    with pytest.raises(ImageRejected) as caught:
        load_upload(data[: len(data) * 2 // 3])

    assert "incomplete" in caught.value.reason or "damaged" in caught.value.reason


def test_exif_orientation_is_applied():
    # Stored as 200x100, left half red, right half blue; orientation 6 = rotate 90 clockwise.
    im = Image.new("RGB", (200, 100), (220, 0, 0))
    im.paste((0, 0, 220), (100, 0, 200, 100))
    data = encode(im, "JPEG", quality=95, exif=gps_exif(orientation=6))

    src = load_upload(data)
    upright = _thumbnail_image(src)

    assert (src.width, src.height) == (100, 200)
    assert upright.size == (100, 200)
    top, bottom = upright.getpixel((50, 20)), upright.getpixel((50, 180))
    assert top[0] > 150 and top[2] < 80, top
    assert bottom[2] > 150 and bottom[0] < 80, bottom


def test_the_capture_date_is_kept_from_exif():
    data = encode(photo_like((64, 48)), "JPEG", exif=gps_exif())

    assert load_upload(data).captured_at == datetime(2024, 7, 14, 18, 3, 22)


def test_a_photo_without_exif_has_no_capture_date():
    assert load_upload(encode(photo_like(), "JPEG")).captured_at is None


def test_cmyk_jpeg_is_converted_to_rgb():
    data = encode(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), "JPEG", quality=95)

    pixel = _thumbnail_image(load_upload(data)).getpixel((32, 24))

    assert pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60, pixel


def test_sixteen_bit_greyscale_png_keeps_its_tones():
    im = Image.new("I;16", (64, 48), 32768)
    data = encode(im, "PNG")

    pixel = _thumbnail_image(load_upload(data)).getpixel((32, 24))

    assert all(120 <= channel <= 136 for channel in pixel), pixel


def test_transparency_is_flattened_on_white():
    im = Image.new("RGBA", (64, 48), (0, 0, 0, 0))
    im.paste((0, 0, 0, 255), (0, 0, 32, 48))
    src = load_upload(encode(im, "PNG"))

    thumbnail = Image.open(BytesIO(render_thumbnail(src, 64))).convert("RGB")

    assert min(thumbnail.getpixel((56, 24))) > 240
    assert max(thumbnail.getpixel((8, 24))) < 15


def test_a_palette_png_with_a_transparent_index_is_flattened_on_white():
    im = Image.new("P", (64, 48), 1)
    im.putpalette([0, 0, 0, 10, 200, 10])
    src = load_upload(encode(im, "PNG", transparency=1))

    assert min(_thumbnail_image(src).getpixel((32, 24))) > 240


def test_an_animated_webp_uses_its_first_frame():
    frames = [Image.new("RGB", (64, 48), colour) for colour in ((200, 0, 0), (0, 0, 200))]
    out = BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], lossless=True)

    pixel = _thumbnail_image(load_upload(out.getvalue())).getpixel((32, 24))

    assert pixel[0] > 150 and pixel[2] < 50, pixel


@pytest.mark.parametrize("pil_format", ["JPEG", "PNG", "WEBP"])
def test_an_embedded_icc_profile_is_converted_to_srgb(pil_format):
    # Pure red in a profile whose red primary is sRGB's blue must come out blue.
    data = encode(
        Image.new("RGB", (64, 48), (255, 0, 0)),
        pil_format,
        quality=95,
        icc_profile=swapped_primaries_icc(),
    )

    pixel = _thumbnail_image(load_upload(data)).getpixel((32, 24))

    assert pixel[2] > 200 and pixel[0] < 60, pixel


def test_an_srgb_profile_leaves_colours_alone():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(Image.new("RGB", (64, 48), (120, 180, 60)), "PNG", icc_profile=srgb)

    pixel = _thumbnail_image(load_upload(data)).getpixel((32, 24))

    assert all(abs(a - b) <= 3 for a, b in zip(pixel, (120, 180, 60), strict=True)), pixel


def test_heic_orientation_comes_from_the_container_not_from_exif():
    # In HEIF the irot/imir boxes are authoritative (libheif applies them); an EXIF
    # orientation left in the file must not rotate the photo a second time.
    im = Image.new("RGB", (200, 100), (220, 0, 0))
    im.paste((0, 0, 220), (100, 0, 200, 100))
    data = encode(im, "HEIF", quality=90, exif=gps_exif(orientation=6))

    src = load_upload(data)

    assert (src.width, src.height) == (200, 100)
    assert _thumbnail_image(src).size == (200, 100)
    assert src.captured_at == datetime(2024, 7, 14, 18, 3, 22)
