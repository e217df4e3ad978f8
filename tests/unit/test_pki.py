"""The one certificate builder (chalicelib/pki.py): what IoT Core and mosquitto rely on."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from chalicelib import pki

DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    return pki.new_ca("Shareframe tests", "Test device CA", validity=dt.timedelta(days=3650))


def _ext(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> x509.Extension[x509.ExtensionType]:
    return cert.extensions.get_extension_for_oid(oid)


def test_the_ca_signs_leaves_only_and_is_valid_for_its_lifetime(ca):
    cert, key = ca
    constraints = _ext(cert, ExtensionOID.BASIC_CONSTRAINTS)
    assert constraints.critical and constraints.value == x509.BasicConstraints(True, 0)
    usage = _ext(cert, ExtensionOID.KEY_USAGE)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Test device CA"
    assert _ext(cert, ExtensionOID.SUBJECT_KEY_IDENTIFIER).value.digest
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert abs(lifetime - dt.timedelta(days=3650) - pki.CLOCK_SKEW) < dt.timedelta(seconds=5)
    assert isinstance(key.curve, ec.SECP256R1)
    cert.verify_directly_issued_by(cert)


def test_a_client_leaf_is_signed_by_the_ca_for_client_auth_only(ca):
    ca_cert, ca_key = ca
    device_key = ec.generate_private_key(ec.SECP256R1())
    leaf = pki.issue_leaf(
        ca_cert,
        ca_key,
        "frm_01JD2ZK3Q4X7H8M9N0PQRSTVWX",
        device_key.public_key(),
        purpose=pki.Purpose.CLIENT,
        validity=3650 * DAY,
    )
    leaf.verify_directly_issued_by(ca_cert)
    assert leaf.subject.rfc4514_string() == "CN=frm_01JD2ZK3Q4X7H8M9N0PQRSTVWX"
    assert _ext(leaf, ExtensionOID.BASIC_CONSTRAINTS).value.ca is False
    usage = _ext(leaf, ExtensionOID.KEY_USAGE)
    assert usage.critical and usage.value.digital_signature and usage.value.key_agreement
    assert not usage.value.key_cert_sign
    assert list(_ext(leaf, ExtensionOID.EXTENDED_KEY_USAGE).value) == [
        ExtendedKeyUsageOID.CLIENT_AUTH
    ]
    authority = _ext(leaf, ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value
    assert (
        authority.key_identifier == _ext(ca_cert, ExtensionOID.SUBJECT_KEY_IDENTIFIER).value.digest
    )
    with pytest.raises(x509.ExtensionNotFound):
        _ext(leaf, ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    now = dt.datetime.now(dt.UTC)
    assert leaf.not_valid_before_utc <= now - pki.CLOCK_SKEW + dt.timedelta(seconds=5)
    assert leaf.not_valid_after_utc > now + 3649 * DAY


def test_a_server_leaf_names_its_hosts(ca):
    ca_cert, ca_key = ca
    leaf = pki.issue_leaf(
        ca_cert,
        ca_key,
        "localhost",
        ec.generate_private_key(ec.SECP256R1()).public_key(),
        purpose=pki.Purpose.SERVER,
        validity=825 * DAY,
        hostnames=("127.0.0.1", "localhost"),
    )
    assert list(_ext(leaf, ExtensionOID.EXTENDED_KEY_USAGE).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH
    ]
    names = _ext(leaf, ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]


def test_an_rsa_key_gets_key_encipherment_instead_of_key_agreement(ca):
    ca_cert, ca_key = ca
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = pki.issue_leaf(
        ca_cert, ca_key, "frm_x", rsa_key.public_key(), purpose=pki.Purpose.CLIENT, validity=DAY
    )
    usage = _ext(leaf, ExtensionOID.KEY_USAGE).value
    assert usage.key_encipherment and not usage.key_agreement


def test_pem_round_trip(ca):
    cert, key = ca
    loaded_cert, loaded_key = pki.load_ca(pki.certificate_pem(cert), pki.private_key_pem(key))
    assert loaded_cert == cert
    assert loaded_key.private_numbers() == key.private_numbers()
    with pytest.raises(ValueError):
        pki.load_ca(pki.certificate_pem(cert), "not a key")
