"""The one error the rendering engine raises for a photo it will not take."""

from __future__ import annotations


class ImageRejected(Exception):
    """An upload the engine refuses; ``reason`` is a sentence a person can read.

    Example: ``ImageRejected("This file is not a photo we can read (it looks like a PDF).")``
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
