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
RENDERING_VERSION = 2

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
) -> str:
    """A stable name for one rendition of an image, for caching it next to the image.

    Example: ``spectra6_7in3/portrait/0.500,0.400/-/v1``; a caption appears as a short hash.
    """
    panel.size(orientation)  # validates the orientation
    text = " ".join(caption.split()) if caption else ""
    tag = hashlib.sha256(text.encode()).hexdigest()[:12] if text else "-"
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


def _draw_caption(codes: Image.Image, text: str, panel: PanelProfile, band: int) -> None:
    """Draw the caption in pure inks: a paper-white band, black text, no anti-aliasing."""
    white = next(ink.code for ink in panel.inks if ink.name == "white")
    black = next(ink.code for ink in panel.inks if ink.name == "black")
    width, height = codes.size
    draw = ImageDraw.Draw(codes)
    draw.fontmode = "1"  # crisp: every pixel is exactly one ink
    draw.rectangle((0, height - band, width - 1, height - 1), fill=white)
    font = _caption_font(_caption_size(band))
    margin = max(4, band // 3)
    text = _fit_text(draw, text, font, width - 2 * margin)
    draw.text((margin, height - band / 2), text, fill=black, font=font, anchor="lm")


def _png(image: Image.Image, level: int) -> bytes:
    out = BytesIO()
    image.save(out, "PNG", compress_level=level)
    return out.getvalue()


def render_panel(
    src: SourceImage,
    panel: PanelProfile,
    *,
    orientation: str = "landscape",
    focal_point: tuple[float, float] = (0.5, 0.5),
    caption: str | None = None,
) -> PanelRendition:
    """Render ``src`` for ``panel`` in ``orientation`` ("landscape" or "portrait").

    The frame PNG is a palette image of the panel's size in that orientation (portrait is
    height x width): palette index i is device code i, and its palette holds the nominal
    colours. The preview PNG has the same pixels in the measured colours.
    """
    width, height = panel.size(orientation)
    band = caption_band_height(height)
    text = _printable(caption, _caption_size(band)) if caption else ""
    if not text:
        band = 0
    photo = _cropped(src, (width, height - band), focal_point)
    codes = dither_to_codes(photo, panel)
    if band:
        canvas = Image.new("L", (width, height), 0)
        canvas.paste(codes, (0, 0))
        codes = canvas
        _draw_caption(codes, text, panel, band)
    frame = Image.frombytes("P", codes.size, codes.tobytes())
    frame.putpalette(panel.code_palette(measured=False))
    # zlib level 6 is within 3 % of level 9 on dithered pixels at a seventh of the time; the
    # preview only travels to browsers, so it gets the fastest level 1.
    frame_png = _png(frame, 6)
    frame.putpalette(panel.code_palette(measured=True))
    preview_png = _png(frame, 1)
    return PanelRendition(frame_png=frame_png, preview_png=preview_png, width=width, height=height)
