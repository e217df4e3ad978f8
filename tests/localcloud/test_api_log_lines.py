"""make run's console: a frame waiting to be paired must not bury the banner under poll lines."""

from __future__ import annotations

import logging

import pytest

from infra.localcloud.api_server import _level


@pytest.mark.parametrize(
    ("line", "code", "level"),
    [
        ("POST /pairing/ABC123/poll HTTP/1.1", "202", logging.DEBUG),
        ("POST /pairing/ABC123/poll HTTP/1.1", "200", logging.DEBUG),
        ("POST /pairing/ABC123/poll HTTP/1.1", "429", logging.INFO),
        ("POST /pairing/ABC123/poll HTTP/1.1", "500", logging.INFO),
        ("POST /pairing HTTP/1.1", "201", logging.INFO),
        ("GET /frames HTTP/1.1", "200", logging.INFO),
        ("POST /shares HTTP/1.1", "201", logging.INFO),
    ],
)
def test_only_successful_pairing_polls_are_quiet(line: str, code: str, level: int) -> None:
    assert _level((line, code, "-")) == level


def test_other_server_messages_keep_their_level() -> None:
    assert _level(("code %d, message %s", 400, "Bad request")) == logging.INFO
