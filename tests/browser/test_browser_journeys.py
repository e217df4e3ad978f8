"""Every journey of the web app, as a new user would walk it, against the real local cloud."""

from __future__ import annotations

import json

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, App, photo, unique_email
from tests.e2e.stack import LocalCloudStack

pytestmark = pytest.mark.e2e

TIMEOUT = 30_000
UNDO_SECONDS = 8  # web/src/components/UndoableRemove.tsx


def test_landing_sign_up_verify_log_in_reset_password_log_out(new_app) -> None:
    app: App = new_app()
    p = app.go("/")
    expect(p.get_by_role("heading", level=1)).to_contain_text("Photos from family")
    expect(p.get_by_role("heading", name="What you can do")).to_be_visible()
    # A photo product shows photos: each one loads, as a frame draws it (infra/landing_photos.py).
    wall = p.get_by_role("region", name="On the wall, exactly as sent").get_by_role("img")
    expect(wall).to_have_count(3)
    for img in wall.all():
        img.scroll_into_view_if_needed()
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("i => i.naturalWidth") == 800, img.get_attribute("src")
    email = unique_email("Ana")

    # Logging in before confirming the address explains what to do.
    p = app.go("/signup")
    p.get_by_label("Your name").fill("Ana")
    p.get_by_label("Email").fill(email)
    p.get_by_label("Password").fill(PASSWORD)
    p.get_by_role("button", name="Create account").click()
    p.get_by_role("heading", name="Check your email").wait_for()
    p = app.go("/login")
    p.get_by_label("Email").fill(email)
    p.get_by_label("Password").fill(PASSWORD)
    p.get_by_role("button", name="Log in").click()
    expect(p.get_by_role("alert")).to_contain_text("confirm your e")
    expect(p.get_by_role("button", name="Send the confirmation link again")).to_be_visible()

    # Opening the link (as a mail scanner would) confirms nothing; the button does.
    app.page.goto(app.link_from_mail(email, "/verify"))
    expect(p.get_by_role("button", name="Confirm my email address")).to_be_visible()
    p.wait_for_load_state("networkidle")
    login = requests.post(
        app.cloud.api_url + "/auth/login", json={"email": email, "password": PASSWORD}, timeout=30
    )
    assert login.json()["error"]["code"] == "email_not_verified"
    p.get_by_role("button", name="Confirm my email address").click()
    expect(p.get_by_text("your email address is confirmed")).to_be_visible()

    # A wrong password is said in plain words.
    p = app.go("/login")
    p.get_by_label("Email").fill(email)
    p.get_by_label("Password").fill("not the password")
    p.get_by_role("button", name="Log in").click()
    expect(p.get_by_role("alert")).to_contain_text("password")

    # Forgot password -> mail -> reset -> log in with the new one.
    p = app.go("/forgot-password")
    p.get_by_label("Email").fill(email)
    p.get_by_role("button", name="Send the link").click()
    expect(p.get_by_role("status")).to_contain_text("we've sent it a link")
    app.page.goto(app.link_from_mail(email, "/reset"))
    p.get_by_label("New password", exact=True).fill("an even longer new password")
    p.get_by_label("New password again").fill("an even longer new password")
    p.get_by_role("button", name="Save new password").click()
    expect(p.get_by_text("Your password is changed")).to_be_visible()
    app.log_in(email, "an even longer new password")

    app.page.get_by_role("button", name="Log out").first.click()
    expect(app.page.get_by_role("link", name="Sign up free")).to_be_visible()
    assert app.errors == []


