"""Drawing in a child process: the same pixels as drawing in-process, the same refusals, and
one child for a run of jobs that exits once idle."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
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


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_jobs_that_follow_each_other_share_one_child_which_exits_once_idle(
    tmp_path: Path,
) -> None:
    photo = tmp_path / "p.png"
    photo.write_bytes(png_bytes(SIZE))
    painter = ChildPainter("virtual", "waveshare_7in5_v2", tmp_path, "INFO", idle_seconds=1.0)
    painter.check(photo)
    pid = painter.child_pid
    assert pid is not None and alive(pid)
    painter.paint(Screen(kind="photo", photo=str(photo)))
    painter.check(photo)
    assert painter.child_pid == pid  # one interpreter for the three jobs
    deadline = time.monotonic() + 15
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid) and painter.child_pid is None  # a frame at rest holds no Pillow
    painter.check(photo)  # and the next job starts a new one
    assert painter.child_pid not in (None, pid)
    painter.close()


def _painter_with_a_live_child(tmp_path: Path) -> tuple[ChildPainter, Path, int]:
    """A painter that has just done one check, so its drawing child is alive; and that child."""
    photo = tmp_path / "p.png"
    photo.write_bytes(png_bytes(SIZE))
    painter = child(tmp_path)
    painter.check(photo)
    pid = painter.child_pid
    assert pid is not None
    return painter, photo, pid


def test_a_child_killed_while_idle_is_replaced_and_the_job_still_runs(tmp_path: Path) -> None:
    painter, photo, pid = _painter_with_a_live_child(tmp_path)
    os.kill(pid, signal.SIGKILL)
    while alive(pid):
        time.sleep(0.02)
    painter.paint(Screen(kind="empty"))
    assert json.loads((tmp_path / "screen.json").read_text())["screen"] == "empty"
    assert painter.child_pid not in (None, pid)
    painter.close()


def test_a_child_that_dies_during_a_job_is_a_paint_error_and_the_next_job_runs(
    tmp_path: Path,
) -> None:
    painter, photo, pid = _painter_with_a_live_child(tmp_path)
    os.kill(pid, signal.SIGSTOP)  # it takes the next job but never finishes it
    killer = threading.Timer(1.0, os.kill, (pid, signal.SIGKILL))
    killer.start()
    with pytest.raises(PaintError, match="ended during the job"):
        painter.check(photo)
    killer.join()
    painter.check(photo)
    painter.close()


def test_closing_ends_the_child_at_once(tmp_path: Path) -> None:
    painter = child(tmp_path)
    painter.paint(Screen(kind="empty"))
    pid = painter.child_pid
    assert pid is not None
    painter.close()
    assert not alive(pid) and painter.child_pid is None
