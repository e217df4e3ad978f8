"""Shareframe's rendering engine: photos in, e-paper pixels out. No AWS in here.

Example::

    from chalicelib.rendering import PANELS, load_upload, render_panel, render_thumbnail

    src = load_upload(data)                      # ImageRejected(.reason) if we cannot use it
    thumbnail_jpeg = render_thumbnail(src)
    rendition = render_panel(src, PANELS["waveshare_7in5_v2"], caption="From Ana")
    rendition.frame_png                          # what the frame downloads
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .errors import ImageRejected
from .panels import DEFAULT_PANEL_ID, PANELS, PanelInk, PanelProfile

if TYPE_CHECKING:
    from .focus import focal_point
    from .rendition import (
        RENDERING_VERSION,
        PanelRendition,
        codes_of,
        compose_band,
        encode,
        render_base,
        render_panel,
        render_preview,
        render_thumbnail,
        rendition_key,
    )
    from .source import SourceImage, load_upload

# Pillow and the ditherer load on first use of these names, not when the package is imported:
# most functions import it only for PANELS, and a cold start should not pay for Pillow
# (docs/quality.md, "Cold starts").
_LAZY = {
    "focal_point": "focus",
    "RENDERING_VERSION": "rendition",
    "PanelRendition": "rendition",
    "codes_of": "rendition",
    "compose_band": "rendition",
    "encode": "rendition",
    "render_base": "rendition",
    "render_panel": "rendition",
    "render_preview": "rendition",
    "render_thumbnail": "rendition",
    "rendition_key": "rendition",
    "SourceImage": "source",
    "load_upload": "source",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_PANEL_ID",
    "PANELS",
    "RENDERING_VERSION",
    "ImageRejected",
    "PanelInk",
    "PanelProfile",
    "PanelRendition",
    "SourceImage",
    "codes_of",
    "compose_band",
    "encode",
    "focal_point",
    "load_upload",
    "render_base",
    "render_panel",
    "render_preview",
    "render_thumbnail",
    "rendition_key",
]
