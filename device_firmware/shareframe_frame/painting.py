"""Draw a screen on the panel, or check a downloaded image, in a child process.

    painter = ChildPainter("waveshare", "spectra6_7in3", state_dir, "INFO")
    painter.check(path)                      # UnusableImage if Pillow cannot show it
    painter.paint(Screen(kind="photo", photo=str(path), share_id="shr_1", sha256="9f2c..."))

Why a child: Pillow is only needed a few times an hour (a refresh, a download), but once
imported it stays: its C core, FreeType, HarfBuzz and the codecs, plus what decoding left in the
heap, are 5-8 MB of a frame whose budget at rest is 40 MB (C extensions cannot be unloaded).
``python -m shareframe_frame.painting`` reads JSON jobs from stdin, one per line, and answers
each on stdout. The frame starts it for the first job, sends it the jobs that follow, and
closes it once no job has come for a few seconds: a burst (50 new photos to check and show)
costs one interpreter start, and a frame at rest holds none. The panel driver (``spidev``,
``gpiozero``) runs in the child too: each refresh powers the panel up, draws and puts it to
sleep.

:class:`InProcessPainter` does the same on a :class:`Display` object in this process (tests
that inject a display). This module imports no Pillow itself.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
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
CHILD_IDLE_SECONDS = 5.0  # a burst of downloads keeps one child; a frame at rest has none
RETIRE_SECONDS = 5.0


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
    """Runs jobs in ``python -m shareframe_frame.painting``: one child while work keeps coming.

    The child is started by the first job and handles the next ones too (a frame receiving 50
    photos checks and draws them in one interpreter, not 50); once no job has come for
    ``idle_seconds`` its stdin is closed and it exits, so a frame at rest holds no Pillow.
    Jobs are serialised: the display thread and the download worker share the one child.
    """

    def __init__(
        self,
        display: str,
        panel_id: str,
        state_dir: Path,
        log_level: str,
        *,
        idle_seconds: float = CHILD_IDLE_SECONDS,
    ) -> None:
        self._target = {"display": display, "panel": panel_id, "stateDir": str(state_dir)}
        self._log_level = log_level
        self._idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._answers = b""
        self._jobs = 0  # jobs sent, so the idle timer retires only a child left idle
        self._retire_timer: threading.Timer | None = None

    def paint(self, screen: Screen) -> None:
        job = {"do": "paint", **self._target, "screen": asdict(screen)}
        self._run(job, PAINT_TIMEOUT_SECONDS)

    def check(self, path: Path) -> None:
        self._run({"do": "check", "path": str(path)}, CHECK_TIMEOUT_SECONDS)

    def close(self) -> None:
        with self._lock:
            self._cancel_timer()
            self._retire()

    @property
    def child_pid(self) -> int | None:
        """The running child's pid, None when there is none (tests, the bench)."""
        child = self._child
        return child.pid if child is not None and child.poll() is None else None

    def _run(self, job: dict[str, Any], timeout: float) -> None:
        line = json.dumps({**job, "logLevel": self._log_level, "frameId": LogContext.frame_id})
        with self._lock:
            self._cancel_timer()
            try:
                answer = self._ask(line.encode() + b"\n", timeout)
            finally:
                self._jobs += 1
                self._schedule_retire(self._jobs)
        if answer.get("exit") == UNUSABLE_EXIT:
            raise UnusableImage(str(answer.get("message", "")))
        if answer.get("exit") != 0:
            raise PaintError(f"exit code {answer.get('exit')}: {answer.get('message', '')}")

    def _ask(self, line: bytes, timeout: float) -> dict[str, Any]:
        """Send one job and read its answer. A child that died while idle (killed, or just
        retired) never got the job: it is sent once more, to a new child."""
        child = self._child
        if child is None or child.poll() is not None:
            child = self._start()
        if not self._send(child, line):
            child = self._start()
            if not self._send(child, line):
                self._retire()
                raise PaintError("the child ended before it took the job")
        return self._read_answer(child, timeout)

    @staticmethod
    def _send(child: subprocess.Popen[bytes], line: bytes) -> bool:
        assert child.stdin is not None
        try:
            child.stdin.write(line)
            child.stdin.flush()
        except BrokenPipeError:
            return False
        return True

    def _start(self) -> subprocess.Popen[bytes]:
        self._retire()
        try:
            self._child = start_module("shareframe_frame.painting")
        except OSError as exc:
            raise PaintError(f"cannot start: {exc}") from exc
        self._answers = b""
        return self._child

    def _read_answer(self, child: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
        assert child.stdout is not None
        fd = child.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._answers:
            left = deadline - time.monotonic()
            if left <= 0:
                self._retire(kill=True)
                raise PaintError(f"no answer within {timeout:g} s")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:  # the child died on this job (a crash, a signal)
                self._retire()
                raise PaintError(f"exit code {child.returncode}: the child ended during the job")
            self._answers += chunk
        raw, self._answers = self._answers.split(b"\n", 1)
        try:
            answer: dict[str, Any] = json.loads(raw)
        except ValueError:
            self._retire(kill=True)
            raise PaintError(f"unreadable answer: {raw[-500:]!r}") from None
        return answer

    def _schedule_retire(self, jobs: int) -> None:
        def retire_if_idle() -> None:
            with self._lock:
                if self._jobs == jobs:
                    self._retire()

        self._retire_timer = threading.Timer(self._idle_seconds, retire_if_idle)
        self._retire_timer.daemon = True
        self._retire_timer.start()

    def _cancel_timer(self) -> None:
        if self._retire_timer is not None:
            self._retire_timer.cancel()
            self._retire_timer = None

    def _retire(self, *, kill: bool = False) -> None:
        """End the child: EOF on its stdin ends it at once; kill it if it does not (or at once
        with ``kill``: a child that hangs or talks nonsense)."""
        child, self._child = self._child, None
        if child is None:
            return
        if kill:
            child.kill()
        with contextlib.suppress(OSError):
            if child.stdin is not None:
                child.stdin.close()
        try:
            child.wait(RETIRE_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()


def module_env() -> dict[str, str]:
    """Our environment with this same release's package root first on PYTHONPATH."""
    package_root = str(Path(__file__).resolve().parents[1])
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]),
    }


