"""Shareframe's rendering engine: photos in, e-paper pixels out. No AWS in here.

Example::

    from chalicelib.rendering import PANELS, load_upload, render_panel, render_thumbnail

    src = load_upload(data)                      # ImageRejected(.reason) if we cannot use it
    thumbnail_jpeg = render_thumbnail(src)
    rendition = render_panel(src, PANELS["waveshare_7in5_v2"], caption="From Ana")
    rendition.frame_png                          # what the frame downloads
"""

from __future__ import annotations

from .errors import ImageRejected
from .focus import focal_point
from .panels import DEFAULT_PANEL_ID, PANELS, PanelInk, PanelProfile
from .rendition import (
    RENDERING_VERSION,
    PanelRendition,
    render_panel,
    render_preview,
    render_thumbnail,
    rendition_key,
)
from .source import SourceImage, load_upload

__all__ = [
    "DEFAULT_PANEL_ID",
    "PANELS",
    "RENDERING_VERSION",
    "ImageRejected",
    "PanelInk",
    "PanelProfile",
    "PanelRendition",
    "SourceImage",
    "focal_point",
    "load_upload",
    "render_panel",
    "render_preview",
    "render_thumbnail",
    "rendition_key",
]
