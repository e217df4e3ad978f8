"""Every endpoint x every kind of caller, each cell an exact status.

The callers, around one owner (Ana) and her frame (sendPolicy "chosen", allowing Ben only):
anonymous (no Authorization header), a stranger (Dee), a friend allowed on the frame (Ben), a
friend without permission on it (Cy), and the owner. Resource endpoints name Ana's things: a
stranger gets 404 (nothing leaks, not even existence), a forbidden send 403, the gateway's
authorizer 401 without a token. Self-scoped endpoints (``/me``, listings) answer every signed-in
caller about themselves; the leak checks below prove that what they answer is their own.

The world is built once and the rows run in order: owner last in each row, destructive rows on
resources of their own. All mismatches are collected and reported as one table.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from chalice.test import Client

from tests.integration.conftest import (
    User,
    call,
    jpeg_bytes,
    pair_frame,
    signup,
    upload_photo,
)

ROLES = ("anonymous", "stranger", "friend", "friend_without_permission", "owner")
PANEL = "waveshare_7in5_v2"

pytestmark = pytest.mark.xdist_group("authz")


@dataclass
class World:
    client: Client
    users: dict[str, User] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    spare: dict[str, dict[str, User]] = field(default_factory=dict)

    def __getitem__(self, key: str) -> str:
        return self.ids[key]


def _json(response: Any) -> Any:
    return json.loads(response.body) if response.body else None


def _ok(response: Any, *statuses: int) -> Any:
    assert response.status_code in statuses, response.body
    return _json(response)


def _befriend(w: World, asker: User, target: User) -> None:
    code = _ok(call(w.client, "GET", "/me", user=target), 200)["friendCode"]
    _ok(call(w.client, "POST", "/friends/requests", {"friendCode": code}, asker), 201)
    _ok(call(w.client, "POST", f"/friends/requests/{asker.user_id}/accept", user=target), 200)


def _request(w: World, asker: User, target: User) -> None:
    code = _ok(call(w.client, "GET", "/me", user=target), 200)["friendCode"]
    _ok(call(w.client, "POST", "/friends/requests", {"friendCode": code}, asker), 201)


def _photo(w: World, user: User, shade: int) -> str:
    image_id = upload_photo(w.client, user, jpeg_bytes((320, 200), (shade, 90, 40)))
    assert _ok(call(w.client, "GET", f"/images/{image_id}", user=user), 200)["state"] == "ready"
    return image_id


def _send(w: World, user: User, image_id: str, frame_id: str) -> str:
    body = {"imageId": image_id, "frameIds": [frame_id]}
    return str(_ok(call(w.client, "POST", "/shares", body, user), 201)["shareId"])


def _new_pairing_code(w: World) -> str:
    from tests.integration.conftest import frame_csr

    start = call(
        w.client, "POST", "/pairing", {"csr": frame_csr(), "panel": PANEL, "firmware": "0.1.0"}
    )
    return str(_ok(start, 201)["code"])


def _register_release() -> None:
    from chalicelib.services import releases

    releases.register(
        version="9.9.9",
        channel="stable",
        criticality="minor",
        notes="Faster.",
        bundle_key="firmware/9.9.9.tar.gz",
        sha256="0" * 64,
        signature=base64.b64encode(b"\0" * 64).decode(),
        size=1,
    )


def build_world(client: Client) -> World:
    w = World(client)
    names = {"owner": "Ana", "friend": "Ben", "friend_without_permission": "Cy", "stranger": "Dee"}
    for role, name in names.items():
        w.users[role] = signup(client, f"{name.lower()}@example.com", name)
    ana, ben, cy, dee = (
        w.users[r] for r in ("owner", "friend", "friend_without_permission", "stranger")
    )
    _befriend(w, ben, ana)
    _befriend(w, cy, ana)
    frame = pair_frame(client, ana, "Kitchen")
    w.ids["frame"] = frame["frameId"]
    w.ids["frame_to_unpair"] = pair_frame(client, ana, "Attic")["frameId"]
    patch = {"sendPolicy": "chosen", "allowedSenders": [ben.user_id]}
    _ok(call(client, "PATCH", f"/frames/{w['frame']}", patch, ana), 200)
    for key, owner, shade in (
        ("image", ana, 10),
        ("image_removed_later", ana, 30),
        ("image_to_send", ana, 50),
        ("image_to_delete", ana, 70),
        ("ben_image", ben, 90),
        ("ben_image_to_send", ben, 110),
        ("cy_image", cy, 130),
        ("dee_image", dee, 150),
    ):
        w.ids[key] = _photo(w, owner, shade)
    w.ids["share"] = _send(w, ana, w["image"], w["frame"])
    w.ids["share_to_remove"] = _send(w, ana, w["image_removed_later"], w["frame"])
    w.ids["ben_share"] = _send(w, ben, w["ben_image"], w["frame"])
    # People at the edges of Ana's friendships, one per destructive row.
    extra = {}
    for name in ("Fay", "Gus", "Hal", "Ivy", "Kim", "Lee", "Jo"):
        extra[name] = signup(client, f"{name.lower()}@example.com", name)
    _befriend(w, extra["Fay"], ana)
    _request(w, extra["Gus"], ana)
    _request(w, extra["Hal"], ana)
    _request(w, ana, extra["Ivy"])
    _ok(call(client, "POST", "/blocks", {"userId": extra["Kim"].user_id}, ana), 201)
    for name, user in extra.items():
        w.ids[name] = user.user_id
    w.ids["lee_code"] = _ok(call(client, "GET", "/me", user=extra["Lee"]), 200)["friendCode"]
    # Each signed-in role gets a throwaway account for the rows that end sessions or accounts.
    for role in ROLES[1:]:
        w.spare[role] = {
            purpose: signup(client, f"{purpose}-{role}@example.com".replace("_", "-"), "Spare")
            for purpose in ("password", "delete")
        }
    _register_release()
    return w


@dataclass
class Row:
    method: str
    path: str
    expect: tuple[int, int, int, int, int]  # in ROLES order
    body: Any = None
    body_for: Callable[[World, str], Any] | None = None
    user_for: str | None = None  # "password" / "delete": the role's spare account

    def request(self, w: World, role: str) -> tuple[str, Any, User | None]:
        path = self.path.format(**w.ids)
        body = self.body_for(w, role) if self.body_for else self.body
        user = w.users.get(role)
        if self.user_for and role != "anonymous":
            user = w.spare[role][self.user_for]
        return path, body, user


ANY_USER = (401, 200, 200, 200, 200)
OWNER_ONLY = (401, 404, 404, 404, 200)
PUBLIC_400 = (400, 400, 400, 400, 400)


def _someone_by_role(w: World, role: str) -> Any:
    # Mails asked for are rate-limited per address: one address per caller.
    return {"email": f"nobody-{role}@example.com".replace("_", "-")}


def _sign_up_by_role(w: World, role: str) -> Any:
    # Sign-ups are rate-limited per address: taken Ana's once, then a new one per caller.
    email = "ana@example.com" if role == ROLES[0] else f"new-{role}@example.com"
    return {
        "email": email.replace("_", "-"),
        "password": "quartz lantern meadow 42",
        "displayName": "A",
    }


def _claim_body(w: World, role: str) -> Any:
    return {"code": _new_pairing_code(w), "name": f"Frame of {role}"}


def _send_body(w: World, role: str) -> Any:
    image = {
        "owner": "image_to_send",
        "friend": "ben_image_to_send",
        "friend_without_permission": "cy_image",
        "stranger": "dee_image",
        "anonymous": "image_to_send",
    }[role]
    return {"imageId": w[image], "frameIds": [w["frame"]], "duration": "24h"}


def _password_body(w: World, role: str) -> Any:
    return {"currentPassword": "correct horse battery", "newPassword": "another horse battery"}


def rows() -> list[Row]:
    return [
        # --- public: a token changes nothing ------------------------------------------------
        Row("GET", "/openapi.json", (200,) * 5),
        # A taken address answers like a new one (no enumeration).
        Row("POST", "/auth/register", (201,) * 5, body_for=_sign_up_by_role),
        Row("POST", "/auth/verify", PUBLIC_400, {"token": "not-a-token"}),
        Row("POST", "/auth/email-change/cancel", PUBLIC_400, {"token": "not-a-token"}),
        Row("POST", "/auth/resend-verification", (202,) * 5, body_for=_someone_by_role),
        Row(
            "POST",
            "/auth/login",
            (401,) * 5,
            {"email": "ana@example.com", "password": "wrong password!"},
        ),
        Row("POST", "/auth/refresh", (401,) * 5, {"refreshToken": "rt_nope.nope"}),
        Row("POST", "/auth/logout", (204,) * 5, {"refreshToken": "rt_nope.nope"}),
        Row("POST", "/auth/password-reset", (202,) * 5, body_for=_someone_by_role),
        Row(
            "POST",
            "/auth/password-reset/confirm",
            PUBLIC_400,
            {"token": "nope", "password": "x" * 12},
        ),
        Row(
            "POST",
            "/pairing",
            PUBLIC_400,
            {"csr": "not a csr", "panel": PANEL, "firmware": "0.1.0"},
        ),
        Row("POST", "/pairing/ABCD-EFGH/poll", (404,) * 5, {"pollToken": "pt_guess"}),
        # --- self-scoped: every signed-in caller, about themselves --------------------------
        Row("GET", "/me", ANY_USER),
        Row("PATCH", "/me", ANY_USER, {"timeZone": "Europe/Paris"}),
        Row("DELETE", "/me/pending-email", ANY_USER),
        Row("POST", "/me/export", (401, 202, 202, 202, 202)),
        Row("GET", "/images", ANY_USER),
        Row(
            "POST",
            "/images",
            (401, 201, 201, 201, 201),
            {"contentType": "image/jpeg", "bytes": 1000},
        ),
        Row("GET", "/frames", ANY_USER),
        Row("POST", "/frames", (401, 201, 201, 201, 201), body_for=_claim_body),
        Row("GET", "/frames/targets", ANY_USER),
        Row("GET", "/shares", ANY_USER),
        Row("GET", "/shares?direction=received", ANY_USER),
        Row("GET", "/friends", ANY_USER),
        Row("GET", "/friends/requests", ANY_USER),
        Row("GET", "/friends/requests?direction=outgoing", ANY_USER),
        Row("POST", "/friends/requests", (401, 201, 201, 201, 201), {"friendCode": "{lee_code}"}),
        Row("GET", "/blocks", ANY_USER),
        Row("POST", "/blocks", (401, 201, 201, 201, 201), {"userId": "{Jo}"}),
        Row("GET", "/dashboard", ANY_USER),
        Row("GET", "/notifications", ANY_USER),
        Row("GET", "/notifications/unseen", ANY_USER),
        Row(
            "POST",
            "/notifications/seen",
            (401, 204, 204, 204, 204),
            {"upTo": "2026-01-01T00:00:00Z#0123abcd"},
        ),
        Row("GET", "/releases", ANY_USER),
        # --- Ana's things ---------------------------------------------------------------------
        Row("GET", "/frames/{frame}", OWNER_ONLY),
        Row("PATCH", "/frames/{frame}", OWNER_ONLY, {"name": "Kitchen wall"}),
        Row("GET", "/frames/{frame}/items", OWNER_ONLY),
        Row("GET", "/frames/{frame}/firmware", OWNER_ONLY),
        Row("POST", "/frames/{frame}/firmware/update", (401, 404, 404, 404, 202)),
        Row("POST", "/frames/{frame}/show-now", (401, 404, 404, 404, 202), {"shareId": "{share}"}),
        # Ben sent this one and may still send: he may ask for it; Cy and Dee may not.
        Row(
            "POST",
            "/frames/{frame}/show-now",
            (401, 404, 202, 404, 202),
            {"shareId": "{ben_share}"},
        ),
        Row("GET", "/images/{image}", OWNER_ONLY),
        Row("PATCH", "/images/{image}", OWNER_ONLY, {"title": "Mine"}),
        Row("GET", "/images/{image}/renditions/" + PANEL, OWNER_ONLY),
        Row("GET", "/images/{image}/frames/{frame}/preview?caption=Hi", OWNER_ONLY),
        Row("GET", "/shares/{share}", OWNER_ONLY),
        # A share Ben sent to Ana's frame: the sender and the frame's owner see it.
        Row("GET", "/shares/{ben_share}", (401, 404, 200, 404, 200)),
        Row("POST", "/friends/requests/{Gus}/accept", (401, 404, 404, 404, 200)),
        Row("POST", "/friends/requests/{Hal}/reject", (401, 404, 404, 404, 200)),
        Row("POST", "/friends/requests/{Ivy}/cancel", (401, 404, 404, 404, 200)),
        Row("DELETE", "/friends/{Fay}", (401, 404, 404, 404, 204)),
        Row("DELETE", "/blocks/{Kim}", (401, 404, 404, 404, 204)),
        Row("DELETE", "/shares/{share_to_remove}/frames/{frame}", (401, 404, 404, 404, 204)),
        Row("DELETE", "/images/{image_to_delete}", (401, 404, 404, 404, 200)),
        Row("DELETE", "/frames/{frame_to_unpair}", (401, 404, 404, 404, 204)),
        # Sending to Ana's frame: the allowed friend yes, the other friend and a stranger no.
        Row("POST", "/shares", (401, 403, 201, 403, 201), body_for=_send_body),
        # --- on each role's own spare account -------------------------------------------------
        Row("POST", "/me/password", ANY_USER, body_for=_password_body, user_for="password"),
        Row(
            "DELETE",
            "/me",
            (401, 204, 204, 204, 204),
            {"password": "correct horse battery"},
            user_for="delete",
        ),
    ]


def _fill(body: Any, w: World) -> Any:
    if isinstance(body, str) and body.startswith("{") and body.endswith("}"):
        return w.ids[body[1:-1]]
    if isinstance(body, dict):
        return {k: _fill(v, w) for k, v in body.items()}
    return body


def test_every_endpoint_answers_every_kind_of_caller_exactly_as_specified(client: Client):
    from app import app

    w = build_world(client)
    failures = []
    covered = set()
    for row in rows():
        covered.add((row.path.split("?")[0], row.method))
        for role, expected in zip(ROLES, row.expect, strict=True):
            path, body, user = row.request(w, role)
            response = call(client, row.method, path, _fill(body, w), user)
            if response.status_code != expected:
                failures.append(
                    f"{row.method} {row.path} as {role}: expected {expected}, "
                    f"got {response.status_code} {response.body[:200]!r}"
                )
    assert not failures, "\n".join(failures)
    routed = {(p, m) for p, entries in app.routes.items() for m in entries if m != "OPTIONS"}
    missing = {(p, m) for p, m in routed if not any(_matches(p, m, row) for row in covered)}
    assert not missing, f"the matrix has no row for {sorted(missing)}"
    _self_scoped_answers_are_the_callers_own(client, w)


def _matches(template: str, method: str, row: tuple[str, str]) -> bool:
    pattern = "^" + re.sub(r"{\w+}", "[^/]+", template) + "$"
    return method == row[1] and re.match(pattern, row[0]) is not None


def _self_scoped_answers_are_the_callers_own(client: Client, w: World) -> None:
    """Listings and the dashboard never show Ana's frame, photos or shares to others."""
    frame, share = w["frame"], w["share"]
    ben, cy, dee = w.users["friend"], w.users["friend_without_permission"], w.users["stranger"]

    def body(user: User, path: str) -> str:
        return str(call(client, "GET", path, user=user).body)

    for outsider in (cy, dee):
        assert frame not in body(outsider, "/frames/targets")
        assert frame not in body(outsider, "/frames") and frame not in body(outsider, "/dashboard")
        assert share not in body(outsider, "/shares") + body(outsider, "/shares?direction=received")
        assert w["image"] not in body(outsider, "/images")
    assert frame in body(ben, "/frames/targets")
    assert share not in body(ben, "/shares") + body(ben, "/shares?direction=received")
    # Another user's id in the history filters changes nothing about whose history it is.
    leaked = body(dee, f"/shares?direction=received&userId={w.users['owner'].user_id}")
    assert share not in leaked and frame not in leaked
    # A bad or foreign token is refused by the authorizer, never served as anonymous.
    for token in ("garbage", w.users["owner"].token + "x", "Basic abc"):
        headers = {"Authorization": token if " " in token else f"Bearer {token}"}
        response = client.http.request("GET", "/me", headers=headers)
        assert response.status_code in (401, 403), (token, response.status_code)
