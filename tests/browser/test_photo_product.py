"""A photo product: photos wherever one is named, and a preview that is the frame's screen."""

from __future__ import annotations

import hashlib
import io
import re
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import FilePayload, Locator, Page, expect

from tests.browser.conftest import App, photo, unique_email
from tests.e2e.stack import FrameProcess, LocalCloudStack

pytestmark = pytest.mark.e2e

TIMEOUT = 30_000


def _inks(png: bytes) -> Image.Image:
    """The device code of every pixel: a preview is a palette image whose index is the code."""
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P", image.mode
    return Image.frombytes("L", image.size, image.tobytes())


def _screen_inks(frame: FrameProcess, nominal: list[tuple[int, int, int]]) -> Image.Image:
    """The virtual frame's screen (RGB in the panel's nominal colours) as device codes."""
    screen = Image.open(frame.screen_png).convert("RGB")
    code = {bytes(colour): i for i, colour in enumerate(nominal)}
    raw = screen.tobytes()
    return Image.frombytes(
        "L", screen.size, bytes(code[raw[i : i + 3]] for i in range(0, len(raw), 3))
    )


def _nominal_palette(frame_png_url: str) -> list[tuple[int, int, int]]:
    with urllib.request.urlopen(frame_png_url, timeout=10) as r:
        image = Image.open(io.BytesIO(r.read()))
    flat = image.getpalette() or []
    return [tuple(flat[i : i + 3]) for i in range(0, len(flat), 3)]  # type: ignore[misc]


def _send_and_compare(
    app: App,
    frame: FrameProcess,
    frame_name: str,
    caption: str,
    before_send: Callable[[Page, Locator], None] | None = None,
) -> str:
    """Send the first photo to the frame; assert the frame's screen is the preview. Returns
    the preview's pixels (device codes)."""
    s = app.go("/send")
    s.locator(".photo-pick-label").first.click()
    s.get_by_label(frame_name).check()
    preview = s.get_by_role("img", name=f"How the photo will look on {frame_name}")
    expect(preview).to_be_visible(timeout=TIMEOUT)
    if caption:
        with s.expect_response(lambda r: "/preview" in r.url and "caption=" in r.url):
            s.get_by_label("Caption").fill(caption)
    expect(preview).to_have_attribute("aria-busy", "false", timeout=TIMEOUT)
    if before_send is not None:
        before_send(s, preview)
    preview_url = preview.get_attribute("src") or ""
    s.get_by_role("button", name="Send", exact=True).click()
    expect(s.get_by_role("heading", name="Sent")).to_be_visible(timeout=TIMEOUT)  # a busy server
    share_id = s.url.rsplit("/", 1)[-1]
    expect(s.get_by_text("Displayed on the frame.")).to_be_visible(timeout=90_000)
    # The share status page names the photo with its thumbnail; a click shows it larger.
    s.get_by_role("button", name=re.compile("^See larger")).click()
    dialog = s.get_by_role("dialog")
    expect(dialog.get_by_role("img")).to_be_visible()
    frame_url = dialog.get_by_role("img").get_attribute("src") or ""
    dialog.get_by_role("button", name="Close").click()

    with urllib.request.urlopen(preview_url, timeout=10) as r:
        previewed = _inks(r.read())
    deadline_shown = frame.screen_png.with_name("screen.json")
    assert share_id in deadline_shown.read_text()
    shown = _screen_inks(frame, _nominal_palette(frame_url))
    if previewed.size != shown.size:  # a portrait rendition on a panel hung on its side
        previewed = previewed.transpose(Image.Transpose.ROTATE_90)
    assert previewed.size == shown.size
    assert previewed.tobytes() == shown.tobytes(), "the preview is not the frame's screen"
    return hashlib.sha256(shown.tobytes()).hexdigest()


def test_the_preview_is_the_frames_screen_pixel_for_pixel(cloud: LocalCloudStack, new_app) -> None:
    app: App = new_app()
    email = unique_email("Pix")
    app.sign_up("Pix", email)
    app.log_in(email)
    app.upload(photo((200, 120, 60), "IMG_2041.jpg", size=(1200, 1500)))
    expect(app.page.get_by_role("list", name="Uploads").get_by_text("Ready")).to_be_visible(
        timeout=TIMEOUT
    )
    frame = cloud.start_frame("pixel-frame")
    app.pair(frame, "Desk")

    _send_and_compare(app, frame, "Desk", "Grandma's 90th — in the garden")
    _send_and_compare(app, frame, "Desk", "")

    # Hung on its side: portrait renditions, still the same pixels.
    p = app.go("/frames")
    p.get_by_role("link", name="Desk").click()
    p.get_by_label("The frame hangs").select_option("portrait")
    p.get_by_role("button", name="Save settings").click()
    expect(p.get_by_text("Saved.")).to_be_visible()
    _send_and_compare(app, frame, "Desk", "On the beach")
    _send_and_compare(app, frame, "Desk", "")

    # Thumbnails where the photo is named: history and the frame's items.
    h = app.go("/history")
    expect(h.get_by_role("button", name=re.compile("^See larger")).first).to_be_visible()
    thumb = h.locator(".share-card img.item-thumb").first
    expect(thumb).to_have_js_property("complete", True, timeout=TIMEOUT)
    assert thumb.evaluate("img => img.naturalWidth") > 0  # it loaded: a real picture
    # A photo one put on one's own frame is never "<you> sent you a photo".
    h.get_by_role("button", name="Received").click()
    expect(h.get_by_text("You put this photo on Desk").first).to_be_visible()
    expect(h.get_by_text("Pix sent you a photo")).to_have_count(0)
    f = app.go("/frames")
    f.get_by_role("link", name="Desk").click()
    items = f.get_by_role("region", name="On this frame now")
    expect(items.get_by_role("button", name=re.compile("^See larger")).first).to_be_visible(
        timeout=TIMEOUT
    )
    frame.stop()
    assert app.errors == []


