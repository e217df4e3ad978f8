"""A frame's own palette: show a chart on the panel, photograph it, read the inks' colours.

Every preview is only as true as the measured colours in the panel profile, and panels of
one model differ (two Spectra 6 samples differ by 10 L* in white). The path:

1. ``chart(panel)`` is a frame-ready PNG: a grid with every ink twice, in two rows of
   opposite order (so a light fall-off across the panel averages out). Send it to the frame.
2. Photograph the panel square-on in the light it will hang in, camera white balance on
   daylight (or a grey card in the shot), no HDR or "vivid" mode; crop the photo to the
   panel's active area (the chart fills it edge to edge).
3. ``measure(photo, panel)`` takes the median colour of the middle half of each patch,
   averages each ink's two patches and returns ``{ink name: (r, g, b)}``, ready for
   ``panel.with_measured(colours, source="frame X, date, light")``.
"""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageDraw, ImageStat

from .panels import RGB, PanelProfile

ROWS = 2


def _cells(
    panel: PanelProfile, size: tuple[int, int]
) -> list[tuple[str, tuple[int, int, int, int]]]:
    """(ink name, box) of every patch: row 0 in ink order, row 1 reversed."""
    names = list(panel.colours)
    width, height = size
    cells = []
    for row in range(ROWS):
        order = names if row % 2 == 0 else names[::-1]
        for column, name in enumerate(order):
            box = (
                column * width // len(order),
                row * height // ROWS,
                (column + 1) * width // len(order),
                (row + 1) * height // ROWS,
            )
            cells.append((name, box))
    return cells


def chart(panel: PanelProfile) -> bytes:
    """The calibration chart as a frame PNG (palette index = device code), landscape."""
    size = panel.size("landscape")
    codes = Image.new("P", size, 0)
    draw = ImageDraw.Draw(codes)
    code_of = {ink.name: ink.code for ink in panel.inks}
    for name, box in _cells(panel, size):
        draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=code_of[name])
    codes.putpalette(panel.code_palette(measured=False))
    out = BytesIO()
    codes.save(out, "PNG")
    return out.getvalue()


def measure(photo: Image.Image, panel: PanelProfile) -> dict[str, RGB]:
    """Each ink's colour in a photo of ``chart(panel)`` cropped to the panel's area."""
    image = photo.convert("RGB").resize(panel.size("landscape"), Image.Resampling.BOX)
    samples: dict[str, list[list[float]]] = {}
    for name, (left, top, right, bottom) in _cells(panel, image.size):
        dx, dy = (right - left) // 4, (bottom - top) // 4
        patch = image.crop((left + dx, top + dy, right - dx, bottom - dy))
        samples.setdefault(name, []).append([float(v) for v in ImageStat.Stat(patch).median])
    return {
        name: tuple(round(sum(c) / len(c)) for c in zip(*values, strict=True))
        for name, values in samples.items()
    }
