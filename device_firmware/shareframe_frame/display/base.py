"""The one thing the rest of the frame knows about a panel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PIL import Image


@dataclass(frozen=True)
class ScreenInfo:
    """What a screen shows, for ``screen.json`` and the dashboard.

    ``kind`` is "photo", "empty" or "pairing"; ``pairing_code`` is set on the pairing screen.
    """

    kind: str
    share_id: str | None = None
    sha256: str | None = None
    pairing_code: str | None = None


class Display(Protocol):
    @property
    def size(self) -> tuple[int, int]: ...

    def show(self, image: Image.Image, info: ScreenInfo | None = None) -> None:
        """Put ``image`` (already ``size``) on the panel. Blocks for the panel's refresh."""
        ...

    def close(self) -> None: ...
