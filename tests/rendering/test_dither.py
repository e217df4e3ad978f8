"""Dithering: what error diffusion between the colour panels' mixes leaves in smooth areas,
the grey panels' diffusion along their ink ladder, and the blue-noise mask it rounds with."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageFilter

from chalicelib.rendering import PANELS, PanelProfile, dither, tone
from infra import blue_noise

_SKY = ((90, 170), (140, 200), (200, 240))  # sRGB at the top and at the horizon, per channel


def clear_sky(width: int = 800, height: int = 480) -> Image.Image:
    """A cloudless sky: light blue, lighter toward the horizon, no texture at all."""
    column = Image.linear_gradient("L").resize((1, height))
    rows = [column.point(lambda v, a=a, b=b: round(a + (b - a) * v / 255)) for a, b in _SKY]
    return Image.merge("RGB", rows).resize((width, height))


def shown(codes: Image.Image, panel: PanelProfile) -> Image.Image:
    """Device codes drawn in the inks' measured colours."""
    image = codes.convert("P")
    image.putpalette(panel.code_palette(measured=True))
    return image.convert("RGB")


def banding(image: Image.Image) -> float:
    """Mean L* by which rows stand out from their neighbours, seen from a little way off.

    The rendition is blurred like the eye at viewing distance, then in strips 64 pixels wide
    each row's mean lightness is compared with the mean of the 25 rows around it. A smooth
    sky scores near 0; streaks and bands along the rows score their contrast."""
    lab = ImageCms.applyTransform(image.filter(ImageFilter.GaussianBlur(2)), dither._to_lab())
    assert lab is not None
    lightness = np.asarray(lab.getchannel("L"), dtype=float)[8:-8, 8:-8] * 100 / 255
    window = np.ones(25) / 25
    deviations = []
    for left in range(0, lightness.shape[1] - 64, 64):
        rows = lightness[:, left : left + 64].mean(axis=1)
        deviations.append(np.abs(rows - np.convolve(rows, window, mode="same"))[12:-12].mean())
    return float(np.mean(deviations))


@pytest.mark.parametrize("panel_id", ["spectra6_7in3", "acep_7in3"])
def test_a_clear_sky_shows_no_streaks_or_bands(panel_id: str) -> None:
    # Plain Floyd-Steinberg settles into runs along the rows where a smooth area lies
    # between two mixes (rendering version 8: 0.40 L* on Spectra 6, 0.97 on ACeP; visible as
    # streaks across the sky). The profile's dither noise breaks them up (0.22 and 0.38).
    panel = PANELS[panel_id]
    sky = clear_sky()
    ours = banding(shown(dither.dither_to_codes(sky, panel), panel))
    plain = dataclasses.replace(panel, dither_noise=0.0)
    without = banding(shown(dither.dither_to_codes(sky, plain), plain))
    assert ours < 0.45, ours
    assert ours < 0.7 * without, (ours, without)


def test_the_dither_noise_is_the_same_pattern_in_every_process() -> None:
    panel = PANELS["acep_7in3"]
    sky = clear_sky(320, 200)
    first = dither.dither_to_codes(sky, panel).tobytes()
    dither._noise_tile.cache_clear()  # as a new process would build them
    dither._noise.cache_clear()
    assert dither.dither_to_codes(sky, panel).tobytes() == first


def test_the_dither_noise_leaves_the_mean_colour_alone() -> None:
    noise = dither._noise((800, 480), 4.0)
    means = [
        sum(i * n for i, n in enumerate(band.histogram())) / (800 * 480) for band in noise.split()
    ]
    assert all(abs(mean - 128) < 0.05 for mean in means), means


GREY_PANELS = [panel_id for panel_id, panel in PANELS.items() if panel.achromatic]


def test_the_shipped_blue_noise_mask_is_what_infra_blue_noise_makes() -> None:
    with Image.open(dither.BLUE_NOISE) as shipped:
        assert shipped.tobytes() == blue_noise.mask().tobytes(), "run python -m infra.blue_noise"
        assert shipped.size == (64, 64)
        assert set(shipped.histogram()) == {16}  # every threshold on the same number of pixels


