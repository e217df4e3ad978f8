"""Draw a screen on the panel, or check a downloaded image, in a short-lived child process.

    painter = ChildPainter("waveshare", "spectra6_7in3", state_dir)
    painter.check(path)                      # UnusableImage if Pillow cannot show it
    painter.paint(Screen(kind="photo", photo=str(path), share_id="shr_1", sha256="9f2c..."))

Why a child: Pillow is only needed a few times an hour (a refresh, a download), but once
imported it stays: its C core, FreeType, HarfBuzz and the codecs, plus what decoding left in the
heap, are 5-8 MB of a frame whose budget at rest is 40 MB (C extensions cannot be unloaded).
``python -m shareframe_frame.painting`` reads one JSON job on stdin, does it, and exits; an
e-paper refresh takes 4-30 s, so starting an interpreter (a fraction of a second on a Pi Zero
2 W) costs little. The panel driver (``spidev``, ``gpiozero``) runs in the child too: each
refresh already powers the panel up, draws and puts it to sleep.

:class:`InProcessPainter` does the same on a :class:`Display` object in this process (tests
that inject a display). This module imports no Pillow itself.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from shareframe_frame.log_format import LogContext

if TYPE_CHECKING:
    from shareframe_frame.display.base import Display

log = logging.getLogger(__name__)

MAX_SOURCE_PIXELS = 4 * 1600 * 1200
UNUSABLE_EXIT = 3
PAINT_TIMEOUT_SECONDS = 180.0  # the slowest panels refresh in ~30 s; the vendor code can hang
CHECK_TIMEOUT_SECONDS = 60.0


class UnusableImage(Exception):
    """A stored file is not an image the panel can show."""


class PaintError(Exception):
    """The child could not draw (display failure, crash, timeout)."""


@dataclass(frozen=True)
class Screen:
    """What to draw. ``kind``: ``pairing``, ``empty``, ``quiet`` (blank) or ``photo``.

    ``offline_since`` (ISO 8601) draws the status corner over a photo.
    """

    kind: str
    photo: str | None = None
    share_id: str | None = None
    sha256: str | None = None
    pairing_code: str | None = None
    claim_url: str | None = None
    offline_since: str | None = None


class Painter(Protocol):
    def paint(self, screen: Screen) -> None:
        """Draw ``screen``; blocks for the refresh. UnusableImage for a photo that cannot be
        shown; any other exception means the display failed."""
        ...

    def check(self, path: Path) -> None:
        """UnusableImage unless ``path`` is an image of a sane size that decodes."""
        ...

    def close(self) -> None: ...


def paint_on(display: Display, screen: Screen) -> None:
    """Render ``screen`` with Pillow and show it on ``display`` (in whichever process)."""
    from shareframe_frame import screens
    from shareframe_frame.display.base import ScreenInfo

    size = display.size
    if screen.kind == "pairing":
        image = screens.render_pairing(size, screen.pairing_code or "", screen.claim_url or "")
        display.show(image, ScreenInfo(kind="pairing", pairing_code=screen.pairing_code))
    elif screen.kind == "empty":
        display.show(screens.render_empty(size), ScreenInfo(kind="empty"))
    elif screen.kind == "quiet":
        display.show(screens.render_blank(size), ScreenInfo(kind="quiet"))
    elif screen.kind == "photo" and screen.photo:
        image = screens.load_photo(Path(screen.photo), size)
        if screen.offline_since:
            offline = datetime.fromisoformat(screen.offline_since)
            image = screens.draw_status_corner(image, offline_since=offline)
        info = ScreenInfo(kind="photo", share_id=screen.share_id, sha256=screen.sha256)
        display.show(image, info)
    else:
        raise ValueError(f"nothing to draw for {screen}")


def check_image(path: Path) -> None:
    """Refuse files that are not images of a sane size (they would never display)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_SOURCE_PIXELS:
                raise UnusableImage(f"{image.width}x{image.height}")
            image.verify()
    except UnusableImage:
        raise
    except Exception as exc:  # Pillow raises many kinds for hostile files
        raise UnusableImage(str(exc) or type(exc).__name__) from exc


class InProcessPainter:
    def __init__(self, display: Display) -> None:
        self.display = display

    def paint(self, screen: Screen) -> None:
        paint_on(self.display, screen)

    def check(self, path: Path) -> None:
        check_image(path)

    def close(self) -> None:
        self.display.close()


class ChildPainter:
    """Each call runs ``python -m shareframe_frame.painting`` with the job on stdin."""

    def __init__(self, display: str, panel_id: str, state_dir: Path, log_level: str) -> None:
        self._target = {"display": display, "panel": panel_id, "stateDir": str(state_dir)}
        self._log_level = log_level

    def paint(self, screen: Screen) -> None:
        job = {"do": "paint", **self._target, "screen": asdict(screen)}
        self._run(job, PAINT_TIMEOUT_SECONDS)

    def check(self, path: Path) -> None:
        self._run({"do": "check", "path": str(path)}, CHECK_TIMEOUT_SECONDS)

    def close(self) -> None:
        return None

    def _run(self, job: dict[str, Any], timeout: float) -> None:
        job = {**job, "logLevel": self._log_level, "frameId": LogContext.frame_id}
        try:
            result = run_module("shareframe_frame.painting", json.dumps(job).encode(), timeout)
        except subprocess.TimeoutExpired as exc:
            raise PaintError(f"no answer within {timeout:g} s") from exc
        except OSError as exc:
            raise PaintError(f"cannot start: {exc}") from exc
        answer = result.stdout.decode(errors="replace").strip()
        if result.returncode == UNUSABLE_EXIT:
            raise UnusableImage(answer)
        if result.returncode != 0:
            raise PaintError(f"exit code {result.returncode}: {answer[-500:]}")


def run_module(module: str, stdin: bytes, timeout: float) -> subprocess.CompletedProcess[bytes]:
    """``python -m module`` of this same release (its package root first on PYTHONPATH), with
    ``stdin``; stdout captured, stderr (JSON log lines) passed through to ours."""
    package_root = str(Path(__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", module],
        input=stdin,
        stdout=subprocess.PIPE,
        env=env,
        timeout=timeout,
        check=False,
    )


def main() -> int:
    """The child: one job from stdin; exit 0, UNUSABLE_EXIT (reason on stdout) or 1."""
    from shareframe_frame.config import PANELS
    from shareframe_frame.display import open_named_display
    from shareframe_frame.log_format import configure_logging

    job = json.load(sys.stdin)
    configure_logging(job.get("logLevel", "INFO"))
    LogContext.frame_id = job.get("frameId")
    try:
        if job["do"] == "check":
            check_image(Path(job["path"]))
            return 0
        display = open_named_display(job["display"], PANELS[job["panel"]], Path(job["stateDir"]))
        try:
            paint_on(display, Screen(**job["screen"]))
        finally:
            display.close()
    except UnusableImage as exc:
        print(exc)
        return UNUSABLE_EXIT
    except Exception as exc:
        log.exception("painting failed")
        print(f"{type(exc).__name__}: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    # Run the package's module, not this __main__ copy: screens.py raises *its* UnusableImage.
    from shareframe_frame.painting import main as package_main

    sys.exit(package_main())
