"""The frame draws a photo file exactly: same size as is, a portrait rendition turned."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from shareframe_frame.screens import draw_status_corner, load_photo


def _file(tmp_path: Path, size: tuple[int, int]) -> tuple[Path, Image.Image]:
    image = Image.new("RGB", size, "white")
    image.paste((0, 0, 0), (0, 0, size[0] // 4, size[1] // 8))  # a mark in the top left
    path = tmp_path / "photo.png"
    image.save(path)
    return path, image


def test_a_landscape_file_is_shown_exactly(tmp_path):
    path, image = _file(tmp_path, (800, 480))

    assert load_photo(path, (800, 480)).tobytes() == image.tobytes()


def test_a_portrait_file_is_turned_into_the_panels_rows_pixel_for_pixel(tmp_path):
    path, image = _file(tmp_path, (480, 800))

    shown = load_photo(path, (800, 480))

    assert shown.size == (800, 480)
    assert shown.transpose(Image.Transpose.ROTATE_270).tobytes() == image.tobytes()
    assert shown.getpixel((0, 479)) == (0, 0, 0)  # its top left is now the panel's bottom left


def test_the_status_corner_says_offline_and_leaves_the_caption_band_alone():
    photo = Image.new("RGB", (800, 480), "white")

    assert draw_status_corner(photo, offline_since=None) is photo
    shown = draw_status_corner(photo, offline_since=datetime(2026, 11, 29, 12, 0, tzinfo=UTC))

    assert shown.crop((0, 400, 800, 480)).getcolors() == [(800 * 80, (255, 255, 255))]
    assert shown.crop((400, 0, 800, 60)).getcolors() != [(400 * 60, (255, 255, 255))]
