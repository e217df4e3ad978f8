"""Issues frame certificates from the project's device CA.

AWS IoT can trust a registered CA and accept certificates it signed (``RegisterCertificate``);
issuing them ourselves lets the frame keep its private key (only the CSR travels) and lets the
local broker trust the very same CA. The CA lives in Secrets Manager.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from chalicelib import pki
from chalicelib.adapters.secrets import secret_json
from chalicelib.config import settings
from chalicelib.domain.errors import ValidationFailed

CERT_LIFETIME = dt.timedelta(days=3650)
MAX_CSR_BYTES = 8192


@dataclass(frozen=True)
class DeviceCa:
    certificate_pem: str
    server_root_pem: str


def _load_ca() -> tuple[x509.Certificate, pki.CaKey, str]:
    data = secret_json(settings().device_ca_secret_id)
    cert, key = pki.load_ca(data["caCertificatePem"], data["caPrivateKeyPem"])
    return cert, key, str(data.get("serverRootPem") or data["caCertificatePem"])


def device_ca() -> DeviceCa:
    cert, _, server_root = _load_ca()
    return DeviceCa(certificate_pem=pki.certificate_pem(cert), server_root_pem=server_root)


def validate_csr(csr_pem: str) -> x509.CertificateSigningRequest:
    """Parse a frame's CSR; refuse anything but a self-signed EC P-256/P-384 or RSA >= 2048."""
    if len(csr_pem.encode()) > MAX_CSR_BYTES:
        raise ValidationFailed("The certificate request is too large.", field="csr")
    try:
        csr = x509.load_pem_x509_csr(csr_pem.encode())
    except ValueError as err:
        raise ValidationFailed("The certificate request is not a PEM CSR.", field="csr") from err
    if not csr.is_signature_valid:
        raise ValidationFailed("The certificate request's signature is invalid.", field="csr")
    key = csr.public_key()
    ok = (
        isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in ("secp256r1", "secp384r1")
    ) or (isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048)
    if not ok:
        raise ValidationFailed("The key must be EC P-256/P-384 or RSA 2048+.", field="csr")
    return csr


def issue_certificate(csr_pem: str, frame_id: str) -> str:
    """Sign the CSR's public key with CN = frame id (the CSR's own subject is ignored)."""
    public_key = validate_csr(csr_pem).public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey)  # validate_csr
    ca_cert, ca_key, _ = _load_ca()
    cert = pki.issue_leaf(
        ca_cert,
        ca_key,
        frame_id,
        public_key,
        purpose=pki.Purpose.CLIENT,
        validity=CERT_LIFETIME,
    )
    return pki.certificate_pem(cert)
