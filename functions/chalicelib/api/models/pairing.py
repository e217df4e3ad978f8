"""The frame's side of pairing (unauthenticated)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from chalicelib.api.models.common import Model, Panel


class StartPairing(Model, frozen=True, kw_only=True):
    csr: Annotated[
        str,
        Meta(max_length=8192, description="A PEM certificate signing request (EC P-256 or RSA)."),
    ]
    panel: Panel
    firmware: Annotated[str, Meta(min_length=1, max_length=32)]


class StartPairingResult(Model, frozen=True, kw_only=True):
    code: str
    poll_token: str
    expires_at: Annotated[str, Meta(extra_json_schema={"format": "date-time"})]
    poll_interval_seconds: int
    claim_url: str


class PollPairing(Model, frozen=True, kw_only=True):
    poll_token: Annotated[str, Meta(max_length=256)]


class PollPairingResultMqtt(Model, frozen=True, kw_only=True):
    host: str
    port: int


class PollPairingResult(Model, frozen=True, kw_only=True):
    status: Literal["pending", "paired"]
    frame_id: str | UnsetType = UNSET
    certificate_pem: str | UnsetType = UNSET
    server_ca_pem: str | UnsetType = UNSET
    mqtt: PollPairingResultMqtt | UnsetType = UNSET
