"""The real entry point, as a process: pairing screen on a fake API, then a clean SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from tests.firmware.frame_fakes import FakePairingApi, serve_pairing

REPO = Path(__file__).resolve().parents[2]
# OpenSSL (ssl, hashlib, hmac, urllib), Pillow and its libraries, the font
HEAVY_LIBRARIES = ("libcrypto.so", "libssl.so", "/PIL/", "pillow.libs", ".ttf")


def write_config(tmp_path: Path, api_url: str) -> Path:
    config = tmp_path / "frame.toml"
    config.write_text(
        f'api_url = "{api_url}"\n'
        f'state_dir = "{tmp_path / "state"}"\n'
        'panel = "waveshare_7in5_v2"\n'
        'display = "waveshare"\n'
        "dashboard_port = 0\n"
    )
    return config


def wait_for(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_the_frame_process_shows_the_pairing_code_and_stops_on_sigterm(tmp_path: Path) -> None:
    with serve_pairing(FakePairingApi()) as api:
        config = write_config(tmp_path, api.url)
        env = {**os.environ, "PYTHONPATH": str(REPO / "device_firmware")}
        log_path = tmp_path / "frame.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "shareframe_frame", "--config", str(config), "--virtual"],
                stderr=log,
                stdout=subprocess.DEVNULL,
                env=env,
            )
            try:
                screen = tmp_path / "state" / "screen.json"
                wait_for(lambda: screen.exists() and bool(api.sessions))
                info = json.loads(screen.read_text())
                code = next(iter(api.sessions))
                assert info["screen"] == "pairing"
                assert info["pairingCode"] == code
                with Image.open(tmp_path / "state" / "screen.png") as image:
                    assert image.size == (800, 480)
                wait_for(lambda: code in log_path.read_text())
                # Having drawn a screen and made HTTP requests, the frame holds none of the
                # heavy libraries: drawing ran in a child process, HTTP and TLS are awscrt's.
                mapped = Path(f"/proc/{proc.pid}/maps").read_text()
                for heavy in HEAVY_LIBRARIES:
                    assert heavy not in mapped, f"{heavy} is loaded in the frame process"
                started = time.monotonic()
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(timeout=5) == 0
                assert time.monotonic() - started < 5
            finally:
                if proc.poll() is None:
                    proc.kill()
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    assert all("frameId" in line for line in lines)
    assert any(line.get("pairingCode") == code for line in lines)
    assert any(line["message"] == "frame stopped" for line in lines)
    # The dashboard code is stored privately.
    assert (tmp_path / "state" / "dashboard_code").stat().st_mode & 0o777 == 0o600
