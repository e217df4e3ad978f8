"""In-process AWS (moto's mock_aws) with the resources of infra/template.json, and the app."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from chalicelib import bootstrap
from chalicelib.config import Settings as BackendSettings
from infra.localcloud.ca import CaFiles, ensure_ca
from infra.localcloud.provision import Provisioner
from infra.localcloud.settings import Settings
from infra.localcloud.template import load_local_template

REPO = Path(__file__).resolve().parents[2]

# The backend's configuration in these tests: bound explicitly (``aws`` fixture), as the Lambda
# entry modules bind theirs at startup; nothing here depends on import order.
BACKEND = BackendSettings.from_env(
    {
        "SHAREFRAME_PREFIX": "shareframe-local",
        "SHAREFRAME_MEDIA_BUCKET": "shareframe-local-media",
        "SHAREFRAME_WEB_URL": "http://localhost:5173",
    }
)


def _in_process_aws_sdk(patch: pytest.MonkeyPatch) -> None:
    """The AWS SDK's own settings for moto's in-process AWS (never a real account or endpoint).

    Per test, inside ``aws``: a worker also runs end-to-end tests whose local cloud needs the
    opposite settings, so nothing here may outlive the test."""
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
        patch.delenv(name)
    patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    patch.setenv("AWS_ACCESS_KEY_ID", "testing")
    patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    patch.setenv("SHAREFRAME_LOG_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def device_ca(tmp_path_factory: pytest.TempPathFactory) -> CaFiles:
    return ensure_ca(tmp_path_factory.mktemp("ca"))


def _clear_caches() -> None:
    from chalicelib.adapters import aws, media_store, secrets

    aws.client.cache_clear()  # the session stays: it holds no endpoint, only parsed models
    media_store._windowed_client.cache_clear()
    secrets.forget_cached()


@pytest.fixture
def aws(device_ca: CaFiles, tmp_path: Path) -> Iterator[None]:
    """A fresh in-process AWS account holding exactly what the template defines."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        _in_process_aws_sdk(patch)
        _clear_caches()
        bootstrap.start(BACKEND)
        settings = Settings.from_env()
        template = load_local_template(settings)
        Provisioner(template, None, tmp_path, device_ca).run()
        yield
    _clear_caches()


@pytest.fixture
def client(aws: None) -> Iterator[Client]:
    from app import app

    with Client(app, stage_name="local", project_dir=str(REPO / "functions")) as test_client:
        yield test_client


# --- reading what the fake AWS did ---------------------------------------------------------


def sent_mail() -> list[Any]:
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def mailed_token(to: str, path: str) -> str:
    for message in reversed(sent_mail()):
        if to in message.destinations["ToAddresses"]:
            match = re.search(rf"{re.escape(path)}\?token=([\w\-.%]+)", message.body)
            if match:
                from urllib.parse import unquote

                return unquote(match.group(1))
    raise AssertionError(f"no mail to {to} with a {path} link")


def published(topic_suffix: str = "/desired") -> list[tuple[str, dict[str, Any]]]:
    from moto.iotdata.models import iotdata_backends

    backend = iotdata_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    return [
        (topic, json.loads(payload))
        for topic, payload in backend.published_payloads
        if topic.endswith(topic_suffix)
    ]


# --- API helpers ----------------------------------------------------------------------------


@dataclass
class User:
    user_id: str
    email: str
    token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}


def call(client: Client, method: str, path: str, body: Any = None, user: User | None = None) -> Any:
    headers = dict(user.headers) if user else {"Content-Type": "application/json"}
    raw = json.dumps(body) if body is not None else None
    return client.http.request(method, path, headers=headers, body=raw)


def signup(
    client: Client, email: str, name: str = "Ana", password: str = "correct horse battery"
) -> User:
    response = call(
        client,
        "POST",
        "/auth/register",
        {"email": email, "password": password, "displayName": name},
    )
    assert response.status_code == 201, response.body
    token = mailed_token(email, "/verify")
    assert call(client, "POST", "/auth/verify", {"token": token}).status_code == 200
    response = call(client, "POST", "/auth/login", {"email": email, "password": password})
    assert response.status_code == 200, response.body
    data = json.loads(response.body)
    return User(data["user"]["userId"], email, data["accessToken"], data["refreshToken"])


# --- library and frames ---------------------------------------------------------------------


