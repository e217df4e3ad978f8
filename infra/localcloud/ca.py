"""The local device CA: the root frames, the broker and the cloud client all chain to.

In AWS, frames present certificates from our own CA registered with IoT Core and the broker's
certificate chains to Amazon Root CA 1. Locally one CA plays both roles, so ``serverRootPem`` is
the CA certificate itself. Generated on first run into ``<state_dir>/ca/``, then reused.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from infra.localcloud.settings import CLOUD_CLIENT_CN
from infra.pki import new_ca

CA_DAYS = 3650
LEAF_DAYS = 825


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
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(data)
    # Private: the broker runs as the invoking user (see mosquitto.py), so 0600 is enough.
    path.chmod(0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    path.chmod(0o644)


def load_ca(files: CaFiles) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return cert, key


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)


def issue_certificate(
    files: CaFiles,
    common_name: str,
    public_key: ec.EllipticCurvePublicKey,
    *,
    server: bool = False,
) -> x509.Certificate:
    """Sign a leaf certificate for ``common_name`` (a client unless ``server``)."""
    ca_cert, ca_key = load_ca(files)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now())
        .not_valid_after(_now() + dt.timedelta(days=LEAF_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=False,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
    return builder.sign(ca_key, hashes.SHA256())


def issue_client_files(files: CaFiles, common_name: str, directory: Path) -> tuple[Path, Path]:
    """Make a key and a client certificate for ``common_name`` in ``directory`` (for tests)."""
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issue_certificate(files, common_name, key.public_key())
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in common_name)
    cert_path, key_path = directory / f"{safe}.pem", directory / f"{safe}.key"
    _write_key(key_path, key)
    _write_cert(cert_path, cert)
    return cert_path, key_path


def _make_ca(files: CaFiles) -> None:
    cert, key = new_ca(
        "Shareframe local cloud", "Shareframe local device CA", validity=dt.timedelta(days=CA_DAYS)
    )
    _write_key(files.ca_key, key)
    _write_cert(files.ca_cert, cert)


def _make_leaf(files: CaFiles, cert_path: Path, key_path: Path, cn: str, server: bool) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issue_certificate(files, cn, key.public_key(), server=server)
    _write_key(key_path, key)
    _write_cert(cert_path, cert)


def ensure_ca(directory: Path) -> CaFiles:
    """Create the CA, broker server and cloud client certificates unless they exist."""
    files = CaFiles(directory)
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    fresh_ca = not (files.ca_cert.exists() and files.ca_key.exists())
    if fresh_ca:
        _make_ca(files)
    if fresh_ca or not (files.server_cert.exists() and files.server_key.exists()):
        _make_leaf(files, files.server_cert, files.server_key, "localhost", server=True)
    if fresh_ca or not (files.cloud_cert.exists() and files.cloud_key.exists()):
        _make_leaf(files, files.cloud_cert, files.cloud_key, CLOUD_CLIENT_CN, server=False)
    return files