def test_dragging_the_preview_moves_the_crop_the_frame_shows(
    cloud: LocalCloudStack, new_app
) -> None:
    app: App = new_app()
    email = unique_email("Drag")
    app.sign_up("Drag", email)
    app.log_in(email)
    # A tall photo on a wide panel: only a band of it fits, so where the crop falls shows.
    app.upload(photo((60, 90, 160), "tall.jpg", size=(900, 1600)))
    expect(app.page.get_by_role("list", name="Uploads").get_by_text("Ready")).to_be_visible(
        timeout=TIMEOUT
    )
    frame = cloud.start_frame("drag-frame")
    app.pair(frame, "Hall")
    first = _send_and_compare(app, frame, "Hall", "")

    def drag_down(s: Page, preview: Locator) -> None:
        before = preview.get_attribute("src")
        box = s.get_by_role("group", name="Crop for Hall").bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        s.mouse.move(x, y)
        s.mouse.down()
        s.mouse.move(x, y + box["height"] * 0.6, steps=8)
        s.mouse.up()
        expect(preview).not_to_have_attribute("src", before or "", timeout=TIMEOUT)
        expect(preview).to_have_attribute("aria-busy", "false", timeout=TIMEOUT)
        dragged.append(preview.get_attribute("src") or "")

    dragged: list[str] = []
    moved = _send_and_compare(app, frame, "Hall", "", before_send=drag_down)

    assert moved != first  # the frame shows another part of the photo, as previewed
    # The choice is kept with the photo: a new visit previews the same crop (same file).
    s = app.go("/send")
    s.locator(".photo-pick-label").first.click()
    s.get_by_label("Hall").check()
    again = s.get_by_role("img", name="How the photo will look on Hall")
    same_file = re.escape(dragged[0].split("?")[0]) + r"\?"  # the signature may be a new hour's
    expect(again).to_have_attribute("src", re.compile(same_file), timeout=TIMEOUT)
    frame.stop()
    assert app.errors == []


def _picture(fmt: str, name: str, mime: str, **save: Any) -> FilePayload:
    """A real file of ``fmt``; with save_all, a second picture follows the first."""
    first = Image.new("RGB", (800, 600), (200, 60, 40))
    if save.get("save_all"):
        save["append_images"] = [Image.new("RGB", (800, 600), (40, 60, 200))]
    out = io.BytesIO()
    first.save(out, fmt, **save)
    return {"name": name, "mimeType": mime, "buffer": out.getvalue()}


def test_uploads_mpo_and_apng_titles_from_dates_and_a_clean_rejection(new_app) -> None:
    app: App = new_app()
    email = unique_email("Up")
    app.sign_up("Up", email)
    app.log_in(email)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:11:09 14:05:00"  # DateTimeOriginal
    app.upload(
        _picture("MPO", "DSC01234.mpo", "", save_all=True),
        _picture("PNG", "party.apng", "image/apng", save_all=True),
        _picture("JPEG", "IMG_1234.jpg", "image/jpeg", exif=exif.tobytes()),
        {"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": b"not really a photo"},
    )
    p = app.page
    uploads = p.get_by_role("list", name="Uploads")
    expect(uploads.get_by_text("Ready")).to_have_count(3, timeout=TIMEOUT)
    rejection = uploads.get_by_role("alert")
    expect(rejection).to_contain_text("not a photo we can read", timeout=TIMEOUT)
    expect(p.get_by_text("Done: 3 added, 1 could not be used")).to_be_visible()
    # The reason has the row's full width, not a one-letter column.
    box = rejection.bounding_box()
    row = uploads.get_by_role("listitem").filter(has_text="broken.jpg").bounding_box()
    assert box and row and box["width"] > row["width"] * 0.8, (box, row)
    grid = p.get_by_role("list", name="Photos in your library")
    expect(grid.get_by_role("link")).to_have_count(3, timeout=TIMEOUT)
    expect(grid.get_by_text("9 November 2026, 14:05")).to_be_visible()
    expect(grid.get_by_text("party")).to_be_visible()

    rejection.get_by_role("button", name="Dismiss broken.jpg").click()
    expect(uploads.get_by_text("broken.jpg")).to_have_count(0, timeout=TIMEOUT)  # after its DELETE
    expect(p.get_by_text("Done: 3 added")).to_be_visible()
    assert app.errors == []
