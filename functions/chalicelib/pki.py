"""The one X.509 certificate builder: device CAs and the leaf certificates they sign.

Used by the backend (frame certificates signed from CSRs, ``adapters/device_ca.py``), by the
deploy command (each stage's CA, ``infra/deploy/device_ca.py``) and by the local cloud (its CA,
the broker's server certificate and client certificates, ``infra/localcloud/ca.py``). Where the
keys are kept (Secrets Manager, files) is the callers' business; this module only builds.

What every certificate carries, and why:

* CA: EC P-256, ``BasicConstraints(ca, path_length=0)`` (it signs leaves only), key usage
  ``keyCertSign``/``cRLSign``/``digitalSignature`` (critical), a subject key identifier. AWS IoT
  ``RegisterCACertificate`` and OpenSSL (mosquitto) both accept it.
* Leaf: ``BasicConstraints(ca=False)`` (critical); key usage ``digitalSignature`` plus
  ``keyAgreement`` for EC or ``keyEncipherment`` for RSA keys (critical); extended key usage
  ``clientAuth`` or ``serverAuth``; the authority key identifier of the CA (how OpenSSL picks
  the issuer); subject alternative names for servers (hostname verification).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable
from enum import Enum

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

type CaKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
type LeafKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

# Certificates start a little in the past: a frame or broker whose clock runs a few minutes
# behind must not see a certificate that is "not yet valid".
CLOCK_SKEW = dt.timedelta(minutes=5)


class Purpose(Enum):
    """What a leaf certificate authenticates in TLS."""

    CLIENT = "client"
    SERVER = "server"


def _window(validity: dt.timedelta) -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.UTC)
    return now - CLOCK_SKEW, now + validity


def _key_usage(
    *, ca: bool, key_agreement: bool = False, key_encipherment: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        key_encipherment=key_encipherment,
        content_commitment=False,
        data_encipherment=False,
        key_agreement=key_agreement,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def new_ca(
    organization: str, common_name: str, *, validity: dt.timedelta
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A self-signed EC P-256 CA that may sign leaf certificates only (path length 0)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    not_before, not_after = _window(validity)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def issue_leaf(
    ca_cert: x509.Certificate,
    ca_key: CaKey,
    common_name: str,
    public_key: LeafKey,
    *,
    purpose: Purpose,
    validity: dt.timedelta,
    hostnames: Iterable[str] = (),
) -> x509.Certificate:
    """Sign ``public_key`` as ``common_name``; ``hostnames`` (DNS names or IPs) become SANs."""
    not_before, not_after = _window(validity)
    usage = (
        ExtendedKeyUsageOID.SERVER_AUTH
        if purpose is Purpose.SERVER
        else (ExtendedKeyUsageOID.CLIENT_AUTH)
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _key_usage(
                ca=False,
                key_agreement=isinstance(public_key, ec.EllipticCurvePublicKey),
                key_encipherment=isinstance(public_key, rsa.RSAPublicKey),
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    names = [_general_name(h) for h in hostnames]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def _general_name(hostname: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(hostname))
    except ValueError:
        return x509.DNSName(hostname)


def certificate_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def private_key_pem(key: CaKey) -> str:
    """PKCS#8, unencrypted: callers keep it in a 0600 file or in Secrets Manager."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def load_ca(certificate: str | bytes, private_key: str | bytes) -> tuple[x509.Certificate, CaKey]:
    """A CA certificate and its key from PEM; the key must be EC or RSA."""
    cert_bytes = certificate.encode() if isinstance(certificate, str) else certificate
    key_bytes = private_key.encode() if isinstance(private_key, str) else private_key
    cert = x509.load_pem_x509_certificate(cert_bytes)
    key = serialization.load_pem_private_key(key_bytes, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise TypeError("a CA key must be EC or RSA")
    return cert, key
