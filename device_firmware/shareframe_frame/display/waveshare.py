"""Real Waveshare e-paper panels through the vendor's ``waveshare_epd`` Python library.

NOT TESTED here: there is no panel (nor SPI bus) on the build machines. Written against the
vendor's documented API: ``EPD()``, ``init()``, ``getbuffer(img)``, ``display(buf)``,
``sleep()`` (and ``init_4Gray``/``getbuffer_4Gray``/``display_4Gray`` for four greys).
Install the library on the Pi from Waveshare's e-Paper repository
(``RaspberryPi_JetsonNano/python/lib``) and put it on ``PYTHONPATH``.
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import Any

from PIL import Image

from shareframe_frame.config import PanelProfile
from shareframe_frame.display.base import ScreenInfo

log = logging.getLogger(__name__)

# panel id -> vendor module in waveshare_epd
VENDOR_MODULES = {
    "waveshare_7in5_v2": "epd7in5_V2",
    "grey4_7in5": "epd7in5_V2",
    "spectra6_7in3": "epd7in3e",
    "spectra6_13in3": "epd13in3E",
    "acep_7in3": "epd7in3f",
}


class WaveshareUnavailable(RuntimeError):
    """The vendor library is not installed (or the panel id has no driver)."""


class WaveshareDisplay:
    def __init__(self, panel: PanelProfile) -> None:
        module_name = VENDOR_MODULES.get(panel.panel_id)
        if module_name is None:
            raise WaveshareUnavailable(f"no Waveshare driver for {panel.panel_id}")
        try:
            module: Any = importlib.import_module(f"waveshare_epd.{module_name}")
        except ImportError as exc:
            raise WaveshareUnavailable(
                "the waveshare_epd library is not installed; use display = 'virtual'"
            ) from exc
        self._panel = panel
        self._grey4 = panel.panel_id == "grey4_7in5"
        self._epd: Any = module.EPD()
        self._lock = threading.Lock()

    @property
    def size(self) -> tuple[int, int]:
        return self._panel.size

    def show(self, image: Image.Image, info: ScreenInfo | None = None) -> None:
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
        with self._lock:
            try:
                self._epd.sleep()
            except Exception:  # the vendor library raises bare Exceptions
                log.exception("panel sleep failed")
