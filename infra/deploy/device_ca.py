"""The stage's device CA: generated once, registered with AWS IoT, kept in Secrets Manager.

Frames' certificates are issued by the backend from this CA (``chalicelib.adapters.device_ca``)
and registered with ``RegisterCertificate``; IoT Core accepts them because the CA is registered
in the account. ``certificateMode=SNI_ONLY`` registers a CA without the proof-of-possession
verification certificate, which ``AWS::IoT::CACertificate`` would need: the deploy command does
it with boto3 instead of the template.

The CA's key lives in ``~/.shareframe/<stage>/`` (mode 0600, never in git) and in the
``<prefix>/device-ca`` secret, where the functions read it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from chalicelib import pki

CA_VALIDITY = dt.timedelta(days=3650 * 2)
AMAZON_ROOT_CA_1 = "Amazon Root CA 1"


def state_dir(stage: str) -> Path:
    base = Path(os.environ.get("SHAREFRAME_DEPLOY_HOME") or Path.home() / ".shareframe")
    return base / stage


@dataclass(frozen=True)
class DeviceCa:
    certificate_pem: str
    private_key_pem: str

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem.encode())

    def secret_value(self, server_root_pem: str) -> str:
        return json.dumps(
            {
                "caCertificatePem": self.certificate_pem,
                "caPrivateKeyPem": self.private_key_pem,
                "serverRootPem": server_root_pem,
            }
        )


def generate(common_name: str) -> DeviceCa:
    cert, key = pki.new_ca("Shareframe", common_name, validity=CA_VALIDITY)
    return DeviceCa(
        certificate_pem=pki.certificate_pem(cert), private_key_pem=pki.private_key_pem(key)
    )


def load_or_create(directory: Path, common_name: str) -> tuple[DeviceCa, bool]:
    """The CA kept in ``directory``; generated (and kept) on first use. Returns (ca, created)."""
    cert_path, key_path = directory / "device-ca.pem", directory / "device-ca.key"
    if cert_path.exists() and key_path.exists():
        return DeviceCa(cert_path.read_text(), key_path.read_text()), False
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca = generate(common_name)
    key_path.touch(mode=0o600)
    key_path.write_text(ca.private_key_pem)
    cert_path.write_text(ca.certificate_pem)
    return ca, True


def amazon_root_ca_pem() -> str:
    """Amazon Root CA 1 (what IoT Core's ATS endpoint chains to), from certifi's bundle."""
    import certifi

    bundle = Path(certifi.where()).read_text()
    # Parse only the labelled block: some other roots in the bundle no longer parse cleanly.
    _, found, rest = bundle.partition(f'# Label: "{AMAZON_ROOT_CA_1}"')
    if found:
        block = rest[rest.index("-----BEGIN") : rest.index("-----END CERTIFICATE-----") + 25]
        return pki.certificate_pem(x509.load_pem_x509_certificate(block.encode()))
    raise LookupError("Amazon Root CA 1 is not in certifi's bundle")


def _same_certificate(a: str, b: str) -> bool:
    load = x509.load_pem_x509_certificate
    return load(a.encode()).fingerprint(hashes.SHA256()) == load(b.encode()).fingerprint(
        hashes.SHA256()
    )


def register(iot: Any, ca: DeviceCa, known_id: str | None = None) -> str:
    """Register the CA with IoT Core (ACTIVE, SNI_ONLY) unless it already is; returns its id.

    ``known_id`` is the id recorded at the last deploy; IoT answers a second registration of
    the same certificate with ``ResourceAlreadyExistsException`` naming the existing id.
    """
    if known_id:
        try:
            existing = iot.describe_ca_certificate(certificateId=known_id)
        except iot.exceptions.ResourceNotFoundException:
            existing = None
        if existing and _same_certificate(
            existing["certificateDescription"]["certificatePem"], ca.certificate_pem
        ):
            if existing["certificateDescription"]["status"] != "ACTIVE":
                iot.update_ca_certificate(certificateId=known_id, newStatus="ACTIVE")
            return known_id
    try:
        response = iot.register_ca_certificate(
            caCertificate=ca.certificate_pem,
            setAsActive=True,
            allowAutoRegistration=False,
            certificateMode="SNI_ONLY",
        )
    except iot.exceptions.ResourceAlreadyExistsException as error:
        existing_id = str(error.response.get("resourceId", ""))
        if not existing_id:
            raise
        iot.update_ca_certificate(certificateId=existing_id, newStatus="ACTIVE")
        return existing_id
    return str(response["certificateId"])


def store_secret(secretsmanager: Any, secret_id: str, ca: DeviceCa, server_root_pem: str) -> bool:
    """Put the CA into the stack's secret (created by the template with ``{}``).

    Returns whether a new version was written: an unchanged value is left alone.
    """
    value = ca.secret_value(server_root_pem)
    try:
        current = secretsmanager.get_secret_value(SecretId=secret_id)["SecretString"]
    except secretsmanager.exceptions.ResourceNotFoundException:
        current = None
    if current == value:
        return False
    secretsmanager.put_secret_value(SecretId=secret_id, SecretString=value)
    return True


def install(iot: Any, secretsmanager: Any, stage: str, prefix: str) -> tuple[str, bool]:
    """Generate-or-load, register and store the stage's device CA. Returns (ca id, created)."""
    directory = state_dir(stage)
    ca, created = load_or_create(directory, f"Shareframe device CA ({prefix})")
    id_file = directory / "device-ca.id"
    ca_id = register(iot, ca, id_file.read_text().strip() if id_file.exists() else None)
    id_file.write_text(ca_id + "\n")
    store_secret(secretsmanager, f"{prefix}/device-ca", ca, amazon_root_ca_pem())
    return ca_id, created
