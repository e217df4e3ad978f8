"""Dithering a photo to a panel's inks, against the colours the inks really show.

**Pattern diffusion** (version 5), on the colour panels. A panel pixel at about 127 ppi is
0.2 mm: what the eye sees is the mean of a few neighbouring pixels in linear light. So the
engine diffuses error not between the inks themselves but between *mixes* of four inks (the
multisets of four, less those that look like a mix of closer inks: 113 on Spectra 6, 164 on
ACeP), each shown as a 2x2 pattern:

1. Every mix's colour is the mean of its four inks in linear light (``mixes``).
2. Floyd-Steinberg error diffusion (Pillow's, in C) chooses a mix for every pixel. Neighbouring
   mixes are close together, so the error it leaves is a fine, low-amplitude grain instead
   of the coarse one of diffusing between six far-apart inks. A little fixed noise is added
   to the target first (``_noise_tile``), against the streaks the diffusion otherwise
   leaves across smooth areas.
3. Each pixel then shows the ink of its mix that belongs to its position in the 2x2 grid
   (``PHASES``), the inks sorted by luminance so that a mix of two darks and two lights
   is a checkerboard. Where a region keeps one mix, the pattern repeats every 2 pixels:
   the finest there is, which the eye (and the evaluator's blur) averages away.

It replaces error diffusion followed by two passes of direct binary search (version 4),
which took 5-7x a full decode of a 12 MP JPEG: the dithering now costs about a twenty-fifth
of that, in plain Pillow (no numpy in the Lambda package), for most of the refinement's
gain on the photo set. See docs/rendering.md, "Picture quality" and "Speed and memory".

**Error diffusion along the ink ladder** (version 11), on the grey panels. Their inks lie
on one line, dark to light, so every lightness lies between two neighbouring inks. Each
grey becomes a value on a 0..255 ladder whose inks sit at even steps (0, 85, 170, 255 for
four) and which is linear in luminance between them; Pillow's Floyd-Steinberg (in C) then
diffuses along it, so the error it carries is luminance, as the eye averages it, and each
pixel is one of the two inks around its tone. The value's fraction of a step is rounded up
or down against a blue-noise mask (``infra/blue_noise.py``), so fractions average out.
Near an ink's own tone, diffusion needs a run of pixels before its error adds up to a first
dot: a gradient leaving the ink gets a band with no dots, then a line of them, and dark
tones worm. So tones within ``NEAR_INK`` of an ink are instead thresholded against the
mask (version 10's method everywhere): the lighter ink wherever its share beats the
pixel's threshold, dots spread evenly, no period, no direction. Against the blurred
lightness the evaluator scores, the mix beats thresholding alone by about 5 % on four
greys (docs/rendering.md, version 11). The photo is first reduced to its CIE lightness
(L*), so that a saturated blue and a grey of the same lightness come out the same, and the
lightness compression is a lookup table on those greys.
"""

from __future__ import annotations

import random
from functools import cache, lru_cache
from itertools import combinations_with_replacement
from pathlib import Path
from typing import NamedTuple

from PIL import Image, ImageChops, ImageCms, ImageFilter

from . import tone
from .panels import PanelProfile

# Pixels of one mix, and where each of its inks (sorted by luminance) sits in the 2x2 grid:
# the darkest two on one diagonal, the lightest two on the other.
MIX_SIZE = 4
PHASES = ((0, 0), (1, 1), (1, 0), (0, 1))
# Mixes closer than this (CIELAB distance) count as one colour.
ALIKE = 3.0
_PALETTE_ENTRIES = 256
# The dither noise is one tile of this many pixels square, repeated: error diffusion's state
# differs from tile to tile, so the pattern does not repeat in the output.
_NOISE_TILE = 128
_NOISE_SEED = 9  # fixed: the same photo renders to the same bytes in every process
# The grey panels' blue-noise mask (thresholds near an ink, rounding elsewhere): 64x64, values
# 0..255, each on 16 pixels (infra/blue_noise.py).
BLUE_NOISE = Path(__file__).parent / "blue_noise.png"
_ABOVE_ZERO = [0] + [1] * 255  # a lookup table: 1 wherever a share beats the mask
# Tones whose lighter ink's share is this close to none or all are thresholded against the
# mask instead of diffused: error diffusion leaves them a band with no dots, then a line.
NEAR_INK = 0.1


