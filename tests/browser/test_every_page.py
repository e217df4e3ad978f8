"""Every page of the app, signed out and signed in with data: axe finds no serious or critical
violation at phone and desktop width, nothing scrolls sideways on a phone, and (with
``SHAREFRAME_SCREENSHOTS=docs/screenshots``) each page's screenshots are written. Also the frame
owner's default expiry as a sender meets it, and the notifications it all produces."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import App, photo, unique_email
from tests.e2e.stack import LocalCloudStack

pytestmark = pytest.mark.e2e

TIMEOUT = 30_000


def befriend(ana: App, ben: App) -> None:
    """Ben asks Ana with her friend code; Ana accepts."""
    code = (ana.go("/friends").locator(".code-big").text_content() or "").strip()
    b = ben.go("/friends")
    b.get_by_label("Friend code or email address").fill(code)
    b.get_by_role("button", name="Send friend request").click()
    expect(b.get_by_role("form", name="Add a friend").get_by_role("status")).to_contain_text(
        "Request sent", timeout=TIMEOUT
    )
    a = ana.go("/friends")
    a.get_by_role("button", name="Accept Ben").click()
    expect(
        a.get_by_role("region", name="Your friends").get_by_role("button", name="Remove Ben")
    ).to_be_visible(timeout=TIMEOUT)


def upload_one(app: App, colour: tuple[int, int, int], name: str) -> None:
    app.upload(photo(colour, name))
    expect(app.page.get_by_role("list", name="Uploads").get_by_text("Ready")).to_be_visible(
        timeout=TIMEOUT
    )


def test_the_frames_default_expiry_reaches_the_sender_and_notifications_follow(
    cloud: LocalCloudStack, new_app
) -> None:
    ana: App = new_app()
    ben: App = new_app()
    ana_email, ben_email = unique_email("Ana"), unique_email("Ben")
    ana.sign_up("Ana", ana_email)
    ana.log_in(ana_email)
    ben.sign_up("Ben", ben_email)
    ben.log_in(ben_email)
    befriend(ana, ben)

    # Ana keeps photos on her frame until she removes them.
    frame = cloud.start_frame("default-expiry-frame")
    ana.pair(frame, "Hall")
    f = ana.page
    f.get_by_label("Photos stay for").select_option(label="Until removed")
    f.get_by_role("button", name="Save settings").click()
    expect(f.get_by_text("Saved.")).to_be_visible(timeout=TIMEOUT)

    # Ben is told what that means before he sends, and leaves the choice to her.
    upload_one(ben, (60, 120, 200), "harbour.jpg")
    s = ben.go("/send")
    s.locator(".photo-pick-label").first.click()
    expect(s.get_by_text("Ana's frame", exact=False)).to_contain_text("keeps photos until removed")
    s.get_by_label("Hall").check()
    expect(s.get_by_label("Show it for")).to_have_value("default")
    defaults = s.get_by_role("list", name="How long the photo stays on each frame")
    expect(defaults).to_contain_text("Hall: keeps photos until removed by default")
    s.get_by_role("button", name="Send", exact=True).click()
    expect(s.get_by_role("heading", name="Sent")).to_be_visible(timeout=TIMEOUT)
    expect(s.get_by_text("shown until removed")).to_be_visible()
    expect(s.get_by_text("Displayed on the frame.")).to_be_visible(timeout=90_000)
    expect(s.locator(".delivery").get_by_text("Stays until removed")).to_be_visible()

    # The expiry is visible wherever the share is: Ana's frame items and her history.
    items = ana.go("/frames").get_by_role("link", name="Hall")
    items.click()
    on_frame = ana.page.get_by_role("region", name="On this frame now")
    expect(on_frame.get_by_text("Stays until removed")).to_be_visible(timeout=TIMEOUT)
    h = ana.go("/history?direction=received")
    expect(h.locator(".share-card").first).to_contain_text("until removed")

    # A sender's own choice still wins: Ben picks a week.
    s = ben.go("/send")
    s.locator(".photo-pick-label").first.click()
    s.get_by_label("Hall").check()
    s.get_by_label("Show it for").select_option("7d")
    expect(s.get_by_text(re.compile("^It leaves the frame on"))).to_be_visible()
    s.get_by_role("button", name="Send", exact=True).click()
    expect(s.get_by_role("heading", name="Sent")).to_be_visible(timeout=TIMEOUT)
    expect(s.locator(".delivery").get_by_text(re.compile("Leaves on"))).to_be_visible()

    # Ana's notifications: the badge, then the page, newest first, with the photo's thumbnail.
    d = ana.go("/dashboard")
    nav = d.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name=re.compile(r"^Notifications \d+ new$"))).to_be_visible(
        timeout=TIMEOUT
    )
    n = ana.go("/notifications")
    entries = n.get_by_role("list").filter(has=n.locator(".notification"))
    expect(entries.locator(".notification").first).to_contain_text("Ben sent you a photo")
    expect(entries).to_contain_text("Ben and you are now friends")  # accepted since
    expect(n.get_by_text("New", exact=True).first).to_be_visible()
    thumb = entries.get_by_role("button", name="See larger: Ben sent you a photo").first
    expect(thumb).to_be_visible()
    expect(thumb.locator("img")).to_have_js_property("complete", True, timeout=TIMEOUT)
    # Seen: the badge goes; on the next visit nothing is marked new.
    expect(nav.get_by_role("link", name="Notifications", exact=True)).to_be_visible(timeout=TIMEOUT)
    n.reload()
    expect(entries.locator(".notification").first).to_contain_text("Ben sent you a photo")
    expect(n.get_by_text("New", exact=True)).to_have_count(0)

    # Ben's: his photo is on Ana's wall, and she accepted him.
    m = ben.go("/notifications")
    expect(m.get_by_text("A photo you sent is now showing on Hall").first).to_be_visible(
        timeout=TIMEOUT
    )
    expect(m.get_by_text("You and Ana are now friends")).to_be_visible()
    frame.stop()
    assert ana.errors == [] and ben.errors == []


SIGNED_OUT = [
    ("/", "landing"),
    ("/login", "login"),
    ("/signup", "signup"),
    ("/forgot-password", "forgot-password"),
    ("/reset?token=prt_example", "reset"),
    ("/releases", "releases-public"),
    ("/no-such-page", "not-found"),
]


class Checks:
    """axe at desktop and phone width and nothing scrolling sideways on a phone, page by page
    of one app; ``problems`` collects what is found."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.problems: list[str] = []

    def check(self, name: str) -> None:
        """The page's pictures loaded (lazy ones too: a screenshot shows photos), then checked."""
        page = self.app.page
        # Asked afresh at every poll: a page that re-renders (the photo page refreshes its
        # data) replaces its <img> elements, and a handle taken before would be detached.
        page.wait_for_function(
            """() => [...document.querySelectorAll("main img")]
                .filter((img) => img.getClientRects().length > 0
                    && getComputedStyle(img).visibility !== "hidden")
                .every((img) => img.complete
                    || (img.scrollIntoView({ block: "nearest" }), false))""",
            polling=100,
            timeout=TIMEOUT,
        )
        page.evaluate("window.scrollTo(0, 0)")
        self.problems.extend(self.app.check_screen(name))

    def screen(self, path: str, name: str) -> None:
        self.app.go(path).get_by_role("heading", level=1).first.wait_for()
        self.check(name)


