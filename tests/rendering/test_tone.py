"""Tone mapping, palettes with provenance, and one decode per upload."""

from __future__ import annotations

import math
from io import BytesIO

import pytest
from PIL import Image

from chalicelib.rendering import PANELS, dither, load_upload, render_panel, render_preview, tone
from chalicelib.rendering.rendition import render_thumbnail

from .photos import encode, photo_like

SPECTRA = PANELS["spectra6_7in3"]
ACEP = PANELS["acep_7in3"]
MONO = PANELS["waveshare_7in5_v2"]


def test_every_ink_names_the_source_of_its_measured_colour() -> None:
    for panel in PANELS.values():
        assert all(ink.source for ink in panel.inks), panel.id


def test_a_frame_can_carry_its_own_measured_palette() -> None:
    mine = SPECTRA.with_measured({"white": (170, 175, 168)}, source="frame 42, 2026-11-29")
    white = next(ink for ink in mine.inks if ink.name == "white")
    red = next(ink for ink in mine.inks if ink.name == "red")
    assert white.measured == (170, 175, 168) and white.source == "frame 42, 2026-11-29"
    assert red.measured == (121, 9, 0) and red.source.startswith("measured: epaper-dithering")
    assert mine.device_codes == SPECTRA.device_codes
    with pytest.raises(ValueError, match="no ink named 'purple'"):
        SPECTRA.with_measured({"purple": (1, 2, 3)}, source="x")
    with pytest.raises(ValueError, match="three integers"):
        SPECTRA.with_measured({"red": (300, 0, 0)}, source="x")


def test_the_hull_holds_every_ink_and_their_mixtures_and_nothing_brighter_than_white() -> None:
    planes = tone.hull_planes(SPECTRA.measured_palette)
    lin = [tuple(tone.srgb_to_linear(c / 255) for c in rgb) for rgb in SPECTRA.measured_palette]
    for point in lin:
        assert tone._inside(point, planes)  # type: ignore[arg-type]
    middle = tuple(sum(p[i] for p in lin) / len(lin) for i in range(3))
    assert tone._inside(middle, planes)  # type: ignore[arg-type]
    assert not tone._inside((1.0, 1.0, 1.0), planes)


def test_lightness_is_scaled_into_the_panel_range_or_clipped() -> None:
    assert tone.map_lightness(100, 10, 70, 1.0) == 70
    assert tone.map_lightness(0, 10, 70, 1.0) == 10
    assert tone.map_lightness(50, 10, 70, 0.0) == 50
    assert tone.map_lightness(90, 10, 70, 0.0) == 70


def test_a_shadow_toe_rolls_shadows_off_instead_of_clipping_them() -> None:
    """Below the toe every L* keeps its own level (strictly rising, from the panel's black);
    from the toe up the mapping is the plain one."""
    rolled = [tone.map_lightness(level, 6, 77, 0.25, toe=12) for level in range(13)]
    assert rolled[0] == tone.map_lightness(0, 6, 77, 1.0)
    assert rolled == sorted(set(rolled)), rolled  # strictly rising
    assert rolled[12] == tone.map_lightness(12, 6, 77, 0.25)
    plain = [tone.map_lightness(level, 6, 77, 0.25) for level in (3, 5)]
    assert rolled[5] - rolled[3] > 3 * (plain[1] - plain[0])  # clipped, only the scaled share
    assert tone.map_lightness(50, 6, 77, 0.25, toe=12) == tone.map_lightness(50, 6, 77, 0.25)


def test_a_photo_above_the_panels_white_is_compressed_more() -> None:
    snow = [0] * 256
    snow[240] = 1000
    night = [0] * 256
    night[30] = 1000
    assert tone.choose_strength(snow, 74, 0.25) == tone.STRENGTH_STEPS
    assert tone.choose_strength(night, 74, 0.25) == round(0.25 * tone.STRENGTH_STEPS)


