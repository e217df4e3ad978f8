"""Our panel drivers send what Waveshare's reference driver sends, byte for byte.

A recording ``PanelBus`` captures every command and data byte our driver
(shareframe_frame/display/epaper.py) sends for the test cards of panel_cards.py; the traces of
Waveshare's reference driver for the same cards are in waveshare_traces/ (README there). The
pixel data of both is decoded back into an image to check orientation and colour codes.

7.5" V2: identical, every byte. 7.3" Spectra 6: identical in every command and parameter and in
where each pixel goes, but the reference at the recorded commit quantizes to the 7.3" ACeP
palette (black, white, green, blue, red, yellow = 0..5) and sends those indices, while its own
colour constants, Waveshare's later Spectra 6 drivers and our rendering (panels.py) give the
panel's codes black 0, white 1, yellow 2, red 3, blue 5, green 6. We send the panel's codes: the
test checks that the reference's pixel bytes, translated from its palette index to the panel's
code for the same ink, are then exactly ours.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from shareframe_frame.display.epaper import (
    CONTROLLERS,
    Spectra6In3,
    Waveshare7in5V2,
    ink_codes,
    pack_1bpp_inverted,
    pack_4bpp,
)
from tests.firmware.panel_cards import CARDS, MARKER, SPECTRA6, make_card

TRACES = Path(__file__).with_name("waveshare_traces")
PIXEL_COMMAND = {"7in5_v2": 0x13, "7in3e": 0x10}


class RecordingBus:
    """A PanelBus that records what would go over the wires, in the traces' format."""

    def __init__(self) -> None:
        self.trace: list[list[Any]] = []
        self.opened = False

    def open(self) -> None:
        self.opened = True
        self.trace.append(["INIT"])

    def close(self) -> None:
        self.opened = False
        self.trace.append(["EXIT"])

    def reset_pin(self, level: int) -> None:
        self.trace.append(["RST", level])

    def command(self, code: int) -> None:
        assert self.opened
        self.trace.append(["C", f"{code:02x}"])

    def data(self, payload: bytes) -> None:
        assert self.opened
        if self.trace and self.trace[-1][0] == "D":
            self.trace[-1][1] += payload.hex()
        else:
            self.trace.append(["D", payload.hex()])

    def busy(self) -> bool:
        return False

    def sleep_ms(self, ms: int) -> None:
        assert ms >= 0


def reference(name: str) -> dict[str, Any]:
    with gzip.open(TRACES / f"{name}.json.gz", "rt") as f:
        doc: dict[str, Any] = json.load(f)
    return doc


def ours(name: str) -> list[list[Any]]:
    size, inks = CARDS[name]
    controller_class = Waveshare7in5V2 if name.startswith("7in5") else Spectra6In3
    bus = RecordingBus()
    panel = controller_class(bus)
    panel.init()
    panel.display(panel.pixels(make_card(size, inks)))
    panel.sleep()
    return bus.trace


def pixel_bytes(trace: list[list[Any]], command: int) -> bytes:
    at = trace.index(["C", f"{command:02x}"])
    assert trace[at + 1][0] == "D"
    return bytes.fromhex(trace[at + 1][1])


def decode(name: str, data: bytes, colour_of: dict[int, tuple[int, int, int]]) -> Image.Image:
    """The 800x480 landscape picture the bytes draw, each code shown as its ink's colour."""
    if name.startswith("7in5"):
        assert len(data) == 800 * 480 // 8
        bits = Image.frombytes("1", (800, 480), bytes(255 - b for b in data))  # wire: 1 = black
        codes = bits.convert("L").point(lambda v: 1 if v else 0).tobytes()
    else:
        assert len(data) == 800 * 480 // 2
        codes = bytes(n for b in data for n in (b >> 4, b & 0x0F))
    rgb = b"".join(bytes(colour_of[c]) for c in codes)
    return Image.frombytes("RGB", (800, 480), rgb)


PANEL_COLOURS = {0: (0, 0, 0), 1: (255, 255, 255)} | {code: rgb for rgb, code in Spectra6In3.inks}


