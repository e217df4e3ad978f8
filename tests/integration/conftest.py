"""In-process AWS (moto's mock_aws) with the resources of infra/template.json, and the app."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The backend reads its configuration at import: set it before anything imports chalicelib.
for _name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
    del os.environ[_name]
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "SHAREFRAME_PREFIX": "shareframe-local",
        "SHAREFRAME_MEDIA_BUCKET": "shareframe-local-media",
        "SHAREFRAME_WEB_URL": "http://localhost:5173",
        "SHAREFRAME_LOG_LEVEL": "WARNING",
    }
)

from chalice.test import Client  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402

from infra.localcloud.ca import CaFiles, ensure_ca  # noqa: E402
from infra.localcloud.provision import Provisioner  # noqa: E402
from infra.localcloud.settings import Settings  # noqa: E402
from infra.localcloud.template import load_local_template  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def device_ca(tmp_path_factory: pytest.TempPathFactory) -> CaFiles:
    return ensure_ca(tmp_path_factory.mktemp("ca"))


def _clear_caches() -> None:
    from chalicelib.adapters import aws, secrets

    aws.client.cache_clear()
    secrets.forget_cached()


@pytest.fixture
def aws(device_ca: CaFiles, tmp_path: Path) -> Iterator[None]:
    """A fresh in-process AWS account holding exactly what the template defines."""
    with mock_aws():
        _clear_caches()
        settings = Settings.from_env()
        template = load_local_template(settings)
        Provisioner(template, None, tmp_path, device_ca).run()  # type: ignore[arg-type]
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


def signup(client: Client, email: str, name: str = "Ana", password: str = "correct horse battery") -> User:
    response = call(client, "POST", "/auth/register", {"email": email, "password": password, "displayName": name})
    assert response.status_code == 201, response.body
    token = mailed_token(email, "/verify")
    assert call(client, "POST", "/auth/verify", {"token": token}).status_code == 200
    response = call(client, "POST", "/auth/login", {"email": email, "password": password})
    assert response.status_code == 200, response.body
    data = json.loads(response.body)
    return User(data["user"]["userId"], email, data["accessToken"], data["refreshToken"])