def jpeg_bytes(
    size: tuple[int, int] = (1200, 800), colour: tuple[int, int, int] = (200, 80, 40)
) -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=(20, 120, 220))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def drain_uploads(client: Client) -> int:
    """Deliver what S3 put on the uploads queue to the queue handler, as Lambda would."""
    import boto3

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="shareframe-local-uploads")["QueueUrl"]
    handled = 0
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return handled
        for message in messages:
            event = client.events.generate_sqs_event(
                queue_name="shareframe-local-uploads", message_bodies=[message["Body"]]
            )
            client.lambda_.invoke("process_uploads", event)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            handled += 1


def drain_renders(client: Client) -> list[str]:
    """Work off the renditions queue (what ``POST /shares`` left for the rendition workers) as
    its Lambda would; returns each job's outcome."""
    import boto3

    from chalicelib.events import rendition_queue
    from chalicelib.events.messages import RenderRequest

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="shareframe-local-renditions")["QueueUrl"]
    outcomes = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            outcomes.append(rendition_queue.handle(RenderRequest.parse(message["Body"])))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return outcomes


def upload_photo(
    client: Client, user: User, data: bytes | None = None, content_type: str = "image/jpeg"
) -> str:
    """The browser's path: ask for a presigned POST, put the bytes at its key, let S3 notify."""
    import boto3

    payload = data if data is not None else jpeg_bytes()
    response = call(
        client, "POST", "/images", {"contentType": content_type, "bytes": len(payload)}, user
    )
    assert response.status_code == 201, response.body
    created = json.loads(response.body)
    boto3.client("s3", region_name="us-east-1").put_object(
        Bucket="shareframe-local-media",
        Key=created["upload"]["fields"]["key"],
        Body=payload,
        ContentType=content_type,
    )
    drain_uploads(client)
    return str(created["imageId"])


def frame_csr() -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "new-frame")]))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def pair_frame(
    client: Client, user: User, name: str = "Kitchen", panel: str = "waveshare_7in5_v2"
) -> dict[str, Any]:
    start = call(
        client, "POST", "/pairing", {"csr": frame_csr(), "panel": panel, "firmware": "0.1.0"}
    )
    assert start.status_code == 201, start.body
    session = json.loads(start.body)
    claimed = call(client, "POST", "/frames", {"code": session["code"], "name": name}, user)
    assert claimed.status_code == 201, claimed.body
    poll = call(
        client, "POST", f"/pairing/{session['code']}/poll", {"pollToken": session["pollToken"]}
    )
    assert poll.status_code == 200
    return {**json.loads(claimed.body), "pairing": json.loads(poll.body)}


def frame_reports(client: Client, frame_id: str, **event: Any) -> str:
    """Invoke the events rule's function as IoT Core would: a frame's event (with a fresh
    ``eventId`` and ``at`` unless given) plus the topic's frame id."""
    defaults = {
        "eventId": str(uuid.uuid4()),
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    message = {**defaults, **event, "frameId": frame_id}
    result: str = client.lambda_.invoke("frame_events", message).payload
    return result


# --- scheduled jobs -------------------------------------------------------------------------


@dataclass
class JobRun:
    """What a schedule's sweeps and the timer workers did, summed over the messages."""

    messages: int = 0
    handed_over: int = 0
    examined: int = 0
    changed: int = 0
    continued: int = 0  # sweeps that ran out of time and handed over to a new message


def run_job(client: Client, job: str) -> JobRun:
    """Fire ``job``'s schedule, then work off the timers queue as the queue's Lambda would."""
    import boto3

    from chalicelib.events import timer_queue
    from chalicelib.events.messages import timer_message
    from chalicelib.services import maintenance

    client.lambda_.invoke(job, client.events.generate_cw_event("aws.events", "Scheduled", {}, []))
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="shareframe-local-timers")["QueueUrl"]
    run = JobRun()
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            outcome = timer_queue.handle(timer_message(message["Body"]))
            run.messages += 1
            if isinstance(outcome, maintenance.SweepOutcome):
                run.handed_over += outcome.handed_over
                run.continued += not outcome.finished
            else:
                run.examined += outcome.examined
                run.changed += outcome.changed
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return run


@pytest.fixture
def family(client: Client) -> tuple[User, User, dict[str, Any]]:
    """Ana and Bob are friends; Bob has a frame, "Kitchen", Ana may send to."""
    from tests.integration.test_friends_and_sharing import befriend

    ana = signup(client, "ana@example.com", name="Ana")
    bob = signup(client, "bob@example.com", name="Bob")
    frame = pair_frame(client, bob, name="Kitchen")
    befriend(client, ana, bob)
    return ana, bob, frame
