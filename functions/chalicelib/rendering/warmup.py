"""What the rendition worker does before its SnapStart snapshot, so a restored copy's first
photo costs what any other does.

``snapstart.prime`` calls ``before_snapshot`` in the functions that prime this module: the
rendition worker only. The API imports the engine too (for previews) but not this: at its
512 MB, about a third of a vCPU, the tone tables alone would take some 9 s at every publish
of a version (docs/deploy.md).
"""

from __future__ import annotations

from io import BytesIO

from PIL import Image

from . import dither
from .panels import PANELS
from .rendition import render_panel
from .source import load_upload

# A small photo-like picture: a gradient through the colours a photo has, as a JPEG, so
# that warming up goes through the same decoder as a master.
_SAMPLE_SIZE = (320, 240)


def _sample_jpeg() -> bytes:
    down = Image.linear_gradient("L").resize(_SAMPLE_SIZE)
    across = Image.linear_gradient("L").rotate(90).resize(_SAMPLE_SIZE)
    picture = Image.merge("RGB", (down, across, down.point(lambda v: 255 - v)))
    out = BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def before_snapshot() -> None:
    """Build every built-in panel's tone tables and render one small photo for each.

    The tables (``dither.build_tables``) are most of it: about 2 s of CPU for all panels,
    nearly all of it ACeP's gamut-mapped ones. The renders load what a first photo would
    load lazily beyond them: the JPEG decoder and PNG encoder, the caption font, each panel's
    mixes and dither patterns at its landscape size. Without them a restored copy's first
    ACeP rendition of a 12 MP photo cost 1.6x a full decode instead of 1.1x
    (docs/rendering.md, "Speed and memory")."""
    sample = load_upload(_sample_jpeg())
    for panel in PANELS.values():
        dither.build_tables(panel)
        render_panel(sample, panel, caption="warm-up")
