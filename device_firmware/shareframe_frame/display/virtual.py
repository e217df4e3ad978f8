"""A panel that is a file: ``{state_dir}/screen.png`` holds exactly the pixels shown.

``screen.json`` beside it says what is showing::

    {"shareId": "shr_...", "sha256": "9f2c...", "shownAt": "2026-11-25T12:00:04Z",
     "screen": "photo", "pairingCode": null}

Both files are replaced atomically, so a test polling them never reads half an image.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from shareframe_frame.display.base import ScreenInfo
from shareframe_frame.store import atomic_write_bytes, atomic_write_json


class VirtualDisplay:
    def __init__(self, state_dir: Path, size: tuple[int, int]) -> None:
        self._dir = state_dir
        self._size = size
        self.screen_path = state_dir / "screen.png"
        self.info_path = state_dir / "screen.json"

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    def show(self, image: Image.Image, info: ScreenInfo | None = None) -> None:
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        buffer = io.BytesIO()
        rgb.save(buffer, format="PNG", compress_level=1)
        atomic_write_bytes(self.screen_path, buffer.getvalue())
        info = info or ScreenInfo(kind="photo")
        shown_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        atomic_write_json(
            self.info_path,
            {
                "shareId": info.share_id,
                "sha256": info.sha256,
                "shownAt": shown_at,
                "screen": info.kind,
                "pairingCode": info.pairing_code,
            },
        )

    def close(self) -> None:
        return None
