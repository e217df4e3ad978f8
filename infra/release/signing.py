"""The release signing key: Ed25519, PKCS#8 PEM on the release manager's machine only.

Frames trust the public key as base64 of its 32 raw bytes (``firmware_public_key``); the
signature in the desired state is base64 of the 64-byte Ed25519 signature of the bundle bytes.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DEFAULT_KEY_PATH = Path("~/.shareframe/release-signing.key")
KEY_ENV = "SHAREFRAME_RELEASE_KEY"


class SigningKeyError(Exception):
    """The key file is missing, unreadable or not an Ed25519 private key."""


def default_key_path() -> Path:
    return Path(os.environ.get(KEY_ENV) or DEFAULT_KEY_PATH).expanduser()


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The frame's format: base64 of the raw 32-byte public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def generate(path: Path, *, overwrite: bool = False) -> Ed25519PrivateKey:
    """Create a new key at ``path`` (mode 0600, parent 0700 if created); never overwrites."""
    path = path.expanduser()
    if path.exists() and not overwrite:
        raise SigningKeyError(f"{path} exists; refusing to replace a signing key")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    tmp.replace(path)
    return key


def ensure(path: Path) -> Ed25519PrivateKey:
    """Load the key at ``path``, creating it first if it does not exist (local cloud)."""
    return load(path) if path.exists() else generate(path)


def load(path: Path) -> Ed25519PrivateKey:
    path = path.expanduser()
    try:
        mode = path.stat().st_mode & 0o777
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read signing key {path}: {exc}") from exc
    if mode & 0o077:
        raise SigningKeyError(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError as exc:
        raise SigningKeyError(f"{path} is not a PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 key")
    return key


def sign(key: Ed25519PrivateKey, data: bytes) -> str:
    """Base64 of the Ed25519 signature of ``data``, checked before it is returned."""
    signature = key.sign(data)
    try:
        key.public_key().verify(signature, data)
    except InvalidSignature as exc:  # pragma: no cover - would be a broken crypto library
        raise SigningKeyError("the signature does not verify") from exc
    return base64.b64encode(signature).decode()
