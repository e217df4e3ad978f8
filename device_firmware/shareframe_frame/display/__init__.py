"""Panels the frame can draw on: a virtual one (a PNG file) and real Waveshare e-paper panels."""

from __future__ import annotations

from pathlib import Path

from shareframe_frame.config import FrameConfig
from shareframe_frame.display.base import Display, ScreenInfo

__all__ = ["Display", "ScreenInfo", "open_display"]


def open_display(config: FrameConfig) -> Display:
    """The display named by the config (``virtual`` writes ``{state_dir}/screen.png``)."""
    if config.display == "waveshare":
        from shareframe_frame.display.waveshare import WaveshareDisplay

        return WaveshareDisplay(config.panel)
    from shareframe_frame.display.virtual import VirtualDisplay

    return VirtualDisplay(Path(config.state_dir), config.panel.size)
