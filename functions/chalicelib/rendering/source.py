"""Reading an upload: identify it from its bytes, refuse what we cannot show, decode lazily.

``load_upload`` looks at the file's own signature (never its name or declared type), reads
the header for size and metadata, refuses too many pixels before decoding any, and proves
the pixel data complete as cheaply as the format allows: a JPEG is decoded with ``draft()``
at reduced size (1/4 for a 12 MP photo, a fraction of a full decode); PNG, WebP and HEIF
have no reduced decode, so they are decoded once and kept. Renditions reuse that decode
when it is big enough and otherwise decode again at about 1.25x what they need.

Example::

    src = load_upload(data)          # raises ImageRejected with a readable reason
    src.format, src.width, src.height, src.captured_at
"""

from __future__ import annotations

import math
import struct
import warnings
from datetime import datetime, timedelta, timezone
from functools import cache
from io import BytesIO

from PIL import ExifTags, Image, ImageCms, ImageFile, UnidentifiedImageError

from .errors import ImageRejected

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_PIXELS = 50_000_000

# Pillow's own guard: above this it warns (made an error below), above twice this it refuses.
Image.MAX_IMAGE_PIXELS = DEFAULT_MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False

# Any decoded base keeps at least this many pixels on its short side, so later renditions
# (the 13.3" panel, the preview) can reuse it instead of decoding again.
_BASE_MIN_SHORT_SIDE = 2000

# load_upload decodes a JPEG once to prove it complete, at a scale whose long side is at
# least this: enough for the thumbnail and a landscape 800x480 rendition of a typical photo,
# so the first rendition needs no second decode.
_FIRST_DECODE_LONG_SIDE = 1000

_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heif": "HEIF"}

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_HEIF_GENERIC_BRANDS = {b"mif1", b"msf1", b"mif2"}
_AVIF_BRANDS = {b"avif", b"avis"}

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_NOT_A_PHOTO = "This file is not a photo we can read"
_SUPPORTED = "Please upload a JPEG, PNG, WebP or HEIC photo."


def _looks_like(data: bytes) -> str | None:
    """A plain-words guess at what a non-photo upload is, for the rejection message."""
    head = data[:1024].lstrip()
    lower = head.lower()
    known = [
        (b"%PDF", "a PDF"),
        (b"GIF8", "a GIF"),
        (b"BM", "a BMP image"),
        (b"II*\x00", "a TIFF image"),
        (b"MM\x00*", "a TIFF image"),
        (b"PK\x03\x04", "a ZIP archive or an Office document"),
        (b"8BPS", "a Photoshop file"),
        (b"\x00\x00\x01\x00", "an icon"),
    ]
    for magic, name in known:
        if head.startswith(magic):
            return name
    if b"<svg" in lower:
        return "an SVG drawing"
    if lower.startswith((b"<!doctype html", b"<html")):
        return "a web page"
    if lower.startswith(b"<?xml"):
        return "an XML document"
    if len(data) >= 12 and data[4:8] == b"ftyp":
        if data[8:12] in (b"qt  ", b"isom", b"mp41", b"mp42", b"M4V ", b"3gp4", b"3gp5"):
            return "a video"
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "a text file"


def _isobmff_brands(data: bytes) -> set[bytes]:
    size = struct.unpack(">I", data[0:4])[0]
    end = min(size if size >= 16 else 16, len(data), 4096)
    brands = {data[8:12]}
    brands.update(data[i : i + 4] for i in range(16, end - 3, 4))
    return brands


