"""Dithering a photo to a panel's inks, against the colours the inks really show.

The core is ``epaper-dithering`` (Rust, MIT): error diffusion in linear light, nearest ink
chosen in OKLab. Before it, lightness is compressed into the palette's measured range with a
lookup table (the same formula as the library's own tone option, at a twentieth of the
cost). This won on measurement against Pillow's Floyd-Steinberg (nominal or measured
palette) and the approach of Pimoroni's inky library; see docs/rendering.md.

The error diffusion is then refined by a few passes of direct binary search (DBS, the same
library's Rust core): a pixel becomes another ink, or trades places with a neighbour,
wherever that lowers the difference between the picture and its target as seen through a
model of the eye (a blur of about a pixel at 20 cm). Error diffusion only keeps the mean
right and leaves a grain the eye still sees; DBS optimises what the eye sees. Measured on
the photo set against the compressed reference it lowered the error by 16-32 % on the colour
panels and 16 % on black and white (64 % against the photo's lightness alone), see
docs/rendering.md, "Picture quality". It costs several times the error diffusion (a
rendition is 5-7x a full 12 MP decode instead of about 2x) and is deterministic.

For panels whose inks are all greys the photo is first reduced to its CIE lightness (L*),
so that a saturated blue and a grey of the same lightness come out the same; diffusing the
three colour channels separately against two greys gets lightness wrong for colours. The
lightness compression is then a lookup table on those greys.
"""

from __future__ import annotations

from functools import cache

from epaper_dithering import ColorPalette, DbsParams, DitherMode, dither_image
from PIL import Image, ImageCms

from . import tone
from .panels import PanelProfile

_DIFFUSION = {
    "floyd-steinberg": DitherMode.FLOYD_STEINBERG,
    "atkinson": DitherMode.ATKINSON,
    "jarvis-judice-ninke": DitherMode.JARVIS_JUDICE_NINKE,
    "stucki": DitherMode.STUCKI,
    "burkes": DitherMode.BURKES,
    "sierra": DitherMode.SIERRA,
}


@cache
def _palette(panel: PanelProfile) -> ColorPalette:
    colours = {ink.name: ink.measured for ink in panel.inks}
    accent = next((ink.name for ink in panel.inks if ink.name not in ("black", "white")), "black")
    return ColorPalette(colors=colours, accent=accent)


@cache
def _ink_to_code(panel: PanelProfile) -> bytes:
    table = bytearray(range(256))
    for position, ink in enumerate(panel.inks):
        table[position] = ink.code
    return bytes(table)


@cache
def _to_lab() -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
    )


def _measured(panel: PanelProfile) -> tuple[tuple[tuple[int, int, int], ...], tuple[str, ...]]:
    return panel.measured_palette, panel.colours


def to_greys(image: Image.Image, panel: PanelProfile) -> Image.Image:
    """The photo as greys of its CIE lightness, tone-mapped into the panel's range."""
    lab = ImageCms.applyTransform(image.convert("RGB"), _to_lab())
    assert lab is not None
    lightness = lab.getchannel("L")
    measured, names = _measured(panel)
    _, white = tone.lightness_range(measured, names)
    step = tone.choose_strength(lightness.histogram(), white, panel.lightness_strength)
    return lightness.point(tone.grey_table(measured, names, step)).convert("RGB")


def to_panel_colours(image: Image.Image, panel: PanelProfile) -> Image.Image:
    """The photo tone- and colour-mapped for the panel's measured inks (tone.py)."""
    measured, names = _measured(panel)
    _, white = tone.lightness_range(measured, names)
    rgb = image.convert("RGB")
    # Luma of gamma-encoded sRGB is within a few units of L* * 2.55: plenty to pick a
    # strength step, at a fraction of a Lab conversion.
    step = tone.choose_strength(rgb.convert("L").histogram(), white, panel.lightness_strength)
    return rgb.filter(tone.colour_lut(measured, names, step, panel.saturation, False))


def _refinement(panel: PanelProfile) -> DbsParams | None:
    if panel.refine_passes <= 0:
        return None
    return DbsParams(max_passes=panel.refine_passes, viewing_distance_cm=panel.refine_distance_cm)


def dither_to_codes(image: Image.Image, panel: PanelProfile) -> Image.Image:
    """Return an "L" image of the same size whose pixel values are the panel's device codes."""
    source = to_greys(image, panel) if panel.achromatic else to_panel_colours(image, panel)
    dithered = dither_image(
        source,
        _palette(panel),
        mode=_DIFFUSION[panel.diffusion],
        serpentine=True,
        tone=0.0,  # done above, by tone.py
        dbs=_refinement(panel),
    )
    codes = dithered.tobytes().translate(_ink_to_code(panel))
    return Image.frombytes("L", dithered.size, codes)
