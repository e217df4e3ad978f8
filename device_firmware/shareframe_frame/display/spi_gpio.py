"""The Waveshare e-Paper HAT's wires on a Raspberry Pi: SPI0.0 and four GPIOs (BCM numbers).

NOT TESTED here: no Pi, SPI bus or panel on the build machines. What it sends is tested through
a recording bus (tests/firmware/test_panel_driver.py); this class only moves those bytes. Uses
``spidev`` and ``gpiozero`` (Raspberry Pi OS: ``python3-spidev``, ``python3-gpiozero`` with the
``lgpio`` backend, which also works on a Pi 5), imported when the panel is first opened.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

RST_PIN, DC_PIN, BUSY_PIN, PWR_PIN = 17, 25, 24, 18  # the HAT's wiring; CS is SPI0's CE0
SPI_HZ = 4_000_000


class SpiGpioBus:
    def __init__(self, spi_bus: int = 0, spi_device: int = 0) -> None:
        self._where = (spi_bus, spi_device)
        self._spi: Any = None
        self._pins: dict[str, Any] = {}

    def open(self) -> None:
        gpio: Any = importlib.import_module("gpiozero")
        spidev: Any = importlib.import_module("spidev")
        self._pins = {
            "pwr": gpio.DigitalOutputDevice(PWR_PIN, initial_value=True),  # HAT rev 2.3 power
            "rst": gpio.DigitalOutputDevice(RST_PIN),
            "dc": gpio.DigitalOutputDevice(DC_PIN),
            "busy": gpio.DigitalInputDevice(BUSY_PIN, pull_up=False),
        }
        self._spi = spidev.SpiDev()
        self._spi.open(*self._where)
        self._spi.max_speed_hz = SPI_HZ
        self._spi.mode = 0

    def close(self) -> None:
        if self._spi is not None:
            self._spi.close()
            self._spi = None
        for name in ("rst", "dc", "pwr"):  # the panel keeps its picture unpowered
            if name in self._pins:
                self._pins[name].off()
        for pin in self._pins.values():
            pin.close()
        self._pins = {}

    def reset_pin(self, level: int) -> None:
        self._pins["rst"].value = level

    def command(self, code: int) -> None:
        self._pins["dc"].off()
        self._spi.writebytes([code])

    def data(self, payload: bytes) -> None:
        self._pins["dc"].on()
        self._spi.writebytes2(payload)  # spidev splits it into transfers the driver accepts

    def busy(self) -> bool:
        return not self._pins["busy"].value  # BUSY low: the controller is working

    def sleep_ms(self, ms: int) -> None:
        time.sleep(ms / 1000)
