"""The account-takeover path through an e-mail change, and sign-up abuse, are closed.

Each test here failed on the code before the fix (docs/security.md lists them by hole).
"""

import json
from datetime import UTC, datetime, timedelta

import time_machine

from tests.integration.conftest import call, mailed_token, sent_mail, signup

PASSWORD = "correct horse battery"


def body(response):
    return json.loads(response.body)


def mails_to(address: str) -> list:
    return [m for m in sent_mail() if address in m.destinations["ToAddresses"]]


def test_a_stolen_access_token_alone_cannot_move_the_account_to_another_address(client):
    ana = signup(client, "ana@example.com")
    stolen = ana  # an attacker holding only Ana's 15-minute access token
    without = call(client, "PATCH", "/me", {"email": "mallory@evil.example"}, stolen)
    guessed = call(
        client,
        "PATCH",
        "/me",
        {"email": "mallory@evil.example", "currentPassword": "a wrong guess!"},
        stolen,
    )
    assert without.status_code == 400
    assert body(without)["error"]["field"] == "currentPassword"
    assert guessed.status_code == 403
    assert body(guessed)["error"]["field"] == "currentPassword"
    assert body(call(client, "GET", "/me", user=ana))["pendingEmail"] is None
    assert mails_to("mallory@evil.example") == []


def test_a_password_reset_kills_a_pending_address_change_and_its_link(client):
    ana = signup(client, "ana@example.com")
    changed = call(
        client, "PATCH", "/me", {"email": "ana@new.example", "currentPassword": PASSWORD}, ana
    )
    assert body(changed)["pendingEmail"] == "ana@new.example"
    link = mailed_token("ana@new.example", "/verify")

    call(client, "POST", "/auth/password-reset", {"email": "ana@example.com"})
    reset = mailed_token("ana@example.com", "/reset")
    confirmed = call(
        client,
        "POST",
        "/auth/password-reset/confirm",
        {"token": reset, "password": "a brand new secret"},
    )
    assert confirmed.status_code == 200

    assert call(client, "POST", "/auth/verify", {"token": link}).status_code == 400
    login = call(
        client,
        "POST",
        "/auth/login",
        {"email": "ana@example.com", "password": "a brand new secret"},
    )
    assert body(login)["user"]["email"] == "ana@example.com"
    assert body(login)["user"]["pendingEmail"] is None


def test_a_password_change_cancels_a_pending_address_change(client):
    ana = signup(client, "ana@example.com")
    call(client, "PATCH", "/me", {"email": "ana@new.example", "currentPassword": PASSWORD}, ana)
    link = mailed_token("ana@new.example", "/verify")
    session = body(
        call(
            client,
            "POST",
            "/me/password",
            {"currentPassword": PASSWORD, "newPassword": "another horse battery"},
            ana,
        )
    )
    ana.token = session["accessToken"]
    assert body(call(client, "GET", "/me", user=ana))["pendingEmail"] is None
    assert call(client, "POST", "/auth/verify", {"token": link}).status_code == 400


def test_a_confirmation_link_works_only_for_the_address_still_pending(client):
    ana = signup(client, "ana@example.com")
    call(client, "PATCH", "/me", {"email": "first@new.example", "currentPassword": PASSWORD}, ana)
    first = mailed_token("first@new.example", "/verify")
    call(client, "PATCH", "/me", {"email": "second@new.example", "currentPassword": PASSWORD}, ana)
    assert call(client, "POST", "/auth/verify", {"token": first}).status_code == 400
    second = mailed_token("second@new.example", "/verify")
    assert call(client, "POST", "/auth/verify", {"token": second}).status_code == 200
    assert body(call(client, "GET", "/me", user=ana))["email"] == "second@new.example"


def test_this_wasnt_me_cancels_the_change_and_ends_every_session(client):
    ana = signup(client, "ana@example.com")
    call(
        client, "PATCH", "/me", {"email": "mallory@evil.example", "currentPassword": PASSWORD}, ana
    )
    link = mailed_token("mallory@evil.example", "/verify")
    warning = mailed_token("ana@example.com", "/email-change/cancel")
    assert "mallory@evil.example" in mails_to("ana@example.com")[-1].body

    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=2), tick=True):
        cancelled = call(client, "POST", "/auth/email-change/cancel", {"token": warning})
        assert cancelled.status_code == 200
        assert body(cancelled) == {"cancelled": True, "sessionsEnded": True}
        assert call(client, "POST", "/auth/verify", {"token": link}).status_code == 400
        assert call(client, "GET", "/me", user=ana).status_code == 401
        refreshed = call(client, "POST", "/auth/refresh", {"refreshToken": ana.refresh_token})
        assert refreshed.status_code == 401
        again = signup_login(client)
        assert body(again)["user"]["email"] == "ana@example.com"
        assert body(again)["user"]["pendingEmail"] is None


