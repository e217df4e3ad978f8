"""The landing page's photographs, drawn by the same code that draws a frame's screen.

Each is a public-domain or CC0 sample photo shipped inside scikit-image (pinned in
requirements-dev.txt), rendered for a panel with a caption and sender label exactly as a frame
shows it, and saved as lossless WebP (the measured panel colours, as the app's preview) into
``web/public/landing/``, with ``SOURCES.md`` naming each photo's author and licence.

    .venv/bin/python -m infra.landing_photos      # rewrite web/public/landing/
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from PIL import Image

from chalicelib.rendering import panels, rendition, source

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "web" / "public" / "landing"


@dataclass(frozen=True)
class LandingPhoto:
    name: str  # file name without extension, used by web/src/features/landing
    member: str  # file in skimage/data
    panel: str
    caption: str
    sender: str
    focal_point: tuple[float, float]
    credit: str


PHOTOS = (
    LandingPhoto(
        "cat",
        "chelsea.png",
        "spectra6_7in3",
        "Chelsea found the sunny spot",
        "from Sam",
        (0.45, 0.45),
        "Chelsea the cat, by Stefan van der Walt: CC0 (scikit-image sample data).",
    ),
    LandingPhoto(
        "coffee",
        "coffee.png",
        "acep_7in3",
        "Sunday coffee",
        "from Mia",
        (0.5, 0.5),
        "Coffee cup, by Rachel Michetti, courtesy of Pikolo Espresso Bar: CC0 "
        "(scikit-image sample data).",
    ),
    LandingPhoto(
        "astronaut",
        "astronaut.png",
        "waveshare_7in5_v2",
        "Our hero, Eileen Collins",
        "from Grandpa",
        (0.5, 0.3),
        "Eileen Collins, NASA: public domain (NASA Great Images, via scikit-image sample data).",
    ),
)


def _skimage_data() -> Path:
    import skimage.data

    return Path(skimage.data.__file__).parent


def render(photo: LandingPhoto) -> bytes:
    data = (_skimage_data() / photo.member).read_bytes()
    panel = panels.PANELS[photo.panel]
    frame = rendition.render_panel(
        source.load_upload(data),
        panel,
        focal_point=photo.focal_point,
        caption=photo.caption,
        sender_label=photo.sender,
    )
    out = io.BytesIO()
    Image.open(io.BytesIO(frame.preview_png)).convert("RGB").save(
        out, "WEBP", lossless=True, method=6
    )
    return out.getvalue()


def sources() -> str:
    lines = [
        "# Landing page photographs",
        "",
        "Written by `python -m infra.landing_photos` from the sample photos in scikit-image "
        f"{version('scikit-image')} (`skimage/data/`), each rendered by the frame's own "
        "rendering code for the panel named, with its caption band.",
        "",
        "| File | Panel | Photograph and licence |",
        "| --- | --- | --- |",
    ]
    for p in PHOTOS:
        lines.append(f"| `{p.name}.webp` | {panels.PANELS[p.panel].name} | {p.credit} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for photo in PHOTOS:
        (OUT / f"{photo.name}.webp").write_bytes(render(photo))
    (OUT / "SOURCES.md").write_text(sources(), encoding="utf-8")
    print(f"wrote {len(PHOTOS)} photos to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
