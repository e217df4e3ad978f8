"""The last thing ``make run`` prints: how to start using the local cloud right away.

A ready-made demo login (registered and confirmed through the real API and the mail moto
kept), and each virtual frame's pairing code (what its screen shows) and dashboard code.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from infra.localcloud.settings import Settings

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "shareframe demo photos"  # noqa: S105 (a local demo account, shown on screen)
DEMO_NAME = "Demo"
_VERIFY = re.compile(r"/verify\?token=([A-Za-z0-9._~%-]+)")


def _post(url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(  # noqa: S310 (the local cloud's own http URL)
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (local URL)
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def _verify_token(moto_url: str, to: str) -> str | None:
    from infra.localcloud.__main__ import sent_mail  # the parser `make mail` uses

    for mail in reversed(sent_mail(moto_url)):
        found = _VERIFY.search(str(mail["body"])) if to in mail["to"] else None
        if found:
            return found.group(1)
    return None


def demo_login(settings: Settings, timeout: float = 20.0) -> bool:
    """Register and confirm the demo account; True when it can log in."""
    status = _post(
        f"{settings.api_url}/auth/register",
        {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "displayName": DEMO_NAME},
    )
    if status >= 400:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        token = _verify_token(settings.moto_url, DEMO_EMAIL)
        if token:
            return _post(f"{settings.api_url}/auth/verify", {"token": token}) < 400
        time.sleep(0.3)
    return False


def frame_codes(state_dir: Path, timeout: float = 30.0) -> tuple[str | None, str | None]:
    """The pairing code a virtual frame shows and its dashboard code (None when not yet)."""
    screen, code_file = state_dir / "screen.json", state_dir / "dashboard_code"
    deadline = time.monotonic() + timeout
    pairing = None
    while time.monotonic() < deadline:
        try:
            pairing = json.loads(screen.read_text()).get("pairingCode")
        except (OSError, ValueError):
            pairing = None
        if pairing and code_file.exists():
            break
        time.sleep(0.3)
    dashboard = code_file.read_text().strip() if code_file.exists() else None
    return pairing, dashboard


def lines(settings: Settings, frames: int) -> list[str]:
    """The banner, after the demo login was made and the frames showed their codes."""
    out = ["", "Ready. Open the web app and log in:", f"  {settings.web_url}"]
    if demo_login(settings):
        out.append(f"  demo login  {DEMO_EMAIL} / {DEMO_PASSWORD}")
    else:
        out.append("  (no demo login: sign up, then read the mail with `make mail`)")
    for i in range(frames):
        name = f"frame{i + 1}"
        pairing, dashboard = frame_codes(settings.frames_dir / name / "state")
        out.append(
            f"  {name}: pairing code {pairing or '(already paired)'}"
            f" · dashboard {settings.frame_dashboard_url(i)} code {dashboard or '?'}"
        )
    out.append("")
    return out