def test_library_upload_processing_focal_point_delete(new_app) -> None:
    app: App = new_app()
    email = unique_email("Lib")
    app.sign_up("Lib", email)
    app.log_in(email)
    app.upload(
        photo((60, 120, 200), "beach.jpg"),
        photo((70, 150, 60), "garden.jpg"),
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a photo"},
    )
    p = app.page
    uploads = p.get_by_role("list", name="Uploads")
    expect(uploads.get_by_text("isn't a photo we can use")).to_be_visible()
    expect(uploads.get_by_text("Ready")).to_have_count(2, timeout=TIMEOUT)
    grid = p.get_by_role("list", name="Photos in your library")
    expect(grid.get_by_role("link")).to_have_count(2, timeout=TIMEOUT)

    grid.get_by_role("link").first.click()
    picker = p.get_by_role("button", name="Focal point at")
    picker.click(position={"x": 20, "y": 20})
    p.get_by_role("button", name="Save focal point").click()
    expect(p.get_by_text("Saved.")).to_be_visible()
    expect(p.get_by_role("button", name="Focal point at")).not_to_have_attribute("aria-label", "x")
    label = p.get_by_role("button", name="Focal point at").get_attribute("aria-label") or ""
    assert "50% across" not in label, label

    p.get_by_role("button", name="Delete photo").click()
    p.get_by_role("button", name="Yes, delete it").click()
    expect(p.get_by_role("status")).to_contain_text("deleted")
    expect(p.get_by_role("list", name="Photos in your library").get_by_role("link")).to_have_count(
        1
    )
    assert app.errors == []


def test_pair_by_qr_link_settings_and_unpair(cloud: LocalCloudStack, new_app) -> None:
    app: App = new_app()
    email = unique_email("Fran")
    app.sign_up("Fran", email)
    app.log_in(email)
    frame = cloud.start_frame("settings-frame")
    app.pair(frame, "Living room")
    p = app.page
    expect(p.get_by_role("region", name="Status").get_by_text("Online")).to_be_visible(
        timeout=TIMEOUT
    )

    p.get_by_label("Change photo every").select_option(label="1 hour")
    p.get_by_label("Don't change the photo at night").check()
    p.get_by_label("Only me").check()
    p.get_by_role("button", name="Save settings").click()
    expect(p.get_by_text("Saved.")).to_be_visible()
    p.reload()
    expect(p.get_by_label("Change photo every")).to_have_value("3600")
    expect(p.get_by_label("Don't change the photo at night")).to_be_checked()

    p.get_by_role("button", name="Unpair Living room").click()
    p.get_by_role("button", name="Yes, unpair it").click()
    expect(p.get_by_role("heading", name="Frames", exact=True)).to_be_visible()
    expect(p.get_by_text("You have no frames yet")).to_be_visible()
    frame.stop()
    assert app.errors == []


