"""Photo titles people can read: a camera's file name says nothing, its capture date does."""

from __future__ import annotations

import re
from datetime import datetime

# File names cameras and phones give by themselves: IMG_1234, DSC01234, DSCN0042, PXL_2026…,
# P1000123, GOPR0001, DJI_0042, _MG_1234, MVIMG_…, 20261129_140512, WhatsApp Image 2026-…
_CAMERA_NAME = re.compile(
    r"^(?:img|dsc[nf]?|_?mg|pxl|mvimg|gopr|gp|dji|p\d|sam|wp|photo|image|signal|screenshot)?"
    r"[ _-]?[\d _.:-]{3,}(?:[ _-]?\w{0,12})?$"
    r"|^\d{8}[_-]\d{6}"
    r"|^whatsapp image [\d-]+ at [\d.]+(?: \(\d+\))?$",
    re.IGNORECASE,
)


def is_camera_name(title: str) -> bool:
    """True for names like IMG_1234 or PXL_20261129_140512345: a number, not a description."""
    return bool(_CAMERA_NAME.match(title.strip()))


def from_capture_date(when: datetime) -> str:
    """A title from when the photo was taken, e.g. "29 November 2026, 14:05"."""
    return f"{when.day} {when:%B %Y, %H:%M}"
