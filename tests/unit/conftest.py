"""Unit tests run without a cloud: any socket a test opens, or an import of moto, fails it.

The business rules are tested against the in-memory fakes of ``fakes.py``; whatever needs
DynamoDB, S3 or a broker belongs in tests/integration or tests/e2e.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.fakes import World


class NetworkUsed(AssertionError):
    pass


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise NetworkUsed(f"a unit test tried to use the network: {args[1:]!r}")


@pytest.fixture(autouse=True)
def no_network_no_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("connect", "connect_ex", "bind", "sendto"):
        monkeypatch.setattr(socket.socket, name, _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)
    had_moto = "moto" in sys.modules  # a whole-suite run imports it for the integration tests
    yield
    assert had_moto or "moto" not in sys.modules, (
        "a unit test imported moto: it belongs in tests/integration"
    )


@pytest.fixture
def world() -> World:
    return World()
