"""Make the frame's private key and CSR: ``python -m shareframe_frame.keygen`` prints them as JSON.

Run as a short-lived child by ``pairing.generate_key_and_csr``: cryptography (about 11 MB
resident, the largest library the frame has) then never loads into the frame process, which
runs for months after pairing once. The key travels to the parent over a pipe, never a file.
"""

from __future__ import annotations

import json
import sys


def key_and_csr() -> tuple[bytes, str]:
    """A new EC P-256 private key (PEM, PKCS#8) and a CSR for it (CN is replaced by the cloud)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shareframe-frame")]))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, csr.public_bytes(serialization.Encoding.PEM).decode()


def main() -> None:
    key_pem, csr_pem = key_and_csr()
    json.dump({"key": key_pem.decode(), "csr": csr_pem}, sys.stdout)


if __name__ == "__main__":
    main()