@pytest.mark.parametrize("name", ["7in5_v2-landscape", "7in5_v2-portrait"])
def test_7in5_v2_trace_equals_waveshares_byte_for_byte(name):
    doc = reference(name)
    assert doc["source"]["commit"] == "1ac5cbad562ed58c678ba0d6f3f833612ec53320"
    assert ours(name) == doc["trace"]


@pytest.mark.parametrize("name", ["7in3e-landscape", "7in3e-portrait"])
def test_spectra6_trace_equals_waveshares_but_for_the_colour_codes(name):
    doc = reference(name)
    mine, theirs = ours(name), doc["trace"]
    pixel_at = theirs.index(["C", "10"]) + 1
    assert len(mine) == len(theirs)
    for at, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        if at != pixel_at:
            assert a == b, f"event {at}: ours {a} != Waveshare's {b}"
    # The reference's pixels, translated from its palette index to the panel's code of that ink.
    code_of_colour = {tuple(rgb): code for rgb, code in Spectra6In3.inks}
    index_to_code = {
        i: code_of_colour[tuple(rgb)] for i, rgb in enumerate(doc["reference_palette"])
    }
    translated = bytes(
        index_to_code[b >> 4] << 4 | index_to_code[b & 0x0F]
        for b in bytes.fromhex(theirs[pixel_at][1])
    )
    assert translated == pixel_bytes(mine, 0x10)
    # The codes we send are the ones the reference's own colour constants name.
    names = ("black", "white", "yellow", "red", "blue", "green")
    assert {n: code for n, (_, code) in zip(names, Spectra6In3.inks, strict=True)} == doc[
        "panel_codes"
    ]


@pytest.mark.parametrize("name", sorted(CARDS))
def test_pixel_bytes_decode_back_into_the_card(name):
    """Orientation (a portrait card is turned anticlockwise) and every ink's code, for our bytes
    and for the reference's (read with its own palette)."""
    size, inks = CARDS[name]
    card = make_card(size, inks)
    landscape = card if size == (800, 480) else card.rotate(90, expand=True)
    command = PIXEL_COMMAND[name.split("-")[0]]
    doc = reference(name)
    their_colours = (
        dict(enumerate(tuple(rgb) for rgb in doc["reference_palette"]))
        if "reference_palette" in doc
        else PANEL_COLOURS
    )
    mine = decode(name, pixel_bytes(ours(name), command), PANEL_COLOURS)
    theirs = decode(name, pixel_bytes(doc["trace"], command), their_colours)
    assert mine.tobytes() == landscape.tobytes()
    assert theirs.tobytes() == landscape.tobytes()
    # The marker lands top-left for a landscape card, bottom-left for a portrait one.
    if size == (800, 480):
        corner = (0, 0, MARKER[0], MARKER[1])
    else:
        corner = (0, 480 - MARKER[0], MARKER[1], 480)
    assert mine.crop(corner).getcolors() == [(MARKER[0] * MARKER[1], (0, 0, 0))]


def test_spectra6_inks_pack_to_their_codes():
    strip = Image.new("RGB", (800, 480), (255, 255, 255))
    for i, ink in enumerate(SPECTRA6):
        strip.putpixel((i, 0), ink)
    codes = ink_codes(strip, Spectra6In3.inks, (800, 480))
    assert list(codes[:6]) == [0, 1, 2, 3, 5, 6]
    assert pack_4bpp(codes)[:3] == bytes([0x01, 0x23, 0x56])


def test_black_and_white_pack_msb_first_with_black_as_one():
    row = Image.new("RGB", (800, 480), (255, 255, 255))
    row.putpixel((0, 0), (0, 0, 0))
    row.putpixel((9, 0), (30, 30, 30))  # a dark grey (text edge) counts as black
    packed = pack_1bpp_inverted(ink_codes(row, Waveshare7in5V2.inks, (800, 480)), 800)
    assert packed[:2] == bytes([0b1000_0000, 0b0100_0000])


def test_a_wrong_sized_image_is_refused():
    with pytest.raises(ValueError, match="600x400"):
        ink_codes(Image.new("RGB", (600, 400)), Waveshare7in5V2.inks, (800, 480))


def test_every_panel_we_drive_is_a_frame_panel():
    from shareframe_frame.config import PANELS

    for panel_id, controller in CONTROLLERS.items():
        assert PANELS[panel_id].size == controller.size