def test_every_signed_out_page_has_no_serious_axe_violations_at_phone_and_desktop(
    cloud: LocalCloudStack, new_app
) -> None:
    """Apart from the signed-in pages (which need a world first), so the two run side by side."""
    app: App = new_app(bypass_csp=True)  # axe-core is injected as an inline script
    checks = Checks(app)
    for path, name in SIGNED_OUT:
        checks.screen(path, name)
    assert checks.problems == []
    assert app.errors == []


def test_every_signed_in_page_has_no_serious_axe_violations_at_phone_and_desktop(
    cloud: LocalCloudStack, new_app
) -> None:
    app: App = new_app(bypass_csp=True)  # axe-core is injected as an inline script
    checks = Checks(app)

    # Signed in, with data: a friend, a frame, photos, a photo sent each way.
    ben: App = new_app()
    email, ben_email = unique_email("Axe"), unique_email("Ben")
    app.sign_up("Axe", email)
    app.log_in(email)
    ben.sign_up("Ben", ben_email)
    ben.log_in(ben_email)
    checks.screen("/dashboard", "dashboard-first-run")
    befriend(app, ben)
    frame = cloud.start_frame("axe-frame")
    app.pair(frame, "Study")
    checks.check("frame")
    upload_one(app, (90, 90, 160), "axe.jpg")
    checks.check("library")
    app.page.locator(".photo-link").first.click()
    app.page.get_by_role("heading", level=1).wait_for()
    checks.check("photo")

    upload_one(ben, (170, 120, 60), "from-ben.jpg")
    b = ben.go("/send")
    b.locator(".photo-pick-label").first.click()
    b.get_by_label("Study").check()
    b.get_by_role("button", name="Send", exact=True).click()
    expect(b.get_by_role("heading", name="Sent")).to_be_visible(timeout=TIMEOUT)

    s = app.go("/send")
    s.locator(".photo-pick-label").first.click()
    s.get_by_label("Study").check()
    expect(s.get_by_role("img", name="How the photo will look on Study")).to_be_visible(
        timeout=TIMEOUT
    )
    checks.check("send")
    s.get_by_label("Caption").fill("Sunday lunch")
    s.get_by_role("button", name="Send", exact=True).click()
    expect(s.get_by_text("Displayed on the frame.")).to_be_visible(timeout=90_000)
    checks.check("share")
    s.get_by_role("button", name="See larger: Sunday lunch").click()
    checks.problems += [f"photo dialog: {v}" for v in app.axe()]
    s.get_by_role("button", name="Close").click()

    for path, name in (
        ("/dashboard", "dashboard"),
        ("/frames", "frames"),
        ("/frames/claim", "frames-claim"),
        ("/friends", "friends"),
        ("/friends/add", "friends-add"),
        ("/history", "history"),
        ("/history?direction=received", "history-received"),
        ("/notifications", "notifications"),
        ("/account", "account"),
        ("/releases", "releases"),
    ):
        checks.screen(path, name)
    frame.stop()
    assert checks.problems == []
    assert app.errors == [] and ben.errors == []
