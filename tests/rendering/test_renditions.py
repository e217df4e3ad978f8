"""What the frames, the web app and the library grid receive."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image, ImageCms

from chalicelib.rendering import (
    DEFAULT_PANEL_ID,
    PANELS,
    RENDERING_VERSION,
    load_upload,
    render_panel,
    render_preview,
    render_thumbnail,
    rendition_key,
)
from chalicelib.rendering.rendition import caption_band_height, compose_band, crop_box, render_base
from chalicelib.rendering.rendition import encode as encode_codes

from .photos import encode, gps_exif, photo_like

ALL_PANELS = sorted(PANELS)


@pytest.fixture(scope="module")
def photo():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(photo_like((1200, 900)), "JPEG", quality=90, exif=gps_exif(), icc_profile=srgb)
    return load_upload(data)


_RENDITIONS: dict[tuple[str, str, str | None], object] = {}


def rendered(photo, panel_id, orientation="landscape", caption=None):
    """render_panel, once per combination for the whole module (the 13.3" panel is slow)."""
    key = (panel_id, orientation, caption)
    if key not in _RENDITIONS:
        _RENDITIONS[key] = render_panel(
            photo, PANELS[panel_id], orientation=orientation, caption=caption
        )
    return _RENDITIONS[key]


def _png_chunks(data: bytes) -> list[bytes]:
    chunks, position = [], 8
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        chunks.append(data[position + 4 : position + 8])
        position += 12 + length
    return chunks


def test_the_default_panel_is_the_originals_black_and_white_waveshare():
    panel = PANELS[DEFAULT_PANEL_ID]

    assert DEFAULT_PANEL_ID == "waveshare_7in5_v2"
    assert (panel.width, panel.height, panel.colours) == (800, 480, ("black", "white"))


@pytest.mark.parametrize("panel_id", ALL_PANELS)
def test_every_measured_palette_is_darker_than_nominal_with_a_plausible_range(panel_id):
    panel = PANELS[panel_id]
    white = next(ink for ink in panel.inks if ink.name == "white")
    black = next(ink for ink in panel.inks if ink.name == "black")

    def luminance(rgb):
        linear = [((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    assert max(white.measured) < 230
    # ACeP is the dullest (about 15:1); the others are near the 90:1 of current film.
    assert 12 <= luminance(white.measured) / luminance(black.measured) <= 150
    assert len(set(panel.device_codes)) == len(panel.inks)


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
@pytest.mark.parametrize("panel_id", ALL_PANELS)
def test_each_panel_gets_its_size_and_only_its_device_codes(photo, panel_id, orientation):
    panel = PANELS[panel_id]

    rendition = rendered(photo, panel_id, orientation)

    frame = Image.open(BytesIO(rendition.frame_png))
    expected = (panel.width, panel.height)
    if orientation == "portrait":
        expected = (panel.height, panel.width)
    assert frame.mode == "P"
    assert frame.size == expected == (rendition.width, rendition.height)
    used = {index for _, index in frame.getcolors(maxcolors=256)}
    assert used <= set(panel.device_codes)
    assert len(used) >= min(len(panel.device_codes), 3)
    palette = frame.getpalette()
    for ink in panel.inks:
        assert tuple(palette[ink.code * 3 : ink.code * 3 + 3]) == ink.nominal


@pytest.mark.parametrize("panel_id", ALL_PANELS)
def test_the_preview_shows_the_same_pixels_in_the_measured_colours(photo, panel_id):
    panel = PANELS[panel_id]

    rendition = rendered(photo, panel_id)

    frame = Image.open(BytesIO(rendition.frame_png))
    preview = Image.open(BytesIO(rendition.preview_png))
    assert preview.size == frame.size
    assert preview.tobytes() == frame.tobytes()
    palette = preview.getpalette()
    for ink in panel.inks:
        assert tuple(palette[ink.code * 3 : ink.code * 3 + 3]) == ink.measured


def test_rendering_is_deterministic(photo):
    panel = PANELS["spectra6_7in3"]
    again = load_upload(photo._data)

    first = render_panel(photo, panel, caption="From Ana")
    second = render_panel(again, panel, caption="From Ana")

    assert first == second
    assert render_thumbnail(photo) == render_thumbnail(again)
    assert render_preview(photo) == render_preview(again)


def test_derived_files_carry_no_metadata(photo):
    thumbnail = render_thumbnail(photo)
    preview = render_preview(photo)
    rendition = render_panel(photo, PANELS["acep_7in3"], caption="Hello")

    for jpeg in (thumbnail, preview):
        im = Image.open(BytesIO(jpeg))
        assert im.format == "JPEG"
        assert len(im.getexif()) == 0
        assert "icc_profile" not in im.info
        assert b"Exif" not in jpeg and b"GPS" not in jpeg
    for png in (rendition.frame_png, rendition.preview_png):
        assert set(_png_chunks(png)) <= {b"IHDR", b"PLTE", b"IDAT", b"IEND"}


def test_thumbnail_and_preview_fit_their_box(photo):
    thumbnail = Image.open(BytesIO(render_thumbnail(photo, max_side=300)))
    preview = Image.open(BytesIO(render_preview(photo, max_side=1000)))

    assert thumbnail.size == (300, 225)
    assert preview.size == (1000, 750)


def test_a_small_photo_is_never_enlarged_for_the_preview():
    src = load_upload(encode(photo_like((320, 200)), "PNG"))

    assert Image.open(BytesIO(render_preview(src))).size == (320, 200)


def test_crop_box_is_centred_by_default_and_follows_the_focal_point():
    assert crop_box((3000, 1000), (800, 480)) == pytest.approx((666.667, 0, 2333.333, 1000))
    assert crop_box((3000, 1000), (800, 480), (0.0, 0.5))[0] == 0.0
    assert crop_box((3000, 1000), (800, 480), (1.0, 0.5))[2] == 3000
    assert crop_box((1000, 3000), (800, 480), (0.5, 0.0))[1] == 0.0


def test_the_focal_point_decides_which_part_of_a_wide_photo_is_shown():
    # A 3:1 photo, black on the left fifth, white elsewhere.
    im = Image.new("RGB", (1500, 500), (255, 255, 255))
    im.paste((0, 0, 0), (0, 0, 300, 500))
    src = load_upload(encode(im, "PNG"))
    panel = PANELS["waveshare_7in5_v2"]

    def share_of_black(focal_x):
        rendition = render_panel(src, panel, focal_point=(focal_x, 0.5))
        frame = Image.open(BytesIO(rendition.frame_png))
        counts = dict((index, count) for count, index in frame.getcolors())
        return counts.get(0, 0) / (frame.width * frame.height)

    assert share_of_black(0.0) > 0.3
    assert share_of_black(0.5) < 0.01
    assert share_of_black(1.0) < 0.01


@pytest.mark.parametrize("panel_id", ALL_PANELS)
def test_a_caption_is_drawn_in_pure_black_on_pure_white(photo, panel_id):
    panel = PANELS[panel_id]
    white = next(ink.code for ink in panel.inks if ink.name == "white")
    black = next(ink.code for ink in panel.inks if ink.name == "black")

    rendition = rendered(photo, panel_id, "portrait", "From Zoë & Łukasz — Lisbon")

    frame = Image.open(BytesIO(rendition.frame_png))
    band = caption_band_height(frame.height)
    caption = frame.crop((0, frame.height - band, frame.width, frame.height))
    counts = {index: count for count, index in caption.getcolors()}
    assert set(counts) == {white, black}
    assert counts[black] > 100
    above = frame.crop((0, 0, frame.width, frame.height - band))
    assert len(above.getcolors()) >= min(len(panel.inks), 3)


def test_a_long_caption_is_shortened_to_fit_the_band(photo):
    panel = PANELS["waveshare_7in5_v2"]

    rendition = render_panel(photo, panel, caption="word " * 200)

    assert Image.open(BytesIO(rendition.frame_png)).size == (800, 480)


def test_an_unknown_orientation_is_a_programming_error(photo):
    with pytest.raises(ValueError, match="orientation"):
        render_panel(photo, PANELS["waveshare_7in5_v2"], orientation="upside-down")


def test_a_caption_in_a_script_the_font_lacks_leaves_the_photo_whole(photo):
    panel = PANELS["waveshare_7in5_v2"]

    with_caption = render_panel(photo, panel, caption="東京 ")
    without = render_panel(photo, panel)

    assert with_caption.frame_png == without.frame_png


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_a_caption_is_drawn_over_the_same_crop_so_it_can_go_on_a_rendered_base(photo, orientation):
    panel = PANELS["spectra6_7in3"]

    plain = render_panel(photo, panel, orientation=orientation)
    captioned = render_panel(photo, panel, orientation=orientation, caption="From Ana")
    composed = encode_codes(
        compose_band(render_base(photo, panel, orientation=orientation), panel, caption="From Ana"),
        panel,
    )

    assert composed.frame_png == captioned.frame_png
    assert composed.preview_png == captioned.preview_png
    before, after = (Image.open(BytesIO(r.frame_png)) for r in (plain, captioned))
    band = caption_band_height(after.height)
    above = (0, 0, after.width, after.height - band)
    assert before.crop(above).tobytes() == after.crop(above).tobytes()
    assert before.tobytes() != after.tobytes()


def test_the_sender_label_sits_on_the_right_of_the_band_in_pure_inks(photo):
    panel = PANELS["waveshare_7in5_v2"]
    white = next(ink.code for ink in panel.inks if ink.name == "white")
    black = next(ink.code for ink in panel.inks if ink.name == "black")

    both = Image.open(
        BytesIO(render_panel(photo, panel, caption="Lisbon", sender_label="from Ana").frame_png)
    )
    sender_only = Image.open(BytesIO(render_panel(photo, panel, sender_label="from Ana").frame_png))

    band = caption_band_height(both.height)
    for frame in (both, sender_only):
        strip = frame.crop((0, frame.height - band, frame.width, frame.height))
        assert {index for _, index in strip.getcolors()} == {white, black}
        right = strip.crop((strip.width * 3 // 4, 0, strip.width, band))
        assert any(index == black for _, index in right.getcolors())
    left = sender_only.crop(
        (0, sender_only.height - band, sender_only.width // 4, sender_only.height)
    )
    assert left.getcolors() == [(left.width * left.height, white)]


def test_rendition_keys_name_panel_orientation_crop_and_caption():
    panel = PANELS["spectra6_7in3"]

    plain = rendition_key(panel)
    portrait = rendition_key(panel, orientation="portrait", focal_point=(0.5, 0.4))
    captioned = rendition_key(panel, caption="From  Ana")

    assert plain == f"spectra6_7in3/landscape/0.500,0.500/-/v{RENDERING_VERSION}"
    assert portrait == f"spectra6_7in3/portrait/0.500,0.400/-/v{RENDERING_VERSION}"
    assert captioned == rendition_key(panel, caption="From Ana") != plain
    signed = rendition_key(panel, caption="From Ana", sender_label="from Ben")
    assert signed not in (captioned, plain, rendition_key(panel, sender_label="from Ben"))
