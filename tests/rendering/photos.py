"""Test photos made on the fly with Pillow: no binary fixtures in the repo."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from PIL import Image, ImageDraw


def photo_like(size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A small image with gradients, saturated patches and edges: enough to exercise dithering."""
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    im = Image.merge(
        "RGB",
        (
            gradient,
            gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
            gradient.transpose(Image.Transpose.ROTATE_90).resize(size),
        ),
    )
    draw = ImageDraw.Draw(im)
    draw.ellipse((width // 4, height // 4, width // 2, height // 2), fill=(230, 40, 30))
    draw.rectangle((width // 2, height // 2, width * 3 // 4, height * 3 // 4), fill=(250, 220, 0))
    draw.rectangle((width // 8, height * 5 // 8, width // 4, height * 7 // 8), fill=(20, 60, 200))
    return im


def encode(im: Image.Image, fmt: str, **params: Any) -> bytes:
    out = BytesIO()
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    im.save(out, fmt, **params)
    return out.getvalue()


def gps_exif(orientation: int = 1) -> Image.Exif:
    """EXIF with a capture date, a camera, an orientation and a GPS position."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Camera Maker"
    exif.get_ifd(0x8769)[0x9003] = "2024:07:14 18:03:22"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 12.0)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 40.0)
    return exif


def _s15(value: float) -> bytes:
    return round(value * 65536).to_bytes(4, "big", signed=True)


def swapped_primaries_icc() -> bytes:
    """A minimal ICC v2 RGB display profile whose red and blue primaries are swapped.

    Pure (255, 0, 0) tagged with it is sRGB's blue: if the engine converts ICC profiles to
    sRGB, the photo comes out blue; if it ignores them, red.
    """
    d50 = (0.9642, 1.0, 0.8249)
    red, green, blue = (0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)

    def xyz(values):
        return b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in values)

    curve = b"curv\0\0\0\0" + (1).to_bytes(4, "big") + bytes([2, 0x33]) + b"\0\0"
    text = b"swapped primaries\0"
    desc = (
        b"desc\0\0\0\0" + len(text).to_bytes(4, "big") + text + b"\0" * 8 + b"\0\0\0" + b"\0" * 67
    )
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(d50)),
        (b"rXYZ", xyz(blue)),
        (b"gXYZ", xyz(green)),
        (b"bXYZ", xyz(red)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0public domain\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + (offset + len(data)).to_bytes(4, "big") + len(body).to_bytes(4, "big")
        data += body
    size = offset + len(data)
    header = (
        size.to_bytes(4, "big")
        + b"\0\0\0\0"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + (0).to_bytes(4, "big")
        + b"".join(_s15(v) for v in d50)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + len(tags).to_bytes(4, "big") + table + data
