"""SHA-256 through awscrt (resident for MQTT anyway).

``hashlib`` would map OpenSSL's libcrypto into the frame (about 3.5 MB resident), which the
frame otherwise never needs: awscrt carries its own (aws-lc).
"""

from __future__ import annotations

from pathlib import Path

from awscrt.crypto import Hash

CHUNK = 64 * 1024


def sha256_hex(data: bytes) -> str:
    digest = Hash.sha256_new()
    digest.update(data)
    return bytes(digest.digest()).hex()


def file_sha256_hex(path: Path) -> str:
    digest = Hash.sha256_new()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return bytes(digest.digest()).hex()
