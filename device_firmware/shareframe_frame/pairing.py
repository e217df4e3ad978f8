"""Pair the frame with the cloud (protocol.md §1): a device flow like RFC 8628.

The frame makes its own EC P-256 key (it never leaves the frame), sends a CSR to
``POST {api}/pairing``, shows the code and a QR code of the claim URL, and polls
``POST {api}/pairing/{code}/poll`` until the user claims it. Expired or unknown sessions
(404, or past ``expiresAt``) start again with a new code.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from shareframe_frame.http_client import HttpError, open_url
from shareframe_frame.store import Credentials, Store

log = logging.getLogger(__name__)

HTTP_TIMEOUT = 4.0
MAX_RESPONSE_BYTES = 64 * 1024
MAX_BACKOFF = 60.0


class PairingHttpError(Exception):
    def __init__(self, status: int | None, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}" if status else detail)
        self.status = status


@dataclass(frozen=True)
class PairingSession:
    code: str
    poll_token: str
    expires_at: datetime
    poll_interval: float
    claim_url: str


def generate_key_and_csr() -> tuple[bytes, str]:
    """A new EC P-256 private key (PEM, PKCS#8) and a CSR for it, made in a child process
    (keygen.py) so that cryptography never loads into the frame."""
    package_root = str(Path(__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-m", "shareframe_frame.keygen"],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"key generation failed: {result.stderr.decode(errors='replace')[-500:]}"
        )
    made = json.loads(result.stdout)
    return made["key"].encode(), str(made["csr"])


def post_json(url: str, body: dict[str, Any], timeout: float = HTTP_TIMEOUT) -> tuple[int, Any]:
    """POST JSON, return (status, decoded JSON or None). Raises PairingHttpError on I/O errors."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise PairingHttpError(None, "only http(s) URLs")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    try:
        with open_url(
            url, method="POST", headers=headers, body=json.dumps(body).encode(), timeout=timeout
        ) as response:
            status, raw = response.status, response.read_all(MAX_RESPONSE_BYTES)
    except HttpError as exc:
        raise PairingHttpError(None, str(exc)) from exc
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


def _parse_session(body: Any) -> PairingSession:
    if not isinstance(body, dict):
        raise PairingHttpError(201, "pairing response is not an object")
    try:
        code, token, claim = body["code"], body["pollToken"], body["claimUrl"]
        expires = datetime.fromisoformat(body["expiresAt"])
        interval = float(body.get("pollIntervalSeconds", 3))
    except (KeyError, TypeError, ValueError) as exc:
        raise PairingHttpError(201, f"bad pairing response: {exc}") from exc
    if not all(isinstance(v, str) and v for v in (code, token, claim)) or len(code) > 16:
        raise PairingHttpError(201, "bad pairing response fields")
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return PairingSession(code, token, expires, min(max(interval, 1.0), 60.0), claim)


@dataclass(frozen=True)
class PairedAnswer:
    frame_id: str
    certificate_pem: str
    server_ca_pem: str
    mqtt_host: str
    mqtt_port: int


def _parse_paired(body: dict[str, Any]) -> PairedAnswer:
    try:
        mqtt = body["mqtt"]
        answer = PairedAnswer(
            frame_id=body["frameId"],
            certificate_pem=body["certificatePem"],
            server_ca_pem=body["serverCaPem"],
            mqtt_host=mqtt["host"],
            mqtt_port=mqtt["port"],
        )
    except (KeyError, TypeError) as exc:
        raise PairingHttpError(200, f"bad paired response: {exc}") from exc
    if not (
        isinstance(answer.frame_id, str)
        and answer.frame_id
        and len(answer.frame_id) <= 128
        and "/" not in answer.frame_id
        and "+" not in answer.frame_id
        and "#" not in answer.frame_id
        and isinstance(answer.certificate_pem, str)
        and "BEGIN CERTIFICATE" in answer.certificate_pem
        and isinstance(answer.server_ca_pem, str)
        and "BEGIN CERTIFICATE" in answer.server_ca_pem
        and isinstance(answer.mqtt_host, str)
        and isinstance(answer.mqtt_port, int)
        and 0 < answer.mqtt_port < 65536
    ):
        raise PairingHttpError(200, "bad paired response fields")
    return answer


ShowCode = Callable[[PairingSession], None]


class Pairing:
    """Runs the pairing flow until paired or ``stop`` is set."""

    def __init__(
        self,
        api_url: str,
        store: Store,
        *,
        panel: str,
        firmware: str,
        show_code: ShowCode,
        stop: threading.Event,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._api = api_url.rstrip("/")
        self._store = store
        self._panel = panel
        self._firmware = firmware
        self._show_code = show_code
        self._stop = stop
        self._clock = clock

    def run(self) -> Credentials | None:
        """Block until paired (credentials saved) or stopped (None)."""
        key_pem, csr_pem = generate_key_and_csr()
        backoff = 1.0
        while not self._stop.is_set():
            try:
                session = self._start_session(csr_pem)
            except PairingHttpError as exc:
                log.warning("pairing request failed", extra={"error": str(exc)})
                self._stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 1.0
            log.info(
                "pairing code ready",
                extra={"pairingCode": session.code, "claimUrl": session.claim_url},
            )
            self._show_code(session)
            answer = self._poll(session)
            if answer is not None:
                try:
                    credentials = self._store.save_credentials(
                        frame_id=answer.frame_id,
                        private_key_pem=key_pem,
                        certificate_pem=answer.certificate_pem,
                        server_ca_pem=answer.server_ca_pem,
                        mqtt_host=answer.mqtt_host,
                        mqtt_port=answer.mqtt_port,
                    )
                except OSError as exc:
                    log.error("cannot store credentials", extra={"error": str(exc)})
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    continue
                log.info("paired", extra={"frameId": answer.frame_id})
                return credentials
        return None

    def _start_session(self, csr_pem: str) -> PairingSession:
        status, body = post_json(
            f"{self._api}/pairing",
            {"csr": csr_pem, "panel": self._panel, "firmware": self._firmware},
        )
        if status == 429:
            raise PairingHttpError(status, "rate limited")
        if status not in (200, 201):
            raise PairingHttpError(status, str(body)[:200])
        return _parse_session(body)

    def _poll(self, session: PairingSession) -> PairedAnswer | None:
        """Poll until paired (answer), or the session is over (None: start again)."""
        url = f"{self._api}/pairing/{quote(session.code, safe='')}/poll"
        interval = session.poll_interval
        while not self._stop.wait(interval):
            if self._clock() >= session.expires_at + timedelta(seconds=interval):
                log.info("pairing code expired; starting again")
                return None
            try:
                status, body = post_json(url, {"pollToken": session.poll_token})
            except PairingHttpError as exc:
                log.warning("pairing poll failed", extra={"error": str(exc)})
                interval = min(interval * 2, MAX_BACKOFF)
                continue
            interval = session.poll_interval
            if status == 404:
                log.info("pairing session unknown or expired; starting again")
                return None
            if status == 429:
                interval = min(session.poll_interval * 4, MAX_BACKOFF)
                continue
            if status != 200 or not isinstance(body, dict):
                log.warning("unexpected poll answer", extra={"status": status})
                continue
            if body.get("status") == "paired":
                try:
                    return _parse_paired(body)
                except PairingHttpError as exc:
                    log.error("bad paired answer", extra={"error": str(exc)})
                    continue
        return None