@pytest.mark.parametrize("share", [4, 16, 32, 224, 240, 252])
def test_the_masks_sparse_dots_are_spread_out_and_never_touch(share: int) -> None:
    """At a low share of the lighter ink (or of the darker one) no two of its dots are
    neighbours, across the tile's edges too: what makes the pattern quiet."""
    mask = np.asarray(Image.open(dither.BLUE_NOISE))
    dots = mask < share if share < 128 else mask >= share
    touching = sum(
        int((dots & np.roll(dots, (dy, dx), axis=(0, 1))).sum())
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if dy or dx
    )
    assert touching == 0
    quarters = [dots[y : y + 32, x : x + 32].sum() for y in (0, 32) for x in (0, 32)]
    assert max(quarters) - min(quarters) <= max(2, dots.sum() // 16), quarters


@pytest.mark.parametrize("panel_id", GREY_PANELS)
def test_a_flat_grey_is_drawn_with_the_two_inks_around_it_in_the_right_share(
    panel_id: str,
) -> None:
    """Each pixel is one of the two inks whose lightness brackets the grey's, and their mix
    has the grey's lightness: plain paper and plain black get no dots of another ink.

    Within 1 L*, deep shadows on black/white included: Pillow's diffusion, which truncates
    small errors, drew them up to 2 L* too dark; tones near an ink are thresholded now."""
    panel = PANELS[panel_id]
    inks = sorted(panel.inks, key=lambda ink: tone.luminance(tone.ink_linear(ink.measured)))
    levels = [tone.luminance(tone.ink_linear(ink.measured)) for ink in inks]
    for grey in range(0, 256, 3):
        codes = dither.grey_diffusion(Image.new("L", (128, 128), grey), panel)
        used = {code: count for count, code in codes.getcolors()}
        target = min(max(tone.srgb_to_linear(grey / 255), levels[0]), levels[-1])
        below = max(i for i, level in enumerate(levels) if level <= target)
        allowed = {inks[below].code, inks[min(below + 1, len(inks) - 1)].code}
        assert set(used) <= allowed, (grey, used)
        shown = sum(levels[[ink.code for ink in inks].index(c)] * n for c, n in used.items())
        seen, wanted = (tone.linear_to_lab((y, y, y))[0] for y in (shown / (128 * 128), target))
        assert abs(seen - wanted) < 1.0, grey
    assert len(dither.grey_diffusion(Image.new("L", (64, 64), 255), panel).getcolors()) == 1
    assert len(dither.grey_diffusion(Image.new("L", (64, 64), 0), panel).getcolors()) == 1


@pytest.mark.parametrize("panel_id", GREY_PANELS)
def test_a_gradient_leaving_an_ink_gets_its_dots_from_the_start(panel_id: str) -> None:
    """A smooth ramp down the picture from an ink's own tone to a fifth of the way to the
    next (a sky toward its horizon): every strip of it has its share of the lighter ink's
    dots. Error diffusion alone leaves a band with none (its error must build up first),
    then a line of dots: a seam across a dusk sky (four greys: 0.019 short in the second
    strip)."""
    panel = PANELS[panel_id]
    levels = sorted(tone.luminance(tone.ink_linear(ink.measured)) for ink in panel.inks)
    lower, upper = levels[-2], levels[-1]  # the lightest two: paper white and the ink below
    wanted = [lower + 0.2 * row / 255 * (upper - lower) for row in range(256)]
    greys = [round(255 * tone.linear_to_srgb(y)) for y in wanted]
    shares = [(tone.srgb_to_linear(grey / 255) - lower) / (upper - lower) for grey in greys]
    ramp = Image.frombytes("L", (1, 256), bytes(greys)).resize((256, 256))  # down the rows
    codes = np.asarray(dither.grey_diffusion(ramp, panel))
    lighter = codes == max(panel.inks, key=lambda ink: ink.measured).code
    for top in range(0, 256, 16):
        share = float(np.mean(shares[top : top + 16]))
        got = float(lighter[top : top + 16].mean())
        assert abs(got - share) < 0.012, (top, share, got)


def test_a_calibrated_grey_panel_with_two_inks_alike_still_renders() -> None:
    """A frame's own measured palette may give two inks the same luminance as a third (or
    swap their order): it still renders in the panel's inks, and nothing divides by zero."""
    ramp = Image.linear_gradient("L").rotate(90).resize((256, 64))
    for alike in ({"dark grey": (18, 18, 20)}, {"light grey": (190, 190, 184)}):
        panel = PANELS["grey4_7in5"].with_measured(alike, source="test")  # black's, white's
        codes = dither.grey_diffusion(ramp, panel)
        assert {code for _, code in codes.getcolors()} <= {0, 1, 2, 3}, alike
    swapped = PANELS["grey4_7in5"].with_measured(
        {"dark grey": (128, 128, 125), "light grey": (72, 72, 72)}, source="test"
    )
    lightest = dither.grey_diffusion(Image.new("L", (64, 64), 255), swapped)
    assert lightest.getcolors() == [(64 * 64, 3)]  # paper white, whatever the order
