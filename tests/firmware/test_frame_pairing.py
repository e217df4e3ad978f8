from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shareframe_frame.pairing import Pairing, PairingSession, generate_key_and_csr
from shareframe_frame.store import Credentials, Store
from tests.firmware.frame_fakes import FRAME_ID, FakePairingApi, serve_pairing


def test_the_key_is_p256_and_the_csr_is_signed_by_it() -> None:
    key_pem, csr_pem = generate_key_and_csr()
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    assert csr.is_signature_valid
    assert csr.public_key() == key.public_key()


class Runner:
    def __init__(self, api: FakePairingApi, state: Path) -> None:
        self.shown: list[PairingSession] = []
        self.stop = threading.Event()
        self.store = Store(state)
        self.result: list[Credentials | None] = []
        self.pairing = Pairing(
            api.url,
            self.store,
            panel="acep_7in3",
            firmware="0.1.0",
            show_code=self.shown.append,
            stop=self.stop,
        )
        self.thread = threading.Thread(target=lambda: self.result.append(self.pairing.run()))
        self.thread.start()

    def wait_shown(self, count: int, timeout: float = 10) -> PairingSession:
        deadline = time.monotonic() + timeout
        while len(self.shown) < count:
            assert time.monotonic() < deadline, "no pairing code shown"
            time.sleep(0.02)
        return self.shown[count - 1]

    def finish(self, timeout: float = 10) -> Credentials | None:
        self.thread.join(timeout)
        assert not self.thread.is_alive()
        return self.result[0]


@pytest.fixture
def api() -> Iterator[FakePairingApi]:
    with serve_pairing(FakePairingApi()) as running:
        yield running


def test_pairing_stores_what_the_cloud_answers(api: FakePairingApi, tmp_path: Path) -> None:
    runner = Runner(api, tmp_path)
    session = runner.wait_shown(1)
    assert session.claim_url.endswith(session.code)
    assert api.sessions[session.code]["panel"] == "acep_7in3"
    api.claim(session.code)
    creds = runner.finish()
    assert creds is not None and creds.frame_id == FRAME_ID
    cert = x509.load_pem_x509_certificate(creds.certificate_path.read_bytes())
    key = serialization.load_pem_private_key(creds.private_key_path.read_bytes(), None)
    assert cert.public_key() == key.public_key()  # the certificate is for the frame's own key
    assert creds.server_ca_path.read_text() == api.ca.pem


def test_an_unknown_or_expired_session_starts_again(api: FakePairingApi, tmp_path: Path) -> None:
    runner = Runner(api, tmp_path)
    first = runner.wait_shown(1)
    api.expire_all()  # the next poll answers 404
    second = runner.wait_shown(2)
    assert second.code != first.code
    api.claim(second.code)
    assert runner.finish() is not None


def test_a_session_past_its_expiry_starts_again_without_asking(tmp_path: Path) -> None:
    with serve_pairing(FakePairingApi(expires_in=timedelta(seconds=-5))) as api:
        runner = Runner(api, tmp_path)
        runner.wait_shown(2)
        runner.stop.set()
        assert runner.finish() is None


def test_an_unreachable_api_is_retried_until_stopped(tmp_path: Path) -> None:
    stop = threading.Event()
    pairing = Pairing(
        "http://127.0.0.1:9",
        Store(tmp_path),
        panel="acep_7in3",
        firmware="0.1.0",
        show_code=lambda s: None,
        stop=stop,
    )
    thread = threading.Thread(target=pairing.run)
    thread.start()
    time.sleep(0.3)
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
