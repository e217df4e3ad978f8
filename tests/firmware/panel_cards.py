"""Deterministic test cards for the panel-driver byte traces (test_panel_driver.py).

The same cards were given to Waveshare's reference driver to record the traces in
waveshare_traces/: keep them stable, or record the traces again (waveshare_traces/README.md).
"""

from __future__ import annotations

from PIL import Image, ImageDraw

RGB = tuple[int, int, int]
BLACK_WHITE: tuple[RGB, ...] = ((0, 0, 0), (255, 255, 255))
SPECTRA6: tuple[RGB, ...] = (
    (0, 0, 0),
    (255, 255, 255),
    (255, 255, 0),
    (255, 0, 0),
    (0, 0, 255),
    (0, 255, 0),
)
MARKER = (100, 40)  # a black block in the top-left corner of every card: orientation


def make_card(size: tuple[int, int], inks: tuple[RGB, ...]) -> Image.Image:
    """Bands of every ink, a checkerboard, a diagonal, and the corner marker; white ground."""
    width, height = size
    card = Image.new("RGB", size, inks[1])
    draw = ImageDraw.Draw(card)
    band = width // len(inks)
    for i, ink in enumerate(inks):
        draw.rectangle([i * band, height // 4, (i + 1) * band - 1, height // 2 - 1], fill=ink)
    for y in range(height // 2, height, 12):
        for x in range(0, width, 12):
            draw.rectangle([x, y, x + 11, y + 11], fill=inks[(x // 12 + y // 12) % len(inks)])
    draw.line([(0, height // 2 - 1), (width - 1, 0)], fill=inks[0])
    draw.rectangle([0, 0, MARKER[0] - 1, MARKER[1] - 1], fill=inks[0])
    return card


CARDS = {
    "7in5_v2-landscape": ((800, 480), BLACK_WHITE),
    "7in5_v2-portrait": ((480, 800), BLACK_WHITE),
    "7in3e-landscape": ((800, 480), SPECTRA6),
    "7in3e-portrait": ((480, 800), SPECTRA6),
}