def test_four_greys_compress_a_photo_of_light_mid_tones_more_than_a_dark_one() -> None:
    """Four greys bound each photo's mean distance from its fully compressed tone
    (``tone_deviation``): light mid-tones, where clipping and compressing differ most, are
    compressed nearly fully; a dark photo, where the two agree, keeps the base strength."""
    grey4 = PANELS["grey4_7in5"]
    lo, hi = tone.lightness_range(grey4.measured_palette, grey4.colours)
    light, dark = [0] * 256, [0] * 256
    light[178] = dark[51] = 1000  # L* 69.8 and 20 (Pillow's LAB "L" is L* * 2.55)
    within = tone.strength_within(light, lo, hi, grey4.tone_deviation)
    l_star = 178 * 100 / 255
    apart = tone.map_lightness(l_star, lo, hi, 0.0) - tone.map_lightness(l_star, lo, hi, 1.0)
    assert (1 - within) * apart == pytest.approx(grey4.tone_deviation)
    assert tone.strength_within(dark, lo, hi, grey4.tone_deviation) == 0.0
    base = tone.strength_step(grey4.lightness_strength)
    assert dither._strength_step(light, grey4) == tone.strength_step(within) > base
    assert dither._strength_step(dark, grey4) == base


def _hue(lab: tone.Vec) -> float:
    return math.degrees(math.atan2(lab[2], lab[1])) % 360


def test_a_colour_the_panel_cannot_show_keeps_its_hue_inside_the_inks_hull() -> None:
    """A saturated orange petal (L* 44, hue 46 degrees) is far outside ACeP's inks. It must
    come out inside the hull (else error diffusion piles up its error and paints the petal
    flat red, hue 23), keeping its hue within a few degrees and at least the chroma that
    reducing chroma alone at the same L* would keep."""
    mapping = tone.ColourMap(ACEP.measured_palette, ACEP.colours, 0.0, 1.0, ACEP.gamut_map)
    orange = (43.5, 52.9, 55.2)
    rgb = tone.lab_to_linear(orange)
    assert not tone._inside(rgb, mapping.planes)
    srgb = tuple(tone.linear_to_srgb(c) for c in rgb)
    out = mapping(*srgb)
    lab = tone.linear_to_lab(tuple(tone.srgb_to_linear(c) for c in out))  # type: ignore[arg-type]
    assert tone._inside(tuple(tone.srgb_to_linear(c) for c in out), mapping.planes)  # type: ignore[arg-type]
    assert abs(_hue(lab) - _hue(orange)) < 6, lab
    angle = math.atan2(orange[2], orange[1])
    same_lightness = max(
        c
        for c in range(60)
        if tone._inside(
            tone.lab_to_linear((orange[0], c * math.cos(angle), c * math.sin(angle))),
            mapping.planes,
        )
    )
    assert math.hypot(lab[1], lab[2]) >= same_lightness, (lab, same_lightness)


def test_the_gamut_map_lands_on_the_hull_not_inside_it() -> None:
    """Colours far outside ACeP's hull come back on its surface: inside, and a step further
    out along the way they came is outside (the bisection found the boundary, not a dull
    colour deep inside)."""
    mapping = tone.ColourMap(ACEP.measured_palette, ACEP.colours, 0.0, 1.0, ACEP.gamut_map)
    for target in ((43.5, 52.9, 55.2), (30.0, -40.0, 20.0), (55.0, 10.0, -60.0), (60.0, 0, 70)):
        found = mapping._nearest_inside(target)
        assert tone._inside(found, mapping.planes), target
        lab = tone.linear_to_lab(found)
        further = tuple(f + 0.05 * (t - f) for f, t in zip(lab, target, strict=True))
        assert not tone._inside(tone.lab_to_linear(further), mapping.planes), (target, lab)  # type: ignore[arg-type]


def test_an_orange_photo_is_drawn_with_orange_ink_on_acep() -> None:
    """The whole path: an orange patch ACeP cannot show is mostly orange ink, not red."""
    src = load_upload(encode(Image.new("RGB", (800, 480), (230, 90, 10)), "PNG"))
    codes = Image.open(BytesIO(render_panel(src, ACEP).frame_png)).histogram()
    inks = {ink.name: codes[ink.code] for ink in ACEP.inks}
    assert inks["orange"] > 2 * inks["red"], inks