@cache
def mixes(panel: PanelProfile) -> tuple[tuple[tuple[int, int, int], tuple[int, ...]], ...]:
    """The mixes of ``MIX_SIZE`` inks: (sRGB colour, device codes in ``PHASES`` order).

    A mix's colour is the mean of its inks' measured colours in linear light, which is what
    the eye sees of the pattern. Of mixes that look alike (within ``ALIKE`` in CIELAB) only
    the one whose inks lie closest together is kept, so a flat light grey is light grey ink
    and not black and white mixed to the same mean: the same colour, far less grain.
    """
    linear = [tone.ink_linear(rgb) for rgb in panel.measured_palette]
    labs = [tone.linear_to_lab(rgb) for rgb in linear]
    by_luminance = sorted(range(len(panel.inks)), key=lambda i: tone.luminance(linear[i]))
    candidates = []
    for combo in combinations_with_replacement(by_luminance, MIX_SIZE):
        mean = (
            sum(linear[i][0] for i in combo) / MIX_SIZE,
            sum(linear[i][1] for i in combo) / MIX_SIZE,
            sum(linear[i][2] for i in combo) / MIX_SIZE,
        )
        lab = tone.linear_to_lab(mean)
        spread = sum(_distance2(labs[i], lab) for i in combo)
        colour = (
            round(tone.linear_to_srgb(mean[0]) * 255),
            round(tone.linear_to_srgb(mean[1]) * 255),
            round(tone.linear_to_srgb(mean[2]) * 255),
        )
        candidates.append((spread, combo, lab, colour))
    kept: list[tuple[float, tuple[int, ...], tone.Vec, tuple[int, int, int]]] = []
    for candidate in sorted(candidates):
        if all(_distance2(candidate[2], other[2]) >= ALIKE**2 for other in kept):
            kept.append(candidate)
    if len(kept) > _PALETTE_ENTRIES:
        raise ValueError(f"{panel.id}: {len(kept)} mixes do not fit a palette of 256")
    return tuple((colour, tuple(panel.inks[i].code for i in combo)) for _, combo, _, colour in kept)


def _distance2(a: tone.Vec, b: tone.Vec) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2


@cache
def _mix_palette(panel: PanelProfile) -> Image.Image:
    """A palette image of the mixes' colours; unused entries repeat the first mix, so that
    Pillow's nearest-colour search can never pick a colour that is not a mix."""
    colours = [colour for colour, _ in mixes(panel)]
    colours += [colours[0]] * (_PALETTE_ENTRIES - len(colours))
    palette = Image.new("P", (1, 1))
    palette.putpalette([c for colour in colours for c in colour])
    return palette


@cache
def _phase_tables(panel: PanelProfile) -> tuple[bytes, ...]:
    """Per 2x2 position, a byte table: mix index -> the device code shown there."""
    codes = [inks for _, inks in mixes(panel)]
    codes += [codes[0]] * (_PALETTE_ENTRIES - len(codes))
    return tuple(bytes(mix[phase] for mix in codes) for phase in range(len(PHASES)))


