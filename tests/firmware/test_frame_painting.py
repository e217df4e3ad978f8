"""Drawing in a child process: the same pixels as drawing in-process, and the same refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from shareframe_frame.display.virtual import VirtualDisplay
from shareframe_frame.painting import (
    ChildPainter,
    InProcessPainter,
    PaintError,
    Screen,
    UnusableImage,
)
from shareframe_frame.screens import draw_status_corner, load_photo
from tests.firmware.frame_fakes import png_bytes

SIZE = (800, 480)


def child(state_dir: Path, display: str = "virtual") -> ChildPainter:
    return ChildPainter(display, "waveshare_7in5_v2", state_dir, "INFO")


def same_pixels(path: Path, expected: Image.Image) -> bool:
    with Image.open(path) as shown:
        return ImageChops.difference(shown.convert("RGB"), expected).getbbox() is None


def test_a_photo_drawn_by_the_child_is_the_decoded_file(tmp_path: Path) -> None:
    photo = tmp_path / "p.png"
    photo.write_bytes(png_bytes(SIZE, (10, 20, 30)))
    child(tmp_path).paint(Screen(kind="photo", photo=str(photo), share_id="shr_a", sha256="ab"))
    assert same_pixels(tmp_path / "screen.png", load_photo(photo, SIZE))
    info = json.loads((tmp_path / "screen.json").read_text())
    assert (info["screen"], info["shareId"], info["sha256"]) == ("photo", "shr_a", "ab")


def test_the_status_corner_is_the_same_as_in_process(tmp_path: Path) -> None:
    photo = tmp_path / "p.png"
    photo.write_bytes(png_bytes(SIZE))
    since = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    child(tmp_path).paint(Screen(kind="photo", photo=str(photo), offline_since=since.isoformat()))
    expected = draw_status_corner(load_photo(photo, SIZE), offline_since=since)
    assert same_pixels(tmp_path / "screen.png", expected)
    assert not same_pixels(tmp_path / "screen.png", load_photo(photo, SIZE))


@pytest.mark.parametrize("kind", ["pairing", "empty", "quiet"])
def test_the_frames_own_screens_match_in_process_drawing(tmp_path: Path, kind: str) -> None:
    screen = Screen(kind=kind, pairing_code="ABCD2345", claim_url="https://x.example/c/ABCD2345")
    ours, theirs = tmp_path / "child", tmp_path / "here"
    ours.mkdir()
    theirs.mkdir()
    child(ours).paint(screen)
    InProcessPainter(VirtualDisplay(theirs, SIZE)).paint(screen)
    with Image.open(theirs / "screen.png") as expected:
        assert same_pixels(ours / "screen.png", expected.convert("RGB"))
    info = json.loads((ours / "screen.json").read_text())
    assert info["screen"] == kind
    assert info["pairingCode"] == ("ABCD2345" if kind == "pairing" else None)


def test_a_file_that_is_not_an_image_is_unusable_and_nothing_is_drawn(tmp_path: Path) -> None:
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    painter = child(tmp_path)
    with pytest.raises(UnusableImage):
        painter.check(junk)
    with pytest.raises(UnusableImage):
        painter.paint(Screen(kind="photo", photo=str(junk)))
    assert not (tmp_path / "screen.png").exists()


def test_an_image_too_large_to_decode_is_unusable(tmp_path: Path) -> None:
    huge = tmp_path / "huge.png"
    Image.new("1", (4000, 4000)).save(huge)  # 16 Mpx: more than 4 x 1600 x 1200
    with pytest.raises(UnusableImage, match="4000x4000"):
        child(tmp_path).check(huge)


def test_a_good_image_passes_the_check(tmp_path: Path) -> None:
    photo = tmp_path / "p.png"
    photo.write_bytes(png_bytes(SIZE))
    child(tmp_path).check(photo)


def test_a_display_that_fails_is_a_paint_error(tmp_path: Path) -> None:
    # No SPI here: the real panel's driver cannot open its bus.
    with pytest.raises(PaintError):
        child(tmp_path, display="waveshare").paint(Screen(kind="empty"))
