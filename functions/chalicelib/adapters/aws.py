"""AWS clients, created on first use from one botocore session per process.

Creating a botocore session's first client reads and parses its data files (the endpoint
table, the service's model and endpoint rules) and builds its event handlers: about 0.1 s of CPU
(docs/quality.md, "Cold starts"). Every client here, and every PynamoDB table's client
(adapters/tables.py), comes from the one session ``session()`` returns, so a cold start pays
that once, not once per table and service it touches. The clients are botocore's own: boto3
adds nothing the code uses (presigned URLs and POSTs are botocore's), and not importing it
saves its import on the first call.

Botocore sessions are not thread-safe (clients are): ``create_client`` runs under a lock, as the
rollout fan-out's threads may create PynamoDB clients at once.

SnapStart (snapstart.py): before the snapshot, ``load_models`` makes an unsigned client of every
service the backend uses and throws it away: the session's loader keeps the parsed data files
(endpoint table, service models, endpoint rules), and botocore's lazily imported modules are
imported, with no credentials resolved and no request sent. After a restore,
``forget_connections`` drops the clients (their connection pools and credentials) and keeps the
session, so a restored copy's first clients parse nothing; it drops the session too if it ever
resolved credentials (then the copy would share them).

Endpoints come from the standard ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` variables,
so the same code talks to AWS or to the local cloud.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import botocore.session
from botocore import UNSIGNED
from botocore.config import Config

# Every service the backend makes clients of (infra/deploy/layers.py keeps only their models,
# plus a test checks this list against the code's ``client("...")`` calls).
SERVICES = ("dynamodb", "iot", "iot-data", "s3", "secretsmanager", "ses", "sqs")


class _SharedSession(botocore.session.Session):  # type: ignore[misc]  # botocore is untyped
    """A botocore session whose ``create_client`` may be called from several threads."""

    def __init__(self) -> None:
        super().__init__()
        self._create_lock = threading.Lock()
        self.credentials_resolved = False

    def create_client(self, *args: Any, **kwargs: Any) -> Any:
        with self._create_lock:
            return super().create_client(*args, **kwargs)

    def get_credentials(self) -> Any:
        self.credentials_resolved = True
        return super().get_credentials()


@cache
def session() -> Any:
    """The process's botocore session (PynamoDB's too: adapters/tables.py)."""
    return _SharedSession()


@cache
def client(service: str) -> Any:
    """The process's client for ``service``, with the backend's timeouts and retries."""
    return make_client(
        service,
        Config(
            signature_version="s3v4" if service == "s3" else None,
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=5,
            read_timeout=20,
            # The fan-out publishes from 16 threads (services/rollouts.py): with botocore's
            # default pool of 10, six of them would open and drop a TLS connection per call.
            max_pool_connections=32,
        ),
    )


def make_client(service: str, config: Any) -> Any:
    """A new client from the shared session (for a client with its own event handlers)."""
    return session().create_client(service, config=config)


def load_models(services: tuple[str, ...] = SERVICES) -> None:
    """Parse and import what a client of each of ``services`` needs, without credentials."""
    for service in services:
        make_client(service, Config(signature_version=UNSIGNED))


def forget_connections() -> None:
    """Drop every client; keep the session's parsed data unless it holds credentials."""
    client.cache_clear()
    if session.cache_info().currsize and session().credentials_resolved:
        session.cache_clear()
