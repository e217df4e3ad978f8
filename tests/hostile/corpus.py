"""Broken, hostile and unusual image files, generated on the spot (nothing binary in git).

Each entry says what the upload path must make of it: ``ready`` (a photo we accept),
``rejected`` (with a reason), or ``either`` (a judgement call; it only must not crash).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image, ImageDraw


@dataclass(frozen=True)
class Specimen:
    name: str
    data: bytes
    content_type: str
    expect: str  # "ready" | "rejected" | "either"


def _picture(size: tuple[int, int] = (640, 480), mode: str = "RGB") -> Image.Image:
    image = Image.new("RGB", size, (180, 60, 30))
    draw = ImageDraw.Draw(image)
    draw.ellipse(
        (size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4), fill=(20, 90, 200)
    )
    return image.convert(mode) if mode != "RGB" else image


def _save(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def bomb_png(width: int = 12_000, height: int = 12_000) -> bytes:
    """A 1-bit PNG of 144 megapixels that compresses to a few kB: pixels over any sane limit."""
    row = b"\0" + b"\0" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _huge_exif_jpeg() -> bytes:
    image = _picture()
    exif = Image.Exif()
    exif[0x010E] = "x" * 60_000  # ImageDescription: one APP1 segment nearly full (64 KB)
    exif[0x0112] = 6  # Orientation: rotate
    exif[0x9003] = "not a date at all"  # DateTimeOriginal, malformed
    return _save(image, "JPEG", exif=exif.tobytes())


def _bad_exif_orientation_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 77  # an orientation that does not exist
    return _save(_picture(), "JPEG", exif=exif.tobytes())


def _polyglot() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("evil.html", "<script>alert(1)</script>")
    return _save(_picture(), "JPEG") + archive.getvalue()


def _animated(fmt: str) -> bytes:
    frames = [_picture().rotate(angle) for angle in (0, 90, 180)]
    return _save(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def _minimal_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def specimens() -> list[Specimen]:
    jpeg = _save(_picture(), "JPEG", quality=90)
    png = _save(_picture(), "PNG")
    return [
        Specimen("valid.jpg", jpeg, "image/jpeg", "ready"),
        Specimen("truncated.jpg", jpeg[: len(jpeg) // 2], "image/jpeg", "rejected"),
        Specimen("truncated.png", png[: len(png) // 2], "image/png", "rejected"),
        Specimen("header-only.jpg", jpeg[:200], "image/jpeg", "rejected"),
        Specimen("bomb.png", bomb_png(), "image/png", "rejected"),
        Specimen("gif-named.jpg", _save(_picture(), "GIF"), "image/jpeg", "either"),
        Specimen("pdf-named.jpg", _minimal_pdf(), "image/jpeg", "rejected"),
        Specimen(
            "svg-named.jpg",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="9999999" '
            b'height="9999999"><script>alert(1)</script></svg>',
            "image/jpeg",
            "rejected",
        ),
        Specimen(
            "html-named.jpg",
            b"<!doctype html><html><body>hi</body></html>",
            "image/jpeg",
            "rejected",
        ),
        Specimen("png-declared-jpeg.jpg", png, "image/jpeg", "either"),
        Specimen("cmyk.jpg", _save(_picture(mode="CMYK"), "JPEG"), "image/jpeg", "ready"),
        Specimen(
            "sixteen-bit.png",
            _save(_picture().convert("L").convert("I;16"), "PNG"),
            "image/png",
            "ready",
        ),
        Specimen(
            "palette-transparent.png",
            _save(_picture().convert("P"), "PNG", transparency=0),
            "image/png",
            "ready",
        ),
        Specimen("rgba.png", _save(_picture(mode="RGBA"), "PNG"), "image/png", "ready"),
        Specimen("grey.jpg", _save(_picture(mode="L"), "JPEG"), "image/jpeg", "ready"),
        Specimen("animated.webp", _animated("WEBP"), "image/webp", "ready"),
        Specimen("animated.gif", _animated("GIF"), "image/jpeg", "either"),
        Specimen("huge-exif.jpg", _huge_exif_jpeg(), "image/jpeg", "ready"),
        Specimen("bad-orientation.jpg", _bad_exif_orientation_jpeg(), "image/jpeg", "ready"),
        Specimen("polyglot-zip.jpg", _polyglot(), "image/jpeg", "ready"),
        Specimen("zero-bytes.jpg", b"", "image/jpeg", "rejected"),
        Specimen("random-bytes.jpg", bytes(range(256)) * 40, "image/jpeg", "rejected"),
        Specimen(
            "one-pixel.png",
            _save(Image.new("RGB", (1, 1), (255, 0, 0)), "PNG"),
            "image/png",
            "either",
        ),
        Specimen(
            "one-pixel.jpg",
            _save(Image.new("RGB", (1, 1), (255, 0, 0)), "JPEG"),
            "image/jpeg",
            "either",
        ),
        Specimen(
            "very-wide.png",
            _save(Image.new("RGB", (12_000, 3), (0, 0, 0)), "PNG"),
            "image/png",
            "either",
        ),
        Specimen(
            "very-tall.jpg",
            _save(Image.new("RGB", (4, 9_000), (90, 90, 90)), "JPEG"),
            "image/jpeg",
            "either",
        ),
        Specimen(
            "progressive.jpg", _save(_picture(), "JPEG", progressive=True), "image/jpeg", "ready"
        ),
    ]