def test_this_wasnt_me_undoes_a_change_the_attacker_already_confirmed(client):
    ana = signup(client, "ana@example.com")
    call(
        client, "PATCH", "/me", {"email": "mallory@evil.example", "currentPassword": PASSWORD}, ana
    )
    assert (
        call(
            client,
            "POST",
            "/auth/verify",
            {"token": mailed_token("mallory@evil.example", "/verify")},
        ).status_code
        == 200
    )
    warning = mailed_token("ana@example.com", "/email-change/cancel")
    assert call(client, "POST", "/auth/email-change/cancel", {"token": warning}).status_code == 200
    assert body(signup_login(client))["user"]["email"] == "ana@example.com"
    # The attacker's address is free again and leads nowhere.
    call(client, "POST", "/auth/password-reset", {"email": "mallory@evil.example"})
    assert not any("/reset?token=" in m.body for m in mails_to("mallory@evil.example"))


def test_the_owner_can_withdraw_a_pending_change(client):
    ana = signup(client, "ana@example.com")
    call(client, "PATCH", "/me", {"email": "ana@new.example", "currentPassword": PASSWORD}, ana)
    link = mailed_token("ana@new.example", "/verify")
    withdrawn = call(client, "DELETE", "/me/pending-email", user=ana)
    assert withdrawn.status_code == 200 and body(withdrawn)["pendingEmail"] is None
    assert call(client, "POST", "/auth/verify", {"token": link}).status_code == 400


def signup_login(client):
    return call(client, "POST", "/auth/login", {"email": "ana@example.com", "password": PASSWORD})


# --- sign-up: no enumeration, no flooding --------------------------------------------------


def test_signing_up_with_a_taken_address_answers_like_a_new_one_and_tells_the_owner_once_a_day(
    client,
):
    signup(client, "ana@example.com")
    before = len(mails_to("ana@example.com"))

    def attempt(address: str):
        return call(
            client,
            "POST",
            "/auth/register",
            {"email": address, "password": "another long secret", "displayName": "A"},
        )

    taken, fresh = attempt("ana@example.com"), attempt("new@example.com")
    assert taken.status_code == fresh.status_code == 201
    assert body(taken).keys() == body(fresh).keys()
    assert body(taken)["email"] == "ana@example.com"
    notices = [m for m in mails_to("ana@example.com")[before:] if "tried to sign up" in m.subject]
    assert len(notices) == 1
    attempt("ana@example.com")
    assert len([m for m in mails_to("ana@example.com") if "tried to sign up" in m.subject]) == 1
    # Ana's password and account are untouched.
    assert signup_login(client).status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=25), tick=True):
        attempt("ana@example.com")
    assert len([m for m in mails_to("ana@example.com") if "tried to sign up" in m.subject]) == 2


def test_sign_ups_are_rate_limited_per_address_and_per_source(client, monkeypatch):
    from chalicelib.services import accounts

    monkeypatch.setattr(accounts, "SIGNUP_LIMIT_PER_SOURCE", 6)  # the real one is 60

    def attempt(address: str) -> int:
        return call(
            client,
            "POST",
            "/auth/register",
            {"email": address, "password": "another long secret", "displayName": "F"},
        ).status_code

    # Windows are fixed one-hour slots: start well inside one so the test never straddles two.
    with time_machine.travel(datetime(2026, 11, 25, 9, 1, tzinfo=UTC), tick=True):
        same = [attempt("flood@example.com") for _ in range(accounts.SIGNUP_LIMIT_PER_ADDRESS + 1)]
        assert same == [201] * accounts.SIGNUP_LIMIT_PER_ADDRESS + [429]
        verifications = [m for m in mails_to("flood@example.com") if "/verify?token=" in m.body]
        assert len(verifications) == 1  # one account, one verification mail
        others = [attempt(f"p{i}@example.com") for i in range(4)]
    assert others == [201, 201, 429, 429]  # 4 (the refused one counts) + 2 = the source's 6
