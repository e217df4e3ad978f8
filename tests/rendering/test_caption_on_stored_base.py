"""A captioned rendition made from the stored frame file of the plain one (what the rendition
worker does, issue 16) is byte for byte the rendition made from the photo with that caption."""

from __future__ import annotations

import pytest
from PIL import ImageCms

from chalicelib.rendering import PANELS, load_upload
from chalicelib.rendering.rendition import codes_of, compose_band, encode, render_panel

from .photos import encode as encode_photo
from .photos import photo_like


@pytest.fixture(scope="module")
def photo():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return load_upload(encode_photo(photo_like((1200, 900)), "JPEG", quality=90, icc_profile=srgb))


@pytest.mark.parametrize("panel_id", sorted(set(PANELS) - {"spectra6_13in3"}))
def test_a_band_composed_on_the_stored_plain_file_is_the_captioned_rendition(photo, panel_id):
    panel = PANELS[panel_id]
    plain = render_panel(photo, panel, orientation="portrait")
    direct = render_panel(
        photo, panel, orientation="portrait", caption="Lisbon, São Bento", sender_label="from Ana"
    )

    stored = codes_of(plain.frame_png)  # what the worker reads back from S3
    composed = encode(
        compose_band(stored, panel, caption="Lisbon, São Bento", sender_label="from Ana"), panel
    )

    assert composed.frame_png == direct.frame_png
    assert composed.preview_png == direct.preview_png
    assert composed.frame_png != plain.frame_png


def test_only_a_rendition_file_is_read_back_as_device_codes(photo):
    with pytest.raises(ValueError, match="not a rendition"):
        codes_of(encode_photo(photo_like((40, 30)), "PNG"))
