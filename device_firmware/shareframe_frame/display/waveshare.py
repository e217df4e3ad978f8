"""Real Waveshare e-paper panels.

The 7.5" V2 and the 7.3" Spectra 6 run on our own driver (``epaper.py`` over ``spi_gpio.py``),
checked byte for byte against Waveshare's (tests/firmware/test_panel_driver.py). The other
panels go through the vendor's ``waveshare_epd`` library, NOT TESTED here (no panel on the build
machines), written against its documented API: ``EPD()``, ``init()``, ``getbuffer(img)``,
``display(buf)``, ``sleep()`` (and ``init_4Gray``/``getbuffer_4Gray``/``display_4Gray`` for
four greys); install it from Waveshare's e-Paper repository (``RaspberryPi_JetsonNano/python/
lib``) on ``PYTHONPATH`` for those.
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import Any

from PIL import Image

from shareframe_frame.config import PanelProfile
from shareframe_frame.display.base import ScreenInfo
from shareframe_frame.display.epaper import CONTROLLERS, Controller
from shareframe_frame.display.spi_gpio import SpiGpioBus

log = logging.getLogger(__name__)

# panel id -> vendor module in waveshare_epd, for the panels without a driver of our own
VENDOR_MODULES = {
    "grey4_7in5": "epd7in5_V2",
    "spectra6_13in3": "epd13in3E",
    "acep_7in3": "epd7in3f",
}


class WaveshareUnavailable(RuntimeError):
    """The vendor library is not installed (or the panel id has no driver)."""


class WaveshareDisplay:
    def __init__(self, panel: PanelProfile) -> None:
        self._panel = panel
        self._lock = threading.Lock()
        self._own: Controller | None = None
        controller = CONTROLLERS.get(panel.panel_id)
        if controller is not None:
            self._own = controller(SpiGpioBus())
            return
        module_name = VENDOR_MODULES.get(panel.panel_id)
        if module_name is None:
            raise WaveshareUnavailable(f"no Waveshare driver for {panel.panel_id}")
        try:
            module: Any = importlib.import_module(f"waveshare_epd.{module_name}")
        except ImportError as exc:
            raise WaveshareUnavailable(
                "the waveshare_epd library is not installed; use display = 'virtual'"
            ) from exc
        self._grey4 = panel.panel_id == "grey4_7in5"
        self._epd: Any = module.EPD()

    @property
    def size(self) -> tuple[int, int]:
        return self._panel.size

    def show(self, image: Image.Image, info: ScreenInfo | None = None) -> None:
        if self._own is not None:
            pixels = self._own.pixels(image)  # before powering the panel up
            with self._lock:
                self._own.init()
                self._own.display(pixels)
                self._own.sleep()  # e-paper keeps the picture without power
            log.info("panel refreshed", extra={"screen": info.kind if info else "photo"})
            return
        with self._lock:
            if self._grey4:
                self._epd.init_4Gray()
                self._epd.display_4Gray(self._epd.getbuffer_4Gray(image.convert("L")))
            else:
                self._epd.init()
                self._epd.display(self._epd.getbuffer(image))
            self._epd.sleep()  # e-paper keeps the picture without power
        log.info("panel refreshed", extra={"screen": info.kind if info else "photo"})

    def close(self) -> None:
        if self._own is not None:
            return  # asleep and unpowered after every refresh
        with self._lock:
            try:
                self._epd.sleep()
            except Exception:  # the vendor library raises bare Exceptions
                log.exception("panel sleep failed")
