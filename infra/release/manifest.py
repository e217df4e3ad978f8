"""The signed release manifest: what the release manager vouches for besides the bundle bytes.

The bundle signature says "these bytes came from us"; it does not say which version, channel or
purpose they were released for. The manifest binds them, and frames check it before they
download anything (docs/firmware-updates.md, "The signed manifest")::

    {"bytes":123,"channel":"stable","rollback":false,"schema":1,"sha256":"…","version":"1.4.2"}

It is canonical JSON (sorted keys, no spaces, UTF-8). The exact text travels in the desired
state as ``manifest`` with ``manifestSignature`` (base64 Ed25519 over the text), so the frame
verifies the very bytes that were signed and never re-serialises them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra.release import signing
from infra.release.bundle import Bundle, check_version

SCHEMA = 1


@dataclass(frozen=True)
class SignedManifest:
    text: str
    signature: str


def manifest_text(bundle: Bundle, *, channel: str, rollback: bool = False) -> str:
    """The canonical manifest of ``bundle`` released on ``channel``."""
    check_version(bundle.version)
    return json.dumps(
        {
            "schema": SCHEMA,
            "version": bundle.version,
            "channel": channel,
            "sha256": bundle.sha256,
            "bytes": bundle.size,
            "rollback": rollback,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def sign_manifest(
    key: Ed25519PrivateKey, bundle: Bundle, *, channel: str, rollback: bool = False
) -> SignedManifest:
    text = manifest_text(bundle, channel=channel, rollback=rollback)
    return SignedManifest(text, signing.sign(key, text.encode()))