def test_friends_send_to_friends_frame_and_watch_displayed(cloud: LocalCloudStack, new_app) -> None:
    ana: App = new_app()
    ben: App = new_app()
    ana_email, ben_email = unique_email("Ana"), unique_email("Ben")
    ana.sign_up("Ana", ana_email)
    ana.log_in(ana_email)
    ben.sign_up("Ben", ben_email)
    ben.log_in(ben_email)

    # Ben pairs his virtual frame.
    frame = cloud.start_frame("bens-frame")
    ben.pair(frame, "Hallway")

    # Ana shares her invite link; Ben opens it and sends a request; Ana accepts.
    p = ana.go("/friends")
    code = (p.locator(".code-big").text_content() or "").strip()
    assert code
    b = ben.go(f"/friends/add?code={code}")
    expect(b.get_by_label("Friend code")).to_have_value(code)
    b.get_by_role("button", name="Send friend request").click()
    expect(b.get_by_role("form", name="Add a friend").get_by_role("status")).to_contain_text(
        "Request sent"
    )
    b = ben.go("/friends")
    expect(
        b.get_by_role("region", name="Requests you sent").get_by_text("Ana", exact=True)
    ).to_be_visible()
    p.reload()
    p.get_by_role("button", name="Accept Ben").click()
    expect(
        p.get_by_role("region", name="Your friends").get_by_role("button", name="Remove Ben")
    ).to_be_visible()

    # Ana uploads and sends to Ben's frame, with the exact e-paper preview.
    ana.upload(photo((200, 90, 60), "sunset.jpg"))
    expect(ana.page.get_by_role("list", name="Uploads").get_by_text("Ready")).to_be_visible(
        timeout=TIMEOUT
    )
    s = ana.go("/send")
    s.locator(".photo-pick-label").first.click()
    s.get_by_label("Hallway").check()
    preview = s.get_by_role("img", name="How the photo will look on Hallway")
    expect(preview).to_be_visible(timeout=TIMEOUT)
    s.get_by_label("Caption").fill("Greetings from the sea")
    s.get_by_label("Show it for").select_option("7d")
    s.get_by_role("button", name="Send", exact=True).click()
    expect(s.get_by_role("heading", name="Sent")).to_be_visible(timeout=TIMEOUT)
    expect(s.get_by_text("Displayed on the frame.")).to_be_visible(timeout=90_000)
    expect(s.get_by_role("list").get_by_text("Displayed").first).to_be_visible()

    # Ben sees it on his frame and in his history; he removes it from his frame.
    b = ben.go("/history?direction=received")
    expect(b.get_by_text("Ana sent you a photo")).to_be_visible()
    b = ben.go("/frames")
    b.get_by_role("link", name="Hallway").click()
    items = b.get_by_role("region", name="On this frame now")
    expect(items.get_by_text("Greetings from the sea", exact=True)).to_be_visible(timeout=TIMEOUT)
    items.get_by_role("button", name="Remove").click()
    expect(items.get_by_role("status")).to_contain_text("Taking “Greetings from the sea” off")
    items.get_by_role("button", name="Undo").click()  # changed his mind: nothing is sent
    b.wait_for_timeout((UNDO_SECONDS + 2) * 1000)
    b.reload()
    expect(items.get_by_text("Greetings from the sea", exact=True)).to_be_visible(timeout=TIMEOUT)
    items.get_by_role("button", name="Remove").click()
    expect(items.get_by_text("Nothing yet")).to_be_visible(timeout=TIMEOUT)  # after the window

    # Ana's history shows it removed.
    h = ana.go("/history")
    expect(h.get_by_text("Removed").first).to_be_visible(timeout=TIMEOUT)

    # Ana's dashboard counts the photo and its sending.
    d = ana.go("/dashboard")
    expect(d.get_by_role("list", name="Your numbers")).to_contain_text("Sent this week")
    frame.stop()
    assert ana.errors == [] and ben.errors == []


def test_expired_session_refreshes_silently_and_revoked_returns_to_login(new_app) -> None:
    app: App = new_app()
    email = unique_email("Sess")
    app.sign_up("Sess", email)
    app.log_in(email)
    p = app.page
    # An access token the server refuses: the app refreshes once and carries on.
    p.evaluate(
        """() => {
        const s = JSON.parse(localStorage.getItem('shareframe.session'));
        localStorage.setItem('shareframe.session', JSON.stringify({...s, accessToken: 'bogus', expiresAt: Date.now() + 600000}));
    }"""
    )
    app.go("/friends")
    expect(p.locator(".code-big")).to_be_visible()
    session = json.loads(p.evaluate("localStorage.getItem('shareframe.session')"))
    assert session["accessToken"] != "bogus"
    # A refresh token the server refuses: back to log in, and back to the page after.
    p.evaluate(
        """() => localStorage.setItem('shareframe.session',
            JSON.stringify({accessToken: 'x', refreshToken: 'revoked', expiresAt: 0}))"""
    )
    app.go("/history?direction=received")
    expect(p.get_by_role("heading", name="Log in")).to_be_visible()
    p.get_by_label("Email").fill(email)
    p.get_by_label("Password").fill(PASSWORD)
    p.get_by_role("button", name="Log in").click()
    expect(p.get_by_role("heading", name="History")).to_be_visible()
    assert "direction=received" in p.url


