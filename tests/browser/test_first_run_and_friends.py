"""A new user's first steps, and friends found by code even when e-mail search is off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import App, photo, unique_email
from tests.e2e.stack import LocalCloudStack

pytestmark = pytest.mark.e2e

TIMEOUT = 30_000


def test_first_run_checklist_follows_what_is_missing(cloud: LocalCloudStack, new_app) -> None:
    app: App = new_app()
    email = unique_email("New")
    app.sign_up("New", email)
    app.log_in(email)
    p = app.page
    checklist = p.get_by_role("region", name="Get started")
    expect(checklist).to_contain_text("0 of 3 done")
    header = p.locator(".page-header")
    expect(header.get_by_role("link", name="Pair your frame")).to_be_visible()
    expect(header.get_by_role("link", name="Send a photo")).to_have_count(0)
    expect(p.get_by_text("starts with your first photo")).to_be_visible()  # no empty chart

    frame = cloud.start_frame("first-run-frame")
    header.get_by_role("link", name="Pair your frame").click()
    expect(p.get_by_role("heading", name="Pair a frame")).to_be_visible()
    app.pair(frame, "Kitchen")
    d = app.go("/dashboard")
    expect(checklist).to_contain_text("1 of 3 done")
    expect(checklist.get_by_text("Pair a frame (done)")).to_be_attached()
    expect(header.get_by_role("link", name="Add photos")).to_be_visible()

    app.upload(photo((100, 140, 90), "DSC01234.jpg"))
    expect(p.get_by_role("list", name="Uploads").get_by_text("Ready")).to_be_visible(
        timeout=TIMEOUT
    )
    d = app.go("/dashboard")
    expect(checklist).to_contain_text("2 of 3 done")
    expect(d.locator(".page-header").get_by_role("link", name="Invite a friend")).to_be_visible()
    frame.stop()
    assert app.errors == []


def test_friend_code_works_with_email_search_off_and_requests_show_in_the_menu(new_app) -> None:
    ana: App = new_app()
    ben: App = new_app()
    ana_email, ben_email = unique_email("Ana"), unique_email("Ben")
    ana.sign_up("Ana", ana_email)
    ana.log_in(ana_email)
    ben.sign_up("Ben", ben_email)
    ben.log_in(ben_email)

    # Ben does not want to be found by e-mail: his code still works.
    b = ben.go("/account")
    findable = b.get_by_label("People can find me by my email address")
    findable.click()
    expect(b.get_by_role("region", name="Privacy and emails").get_by_text("Saved.")).to_be_visible()
    expect(findable).not_to_be_checked()
    code = (ben.go("/friends").locator(".code-big").text_content() or "").strip()

    a = ana.go("/friends")
    a.get_by_label("Friend code or email address").fill(ben_email)
    a.get_by_role("button", name="Send friend request").click()
    expect(a.get_by_text("No one who can be found by this address")).to_be_visible()
    a.get_by_label("Friend code or email address").fill(code)
    a.get_by_role("button", name="Send friend request").click()
    expect(a.get_by_role("form", name="Add a friend").get_by_role("status")).to_contain_text(
        "Request sent", timeout=TIMEOUT
    )

    # Ben sees the request beside "Friends" in the menu and on his dashboard.
    d = ben.go("/dashboard")
    nav = d.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Friends 1 friend request waiting")).to_be_visible(
        timeout=TIMEOUT
    )
    recent = d.get_by_role("region", name="Recent activity")
    expect(recent.get_by_text("Ana wants to be your friend")).to_be_visible()
    recent.get_by_role("link", name="Answer").click()
    d.get_by_role("button", name="Accept Ana").click()
    expect(nav.get_by_role("link", name="Friends", exact=True)).to_be_visible()

    # The dashboard says so at once: no request left hanging there.
    d = ben.go("/dashboard")
    expect(recent.get_by_text("Ana and you are now friends")).to_be_visible()
    expect(recent.get_by_role("link", name="Answer")).to_have_count(0)

    # Ana, who allows e-mail search, is found by her exact address.
    carl: App = new_app()
    carl_email = unique_email("Carl")
    carl.sign_up("Carl", carl_email)
    carl.log_in(carl_email)
    c = carl.go("/friends")
    c.get_by_label("Friend code or email address").fill(ana_email.upper())
    c.get_by_role("button", name="Send friend request").click()
    expect(c.get_by_role("form", name="Add a friend").get_by_role("status")).to_contain_text(
        "Request sent", timeout=TIMEOUT
    )
    assert ana.errors == [] and ben.errors == [] and carl.errors == []
