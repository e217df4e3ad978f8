"""The grey panels' dither mask: a 64x64 blue-noise threshold matrix (void and cluster).

The rendering engine uses it on the grey panels (``chalicelib.rendering.dither.grey_diffusion``):
tones near an ink are thresholded against it, the lighter of their two inks wherever its
share beats the pixel's threshold; elsewhere each pixel's value on the ink ladder is rounded
up or down against it before error diffusion, so the fractions of a step average out.
Blue noise puts the dots of a light or dark tone as far apart as their number allows, with
no period and no direction: none of Bayer's cross-hatch, none of error diffusion's worms.

The mask is made once, here, with numpy (a development dependency), and shipped as an
8-bit PNG beside the engine, which reads it with Pillow alone. The method is Ulichney's
void-and-cluster (1993): a random start relaxed into an even pattern, then every pixel
ranked by the order in which it is removed from the tightest cluster or added to the
largest void, measured with a Gaussian of sigma 1.1 pixels on a torus (so the tile repeats
without a seam). Ranks 0..4095 become thresholds 0..255, each used by 16 pixels. Sigma 1.1
scored best of 0.9, 1.1, 1.5 and 1.9 on the photo set (docs/rendering.md, version 10): a
narrower Gaussian spaces the dots more evenly, a wider one lets them clump.

    .venv/bin/python -m infra.blue_noise   # rewrites functions/chalicelib/rendering/blue_noise.png
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "functions" / "chalicelib" / "rendering" / "blue_noise.png"
SIZE = 64
SIGMA = 1.1
SEED = 1
START_SHARE = 10  # the random start sets one pixel in this many


def _kernel(n: int, sigma: float) -> NDArray[np.float64]:
    """A Gaussian centred on (0, 0) of an n x n torus."""
    yy, xx = np.mgrid[0:n, 0:n]
    dy, dx = np.minimum(yy, n - yy), np.minimum(xx, n - xx)
    kernel: NDArray[np.float64] = np.exp(-(dx**2 + dy**2) / (2 * sigma**2))
    return kernel


def ranks(n: int = SIZE, sigma: float = SIGMA, seed: int = SEED) -> NDArray[np.int64]:
    """Every pixel's rank 0..n*n-1: the order in which a growing pattern of dots takes it."""
    total = n * n
    kernel = _kernel(n, sigma)
    spectrum = np.fft.fft2(kernel)

    def energy(pattern: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.real(np.fft.ifft2(np.fft.fft2(pattern.reshape(n, n)) * spectrum)).ravel()

    def around(i: int) -> NDArray[np.float64]:
        y, x = divmod(i, n)
        return np.roll(kernel, (y, x), axis=(0, 1)).ravel()

    def tightest(pattern: NDArray[np.float64], e: NDArray[np.float64]) -> int:
        return int(np.argmax(np.where(pattern == 1, e, -np.inf)))

    def largest_void(pattern: NDArray[np.float64], e: NDArray[np.float64]) -> int:
        return int(np.argmin(np.where(pattern == 0, e, np.inf)))

    rng = np.random.default_rng(seed)
    start = total // START_SHARE
    pattern = np.zeros(total)
    pattern[rng.choice(total, start, replace=False)] = 1
    e = energy(pattern)
    while True:  # relax: move the tightest cluster's dot into the largest void until stable
        cluster = tightest(pattern, e)
        pattern[cluster] = 0
        e -= around(cluster)
        void = largest_void(pattern, e)
        pattern[void] = 1
        e += around(void)
        if void == cluster:
            break
    rank = np.zeros(total, dtype=np.int64)
    shrinking, e_shrinking = pattern.copy(), e.copy()
    for r in range(start - 1, -1, -1):  # the start's dots, last ranks first
        cluster = tightest(shrinking, e_shrinking)
        shrinking[cluster] = 0
        e_shrinking -= around(cluster)
        rank[cluster] = r
    for r in range(start, total // 2):  # up to half: fill the largest void
        void = largest_void(pattern, e)
        pattern[void] = 1
        e += around(void)
        rank[void] = r
    gaps = 1 - pattern  # beyond half: the dots are the majority, so take the tightest gap
    e_gaps = energy(gaps)
    for r in range(total // 2, total):
        gap = tightest(gaps, e_gaps)
        gaps[gap] = 0
        e_gaps -= around(gap)
        rank[gap] = r
    return rank.reshape(n, n)


def mask() -> Image.Image:
    """The thresholds 0..255 as an "L" image, each value on the same number of pixels."""
    thresholds = ranks() * 256 // (SIZE * SIZE)
    return Image.fromarray(thresholds.astype(np.uint8), "L")


def main() -> None:
    mask().save(OUT, optimize=True)
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
