"""The landing page's photographs are what the frame renderer draws today, from recorded sources."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops

from infra import landing_photos


@pytest.mark.parametrize("photo", landing_photos.PHOTOS, ids=lambda p: p.name)
def test_each_landing_photo_is_the_renderers_output(photo: landing_photos.LandingPhoto) -> None:
    shipped = Image.open(landing_photos.OUT / f"{photo.name}.webp").convert("RGB")
    rendered = Image.open(io.BytesIO(landing_photos.render(photo))).convert("RGB")
    assert shipped.size == rendered.size == (800, 480)
    assert ImageChops.difference(shipped, rendered).getbbox() is None, (
        f"{photo.name}.webp is stale: run python -m infra.landing_photos"
    )


def test_every_landing_photo_has_its_source_and_licence_recorded() -> None:
    assert (landing_photos.OUT / "SOURCES.md").read_text(
        encoding="utf-8"
    ) == landing_photos.sources()
    for photo in landing_photos.PHOTOS:
        assert "CC0" in photo.credit or "public domain" in photo.credit
