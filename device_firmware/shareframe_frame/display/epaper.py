"""Our own drivers for the two panels we ship: command sequences and pixel packing.

Each controller talks to the panel through a ``PanelBus`` (four pins and SPI): on a Raspberry Pi
that is ``spi_gpio.SpiGpioBus``; in tests, a recorder. The command and data bytes are checked
byte for byte against what Waveshare's reference driver sends for the same image
(tests/firmware/test_panel_driver.py, traces in tests/firmware/waveshare_traces/).

Pixels: the frame hands over an RGB image whose pixels are the panel's nominal ink colours (the
frame-ready PNG is already dithered against the panel's inks). Each pixel becomes its nearest
ink's device code, without dithering, so text on our own screens stays crisp. A portrait image
(height > width) is turned a quarter anticlockwise first, as the reference driver does.

Codes (the panel's, as in functions/chalicelib/rendering/panels.py):

- 7.5" V2 (UC8179): 1 bit per pixel, MSB = leftmost; on the wire 1 = black, 0 = white.
- 7.3" Spectra 6 (E6): 4 bits per pixel, high nibble = left pixel; 0 black, 1 white, 2 yellow,
  3 red, 5 blue, 6 green.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PIL import Image

RGB = tuple[int, int, int]


class PanelBus(Protocol):
    """The four wires and the SPI bus of a Waveshare HAT."""

    def open(self) -> None: ...

    def close(self) -> None: ...

    def reset_pin(self, level: int) -> None: ...

    def command(self, code: int) -> None:
        """One byte with DC low (a command), chip select held for the byte."""
        ...

    def data(self, payload: bytes) -> None:
        """Bytes with DC high (a command's parameters or pixels)."""
        ...

    def busy(self) -> bool:
        """True while the panel is busy (its BUSY line reads 0)."""
        ...

    def sleep_ms(self, ms: int) -> None: ...


def ink_codes(image: Image.Image, inks: Sequence[tuple[RGB, int]], size: tuple[int, int]) -> bytes:
    """One device code per pixel, rows top to bottom, for a panel of ``size`` (landscape)."""
    from PIL import Image as PILImage

    if image.size == (size[1], size[0]):
        image = image.rotate(90, expand=True)
    if image.size != size:
        raise ValueError(f"image is {image.size[0]}x{image.size[1]}, the panel {size[0]}x{size[1]}")
    palette = PILImage.new("P", (1, 1))
    flat = [channel for rgb, _ in inks for channel in rgb]
    palette.putpalette(flat + flat[:3] * (256 - len(inks)))
    indexed = image.convert("RGB").quantize(palette=palette, dither=PILImage.Dither.NONE)
    table = bytes(inks[i][1] if i < len(inks) else inks[0][1] for i in range(256))
    return indexed.tobytes().translate(table)


def pack_1bpp_inverted(codes: bytes, width: int) -> bytes:
    """8 pixels per byte, MSB first; bit 1 = code 0 (black), as the UC8179 wants in KW mode."""
    from PIL import Image as PILImage

    height = len(codes) // width
    white_is_set = PILImage.frombytes("L", (width, height), codes).point(lambda v: 255 if v else 0)
    packed = white_is_set.convert("1", dither=PILImage.Dither.NONE).tobytes()
    return packed.translate(bytes(255 - b for b in range(256)))


def pack_4bpp(codes: bytes) -> bytes:
    """Two pixels per byte, high nibble = the left one."""
    return bytes(left << 4 | right for left, right in zip(codes[0::2], codes[1::2], strict=True))


BLACK: RGB = (0, 0, 0)
WHITE: RGB = (255, 255, 255)


class Waveshare7in5V2:
    """Waveshare 7.5" V2, 800x480 black/white (UC8179 controller)."""

    size = (800, 480)
    inks: tuple[tuple[RGB, int], ...] = ((BLACK, 0), (WHITE, 1))
    # Power (VGH/VGL, VSH, VSL, VSHR), VCOM DC, booster soft start, PLL: Waveshare's values.
    _POWER = bytes([0x17, 0x17, 0x3F, 0x3F, 0x11])
    _LUT_VCOM = bytes(
        [0x00, 0x0F, 0x0F, 0x00, 0x00, 0x01, 0x00, 0x0F, 0x01, 0x0F, 0x01, 0x02]
        + [0x00, 0x0F, 0x0F, 0x00, 0x00, 0x01]
        + [0x00] * 24
    )
    _LUT_WHITE_TO = bytes(  # WW and BW: to white
        [0x10, 0x0F, 0x0F, 0x00, 0x00, 0x01, 0x84, 0x0F, 0x01, 0x0F, 0x01, 0x02]
        + [0x20, 0x0F, 0x0F, 0x00, 0x00, 0x01]
        + [0x00] * 24
    )
    _LUT_BLACK_TO = bytes(  # WB and BB: to black
        [0x80, 0x0F, 0x0F, 0x00, 0x00, 0x01, 0x84, 0x0F, 0x01, 0x0F, 0x01, 0x02]
        + [0x40, 0x0F, 0x0F, 0x00, 0x00, 0x01]
        + [0x00] * 24
    )

    def __init__(self, bus: PanelBus) -> None:
        self.bus = bus

    def _send(self, command: int, *data: int | bytes) -> None:
        self.bus.command(command)
        for chunk in data:
            self.bus.data(bytes([chunk]) if isinstance(chunk, int) else chunk)

    def _wait(self) -> None:
        """The UC8179 updates BUSY on a Get Status (0x71) command: ask until it is idle."""
        self._send(0x71)
        while self.bus.busy():
            self._send(0x71)
        self.bus.sleep_ms(20)

    def _reset(self) -> None:
        for level, ms in ((1, 20), (0, 2), (1, 20)):
            self.bus.reset_pin(level)
            self.bus.sleep_ms(ms)

    def init(self) -> None:
        self.bus.open()
        self._reset()
        self._send(0x01, self._POWER)  # power setting
        self._send(0x82, 0x24)  # VCOM DC
        self._send(0x06, bytes([0x27, 0x27, 0x2F, 0x17]))  # booster soft start
        self._send(0x30, 0x06)  # PLL
        self._send(0x04)  # power on
        self.bus.sleep_ms(100)
        self._wait()
        self._send(0x00, 0x3F)  # panel setting: KW mode, LUT from registers
        self._send(0x61, bytes([0x03, 0x20, 0x01, 0xE0]))  # resolution 800x480
        self._send(0x15, 0x00)  # dual SPI off
        self._send(0x50, bytes([0x10, 0x07]))  # VCOM and data interval
        self._send(0x60, 0x22)  # TCON
        self._send(0x65, bytes(4))  # gate/source start
        for command, lut in (
            (0x20, self._LUT_VCOM),
            (0x21, self._LUT_WHITE_TO),
            (0x22, self._LUT_WHITE_TO),
            (0x23, self._LUT_BLACK_TO),
            (0x24, self._LUT_BLACK_TO),
        ):
            self._send(command, lut)

    def pixels(self, image: Image.Image) -> bytes:
        return pack_1bpp_inverted(ink_codes(image, self.inks, self.size), self.size[0])

    def display(self, pixels: bytes) -> None:
        self._send(0x13, pixels)  # new frame
        self._send(0x12)  # refresh
        self.bus.sleep_ms(100)
        self._wait()

    def sleep(self) -> None:
        self._send(0x02)  # power off
        self._wait()
        self._send(0x07, 0xA5)  # deep sleep (check code)
        self.bus.sleep_ms(2000)
        self.bus.close()


class Spectra6In3:
    """Waveshare 7.3" Spectra 6 (E6), 800x480, six inks."""

    size = (800, 480)
    inks: tuple[tuple[RGB, int], ...] = (
        (BLACK, 0),
        (WHITE, 1),
        ((255, 255, 0), 2),
        ((255, 0, 0), 3),
        ((0, 0, 255), 5),
        ((0, 255, 0), 6),
    )
    _INIT: tuple[tuple[int, bytes], ...] = (
        (0xAA, bytes([0x49, 0x55, 0x20, 0x08, 0x09, 0x18])),  # command header (CMDH)
        (0x01, bytes([0x3F])),  # power setting
        (0x00, bytes([0x5F, 0x69])),  # panel setting
        (0x03, bytes([0x00, 0x54, 0x00, 0x44])),  # power off sequence
        (0x05, bytes([0x40, 0x1F, 0x1F, 0x2C])),  # booster soft start 1
        (0x06, bytes([0x6F, 0x1F, 0x17, 0x49])),  # booster soft start 2
        (0x08, bytes([0x6F, 0x1F, 0x1F, 0x22])),  # booster soft start 3
        (0x30, bytes([0x03])),  # PLL
        (0x50, bytes([0x3F])),  # VCOM and data interval
        (0x60, bytes([0x02, 0x00])),  # TCON
        (0x61, bytes([0x03, 0x20, 0x01, 0xE0])),  # resolution 800x480
        (0x84, bytes([0x01])),  # temperature sensor
        (0xE3, bytes([0x2F])),  # power saving
    )

    def __init__(self, bus: PanelBus) -> None:
        self.bus = bus

    def _send(self, command: int, data: bytes = b"") -> None:
        self.bus.command(command)
        if data:
            self.bus.data(data)

    def _wait(self) -> None:
        while self.bus.busy():
            self.bus.sleep_ms(5)

    def init(self) -> None:
        self.bus.open()
        for level, ms in ((1, 20), (0, 2), (1, 20)):
            self.bus.reset_pin(level)
            self.bus.sleep_ms(ms)
        self._wait()
        self.bus.sleep_ms(30)
        for command, data in self._INIT:
            self._send(command, data)
        self._send(0x04)  # power on
        self._wait()

    def pixels(self, image: Image.Image) -> bytes:
        return pack_4bpp(ink_codes(image, self.inks, self.size))

    def display(self, pixels: bytes) -> None:
        self._send(0x10, pixels)  # frame data
        self._send(0x04)  # power on
        self._wait()
        self._send(0x12, b"\x00")  # refresh
        self._wait()
        self._send(0x02, b"\x00")  # power off
        self._wait()

    def sleep(self) -> None:
        self._send(0x07, b"\xa5")  # deep sleep (check code)
        self.bus.sleep_ms(2000)
        self.bus.close()


Controller = Waveshare7in5V2 | Spectra6In3
CONTROLLERS: dict[str, type[Waveshare7in5V2] | type[Spectra6In3]] = {
    "waveshare_7in5_v2": Waveshare7in5V2,
    "spectra6_7in3": Spectra6In3,
}
