"""Browser tests: the web app in the system Chromium against one real local cloud.

Playwright never downloads a browser here: it drives /usr/bin/chromium (``CHROMIUM`` overrides).
The app must be built first (``make web``); screenshots go to ``SHAREFRAME_SCREENSHOTS`` when set.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, FilePayload, Page, sync_playwright

from infra.localcloud.settings import REPO_ROOT
from tests.e2e.stack import FrameProcess, LocalCloudStack

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a long family password"
AXE_JS = REPO_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = os.environ.get("SHAREFRAME_SCREENSHOTS")


@pytest.fixture(scope="session")
def cloud(local_cloud: LocalCloudStack) -> LocalCloudStack:
    """The session's local cloud (tests/conftest.py), which also serves the built web app."""
    if not (REPO_ROOT / "web" / "dist" / "index.html").exists():
        pytest.fail("the web app is not built: run `make web` (npm ci && npm run build in web/)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    return local_cloud


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


class App:
    """One person using the web app in their own browser context."""

    def __init__(self, cloud: LocalCloudStack, page: Page) -> None:
        self.cloud = cloud
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    @property
    def base(self) -> str:
        return self.cloud.web_url

    def go(self, path: str) -> Page:
        self.page.goto(self.base + path)
        return self.page

    # -- mail ---------------------------------------------------------------------------------
    def link_from_mail(self, to: str, path: str, timeout: float = 15.0) -> str:
        """The newest link to ``path`` (e.g. /verify) in mail sent to ``to``."""
        pattern = re.compile(r"https?://[^\s\"'<>]+" + re.escape(path) + r"\?token=[^\s\"'<>]+")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for mail in reversed(self.cloud.read_mail()):
                if to in mail["to"]:
                    found = pattern.search(str(mail["body"]))
                    if found:
                        return found.group(0).replace("&amp;", "&")
            time.sleep(0.3)
        raise AssertionError(f"no mail with a {path} link to {to}")

    # -- journeys -----------------------------------------------------------------------------
    def sign_up(self, name: str, email: str) -> None:
        p = self.go("/signup")
        p.get_by_label("Your name").fill(name)
        p.get_by_label("Email").fill(email)
        p.get_by_label("Password").fill(PASSWORD)
        p.get_by_role("button", name="Create account").click()
        p.get_by_role("heading", name="Check your email").wait_for()
        self.page.goto(self.link_from_mail(email, "/verify"))
        p.get_by_role("button", name="Confirm my email address").click()
        p.get_by_text("your email address is confirmed").wait_for()

    def log_in(self, email: str, password: str = PASSWORD) -> None:
        p = self.go("/login")
        p.get_by_label("Email").fill(email)
        p.get_by_label("Password").fill(password)
        p.get_by_role("button", name="Log in").click()
        p.get_by_role("heading", name="Home").wait_for()

    def pair(self, frame: FrameProcess, name: str) -> None:
        """Open the frame's QR link (claimUrl) and claim it under ``name``."""
        p = self.page
        p.goto(claim_url(frame))
        p.get_by_label("Name for the frame").fill(name)
        p.get_by_role("button", name="Pair frame").click()
        p.get_by_role("heading", name=name, exact=True).wait_for()

    def upload(self, *files: FilePayload) -> None:
        p = self.go("/library")
        p.get_by_label("Choose photos").set_input_files(list(files))

    # -- checks -------------------------------------------------------------------------------
    def axe(self) -> list[str]:
        """Serious and critical axe-core violations on the current page."""
        if not self.page.evaluate("typeof window.axe === 'object'"):  # once per page load
            self.page.add_script_tag(content=axe_source())
        result = self.page.evaluate("async () => (await axe.run(document)).violations")
        return [
            f"{v['id']}: {v['help']} ({v['nodes'][0]['target']})"
            for v in result
            if v["impact"] in ("serious", "critical")
        ]

    def check_screen(self, name: str) -> list[str]:
        """axe at desktop and phone width, no sideways scrolling on a phone, screenshots."""
        problems: list[str] = []
        self.page.wait_for_load_state("networkidle")
        for label, width, height in (("desktop", 1280, 900), ("phone", 360, 780)):
            self.page.set_viewport_size({"width": width, "height": height})
            self.page.wait_for_timeout(150)
            problems += [f"{name} {label}: {v}" for v in self.axe()]
            overflow = self.page.evaluate("document.documentElement.scrollWidth - innerWidth")
            if overflow > 1:
                problems.append(f"{name} {label}: {overflow}px wider than the screen")
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                self.page.screenshot(path=f"{SHOTS}/{name}-{label}.png", full_page=True)
        self.page.set_viewport_size({"width": 1280, "height": 900})
        return problems


@functools.cache
def axe_source() -> str:
    return AXE_JS.read_text()


def claim_url(frame: FrameProcess, timeout: float = 30.0) -> str:
    """The claim URL the virtual frame shows as a QR code (from its log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in reversed(frame.log.splitlines()):
            if "pairing code ready" in line:
                try:
                    return str(json.loads(line)["claimUrl"])
                except (ValueError, KeyError):
                    match = re.search(r'"claimUrl": "([^"]+)"', line)
                    if match:
                        return match.group(1)
        time.sleep(0.2)
    raise AssertionError(f"frame {frame.name} showed no pairing code:\n{frame.log[-2000:]}")


@pytest.fixture
def new_app(cloud: LocalCloudStack, browser: Browser) -> Iterator[Any]:
    contexts = []

    def make(*, bypass_csp: bool = False) -> App:
        # Journeys run under the app's Content-Security-Policy, proving the app works with it;
        # only the axe checks, which inject axe-core as an inline script, bypass it.
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, bypass_csp=bypass_csp
        )
        contexts.append(context)
        return App(cloud, context.new_page())

    yield make
    for context in contexts:
        context.close()


_seq = iter(range(1, 10_000))


def unique_email(name: str) -> str:
    return f"{name.lower()}.{os.getpid()}.{next(_seq)}.{int(time.time())}@example.org"


def photo(
    colour: tuple[int, int, int], name: str = "photo.jpg", size: tuple[int, int] = (1200, 900)
) -> FilePayload:
    """A small real JPEG for set_input_files."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((w * 0.35, h * 0.2, w * 0.65, h * 0.6), fill=(245, 235, 200))
    draw.rectangle((0, h * 0.8, w, h), fill=(40, 80, 40))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return {"name": name, "mimeType": "image/jpeg", "buffer": buf.getvalue()}
