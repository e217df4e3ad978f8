"""Bodies and queries are decoded into the contract's models before a handler runs: whatever a
client sends, a malformed request is a 400 in the usual error shape naming the field at fault,
never a 500, and the service is never reached."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from tests.integration.conftest import User, call, signup


@pytest.fixture
def user(client: Client) -> User:
    return signup(client, "edge@example.com")


def error_of(response) -> dict:
    assert response.status_code == 400, response.body
    return json.loads(response.body)["error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "imageId"),
        ({"imageId": "img_x"}, "frameIds"),
        ({"imageId": 7, "frameIds": ["frm_x"]}, "imageId"),
        ({"imageId": "img_x", "frameIds": []}, "frameIds"),
        ({"imageId": "img_x", "frameIds": ["frm_x"] * 21}, "frameIds"),
        ({"imageId": "img_x", "frameIds": [3]}, "frameIds"),
        ({"imageId": "img_x", "frameIds": ["frm_x"], "duration": "3y"}, "duration"),
        ({"imageId": "img_x", "frameIds": ["frm_x"], "caption": "x" * 141}, "caption"),
    ],
)
def test_a_malformed_send_names_its_field(client: Client, user: User, body: dict, field: str):
    error = error_of(call(client, "POST", "/shares", body, user=user))
    assert error["code"] == "validation_failed" and error["field"] == field


def test_a_body_that_is_not_a_json_object_is_bad_json(client: Client, user: User):
    for raw in (b"[1, 2]", b"{not json", b'"text"'):
        response = client.http.post(
            "/shares",
            body=raw,
            headers=user.headers,
        )
        assert response.status_code == 400
        assert json.loads(response.body)["error"]["code"] == "bad_json"


def test_an_unknown_setting_in_a_patch_is_refused_by_name(client: Client, user: User):
    error = error_of(
        call(client, "PATCH", "/me", {"displayName": "Ed", "colour": "red"}, user=user)
    )
    assert error["code"] == "validation_failed" and error["field"] == "colour"


def test_a_nested_error_names_the_top_level_field(client: Client, user: User):
    error = error_of(
        call(client, "PATCH", "/me", {"notifications": {"friendRequest": 1}}, user=user)
    )
    assert error["field"] == "notifications"
    assert "notifications.friendRequest" in error["message"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("direction=up", "direction"),
    ],
)
def test_a_malformed_query_names_its_parameter(client: Client, user: User, query: str, field: str):
    error = error_of(call(client, "GET", f"/shares?{query}", user=user))
    assert error["code"] == "validation_failed" and error["field"] == field


def test_query_parameters_are_converted_and_defaulted(client: Client, user: User):
    response = call(client, "GET", "/shares?limit=5&direction=received", user=user)
    assert response.status_code == 200
    assert json.loads(response.body) == {"items": [], "nextCursor": None}