def start_module(module: str, *args: str) -> subprocess.Popen[bytes]:
    """``python -m module ARGS`` of this release, talking over pipes; its stderr (JSON log
    lines) goes to ours."""
    return subprocess.Popen(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", module, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=module_env(),
    )


def do_job(job: dict[str, Any]) -> tuple[int, str]:
    """One job in the child: (0, ""), (UNUSABLE_EXIT, reason) or (1, error)."""
    from shareframe_frame.config import PANELS
    from shareframe_frame.display import open_named_display

    LogContext.frame_id = job.get("frameId")
    try:
        if job["do"] == "check":
            check_image(Path(job["path"]))
            return 0, ""
        display = open_named_display(job["display"], PANELS[job["panel"]], Path(job["stateDir"]))
        try:
            paint_on(display, Screen(**job["screen"]))
        finally:
            display.close()
    except UnusableImage as exc:
        return UNUSABLE_EXIT, str(exc)
    except Exception as exc:
        log.exception("painting failed")
        return 1, f"{type(exc).__name__}: {exc}"
    return 0, ""


def serve() -> int:
    """The child: one JSON job per line on stdin, one JSON answer per line, until EOF.

    Answers go to a copy of the original stdout; fd 1 itself is pointed at stderr, so a
    ``print`` in a vendor's panel library lands in the log instead of in the answers.
    """
    from shareframe_frame.log_format import configure_logging

    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    configured = False
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        if not configured:
            configure_logging(job.get("logLevel", "INFO"))
            configured = True
        code, message = do_job(job)
        answers.write(json.dumps({"exit": code, "message": message}) + "\n")
    return 0


if __name__ == "__main__":
    # Run the package's module, not this __main__ copy: screens.py raises *its* UnusableImage.
    from shareframe_frame.painting import serve as package_serve

    sys.exit(package_serve())
