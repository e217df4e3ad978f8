"""From a SourceImage to what the web app and the frames show.

``render_panel`` is the pipeline for a frame: crop to the panel's aspect around the focal
point, resize (before anything expensive), dither against the measured inks, write device
codes, and draw an optional caption in pure inks. It returns the frame-ready palette PNG
(index = device code, palette = nominal colours) and a preview PNG of the same pixels in
the measured colours, so the web app shows what the wall will show.

Example::

    rendition = render_panel(src, PANELS["spectra6_7in3"], orientation="portrait")
    rendition.width, rendition.height   # (480, 800)
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .dither import dither_to_codes
from .panels import PanelProfile
from .source import SourceImage

# Decode at about this many times the pixels a step needs: enough for a clean Lanczos
# resize, far cheaper than a full decode (JPEG draft() picks the scale).
DECODE_HEADROOM = 1.25

# DejaVu Sans Bold (free licence, fonts/LICENSE-DejaVu.txt): Latin, Greek, Cyrillic, Hebrew,
# Arabic, many symbols. Pillow's built-in font lacks even "é".
CAPTION_FONT = Path(__file__).parent / "fonts" / "DejaVuSans-Bold.ttf"

# Bump when the pixels render_panel produces change (palettes, settings, algorithm), so
# renditions cached under rendition_key() are made again.
RENDERING_VERSION = 11

THUMBNAIL_QUALITY = 82
PREVIEW_QUALITY = 85


@dataclass(frozen=True)
class PanelRendition:
    """A photo rendered for one panel, orientation, crop and caption."""

    frame_png: bytes
    preview_png: bytes
    width: int
    height: int


def rendition_key(
    panel: PanelProfile,
    *,
    orientation: str = "landscape",
    focal_point: tuple[float, float] = (0.5, 0.5),
    caption: str | None = None,
    sender_label: str | None = None,
) -> str:
    """A stable name for one rendition of an image, for caching it next to the image.

    Example: ``spectra6_7in3/portrait/0.500,0.400/-/v6``; a caption or sender label appears as
    a short hash.
    """
    panel.size(orientation)  # validates the orientation
    text = " ".join(caption.split()) if caption else ""
    sender = " ".join(sender_label.split()) if sender_label else ""
    band = f"{text}\x00{sender}" if sender else text
    tag = hashlib.sha256(band.encode()).hexdigest()[:12] if band else "-"
    fx, fy = (min(max(float(v), 0.0), 1.0) for v in focal_point)
    return f"{panel.id}/{orientation}/{fx:.3f},{fy:.3f}/{tag}/v{RENDERING_VERSION}"


def crop_box(
    source_size: tuple[int, int],
    target_size: tuple[int, int],
    focal_point: tuple[float, float] = (0.5, 0.5),
) -> tuple[float, float, float, float]:
    """The largest box of the target's aspect inside the source, centred on the focal point
    as far as the edges allow. Coordinates are in source pixels; the focal point is a
    fraction of the source's width and height, from the top left.
    """
    src_w, src_h = source_size
    target_w, target_h = target_size
    aspect = target_w / target_h
    if src_w / src_h > aspect:
        crop_w, crop_h = src_h * aspect, float(src_h)
    else:
        crop_w, crop_h = float(src_w), src_w / aspect
    fx = min(max(float(focal_point[0]), 0.0), 1.0)
    fy = min(max(float(focal_point[1]), 0.0), 1.0)
    left = min(max(fx * src_w - crop_w / 2, 0.0), src_w - crop_w)
    top = min(max(fy * src_h - crop_h / 2, 0.0), src_h - crop_h)
    return left, top, left + crop_w, top + crop_h


def _cropped(
    src: SourceImage, size: tuple[int, int], focal_point: tuple[float, float]
) -> Image.Image:
    box = crop_box((src.width, src.height), size, focal_point)
    crop_w, crop_h = box[2] - box[0], box[3] - box[1]
    need = max(size[0] / crop_w, size[1] / crop_h) * DECODE_HEADROOM
    base = src.decoded(min_scale=min(need, 1.0))
    sx, sy = base.width / src.width, base.height / src.height
    scaled = (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
    return base.resize(size, Image.Resampling.LANCZOS, box=scaled, reducing_gap=2.0)


def _fitted(src: SourceImage, max_side: int) -> Image.Image:
    scale = min(max_side / max(src.width, src.height), 1.0)
    size = (max(1, round(src.width * scale)), max(1, round(src.height * scale)))
    # A decode already big enough (no headroom needed to shrink for a JPEG) is reused.
    base = src.cached(scale) or src.decoded(min_scale=min(scale * DECODE_HEADROOM, 1.0))
    if base.size == size:
        return base.copy()
    return base.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = BytesIO()
    # No exif=, no icc_profile=: derived files carry no metadata at all (sRGB is implied).
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def render_thumbnail(src: SourceImage, max_side: int = 400) -> bytes:
    """A small sRGB JPEG for the library grid, longest side ``max_side``, no metadata."""
    return _jpeg(_fitted(src, max_side), THUMBNAIL_QUALITY)


def render_preview(src: SourceImage, max_side: int = 1600) -> bytes:
    """A large sRGB JPEG for the photo page, longest side ``max_side``, no metadata."""
    return _jpeg(_fitted(src, max_side), PREVIEW_QUALITY)


def caption_band_height(panel_height: int) -> int:
    """Height in pixels of the caption band at the bottom of a rendition."""
    return max(16, round(panel_height * 0.075))


@cache
def _caption_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(CAPTION_FONT), size)


@cache
def _missing_glyph(size: int) -> bytes:
    return bytes(_caption_font(size).getmask("\U0010fffd"))


def _printable(text: str, size: int) -> str:
    """Collapse whitespace and drop characters the font cannot draw (they would be boxes)."""
    font, missing = _caption_font(size), _missing_glyph(size)
    kept = [ch for ch in " ".join(text.split()) if bytes(font.getmask(ch)) != missing]
    return " ".join("".join(kept).split())


def _fit_text(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _caption_size(band: int) -> int:
    return max(10, round(band * 0.5))


def band_text(caption: str | None, sender_label: str | None, size: int) -> tuple[str, str]:
    """The caption and sender label as the band will draw them ("" when there is none)."""
    return (
        _printable(caption, size) if caption else "",
        _printable(sender_label, size) if sender_label else "",
    )


def compose_band(
    codes: Image.Image,
    panel: PanelProfile,
    *,
    caption: str | None = None,
    sender_label: str | None = None,
) -> Image.Image:
    """Draw the caption band over the bottom of a rendered photo ("L" image of device codes).

    The one place a photo's caption and sender label are composed: the frame shows the file
    this makes and the web app's preview is the same pixels, so the preview is exact. The band
    lies over the photo (the crop does not change with a caption), which lets a captioned
    rendition be made from an already-rendered base. Pure inks only: a paper-white band, black
    text without anti-aliasing; the caption on the left, "from <name>" on the right, the
    caption shortened with "…" first when both do not fit.
    """
    width, height = codes.size
    band = caption_band_height(height)
    size = _caption_size(band)
    text, sender = band_text(caption, sender_label, size)
    if not text and not sender:
        return codes
    out = codes.copy()
    white = next(ink.code for ink in panel.inks if ink.name == "white")
    black = next(ink.code for ink in panel.inks if ink.name == "black")
    draw = ImageDraw.Draw(out)
    draw.fontmode = "1"  # crisp: every pixel is exactly one ink
    draw.rectangle((0, height - band, width - 1, height - 1), fill=white)
    font = _caption_font(size)
    margin = max(4, band // 3)
    room = width - 2 * margin
    middle = height - band / 2
    if sender:
        sender = _fit_text(draw, sender, font, room // 2 if text else room)
        draw.text((width - margin, middle), sender, fill=black, font=font, anchor="rm")
        room -= round(draw.textlength(sender, font=font)) + 2 * margin
    if text and room > 0:
        text = _fit_text(draw, text, font, room)
        draw.text((margin, middle), text, fill=black, font=font, anchor="lm")
    return out


def encode(codes: Image.Image, panel: PanelProfile) -> PanelRendition:
    """The frame PNG and the preview PNG of one image of device codes."""
    frame = Image.frombytes("P", codes.size, codes.tobytes())
    frame.putpalette(panel.code_palette(measured=False))
    # zlib level 6 is within 5 % of level 9 on dithered pixels at a seventh of the time.
    frame_png = _png(frame, 6)
    # The preview has the same pixels: the same file with the measured colours in its
    # palette chunk, without compressing the pixels a second time.
    preview_png = _with_palette(frame_png, panel.code_palette(measured=True))
    return PanelRendition(
        frame_png=frame_png, preview_png=preview_png, width=codes.width, height=codes.height
    )


def codes_of(frame_png: bytes) -> Image.Image:
    """The device codes of a frame PNG that ``encode`` made (palette index = device code), as
    the "L" image ``render_base`` returned: a caption band composed onto it gives the same
    pixels as rendering the photo again with that caption, without decoding or dithering it."""
    with Image.open(BytesIO(frame_png)) as frame:
        if frame.mode != "P":
            raise ValueError(f"not a rendition: mode {frame.mode}")
        return Image.frombytes("L", frame.size, frame.tobytes())


def _with_palette(png: bytes, palette: list[int]) -> bytes:
    """The palette PNG ``png`` with the first entries of its PLTE chunk replaced by
    ``palette`` (flat RGB): every other byte, the pixels included, stays as it was."""
    position = 8
    while position < len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        end = position + 12 + length
        if png[position + 4 : position + 8] == b"PLTE":
            old = png[position + 8 : position + 8 + length]
            if len(palette) > length:
                raise ValueError("the new palette is longer than the PNG's")
            body = b"PLTE" + bytes(palette) + old[len(palette) :]
            chunk = png[position : position + 4] + body + zlib.crc32(body).to_bytes(4, "big")
            return png[:position] + chunk + png[end:]
        position = end
    raise ValueError("not a palette PNG: no PLTE chunk")


def _png(image: Image.Image, level: int) -> bytes:
    out = BytesIO()
    image.save(out, "PNG", compress_level=level)
    return out.getvalue()


def render_base(
    src: SourceImage,
    panel: PanelProfile,
    *,
    orientation: str = "landscape",
    focal_point: tuple[float, float] = (0.5, 0.5),
) -> Image.Image:
    """The photo cropped around the focal point, resized and dithered: an "L" image whose
    values are the panel's device codes, before any caption band."""
    photo = _cropped(src, panel.size(orientation), focal_point)
    return dither_to_codes(photo, panel)


def render_panel(
    src: SourceImage,
    panel: PanelProfile,
    *,
    orientation: str = "landscape",
    focal_point: tuple[float, float] = (0.5, 0.5),
    caption: str | None = None,
    sender_label: str | None = None,
) -> PanelRendition:
    """Render ``src`` for ``panel`` in ``orientation`` ("landscape" or "portrait").

    The frame PNG is a palette image of the panel's size in that orientation (portrait is
    height x width): palette index i is device code i, and its palette holds the nominal
    colours. The preview PNG has the same pixels in the measured colours. A caption and a
    sender label ("from Ana") are drawn in a band over the bottom of the photo.
    """
    base = render_base(src, panel, orientation=orientation, focal_point=focal_point)
    return encode(compose_band(base, panel, caption=caption, sender_label=sender_label), panel)
