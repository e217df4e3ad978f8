"""Dithering: what error diffusion between the panel's mixes leaves in smooth areas."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageFilter

from chalicelib.rendering import PANELS, PanelProfile, dither

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
