"""Panels the frame can draw on: a virtual one (a PNG file) and real Waveshare e-paper panels."""

from __future__ import annotations

from pathlib import Path

from shareframe_frame.config import FrameConfig, PanelProfile
from shareframe_frame.display.base import Display, ScreenInfo

__all__ = ["Display", "ScreenInfo", "open_display", "open_named_display"]


def open_display(config: FrameConfig) -> Display:
    """The display named by the config (``virtual`` writes ``{state_dir}/screen.png``)."""
    return open_named_display(config.display, config.panel, Path(config.state_dir))


def open_named_display(display: str, panel: PanelProfile, state_dir: Path) -> Display:
    if display == "waveshare":
        from shareframe_frame.display.waveshare import WaveshareDisplay

        return WaveshareDisplay(panel)
    from shareframe_frame.display.virtual import VirtualDisplay

    return VirtualDisplay(state_dir, panel.size)
