"""The local device CA: the root frames, the broker and the cloud client all chain to.

In AWS, frames present certificates from our own CA registered with IoT Core and the broker's
certificate chains to Amazon Root CA 1. Locally one CA plays both roles, so ``serverRootPem`` is
the CA certificate itself. Generated on first run into ``<state_dir>/ca/``, then reused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from chalicelib import pki
from infra.localcloud.settings import CLOUD_CLIENT_CN

CA_VALIDITY = dt.timedelta(days=3650)
LEAF_VALIDITY = dt.timedelta(days=825)
# The names the broker is reached by locally: its certificate must match them.
BROKER_HOSTNAMES = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class CaFiles:
    """Paths of the PEM files of one local CA directory."""

    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.directory / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.directory / "server.key"

    @property
    def cloud_cert(self) -> Path:
        return self.directory / "cloud.pem"

    @property
    def cloud_key(self) -> Path:
        return self.directory / "cloud.key"


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_text(pki.private_key_pem(key))
    # Private: the broker runs as the invoking user (see mosquitto.py), so 0600 is enough.
    path.chmod(0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_text(pki.certificate_pem(cert))
    path.chmod(0o644)


def _issue(
    files: CaFiles, common_name: str, *, server: bool
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A new key and its certificate for ``common_name`` (a client unless ``server``)."""
    ca_cert, ca_key = pki.load_ca(files.ca_cert.read_bytes(), files.ca_key.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    cert = pki.issue_leaf(
        ca_cert,
        ca_key,
        common_name,
        key.public_key(),
        purpose=pki.Purpose.SERVER if server else pki.Purpose.CLIENT,
        validity=LEAF_VALIDITY,
        hostnames=BROKER_HOSTNAMES if server else (),
    )
    return cert, key


def _write_leaf(files: CaFiles, cert_path: Path, key_path: Path, cn: str, server: bool) -> None:
    cert, key = _issue(files, cn, server=server)
    _write_key(key_path, key)
    _write_cert(cert_path, cert)


def issue_client_files(files: CaFiles, common_name: str, directory: Path) -> tuple[Path, Path]:
    """Make a key and a client certificate for ``common_name`` in ``directory`` (for tests)."""
    directory.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in common_name)
    cert_path, key_path = directory / f"{safe}.pem", directory / f"{safe}.key"
    _write_leaf(files, cert_path, key_path, common_name, server=False)
    return cert_path, key_path


def _make_ca(files: CaFiles) -> None:
    cert, key = pki.new_ca(
        "Shareframe local cloud", "Shareframe local device CA", validity=CA_VALIDITY
    )
    _write_key(files.ca_key, key)
    _write_cert(files.ca_cert, cert)


def ensure_ca(directory: Path) -> CaFiles:
    """Create the CA, broker server and cloud client certificates unless they exist."""
    files = CaFiles(directory)
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    fresh_ca = not (files.ca_cert.exists() and files.ca_key.exists())
    if fresh_ca:
        _make_ca(files)
    if fresh_ca or not (files.server_cert.exists() and files.server_key.exists()):
        _write_leaf(files, files.server_cert, files.server_key, "localhost", server=True)
    if fresh_ca or not (files.cloud_cert.exists() and files.cloud_key.exists()):
        _write_leaf(files, files.cloud_cert, files.cloud_key, CLOUD_CLIENT_CN, server=False)
    return files