@cache
def _phase_masks(size: tuple[int, int]) -> tuple[Image.Image, ...]:
    """Per 2x2 position, an "L" mask that is 255 on that position's pixels."""
    width, height = size
    masks = []
    for px, py in PHASES:
        pair = b"\xff\x00" if px == 0 else b"\x00\xff"
        on = (pair * (width // 2 + 1))[:width]
        off = bytes(width)
        rows = (on + off) if py == 0 else (off + on)
        masks.append(Image.frombytes("L", size, (rows * (height // 2 + 1))[: width * height]))
    return tuple(masks)


@cache
def _to_lab() -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
    )


def _measured(panel: PanelProfile) -> tuple[tuple[tuple[int, int, int], ...], tuple[str, ...]]:
    return panel.measured_palette, panel.colours


def _strength_step(lightness_histogram: list[int], panel: PanelProfile) -> int:
    """The photo's strength step on this panel: tone.choose_strength, raised where the
    profile bounds the distance from the compressed tone (tone.strength_within)."""
    black, white = tone.lightness_range(*_measured(panel))
    step = tone.choose_strength(
        lightness_histogram, white, panel.lightness_strength, panel.highlight_strength
    )
    if not panel.tone_deviation:
        return step
    within = tone.strength_within(
        lightness_histogram, black, white, panel.tone_deviation, panel.shadow_toe
    )
    return max(step, tone.strength_step(within))


def _grey_table(panel: PanelProfile, step: int) -> list[int]:
    return tone.grey_table(*_measured(panel), step, panel.shadow_toe)


def _colour_lut(panel: PanelProfile, step: int) -> ImageFilter.Color3DLUT:
    return tone.colour_lut(
        *_measured(panel), step, panel.saturation, panel.gamut_map, panel.shadow_toe
    )


def strength_steps(panel: PanelProfile) -> range:
    """Every strength step ``_strength_step`` can pick for the panel's photos."""
    ends = sorted(
        tone.strength_step(s) for s in (panel.lightness_strength, panel.highlight_strength)
    )
    top = tone.STRENGTH_STEPS if panel.tone_deviation else ends[1]
    return range(ends[0], max(ends[1], top) + 1)


def build_tables(panel: PanelProfile) -> None:
    """Build (and keep, tone.py caches them) every tone table the panel's photos can ask for.

    A gamut-mapped table (ACeP) takes about 0.5 s of CPU; built before a SnapStart snapshot
    (``warmup.before_snapshot``), no restored copy pays it on its first photo."""
    for step in strength_steps(panel):
        if panel.achromatic:
            _grey_table(panel, step)
        else:
            _colour_lut(panel, step)


def to_greys(image: Image.Image, panel: PanelProfile) -> Image.Image:
    """The photo ("L", sRGB greys) as its CIE lightness, tone-mapped into the panel's range."""
    lab = ImageCms.applyTransform(image.convert("RGB"), _to_lab())
    assert lab is not None
    lightness = lab.getchannel("L")
    return lightness.point(_grey_table(panel, _strength_step(lightness.histogram(), panel)))


def to_panel_colours(image: Image.Image, panel: PanelProfile) -> Image.Image:
    """The photo tone- and colour-mapped for the panel's measured inks (tone.py)."""
    rgb = image.convert("RGB")
    # Luma of gamma-encoded sRGB is within a few units of L* * 2.55: plenty to pick a
    # strength step, at a fraction of a Lab conversion.
    return rgb.filter(_colour_lut(panel, _strength_step(rgb.convert("L").histogram(), panel)))


@cache
def _noise_tile(sigma: float) -> Image.Image:
    """Gaussian noise of ``sigma`` (sRGB units) around 128, ``_NOISE_TILE`` pixels square.

    Added to the target before error diffusion (``pattern_diffusion``). Floyd-Steinberg
    settles into regular runs where a smooth area lies between two mixes: streaks across a
    clear sky, bands where the runs change. A little noise breaks them up, and the mean
    colour is unchanged."""
    rng = random.Random(_NOISE_SEED)  # noqa: S311 (a picture, not a secret)
    values = (round(128 + rng.gauss(0.0, sigma)) for _ in range(_NOISE_TILE * _NOISE_TILE))
    return Image.frombytes(
        "L", (_NOISE_TILE, _NOISE_TILE), bytes(min(255, max(0, v)) for v in values)
    )


@lru_cache(maxsize=4)  # a panel's two orientations, for the last two panel sizes
def _noise(size: tuple[int, int], sigma: float) -> Image.Image:
    """The noise tile repeated over ``size``, the same on the three channels."""
    return _tiled(_noise_tile(sigma), size).convert("RGB")


def _tiled(tile: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``tile`` repeated over ``size`` from the top left."""
    out = Image.new(tile.mode, size)
    for y in range(0, size[1], tile.height):
        for x in range(0, size[0], tile.width):
            out.paste(tile, (x, y))
    return out


def pattern_diffusion(target: Image.Image, panel: PanelProfile) -> Image.Image:
    """Device codes ("L") for an RGB target: error diffusion between the panel's mixes, then
    each pixel takes the ink of its mix at its 2x2 position (module docstring)."""
    if panel.dither_noise:
        target = ImageChops.add(target, _noise(target.size, panel.dither_noise), offset=-128)
    chosen = target.quantize(palette=_mix_palette(panel), dither=Image.Dither.FLOYDSTEINBERG)
    indices = chosen.tobytes()
    layers = [
        Image.frombytes("L", target.size, indices.translate(table))
        for table in _phase_tables(panel)
    ]
    out = layers[0]
    for layer, mask in zip(layers[1:], _phase_masks(target.size)[1:], strict=True):
        out.paste(layer, mask=mask)
    return out


@cache
def _ladder(panel: PanelProfile) -> tuple[tuple[float, ...], tuple[int, ...], tuple[int, ...]]:
    """The panel's inks as a ladder, darkest first: their luminances, their steps on the
    0..255 ladder scale (evenly spaced: 0, 85, 170, 255 for four inks) and their codes."""
    inks = sorted((tone.luminance(tone.ink_linear(ink.measured)), ink.code) for ink in panel.inks)
    last = len(inks) - 1
    steps = tuple(round(255 * rank / last) for rank in range(len(inks)))
    return tuple(level for level, _ in inks), steps, tuple(code for _, code in inks)


class GreyTables(NamedTuple):
    """``grey_diffusion``'s lookup tables, from an sRGB grey (0..255) unless named otherwise."""

    whole: list[int]  # whole steps of its ladder value
    fraction: list[int]  # the fraction of a step left over, 0..255
    lower: list[int]  # the rank of the darker of the two inks around it (darkest 0)
    share: list[int]  # the lighter one's share of their mix, 0..255
    near: list[int]  # 255 where that share is within NEAR_INK of 0 or of all, else 0
    codes: list[int]  # ink rank -> device code
    palette: Image.Image  # the inks' steps as greys: Floyd-Steinberg's targets, by rank


@cache
def _grey_tables(panel: PanelProfile) -> GreyTables:
    """A grey's ladder value is linear in luminance between the two inks around it, so the
    error Floyd-Steinberg carries is luminance, as the eye averages it. A grey at or beyond
    an ink is that ink's step exactly, with a share of 0 for the next: plain paper white
    gets no grey dots."""
    levels, steps, codes = _ladder(panel)
    padded = list(codes) + [codes[-1]] * (_PALETTE_ENTRIES - len(codes))
    palette = Image.new("P", (1, 1))
    palette.putpalette([value for step in steps for value in (step, step, step)])
    tables = GreyTables([], [], [], [], [], padded, palette)
    for grey in range(256):
        y = tone.srgb_to_linear(grey / 255)
        rank = sum(1 for level in levels[1:-1] if y >= level)
        gap = levels[rank + 1] - levels[rank]  # 0 for two inks alike (a calibration's)
        part = min(1.0, max(0.0, (y - levels[rank]) / gap)) if gap > 0 else 0.0
        value = steps[rank] + part * (steps[rank + 1] - steps[rank])
        share = round(part * 256)
        tables.whole.append(int(value))
        tables.fraction.append(min(255, round((value - int(value)) * 256)))
        tables.lower.append(rank + share // 256)  # a share of all: the lighter ink itself
        tables.share.append(share % 256)
        tables.near.append(255 if min(part, 1 - part) < NEAR_INK else 0)
    return tables


@cache
def _blue_noise_tile() -> Image.Image:
    with Image.open(BLUE_NOISE) as tile:
        return tile.copy()  # read once per process


@lru_cache(maxsize=4)  # a panel's two orientations, for the last two panel sizes
def _blue_noise(size: tuple[int, int]) -> Image.Image:
    """The blue-noise mask repeated over ``size`` (its tiles meet without a seam)."""
    return _tiled(_blue_noise_tile(), size)


def grey_diffusion(grey: Image.Image, panel: PanelProfile) -> Image.Image:
    """Device codes ("L") for an "L" target of an all-grey panel: Floyd-Steinberg along the
    ink ladder, its values rounded to whole steps against the blue-noise mask; tones near an
    ink thresholded against the mask instead (module docstring)."""
    tables = _grey_tables(panel)
    mask = _blue_noise(grey.size)
    up = ImageChops.subtract(grey.point(tables.fraction), mask).point(_ABOVE_ZERO)
    ladder = ImageChops.add(grey.point(tables.whole), up)
    diffused = ladder.convert("RGB").quantize(
        palette=tables.palette, dither=Image.Dither.FLOYDSTEINBERG
    )  # Pillow's Floyd-Steinberg, in C: ladder values -> ink ranks
    ranks = Image.frombytes("L", grey.size, diffused.tobytes())
    lighter = ImageChops.subtract(grey.point(tables.share), mask).point(_ABOVE_ZERO)
    ranks.paste(ImageChops.add(grey.point(tables.lower), lighter), mask=grey.point(tables.near))
    return ranks.point(tables.codes)


def dither_to_codes(image: Image.Image, panel: PanelProfile) -> Image.Image:
    """Return an "L" image of the same size whose pixel values are the panel's device codes."""
    if panel.achromatic:
        return grey_diffusion(to_greys(image, panel), panel)
    return pattern_diffusion(to_panel_colours(image, panel), panel)
