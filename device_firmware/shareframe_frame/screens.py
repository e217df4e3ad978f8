"""Draw the frame's own screens: pairing, the friendly empty screen, and photos.

A photo is exactly the decoded file converted to RGB (no scaling when its size matches the
panel): its caption and sender label are already in the file, drawn by the cloud, so the web
app's preview is the same pixels. Only while the frame is offline and ``settings.showStatus``
is true is a small status corner drawn over it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from shareframe_frame.painting import MAX_SOURCE_PIXELS, UnusableImage

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

PAIRING_INSTRUCTIONS = "Open Shareframe and enter this code"
EMPTY_TITLE = "No photos yet"
EMPTY_TEXT = "Photos sent to this frame will appear here"
_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


def font(size: int) -> Font:
    """The UI font at ``size`` px. Not cached: FreeType maps the font file once per face, and
    a cache of the sizes tried while fitting text kept ~3.7 MB of font resident in the frame
    at rest; the frame draws its own text a few times a day."""
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).is_file():
            try:
                return ImageFont.truetype(candidate, size)
            except OSError:
                continue
    return ImageFont.load_default(size=size)


def _centered_text(draw: ImageDraw.ImageDraw, y: int, width: int, text: str, f: Font) -> int:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=f)
    draw.text(((width - (right - left)) // 2, y), text, fill="black", font=f)
    return int(y + (bottom - top))


def _fit_text(draw: ImageDraw.ImageDraw, text: str, max_width: int, start: int) -> Font:
    size = start
    while size > 10:
        f = font(size)
        left, _, right, _ = draw.textbbox((0, 0), text, font=f)
        if right - left <= max_width:
            return f
        size -= 2
    return font(10)


def render_pairing(size: tuple[int, int], code: str, claim_url: str) -> Image.Image:
    """The code in large type, a QR code of ``claim_url`` and one line of instructions."""
    import qrcode  # only while pairing: a paired frame never loads it

    width, height = size
    image = Image.new("RGB", size, "white")
    shown_code = code if "-" in code or len(code) != 8 else f"{code[:4]}-{code[4:]}"
    qr = qrcode.QRCode(border=2, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(claim_url)
    qr.make(fit=True)
    qr_side = min(height - 2 * (height // 10), width // 2 - width // 20)
    qr_image = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    qr_image = qr_image.resize((qr_side, qr_side), Image.Resampling.NEAREST)
    image.paste(qr_image, (width - qr_side - width // 20, (height - qr_side) // 2))
    text_width = width - qr_side - 3 * (width // 20)
    left_margin = width // 20
    text_box = Image.new("RGB", (text_width, height), "white")
    text_draw = ImageDraw.Draw(text_box)
    f_instr = _fit_text(text_draw, PAIRING_INSTRUCTIONS, text_width, max(14, height // 18))
    f_code = _fit_text(text_draw, shown_code, text_width, max(24, height // 6))
    y = height // 3
    y = _centered_text(text_draw, y, text_width, PAIRING_INSTRUCTIONS, f_instr) + height // 12
    _centered_text(text_draw, y, text_width, shown_code, f_code)
    image.paste(text_box, (left_margin, 0))
    return image


def render_empty(size: tuple[int, int]) -> Image.Image:
    """The friendly screen of a paired frame with nothing to show."""
    width, height = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    y = height // 2 - height // 10
    y = _centered_text(draw, y, width, EMPTY_TITLE, font(max(20, height // 10))) + height // 20
    _centered_text(draw, y, width, EMPTY_TEXT, _fit_text(draw, EMPTY_TEXT, width - 40, 28))
    return image


def render_blank(size: tuple[int, int]) -> Image.Image:
    """Quiet hours in "clear" mode: a white panel."""
    return Image.new("RGB", size, "white")


def load_photo(path: Path, size: tuple[int, int]) -> Image.Image:
    """Decode a stored file to RGB at panel size; letterboxed only if its size differs.

    A portrait rendition (the panel's size turned) is for a frame hung on its side: it is
    turned a quarter (counter-clockwise) into the panel's own rows, so a frame hung with the
    panel's top edge on the right shows it upright, pixel for pixel.
    """
    try:
        with Image.open(path) as source:
            if source.width * source.height > MAX_SOURCE_PIXELS:
                raise UnusableImage(f"{path.name} is {source.width}x{source.height}")
            source.load()
            image = source.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise UnusableImage(f"{path.name}: {exc}") from exc
    if image.size == size:
        return image
    if image.size == (size[1], size[0]):
        return image.transpose(Image.Transpose.ROTATE_90)
    return ImageOps.pad(image, size, color="white")


def draw_status_corner(image: Image.Image, *, offline_since: datetime | None) -> Image.Image:
    """A small box in the top-right corner saying since when the frame is offline (only used
    when settings.showStatus is true; the sender's name is in the photo's caption band)."""
    lines = []
    if offline_since is not None:
        lines.append(f"offline since {offline_since.strftime('%Y-%m-%d %H:%M')} UTC")
    if not lines:
        return image
    image = image.copy()
    draw = ImageDraw.Draw(image)
    f = font(max(12, image.height // 32))
    text = "\n".join(lines)
    left, top, right, bottom = draw.multiline_textbbox((0, 0), text, font=f)
    pad = 6
    x0 = image.width - (right - left) - 3 * pad
    y0 = pad
    y1 = y0 + (bottom - top) + 2 * pad
    draw.rectangle((x0, y0, image.width - pad, y1), fill="white", outline="black")
    draw.multiline_text((x0 + pad, y0 + pad - top), text, fill="black", font=f)
    return image
