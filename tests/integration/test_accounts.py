import json
from datetime import UTC, datetime

import time_machine

from tests.integration.conftest import call, mailed_token, signup


def body(response):
    return json.loads(response.body)


def test_a_new_account_cannot_log_in_until_its_email_is_verified(client):
    response = call(
        client,
        "POST",
        "/auth/register",
        {"email": "Ana@Example.com", "password": "correct horse battery", "displayName": "Ana"},
    )
    assert response.status_code == 201
    login = call(
        client,
        "POST",
        "/auth/login",
        {"email": "ana@example.com", "password": "correct horse battery"},
    )
    assert login.status_code == 403
    call(client, "POST", "/auth/verify", {"token": mailed_token("ana@example.com", "/verify")})
    login = call(
        client,
        "POST",
        "/auth/login",
        {"email": "ana@example.com", "password": "correct horse battery"},
    )
    assert login.status_code == 200
    assert body(login)["user"]["email"] == "ana@example.com"


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client):
    signup(client, "ana@example.com")
    wrong = call(
        client, "POST", "/auth/login", {"email": "ana@example.com", "password": "not the password"}
    )
    unknown = call(
        client, "POST", "/auth/login", {"email": "bob@example.com", "password": "not the password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert body(wrong) == body(unknown)


def test_bad_input_gets_a_clear_4xx(client):
    for raw in ("{not json", "[]", '"text"'):
        response = client.http.post(
            "/auth/register", headers={"Content-Type": "application/json"}, body=raw
        )
        assert response.status_code == 400
        assert body(response)["error"]["code"] == "bad_json"
    for payload, field in (
        ({"email": "x", "password": "correct horse battery", "displayName": "A"}, "email"),
        ({"email": "a@b.co", "password": "short", "displayName": "A"}, "password"),
        ({"email": "a@b.co", "password": "password123", "displayName": "A"}, "password"),
        (
            {"email": "a@b.co", "password": "correct horse battery", "displayName": "A" * 61},
            "displayName",
        ),
        ({"email": 5, "password": None, "displayName": []}, "email"),
        (
            {"email": "a@b.co" * 100, "password": "correct horse battery", "displayName": "A"},
            "email",
        ),
    ):
        response = call(client, "POST", "/auth/register", payload)
        assert response.status_code == 400, payload
        assert body(response)["error"]["field"] == field


def test_protected_routes_refuse_missing_and_forged_tokens(client):
    assert client.http.get("/images").status_code == 401
    forged = client.http.get(
        "/images", headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."}
    )
    assert forged.status_code == 401
    assert body(forged)["error"]["code"] == "unauthorized"
    wrong_scheme = client.http.get("/images", headers={"Authorization": "Basic YTpi"})
    assert wrong_scheme.status_code == 401


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_family(client):
    ana = signup(client, "ana@example.com")
    first = call(client, "POST", "/auth/refresh", {"refreshToken": ana.refresh_token})
    assert first.status_code == 200
    rotated = body(first)["refreshToken"]
    assert rotated != ana.refresh_token
    reused = call(client, "POST", "/auth/refresh", {"refreshToken": ana.refresh_token})
    assert reused.status_code == 401
    # the thief's reuse revoked the family: the legitimate newest token is dead too
    assert call(client, "POST", "/auth/refresh", {"refreshToken": rotated}).status_code == 401


def test_logout_revokes_the_refresh_token(client):
    ana = signup(client, "ana@example.com")
    assert (
        call(client, "POST", "/auth/logout", {"refreshToken": ana.refresh_token}).status_code == 204
    )
    assert (
        call(client, "POST", "/auth/refresh", {"refreshToken": ana.refresh_token}).status_code
        == 401
    )


def test_logging_out_ends_the_access_token_of_that_session_only(client):
    """Not 15 minutes of access after logout: the authorizer checks the session (its answer is
    cached by API Gateway for at most 60 s; the in-process client does not cache)."""
    ana = signup(client, "ana@example.com")
    other = json.loads(
        call(
            client,
            "POST",
            "/auth/login",
            {"email": "ana@example.com", "password": "correct horse battery"},
        ).body
    )
    assert call(client, "GET", "/me", user=ana).status_code == 200
    call(client, "POST", "/auth/logout", {"refreshToken": ana.refresh_token})
    assert call(client, "GET", "/me", user=ana).status_code == 401
    ana.token = other["accessToken"]  # the session on another device goes on
    assert call(client, "GET", "/me", user=ana).status_code == 200


def test_password_reset_link_works_once_and_ends_other_sessions(client):
    ana = signup(client, "ana@example.com")
    same = call(client, "POST", "/auth/password-reset", {"email": "ana@example.com"})
    nobody = call(client, "POST", "/auth/password-reset", {"email": "nobody@example.com"})
    assert same.status_code == nobody.status_code == 202
    assert body(same) == body(nobody)
    token = mailed_token("ana@example.com", "/reset")
    ok = call(
        client,
        "POST",
        "/auth/password-reset/confirm",
        {"token": token, "password": "a brand new secret"},
    )
    assert ok.status_code == 200
    again = call(
        client,
        "POST",
        "/auth/password-reset/confirm",
        {"token": token, "password": "yet another secret"},
    )
    assert again.status_code == 400
    assert (
        call(client, "POST", "/auth/refresh", {"refreshToken": ana.refresh_token}).status_code
        == 401
    )
    login = call(
        client,
        "POST",
        "/auth/login",
        {"email": "ana@example.com", "password": "a brand new secret"},
    )
    assert login.status_code == 200


def test_login_attempts_are_rate_limited_per_account(client):
    # Windows are fixed 15-minute slots: start well inside one so the test never straddles two.
    with time_machine.travel(datetime(2026, 11, 25, 9, 1, tzinfo=UTC), tick=True):
        signup(client, "ana@example.com")
        codes = [
            call(
                client,
                "POST",
                "/auth/login",
                {"email": "ana@example.com", "password": f"wrong guess {i}"},
            ).status_code
            for i in range(12)
        ]
    assert codes[:10] == [401] * 10
    assert codes[10:] == [429, 429]


def test_login_failures_have_codes_the_web_app_can_act_on(client):
    call(
        client,
        "POST",
        "/auth/register",
        {"email": "new@example.com", "password": "correct horse battery", "displayName": "N"},
    )
    unverified = call(
        client,
        "POST",
        "/auth/login",
        {"email": "new@example.com", "password": "correct horse battery"},
    )
    assert body(unverified)["error"]["code"] == "email_not_verified"
    wrong = call(
        client, "POST", "/auth/login", {"email": "new@example.com", "password": "wrong wrong wrong"}
    )
    assert body(wrong)["error"]["code"] == "invalid_credentials"


def test_expired_links_are_refused(client):
    from datetime import timedelta

    with time_machine.travel(datetime(2026, 11, 25, 9, 1, tzinfo=UTC), tick=True) as traveller:
        call(
            client,
            "POST",
            "/auth/register",
            {"email": "slow@example.com", "password": "correct horse battery", "displayName": "S"},
        )
        verify = mailed_token("slow@example.com", "/verify")
        # The link ends with the unconfirmed account (a day; test_maintenance covers resending).
        traveller.shift(timedelta(hours=24, minutes=1))
        assert call(client, "POST", "/auth/verify", {"token": verify}).status_code == 400
        call(client, "POST", "/auth/password-reset", {"email": "slow@example.com"})
        reset = mailed_token("slow@example.com", "/reset")
        traveller.shift(timedelta(minutes=61))
        late = call(
            client,
            "POST",
            "/auth/password-reset/confirm",
            {"token": reset, "password": "a brand new secret"},
        )
        assert late.status_code == 400