def sniff_format(data: bytes) -> str:
    """Return "jpeg", "png", "webp" or "heif" from the file's signature, else reject it."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[0:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if len(data) >= 16 and data[4:8] == b"ftyp":
        brands = _isobmff_brands(data)
        if brands & _HEIF_BRANDS or (brands & _HEIF_GENERIC_BRANDS and not brands & _AVIF_BRANDS):
            return "heif"
        if brands & _AVIF_BRANDS:
            raise ImageRejected(
                f"{_NOT_A_PHOTO} (it is an AVIF image, which we do not support yet). {_SUPPORTED}"
            )
    what = _looks_like(data)
    detail = f" (it looks like {what})" if what else ""
    raise ImageRejected(f"{_NOT_A_PHOTO}{detail}. {_SUPPORTED}")


@cache
def _register_heif() -> bool:
    try:
        import pillow_heif  # optional and heavy: loaded on the first HEIF upload
    except ImportError:
        return False
    pillow_heif.register_heif_opener(thumbnails=False)
    return True


@cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _open(data: bytes, fmt: str) -> ImageFile.ImageFile:
    if fmt == "heif" and not _register_heif():
        raise ImageRejected(f"We cannot read HEIC photos at the moment. {_SUPPORTED}")
    return Image.open(BytesIO(data), formats=[_PIL_FORMATS[fmt]])


def _rejection_for(exc: Exception, fmt: str) -> ImageRejected:
    if isinstance(exc, ImageRejected):
        return exc
    if isinstance(exc, Image.DecompressionBombWarning | Image.DecompressionBombError):
        return ImageRejected(
            "This photo has too many pixels for us to process "
            f"(the limit is {DEFAULT_MAX_PIXELS // 1_000_000} megapixels)."
        )
    if isinstance(exc, OSError) and "truncated" in str(exc):
        return ImageRejected(
            "This photo file is incomplete (the upload may have been cut off). "
            "Please try uploading it again."
        )
    if isinstance(exc, UnidentifiedImageError):
        return ImageRejected(f"{_NOT_A_PHOTO} (it is not a valid {fmt.upper()} file).")
    return ImageRejected(
        f"This photo file is damaged and we cannot read it (it is not a valid {fmt.upper()} "
        "file). Please try exporting it again."
    )


def _exif_datetime(exif: Image.Exif) -> datetime | None:
    ifd = exif.get_ifd(ExifTags.IFD.Exif)
    raw = ifd.get(ExifTags.Base.DateTimeOriginal)
    if not isinstance(raw, str):
        return None
    try:
        when = datetime.strptime(raw.strip("\x00 ").strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = ifd.get(ExifTags.Base.OffsetTimeOriginal)
    if isinstance(offset, str):
        try:
            sign = -1 if offset.startswith("-") else 1
            hours, minutes = offset.strip("+- \x00").split(":")
            delta = timedelta(hours=int(hours), minutes=int(minutes))
            when = when.replace(tzinfo=timezone(sign * delta))
        except ValueError:
            pass
    return when


def _sixteen_bit_to_l(im: Image.Image) -> Image.Image:
    """16- and 32-bit greyscale to 8 bit by scaling (Pillow's convert clips instead)."""
    as_int = im.convert("I")
    high = 65535.0 if im.mode.startswith("I;16") else float(max(as_int.getextrema()[1], 1))  # type: ignore[arg-type]
    return as_int.point(lambda v: v * (255.0 / high)).convert("L")


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Any decoded mode to 8-bit sRGB RGB: 16-bit scaled, ICC converted, alpha on white."""
    if im.mode.startswith("I"):
        im = _sixteen_bit_to_l(im)
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif im.mode == "PA":
        im = im.convert("RGBA")
    elif im.mode == "1":
        im = im.convert("L")
    alpha: Image.Image | None = None
    if im.mode in ("RGBA", "LA", "RGBa", "La"):
        alpha = im.getchannel("A")
        im = im.convert("RGB" if im.mode.startswith("RGB") else "L")
    if icc and im.mode in ("RGB", "L", "CMYK"):
        try:
            converted = ImageCms.profileToProfile(
                im, ImageCms.ImageCmsProfile(BytesIO(icc)), _srgb_profile(), outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None  # a broken profile: fall back to reading the values as sRGB
        if converted is not None:
            im = converted
    if im.mode != "RGB":
        im = im.convert("RGB")
    if alpha is not None:
        background = Image.new("RGB", im.size, (255, 255, 255))
        background.paste(im, mask=alpha)
        im = background
    return im


class SourceImage:
    """An accepted upload: its bytes, what we learnt from its header, and a decode cache.

    ``width`` and ``height`` are after EXIF orientation. Rendering several renditions from
    one SourceImage decodes the file once per size class: the cache keeps the largest base
    decoded so far, in sRGB, upright, flattened on white.
    """

    __slots__ = ("_base", "_data", "_orientation", "captured_at", "format", "height", "width")

    def __init__(
        self,
        data: bytes,
        fmt: str,
        width: int,
        height: int,
        orientation: int,
        captured_at: datetime | None,
    ) -> None:
        self._data = data
        self.format = fmt
        self.width = width
        self.height = height
        self._orientation = orientation
        self.captured_at = captured_at
        self._base: Image.Image | None = None

    def __repr__(self) -> str:
        return f"SourceImage({self.format}, {self.width}x{self.height})"

    @property
    def byte_size(self) -> int:
        return len(self._data)

    def cached(self, min_scale: float) -> Image.Image | None:
        """The decode already made, if it has at least ``min_scale`` of full size."""
        base = self._base
        if base is not None and (base.width >= self.width * min_scale or base.width == self.width):
            return base
        return None

    def decoded(self, min_scale: float) -> Image.Image:
        """The photo as upright sRGB RGB, at least ``min_scale`` of full size (or full size).

        Callers must not modify the returned image: it is the cache.
        """
        base = self._base
        if base is not None and (base.width >= self.width * min_scale or base.width == self.width):
            return base
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                base = self._decode(min_scale)
        except Exception as exc:
            raise _rejection_for(exc, self.format) from exc
        self._base = base
        return base

    def _decode(self, min_scale: float) -> Image.Image:
        im = _open(self._data, self.format)
        if self.format == "jpeg":
            scale = max(min_scale, 1 / 8)
            im.draft("RGB", (math.ceil(im.width * scale), math.ceil(im.height * scale)))
        return self._prepare(im, min_scale)

    def _adopt(self, im: ImageFile.ImageFile) -> None:
        """Keep pixels load_upload already had to decode as the first base."""
        self._base = self._prepare(im, 0.0)

    def _prepare(self, im: ImageFile.ImageFile, min_scale: float) -> Image.Image:
        stored_w, stored_h = im.size
        icc = im.info.get("icc_profile")
        im.load()
        out = _to_srgb(im, icc if isinstance(icc, bytes) else None)
        if self.format != "jpeg":
            # No draft for these formats: shrink by a whole factor while keeping enough
            # pixels for anything a later rendition may ask of this base.
            keep = max(min_scale, _BASE_MIN_SHORT_SIDE / max(min(stored_w, stored_h), 1))
            factor = max(1, int(1 / keep)) if keep < 1 else 1
            if factor > 1:
                out = out.reduce(factor)
        transpose = _TRANSPOSE.get(self._orientation)
        if transpose is not None:
            out = out.transpose(transpose)
        return out


def load_upload(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    decode_long_side: int = _FIRST_DECODE_LONG_SIDE,
) -> SourceImage:
    """Accept an uploaded photo or raise ImageRejected with a reason a person can read.

    Pillow's own limit is ``DEFAULT_MAX_PIXELS``; a larger ``max_pixels`` is capped by it.
    ``decode_long_side``: the JPEG decode that proves the file complete keeps at least this
    long side, so that a caller that will derive images up to that size (the upload's
    master) decodes once; the default suits one panel rendition and a thumbnail.
    """
    if not data:
        raise ImageRejected("This file is empty. Please choose a photo and upload it again.")
    if len(data) > max_bytes:
        raise ImageRejected(
            f"This file is too large ({len(data) / 1_048_576:.1f} MB); "
            f"photos can be at most {max_bytes // 1_048_576} MB."
        )
    fmt = sniff_format(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = _open(data, fmt)
            stored_w, stored_h = im.size
            if stored_w * stored_h > max_pixels:
                raise ImageRejected(
                    f"This photo has too many pixels ({stored_w}x{stored_h}); photos can have "
                    f"at most {max_pixels // 1_000_000} megapixels."
                )
            if stored_w < 1 or stored_h < 1:
                raise ImageRejected(f"{_NOT_A_PHOTO} (it has no pixels).")
            if fmt != "jpeg":
                # No reduced decode exists for these formats (and a PNG's EXIF may follow its
                # pixels), so decode now: this also proves the file complete.
                im.load()
            exif = im.getexif()
            orientation = exif.get(ExifTags.Base.Orientation, 1)
            if not isinstance(orientation, int) or orientation not in range(1, 9):
                orientation = 1
            captured_at = _exif_datetime(exif)
            width, height = (stored_h, stored_w) if orientation in (5, 6, 7, 8) else im.size
            src = SourceImage(data, fmt, width, height, orientation, captured_at)
            if fmt != "jpeg":
                src._adopt(im)
    except Exception as exc:
        raise _rejection_for(exc, fmt) from exc
    if fmt == "jpeg":
        # Prove the pixel data complete with a reduced-size decode (a fraction of a full
        # one) whose result the thumbnail and the first renditions reuse.
        src.decoded(min_scale=min(1.0, decode_long_side / max(width, height)))
    return src