def test_account_settings_export_and_delete(new_app) -> None:
    app: App = new_app()
    email = unique_email("Acc")
    app.sign_up("Acc", email)
    app.log_in(email)
    p = app.go("/account")
    p.get_by_label("Your name").fill("Acc Renamed")
    p.get_by_role("button", name="Save profile").click()
    expect(p.get_by_role("region", name="Profile").get_by_text("Saved.")).to_be_visible()
    p.get_by_label("A photo I sent is displayed").click()
    expect(p.get_by_role("region", name="Privacy and emails").get_by_text("Saved.")).to_be_visible()
    p.get_by_role("button", name="Export my data").click()
    expect(p.get_by_text("You'll get an email")).to_be_visible()

    # An address change needs the password; it waits, shown, until confirmed or withdrawn.
    address = p.get_by_role("region", name="Email address")
    address.get_by_label("New email address").fill(unique_email("Moved"))
    address.get_by_label("Your password, to change the address").fill("not my password")
    address.get_by_role("button", name="Change email").click()
    expect(address.get_by_text("The current password is wrong")).to_be_visible()
    address.get_by_label("Your password, to change the address").fill(PASSWORD)
    address.get_by_role("button", name="Change email").click()
    expect(address.get_by_text("Waiting for")).to_be_visible()
    address.get_by_role("button", name="Cancel this change").click()
    expect(address.get_by_text("Waiting for")).to_have_count(0)
    p.reload()
    expect(p.get_by_role("region", name="Email address").get_by_text("Waiting for")).to_have_count(
        0
    )

    # The old address's "this wasn't me" link stops a change and signs out everywhere.
    address = p.get_by_role("region", name="Email address")
    address.get_by_label("New email address").fill(unique_email("Thief"))
    address.get_by_label("Your password, to change the address").fill(PASSWORD)
    address.get_by_role("button", name="Change email").click()
    expect(address.get_by_text("Waiting for")).to_be_visible()
    p.goto(app.link_from_mail(email, "/email-change/cancel"))
    p.get_by_role("button", name="This wasn't me: stop it").click()
    expect(p.get_by_text("every session is signed out")).to_be_visible()
    p = app.go("/account")
    expect(p.get_by_role("heading", name="Log in")).to_be_visible()
    app.log_in(email)
    p = app.go("/account")
    expect(p.get_by_role("region", name="Email address").get_by_text("Waiting for")).to_have_count(
        0
    )

    p.get_by_label("Current password").fill("wrong password")
    p.get_by_label("New password", exact=True).fill("another long password")
    p.get_by_role("button", name="Change password").click()
    expect(
        p.get_by_role("region", name="Password").locator(".field-error, [role=alert]").first
    ).to_be_visible()

    delete = p.get_by_role("region", name="Delete account")
    expect(delete.get_by_role("button", name="Delete my account")).to_be_disabled()
    delete.get_by_label("I understand").check()
    delete.get_by_label("Your password, to confirm").fill(PASSWORD)
    delete.get_by_role("button", name="Delete my account").click()
    expect(p.get_by_role("link", name="Sign up free")).to_be_visible(timeout=TIMEOUT)
    p = app.go("/login")
    p.get_by_label("Email").fill(email)
    p.get_by_label("Password").fill(PASSWORD)
    p.get_by_role("button", name="Log in").click()
    expect(p.get_by_role("alert")).to_be_visible()


def test_the_content_security_policy_stops_injected_script(new_app) -> None:
    app: App = new_app()
    p = app.go("/login")
    p.get_by_role("heading", name="Log in").wait_for()
    ran = p.evaluate(
        """() => new Promise((resolve) => {
            window.injected = false;
            const s = document.createElement("script");
            s.textContent = "window.injected = true";
            document.body.appendChild(s);
            setTimeout(() => resolve(window.injected), 200);
        })"""
    )
    assert ran is False
    header = p.request.get(app.base + "/").headers["content-security-policy"]
    assert "script-src 'self';" in header
