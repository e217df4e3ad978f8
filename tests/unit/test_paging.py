"""Page cursors: opaque to clients, and never a way into someone else's partition."""

from __future__ import annotations

import base64
import json

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.services import paging

KEY = {"user_id": {"S": "usr_ana"}, "image_id": {"S": "img_1"}}


def cursor_of(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def test_a_cursor_leads_back_to_the_key_it_was_made_from():
    cursor = paging.encode(KEY)
    assert cursor is not None
    assert paging.decode(cursor, owner_attribute="user_id", owner="usr_ana") == KEY


def test_the_last_page_has_no_cursor():
    assert paging.encode(None) is None
    assert paging.encode({}) is None


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_means_the_first_page(cursor):
    assert paging.decode(cursor, owner_attribute="user_id", owner="usr_ana") is None


def test_a_cursor_made_for_another_user_is_refused():
    cursor = paging.encode(KEY)
    with pytest.raises(ValidationFailed) as err:
        paging.decode(cursor, owner_attribute="user_id", owner="usr_ben")
    assert err.value.field == "cursor"


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        cursor_of(["usr_ana"]),
        cursor_of({"image_id": {"S": "img_1"}}),
        cursor_of({"user_id": {"S": "usr_ana"}, "n": {"N": "1"}}),
        cursor_of({"user_id": {"S": "usr_ana"}, "x": {"S": "a", "N": "1"}}),
    ],
)
def test_a_forged_or_damaged_cursor_is_a_validation_error(cursor):
    with pytest.raises(ValidationFailed):
        paging.decode(cursor, owner_attribute="user_id", owner="usr_ana")