def _band(levels: tuple[int, int]) -> Image.Image:
    """A horizontal grey ramp between two sRGB levels, 800x480."""
    ramp = Image.linear_gradient("L").rotate(90).resize((800, 480))
    lo, hi = levels
    return ramp.point(lambda v: lo + (hi - lo) * v // 255).convert("RGB")


@pytest.mark.parametrize("levels", [(225, 255), (3, 40)], ids=["snow", "night"])
def test_black_and_white_keeps_detail_in_highlights_and_shadows(levels: tuple[int, int]) -> None:
    """Snow (sRGB 225-255) must not dissolve into plain paper, nor night into solid black:
    both inks appear, and the share of white still rises along the ramp."""
    src = load_upload(encode(_band(levels), "PNG"))
    codes = Image.open(BytesIO(render_panel(src, MONO).frame_png))
    thirds = [codes.crop((x, 0, x + 266, 480)).histogram()[:2] for x in (0, 267, 534)]
    white_share = [h[1] / sum(h) for h in thirds]
    # Both inks in every third. The exact shares are physics, not taste: snow (L* 97-100,
    # compressed fully) maps to within 2 % of paper white, and the darkest night third (L*
    # 1-6, at the panel's base strength 0.25 with its shadow toe at L* 12 mapped to L*
    # 6.5-9.3 on a panel whose black is L* 6) needs about 0.2-1.5 % white pixels (0.3 %
    # here, the exact share in linear light; without the toe, none). Plain error
    # diffusion between the two inks overshot both ends; blue-noise thresholds (rendering
    # version 10; since 11, for tones near an ink) place exactly the share a tone needs,
    # however small.
    assert all(0.002 < share < 0.995 for share in white_share), white_share
    assert white_share[0] < white_share[1] < white_share[2], white_share


def test_acep_keeps_gradations_in_shadows_darker_than_its_black() -> None:
    """ACeP's black is L* 21: a night ramp (sRGB 3-40, L* 1-17) lies wholly below it. Its
    shadow toe (L* 37.5) rolls that range off into 21-28 instead of clipping it, so lighter
    inks join the black more and more along the ramp. Clipped, every third was the same
    flat black (8.4, 8.3, 9.1 % of other inks: green, balancing the black ink's purple)."""
    src = load_upload(encode(_band((3, 40)), "PNG"))
    codes = Image.open(BytesIO(render_panel(src, ACEP).frame_png))
    black = ACEP.inks[0].code
    thirds = [codes.crop((x, 0, x + 266, 480)).histogram() for x in (0, 267, 534)]
    lighter = [1 - h[black] / sum(h) for h in thirds]
    assert lighter[0] < lighter[1] < lighter[2], lighter
    assert lighter[2] > 2 * lighter[0], lighter


def test_an_upload_is_decoded_once_for_master_preview_and_thumbnail() -> None:
    data = encode(photo_like((4000, 3000)), "JPEG", quality=85)
    src = load_upload(data, decode_long_side=2000)
    base = src.cached(0.5)
    assert base is not None and base.size == (2000, 1500)
    render_thumbnail(src)
    preview = Image.open(BytesIO(render_preview(src)))
    master = Image.open(BytesIO(render_preview(src, max_side=2000)))
    assert (preview.size, master.size) == ((1600, 1200), (2000, 1500))
    assert src.cached(0.5) is base  # nothing decoded again


def test_a_photographed_chart_gives_back_the_panels_colours() -> None:
    """The calibration path end to end: chart on the panel (seen in known colours, with a
    light fall-off and blur as a camera would add), measured back within a few units."""
    from PIL import ImageFilter

    from chalicelib.rendering import calibration

    shown = Image.open(BytesIO(calibration.chart(SPECTRA)))
    assert {code for code, count in enumerate(shown.histogram()) if count} == set(
        SPECTRA.device_codes
    )
    shown.putpalette(SPECTRA.code_palette(measured=True))
    photo = shown.convert("RGB").resize((1200, 720)).filter(ImageFilter.GaussianBlur(3))
    falloff = (
        Image.linear_gradient("L").rotate(90).resize(photo.size).point(lambda v: 245 + v // 25)
    )
    photo = Image.composite(photo, Image.new("RGB", photo.size), falloff)
    got = calibration.measure(photo, SPECTRA)
    for ink in SPECTRA.inks:
        assert all(abs(a - b) <= 6 for a, b in zip(got[ink.name], ink.measured, strict=True)), (
            ink.name,
            got[ink.name],
        )
    calibrated = SPECTRA.with_measured(got, source="test chart")
    assert calibrated.palette_source == "test chart"
