"""The package as built, run the way Lambda runs it: nothing but its own files on the path.

``make package`` output (built once per session by conftest.py, for this machine's architecture)
is unpacked like Lambda lays it out: the code zip as ``/var/task``, each layer's ``python/`` as
``/opt/python``. Each function's handler then runs in a fresh ``python -I -S`` (no
site-packages, no PYTHONPATH: tests/deploy/lambda_runner.py) with exactly the layers its
template gives it, against a moto server provisioned from infra/template.json, with the event
shapes AWS sends: API Gateway proxy requests, the token authorizer's event, SQS batches (the
messages S3 and the API really put on the queues), an IoT rule's event, scheduled events.

A module a function imports but its package lacks fails here; so does a dependency removed from
a layer (``test_a_dependency_missing_from_the_package_fails_the_run``).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import jwt
import pytest
import requests
from PIL import Image

from chalicelib.domain.ids import new_id
from infra.deploy.package import Package
from infra.localcloud.__main__ import sent_mail
from infra.localcloud.ca import ensure_ca
from infra.localcloud.netwait import free_port, wait_for_port
from infra.localcloud.provision import provision
from infra.localcloud.settings import REGION, Settings

pytestmark = pytest.mark.xdist_group("package")

RUNNER = Path(__file__).with_name("lambda_runner.py")
MOTO_SERVER = Path(sys.executable).with_name("moto_server")
MARK = "@@lambda-runner@@ "  # as in lambda_runner.py


class Artifact:
    """The unpacked package and its template: which handler and layers each function has."""

    def __init__(self, built: Package, root: Path) -> None:
        self.root = root
        self.task = root / "task"
        with zipfile.ZipFile(built.zip) as archive:
            archive.extractall(self.task)
        self.layers: dict[str, Path] = {}
        for name, path in built.layers.items():
            with zipfile.ZipFile(path) as archive:
                archive.extractall(root / "opt" / name)
            self.layers[f"{name}Layer"] = root / "opt" / name / "python"
        template = json.loads(built.template.read_text())
        self.functions = {
            lid: res["Properties"]
            for lid, res in template["Resources"].items()
            if res["Type"] == "AWS::Serverless::Function"
        }

    def paths(self, function: str) -> list[str]:
        layers = [self.layers[ref["Ref"]] for ref in self.functions[function]["Layers"]]
        return [str(self.task), *map(str, layers)]

    def invoke(
        self,
        function: str,
        *events: dict[str, Any],
        env: dict[str, str],
        snapstart: bool = False,
    ) -> list[dict[str, Any]]:
        """Run ``function``'s handler on ``events`` in one fresh interpreter (one cold start);
        with ``snapstart``, its SnapStart hooks run between the import and the events."""
        props = self.functions[function]
        variables = {
            k: v for k, v in props["Environment"]["Variables"].items() if isinstance(v, str)
        }
        job = {
            "paths": self.paths(function),
            "handler": props["Handler"],
            "events": list(events),
            "snapstart": snapstart,
        }
        result = subprocess.run(
            [sys.executable, "-I", "-S", str(RUNNER)],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            env={**variables, **env, "AWS_LAMBDA_FUNCTION_NAME": function},
            timeout=120,
            check=False,
        )
        outcomes = [
            json.loads(line.removeprefix(MARK))
            for line in result.stdout.splitlines()
            if line.startswith(MARK)
        ]
        expected = max(1, len(events))
        assert len(outcomes) == expected, f"{function} crashed:\n{result.stderr[-4000:]}"
        return outcomes


def ok(outcome: dict[str, Any]) -> Any:
    assert "error" in outcome or not outcome["foreign"], f"imported outside: {outcome['foreign']}"
    assert "error" not in outcome, f"{outcome['error']}: {outcome['message']}\n{outcome['trace']}"
    return outcome["ok"]


# Event shapes -------------------------------------------------------------------------------


def api_request(
    method: str,
    resource: str,
    *,
    path_parameters: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
    user: str | None = None,
) -> dict[str, Any]:
    """An API Gateway (REST, proxy) event as the API handler receives it."""
    path = resource
    for name, value in (path_parameters or {}).items():
        path = path.replace("{" + name + "}", value)
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "built-artifact-test",
        "X-Forwarded-For": "203.0.113.7",
    }
    context: dict[str, Any] = {
        "resourcePath": resource,
        "httpMethod": method,
        "path": f"/api{path}",
        "stage": "api",
        "requestId": str(uuid.uuid4()),
        "identity": {"sourceIp": "203.0.113.7", "userAgent": "built-artifact-test"},
    }
    if user is not None:
        context["authorizer"] = {"principalId": user, "integrationLatency": 12}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": context,
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


def authorizer_event(token: str) -> dict[str, Any]:
    return {
        "type": "TOKEN",
        "authorizationToken": token,
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/api/GET/me",
    }


def sqs_batch(queue_arn: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Messages received from the queue, as the SQS event source mapping hands them over."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(int(time.time() * 1000)),
                },
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


def scheduled_event(rule: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": REGION,
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{rule}"],
        "detail": {},
    }


def api_response(outcome: dict[str, Any], status: int) -> dict[str, Any]:
    response = ok(outcome)
    assert response["statusCode"] == status, response
    body: dict[str, Any] = json.loads(response["body"]) if response.get("body") else {}
    return body


# The local cloud's moto, provisioned from the template ----------------------------------------


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory):
    state = tmp_path_factory.mktemp("artifact-cloud")
    port = free_port()
    settings = Settings(
        state_dir=state,
        functions_dir=Path("functions").resolve(),
        web_dist=state,
        template_path=Path("infra/template.json").resolve(),
        moto_port=port,
        mqtt_port=free_port(),
        iot_data_port=free_port(),
        api_port=free_port(),
        web_port=free_port(),
        frame_dashboard_port=free_port(),
    )
    log = (state / "moto.log").open("w")
    server = subprocess.Popen(
        [str(MOTO_SERVER), "-H", settings.host, "-p", str(port)], stdout=log, stderr=log
    )
    try:
        wait_for_port(settings.host, port)
        provision(settings, ensure_ca(settings.ca_dir))
        yield settings
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def artifact(built: Package, tmp_path_factory: pytest.TempPathFactory) -> Artifact:
    return Artifact(built, tmp_path_factory.mktemp("artifact"))


@pytest.fixture(scope="module")
def env(cloud: Settings) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **cloud.backend_env()}


@pytest.fixture(scope="module")
def aws(cloud: Settings) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


@pytest.fixture(scope="module")
def account(artifact: Artifact, env: dict[str, str], cloud: Settings) -> dict[str, str]:
    """A verified account, made through the packaged API handler; its access token and id."""
    email = f"artifact-{uuid.uuid4().hex[:8]}@example.com"
    password = "a long test passphrase 7"
    (registered,) = artifact.invoke(
        "APIHandler",
        api_request(
            "POST",
            "/auth/register",
            body={"email": email, "password": password, "displayName": "Kiln"},
        ),
        env=env,
    )
    api_response(registered, 201)  # the same answer for a new and a taken address (no id)
    mail = next(m for m in sent_mail(cloud.moto_url) if email in json.dumps(m["to"]))
    token = unquote(re.search(r"/verify\?token=([^\s\"'<&]+)", mail["body"]).group(1))
    verified, logged_in = artifact.invoke(
        "APIHandler",
        api_request("POST", "/auth/verify", body={"token": token}),
        api_request("POST", "/auth/login", body={"email": email, "password": password}),
        env=env,
    )
    api_response(verified, 200)
    session = api_response(logged_in, 200)
    claims = jwt.decode(session["accessToken"], options={"verify_signature": False})
    return {"user_id": claims["sub"], "access_token": session["accessToken"]}


# The functions --------------------------------------------------------------------------------


def test_every_function_imports_and_primes_its_snapshot_from_the_package_alone(artifact, env):
    """Including functions no test below sends an event to. The import loads little (the SDK
    is loaded on first use); SnapStart's before-snapshot hook loads the SDK, the tables, every
    service's model and the function's heavy modules (Pillow, pillow-heif, argon2), so this is
    where a module missing from a function's layers shows, as it would when Lambda publishes
    the version."""
    failed = {}
    for lid in artifact.functions:
        (outcome,) = artifact.invoke(lid, env=env, snapstart=True)
        if "error" in outcome or outcome["foreign"]:
            failed[lid] = outcome.get("message") or outcome["foreign"]
    assert not failed


def test_authorizer_lets_a_valid_token_through_and_marks_others_anonymous(artifact, env, account):
    valid, garbage, none = artifact.invoke(
        "JwtAuthorizer",
        authorizer_event(f"Bearer {account['access_token']}"),
        authorizer_event("Bearer not-a-token"),
        authorizer_event(""),
        env=env,
    )
    assert ok(valid)["principalId"] == account["user_id"]
    assert ok(valid)["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert ok(garbage)["principalId"] == "anonymous"
    assert ok(none)["principalId"] == "anonymous"


def test_api_routes_answer_from_the_package(artifact, env, account):
    me, anonymous, document = artifact.invoke(
        "APIHandler",
        api_request("GET", "/me", user=account["user_id"]),
        api_request("GET", "/me", user="anonymous"),
        api_request("GET", "/openapi.json"),
        env=env,
    )
    assert api_response(me, 200)["userId"] == account["user_id"]
    assert ok(anonymous)["statusCode"] == 401
    assert "paths" in api_response(document, 200)


def _api(
    artifact: Artifact, env: dict[str, str], *request: Any, user: str | None = None, **kw: Any
):
    (outcome,) = artifact.invoke("APIHandler", api_request(*request, user=user, **kw), env=env)
    return outcome


def _queued(aws, cloud, env, queue_name: str) -> tuple[str, list[dict[str, Any]]]:
    """The queue's ARN and the messages waiting on it."""
    sqs = aws.client("sqs", endpoint_url=cloud.moto_url)
    queue = sqs.get_queue_url(QueueName=f"{env['SHAREFRAME_PREFIX']}-{queue_name}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=5)
    return arn, messages.get("Messages", [])


def _ready_photo(artifact, env, account, aws, cloud) -> str:
    """Upload a photo the browser's way and let the packaged upload function process it."""
    photo = io.BytesIO()
    Image.new("RGB", (1200, 900), (180, 90, 40)).save(photo, "JPEG", quality=90)
    size = len(photo.getvalue())
    upload = api_response(
        _api(
            artifact,
            env,
            "POST",
            "/images",
            body={"contentType": "image/jpeg", "bytes": size, "filename": "kiln.jpg"},
            user=account["user_id"],
        ),
        201,
    )
    form = upload["upload"]
    sent = requests.post(
        form["url"], data=form["fields"], files={"file": ("kiln.jpg", photo.getvalue())}, timeout=30
    )
    assert sent.status_code in (200, 201, 204), sent.text
    arn, messages = _queued(aws, cloud, env, "uploads")
    assert messages, "S3 sent no notification to the uploads queue"
    (processed,) = artifact.invoke("ProcessUploads", sqs_batch(arn, messages), env=env)
    ok(processed)
    return str(upload["imageId"])


def test_an_upload_is_processed_from_the_sqs_batch_s3_sends(artifact, env, account, aws, cloud):
    image_id = _ready_photo(artifact, env, account, aws, cloud)
    described = _api(
        artifact,
        env,
        "GET",
        "/images/{image_id}",
        path_parameters={"image_id": image_id},
        user=account["user_id"],
    )
    assert api_response(described, 200)["state"] == "ready"


@pytest.fixture
def iot_data_plane(cloud: Settings) -> Iterator[list[str]]:
    """IoT Core's data plane as far as this test needs it: every Publish is accepted (and
    recorded). The broker and the frames are the end-to-end tests' concern, not the package's."""
    published: list[str] = []

    class Publish(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            published.append(unquote(self.path.split("?")[0].removeprefix("/topics/")))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((cloud.host, cloud.iot_data_port), Publish)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield published
    finally:
        server.shutdown()
        server.server_close()


def test_a_send_is_rendered_from_the_job_the_api_queued(
    artifact, env, account, aws, cloud, iot_data_plane
):
    """The rendition worker decodes and dithers with only its own layers (Pillow included)."""
    from tests.integration.conftest import frame_csr

    image_id = _ready_photo(artifact, env, account, aws, cloud)
    pairing = api_response(
        _api(
            artifact,
            env,
            "POST",
            "/pairing",
            body={"csr": frame_csr(), "panel": "spectra6_7in3", "firmware": "0.1.0"},
        ),
        201,
    )
    frame = api_response(
        _api(
            artifact,
            env,
            "POST",
            "/frames",
            body={"code": pairing["code"], "name": "Kiln room"},
            user=account["user_id"],
        ),
        201,
    )
    share = api_response(
        _api(
            artifact,
            env,
            "POST",
            "/shares",
            body={"imageId": image_id, "frameIds": [frame["frameId"]]},
            user=account["user_id"],
        ),
        201,
    )
    assert share["deliveries"][0]["previewUrl"] is None  # queued: the API rendered nothing
    topic = f"shareframe/frames/{frame['frameId']}/desired"
    told_before = iot_data_plane.count(topic)
    arn, messages = _queued(aws, cloud, env, "renditions")
    assert messages, "the API queued no rendition job"
    (rendered,) = artifact.invoke("RenderDeliveries", sqs_batch(arn, messages), env=env)
    ok(rendered)
    after = _api(
        artifact,
        env,
        "GET",
        "/shares/{share_id}",
        path_parameters={"share_id": share["shareId"]},
        user=account["user_id"],
    )
    assert api_response(after, 200)["deliveries"][0]["previewUrl"]
    assert iot_data_plane.count(topic) == told_before + 1  # the frame is told of its file


def test_an_export_is_built_from_the_message_the_api_queued(artifact, env, account, aws, cloud):
    (requested,) = artifact.invoke(
        "APIHandler", api_request("POST", "/me/export", user=account["user_id"]), env=env
    )
    api_response(requested, 202)
    sqs = aws.client("sqs", endpoint_url=cloud.moto_url)
    queue = sqs.get_queue_url(QueueName=f"{env['SHAREFRAME_PREFIX']}-exports")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, WaitTimeSeconds=5)
    assert messages.get("Messages"), "the API queued no export"
    (built,) = artifact.invoke("BuildExports", sqs_batch(arn, messages["Messages"]), env=env)
    ok(built)


def test_iot_rule_events_reach_the_frame_report_functions(artifact, env):
    event = {"frameId": new_id("frm"), "type": "displayed", "shareId": new_id("shr")}
    (reported,) = artifact.invoke("FrameEvents", event, env=env)
    assert isinstance(ok(reported), str)
    (status,) = artifact.invoke(
        "FrameStatus", {"frameId": new_id("frm"), "online": True, "firmware": "1.0.0"}, env=env
    )
    assert isinstance(ok(status), str)


def test_every_schedule_runs_from_the_package(artifact, env):
    schedules = [
        lid
        for lid, props in artifact.functions.items()
        if any(e["Type"] == "Schedule" for e in props.get("Events", {}).values())
    ]
    assert len(schedules) >= 10
    for lid in schedules:
        (ran,) = artifact.invoke(lid, scheduled_event(f"shareframe-dev-{lid}"), env=env)
        ok(ran)


@pytest.mark.parametrize("dependency", ["pynamodb", "botocore"])
def test_a_dependency_missing_from_the_package_fails_the_run(
    artifact, env, account, tmp_path, dependency
):
    """The harness sees only the package: take PynamoDB or botocore out of the Base layer and
    the authorizer fails, both where SnapStart loads the SDK before the snapshot and, without
    SnapStart, at the first call that reads a table (a valid token: the user is looked up), so
    a dependency missing from requirements.txt fails the tests above. botocore is not imported
    by the authorizer's module at all (it is loaded on first use): only running the hooks or
    the handler finds it missing."""
    stripped = tmp_path / "Base"
    shutil.copytree(artifact.layers["BaseLayer"], stripped, symlinks=True)
    shutil.rmtree(stripped / dependency)
    artifact.layers["BaseLayer"], original = stripped, artifact.layers["BaseLayer"]
    event = authorizer_event(f"Bearer {account['access_token']}")
    try:
        (primed,) = artifact.invoke("JwtAuthorizer", event, env=env, snapstart=True)
        (called,) = artifact.invoke("JwtAuthorizer", event, env=env)
    finally:
        artifact.layers["BaseLayer"] = original
    for outcome in (primed, called):
        assert outcome.get("error") == "ModuleNotFoundError", outcome
        assert dependency in outcome["message"]
