"""Tone and colour mapping before dithering: what each pixel should become on this panel.

A panel's inks, mixed by dithering and seen from a distance, can show only the colours
inside their convex hull in linear light, and only lightness between its black and its
white (L* about 0-74 on Spectra 6, 21-67 on ACeP, against 0-100 in the photo). Error
diffusion aimed at a colour outside that hull can never reach it: its error piles up and
smears into neighbouring pixels. So before dithering every pixel is mapped, in CIELAB (the
space the quality measure uses):

1. **Lightness**: L* is scaled into the panel's black..white, blended with clipping by
   ``strength`` (1 = the whole 0..100 range scaled in, which keeps snow and sky readable; 0 =
   clip at the panel's white, which keeps the photo's absolute mid-tones). The strength is
   chosen per photo from its lightness histogram (``choose_strength``): a photo with much
   above L* 85 (snow, sky, a bright beach) is compressed up to the panel's
   ``highlight_strength``, one that lives in the panel's range (night, interiors) only at the
   panel's base strength.
2. **Gamut**: a colour outside the hull of the measured inks is moved towards the point of
   the hull that looks closest to it (``ColourMap._nearest_inside``: hue kept, lightness
   traded for chroma as CIEDE2000 weighs them): all the way when it lies ``gamut_map``
   CIELAB units or more outside, a share of the way when nearer (error diffusion reaches a
   colour just outside the hull better than a target moved onto it). Without it a saturated
   orange that ACeP cannot show is diffused towards the nearest ink in RGB, its red, and the
   error piles up into a flat red petal. Off (0) on Spectra 6, whose saturated inks span
   most photos' colours: there it measured worse.

The mapping is baked into a Pillow ``Color3DLUT`` (trilinear, in C) per panel and strength
step, so a rendition pays about 5 ms for it, and the colour maths here stay plain Python:
no numpy in the Lambda package.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from functools import cache
from itertools import combinations

from PIL import Image, ImageFilter

RGB = tuple[int, int, int]
Vec = tuple[float, float, float]
Plane = tuple[float, float, float, float]  # n.x + d <= 0 inside

# The strength is quantised to this many steps so that the LUTs can be cached.
STRENGTH_STEPS = 16
LUT_SIZE = 17
HIGHLIGHT_L = 85.0
# Gamut mapping: candidates on lines towards this many greys (ColourMap._nearest_inside).
GAMUT_ANCHORS = 8
GAMUT_STEPS = 8

_WHITE_D65 = (0.95047, 1.0, 1.08883)
_M_RGB_XYZ = (
    (0.4124564, 0.3575761, 0.1804375),
    (0.2126729, 0.7151522, 0.0721750),
    (0.0193339, 0.1191920, 0.9503041),
)
_M_XYZ_RGB = (
    (3.2404542, -1.5371385, -0.4985314),
    (-0.9692660, 1.8760108, 0.0415560),
    (0.0556434, -0.2040259, 1.0572252),
)


def srgb_to_linear(c: float) -> float:
    """One sRGB channel in 0..1 to linear light."""
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def linear_to_srgb(v: float) -> float:
    v = min(max(v, 0.0), 1.0)
    return 12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055


def _f(t: float) -> float:
    return math.cbrt(t) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29


def _f_inv(t: float) -> float:
    return t**3 if t > 6 / 29 else 3 * (6 / 29) ** 2 * (t - 4 / 29)


# _f_inv's constants, for the written-out copy in ColourMap._nearest_inside.
_K, _K3, _C = 6 / 29, 3 * (6 / 29) ** 2, 4 / 29


def linear_to_lab(rgb: Vec) -> Vec:
    # sum(), not a + b + c: Python 3.12's sum() compensates rounding, and the tone tables
    # (and so the measured renditions) depend on the last bits.
    x, y, z = (sum(m * c for m, c in zip(row, rgb, strict=True)) for row in _M_RGB_XYZ)
    fx, fy, fz = _f(x / _WHITE_D65[0]), _f(y), _f(z / _WHITE_D65[2])
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def lab_to_linear(lab: Vec) -> Vec:
    fy = (lab[0] + 16) / 116
    x = _WHITE_D65[0] * _f_inv(fy + lab[1] / 500)
    y = _f_inv(fy)
    z = _WHITE_D65[2] * _f_inv(fy - lab[2] / 200)
    (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = _M_XYZ_RGB
    return (
        m00 * x + m01 * y + m02 * z,
        m10 * x + m11 * y + m12 * z,
        m20 * x + m21 * y + m22 * z,
    )


def ink_linear(rgb: RGB) -> Vec:
    """An 8-bit sRGB colour in linear light (0..1 per channel)."""
    return srgb_to_linear(rgb[0] / 255), srgb_to_linear(rgb[1] / 255), srgb_to_linear(rgb[2] / 255)


def ink_lab(rgb: RGB) -> Vec:
    return linear_to_lab(ink_linear(rgb))


def lightness_range(measured: Sequence[RGB], names: Sequence[str]) -> tuple[float, float]:
    """L* of the darkest ink and of the white ink: a neutral can get no lighter than paper."""
    lightness = [ink_lab(rgb)[0] for rgb in measured]
    top = lightness[list(names).index("white")] if "white" in names else max(lightness)
    return min(lightness), top


def hull_planes(measured: Sequence[RGB]) -> tuple[Plane, ...]:
    """Faces of the convex hull of the inks in linear RGB, as outward half-spaces.

    Brute force over triples: a panel has at most a handful of inks.
    """
    pts = [ink_linear(rgb) for rgb in measured]
    planes: list[Plane] = []
    for a, b, c in combinations(pts, 3):
        u = (b[0] - a[0], b[1] - a[1], b[2] - a[2])
        v = (c[0] - a[0], c[1] - a[1], c[2] - a[2])
        n = (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])
        norm = math.sqrt(sum(x * x for x in n))
        if norm < 1e-12:
            continue
        n = (n[0] / norm, n[1] / norm, n[2] / norm)
        d = -(n[0] * a[0] + n[1] * a[1] + n[2] * a[2])
        side = [n[0] * p[0] + n[1] * p[1] + n[2] * p[2] + d for p in pts]
        if all(s <= 1e-9 for s in side):
            planes.append((*n, d))
        elif all(s >= -1e-9 for s in side):
            planes.append((-n[0], -n[1], -n[2], -d))
    return tuple(planes)


def _inside(rgb: Vec, planes: Sequence[Plane]) -> bool:
    # A plain loop, not all(...): the gamut map calls this ~300,000 times per LUT and the
    # generator costs twice the time.
    r, g, b = rgb
    for nx, ny, nz, d in planes:  # noqa: SIM110
        if nx * r + ny * g + nz * b + d > 1e-6:
            return False
    return True


def map_lightness(
    lightness: float, lo: float, hi: float, strength: float, toe: float = 0.0
) -> float:
    """Scale L* 0..100 into lo..hi (strength 1), or clip it there (0), or a blend.

    ``toe`` (an L* above ``lo``, or 0 for none) rolls the shadows off instead of clipping
    them: 0..toe is scaled into lo..toe, so a night scene darker than the panel's black
    keeps its gradations while the mid-tones keep their absolute lightness.
    """
    scaled = lo + lightness * (hi - lo) / 100
    if toe > lo and lightness < toe:
        clipped = lo + lightness * (toe - lo) / toe
    else:
        clipped = min(max(lightness, lo), hi)
    return strength * scaled + (1 - strength) * clipped


def _neutral(lightness: float, black: Vec, white: Vec) -> Vec:
    """The mix of the black and white inks whose luminance gives this L*."""
    y = _f_inv((lightness + 16) / 116)
    yb, yw = luminance(black), luminance(white)
    k = min(max((y - yb) / (yw - yb), 0.0), 1.0) if yw > yb else 0.0
    return tuple(bc + k * (wc - bc) for bc, wc in zip(black, white, strict=True))  # type: ignore[return-value]


def luminance(rgb: Vec) -> float:
    return 0.2126729 * rgb[0] + 0.7151522 * rgb[1] + 0.0721750 * rgb[2]


class ColourMap:
    """The per-pixel mapping for one palette and one lightness strength.

    ``gamut`` is the distance (CIELAB) out of the inks' hull from which a colour is moved
    fully onto it; a colour nearer is moved that share of the way; 0 turns the gamut map off.
    ``toe`` rolls the shadows off (``map_lightness``).
    """

    def __init__(
        self,
        measured: Sequence[RGB],
        names: Sequence[str],
        strength: float,
        chroma: float,
        gamut: float = 0.0,
        toe: float = 0.0,
    ) -> None:
        self.lo, self.hi = lightness_range(measured, names)
        self.strength = strength
        self.toe = toe
        self.chroma = chroma
        self.gamut = gamut
        self.planes = hull_planes(measured) if gamut else ()
        lin = [ink_linear(rgb) for rgb in measured]
        by_l = sorted(range(len(lin)), key=lambda i: luminance(lin[i]))
        self.black: Vec = lin[by_l[0]]
        self.white: Vec = lin[list(names).index("white") if "white" in names else by_l[-1]]
        step = (self.hi - self.lo) / GAMUT_ANCHORS
        greys = (
            _neutral(self.lo + step * (i + 0.5), self.black, self.white)
            for i in range(GAMUT_ANCHORS)
        )
        self.anchors = tuple((grey, linear_to_lab(grey)) for grey in greys)

    def __call__(self, r: float, g: float, b: float) -> Vec:
        """sRGB 0..1 in, sRGB 0..1 out (the Color3DLUT callback)."""
        lightness, a, bb = linear_to_lab((srgb_to_linear(r), srgb_to_linear(g), srgb_to_linear(b)))
        target: Vec = (
            map_lightness(lightness, self.lo, self.hi, self.strength, self.toe),
            a * self.chroma,
            bb * self.chroma,
        )
        rgb = lab_to_linear(target)
        if self.planes and not _inside(rgb, self.planes):
            inside = self._nearest_inside(target)
            # A colour far outside is moved all the way; one just outside only part of the
            # way, as error diffusion reaches it better from there (module docstring).
            share = min(1.0, math.dist(linear_to_lab(inside), target) / self.gamut)
            rgb = (
                rgb[0] + share * (inside[0] - rgb[0]),
                rgb[1] + share * (inside[1] - rgb[1]),
                rgb[2] + share * (inside[2] - rgb[2]),
            )
        return linear_to_srgb(rgb[0]), linear_to_srgb(rgb[1]), linear_to_srgb(rgb[2])

    def _nearest_inside(self, target: Vec) -> Vec:
        """The colour on the inks' hull that looks closest to ``target`` (CIELAB).

        Candidates lie where straight lines (in CIELAB) from greys of several lightnesses
        towards ``target`` leave the hull (bisection); a grey mix of the black and white
        inks is always inside. The closest by a CIE94-like distance wins: chroma and hue count less
        the more saturated the colour, lightness less far from L* 50 (the weights of
        CIEDE2000, the evaluator's measure). So a saturated orange the panel cannot show
        becomes its orange ink, a little lighter, rather than a dull brown of the same L*.
        """
        chroma = math.hypot(target[1], target[2])
        s_c, s_h = 1 + 0.045 * chroma, 1 + 0.015 * chroma
        s_l = 1 + 0.015 * (target[0] - 50) ** 2 / math.sqrt(20 + (target[0] - 50) ** 2)
        planes = self.planes
        t_l, t_a, t_b = target
        (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = _M_XYZ_RGB

        def candidate(index: int) -> tuple[float, Vec]:
            grey, (g_l, g_a, g_b) = self.anchors[index]
            d_l, d_a, d_b = t_l - g_l, t_a - g_a, t_b - g_b
            low, high = 0.0, 1.0
            for _ in range(GAMUT_STEPS):
                mid = (low + high) / 2
                # lab_to_linear and _inside written out (the same arithmetic, so the same
                # table): this loop is most of a tone table's build time.
                fy = (g_l + d_l * mid + 16) / 116
                fx, fz = fy + (g_a + d_a * mid) / 500, fy - (g_b + d_b * mid) / 200
                x = _WHITE_D65[0] * (fx**3 if fx > _K else _K3 * (fx - _C))
                y = fy**3 if fy > _K else _K3 * (fy - _C)
                z = _WHITE_D65[2] * (fz**3 if fz > _K else _K3 * (fz - _C))
                r = m00 * x + m01 * y + m02 * z
                g = m10 * x + m11 * y + m12 * z
                b = m20 * x + m21 * y + m22 * z
                for nx, ny, nz, d in planes:
                    if nx * r + ny * g + nz * b + d > 1e-6:
                        high = mid
                        break
                else:
                    low = mid
            lab = (g_l + d_l * low, g_a + d_a * low, g_b + d_b * low)
            d_c = math.hypot(lab[1], lab[2]) - chroma
            d_h2 = max((lab[1] - t_a) ** 2 + (lab[2] - t_b) ** 2 - d_c**2, 0.0)
            distance = ((lab[0] - t_l) / s_l) ** 2 + (d_c / s_c) ** 2 + d_h2 / s_h**2
            return distance, lab_to_linear(lab) if low > 0 else grey

        # Start from the grey of the target's lightness and walk up or down the greys while
        # the candidate improves: the distance has one minimum along them, and this visits
        # two or three of them instead of all.
        start = min(range(len(self.anchors)), key=lambda i: abs(self.anchors[i][1][0] - t_l))
        best = candidate(start)
        for direction in (1, -1):
            index = start + direction
            while 0 <= index < len(self.anchors):
                found = candidate(index)
                if found[0] >= best[0]:
                    break
                best = found
                index += direction
        return best[1]


@cache
def colour_lut(
    measured: tuple[RGB, ...],
    names: tuple[str, ...],
    step: int,
    chroma: float,
    gamut: float,
    toe: float,
) -> ImageFilter.Color3DLUT:
    """The mapping for strength ``step / STRENGTH_STEPS`` as a 3D LUT (cached per process).

    Building one costs about 0.5 s of CPU when ``gamut`` is on (the gamut map runs for
    most of its 4913 points, outside the inks' hull), about 0.06 s when it is off.
    """
    mapping = ColourMap(measured, names, step / STRENGTH_STEPS, chroma, gamut, toe)
    return ImageFilter.Color3DLUT.generate(LUT_SIZE, mapping)


@cache
def grey_table(
    measured: tuple[RGB, ...], names: tuple[str, ...], step: int, toe: float = 0.0
) -> list[int]:
    """8-bit L* (Pillow's LAB "L") to the sRGB grey the dither should aim at."""
    lo, hi = lightness_range(measured, names)
    strength = step / STRENGTH_STEPS
    table = []
    for level in range(256):
        target = map_lightness(level * 100 / 255, lo, hi, strength, toe)
        y = _f_inv((target + 16) / 116)
        table.append(round(linear_to_srgb(y) * 255))
    return table


def choose_strength(
    lightness_histogram: Sequence[int], hi: float, base: float, top: float = 1.0
) -> int:
    """The lightness strength step for one photo, from the histogram of its L* (256 bins).

    ``base`` is the panel's strength for a photo with few highlights. The more of the photo
    lies above L* 85 (or the panel's white, if higher), the more it is compressed, up to
    ``top`` (else snow and sky clip into flat paper); a photo that lives below (night,
    interiors) keeps its absolute tones. ``top`` below 1 keeps a pale photo (a light wood, a
    white building) from being darkened as a whole: it stays lighter, its brightest
    highlights clip.
    """
    total = sum(lightness_histogram) or 1
    # Highlights proper (snow, sky, white walls: L* above 85), not merely what is lighter
    # than a dim panel's white: ACeP's white is L* 67, and compressing every photo fully
    # there cost more mid-tone accuracy than it gave back.
    first_clipped = min(255, max(0, math.ceil(max(hi, HIGHLIGHT_L) * 255 / 100)))
    above = sum(lightness_histogram[first_clipped:]) / total
    return strength_step(base + (top - base) * min(1.0, above / 0.35))


def strength_within(
    lightness_histogram: Sequence[int], lo: float, hi: float, deviation: float, toe: float = 0.0
) -> float:
    """The least strength that keeps the photo's mean L* within ``deviation`` of its fully
    compressed tone (strength 1), from the histogram of its L* (256 bins).

    At strength s each pixel's target lies (1 - s) of the way from its compressed tone to
    its clipped one (``map_lightness``), so the photo's mean distance is (1 - s) times that
    of strength 0. A photo whose tones lie mostly where the two differ (mid-tones and light
    ones on a panel with a dark white) is compressed more; a dark one, where they agree,
    keeps its absolute tones. A bound rather than one lower strength for every photo: that
    put the photos whose tones lie far apart (the set's castle) well behind Pillow's
    own conversion against the compressed tone (docs/rendering.md, version 10)."""
    total = sum(lightness_histogram) or 1
    apart = _compressed_to_clipped(lo, hi, toe)
    mean_apart = sum(map(operator.mul, lightness_histogram, apart)) / total
    return 1.0 - deviation / mean_apart if mean_apart > deviation else 0.0


@cache
def _compressed_to_clipped(lo: float, hi: float, toe: float) -> tuple[float, ...]:
    """Per 8-bit L* level, the L* between its fully compressed tone and its clipped one."""
    return tuple(
        abs(
            map_lightness(level * 100 / 255, lo, hi, 1.0, toe)
            - map_lightness(level * 100 / 255, lo, hi, 0.0, toe)
        )
        for level in range(256)
    )


def strength_step(strength: float) -> int:
    """The cached step (of ``STRENGTH_STEPS``) nearest to ``strength``, clamped to 0..1."""
    return round(min(max(strength, 0.0), 1.0) * STRENGTH_STEPS)


def apply(image: Image.Image, lut: ImageFilter.Color3DLUT) -> Image.Image:
    return image.filter(lut)
