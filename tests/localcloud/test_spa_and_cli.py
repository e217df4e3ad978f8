"""The SPA server, ``env`` and ``mail``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest

from infra.localcloud.__main__ import sent_mail
from infra.localcloud.spa_server import make_handler

REPO = Path(__file__).parents[2]


@pytest.fixture
def spa(tmp_path):
    def serve(dist):
        server = ThreadingHTTPServer(
            ("127.0.0.1", 0), make_handler(dist, "http://api.test", "http://s3.test")
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    servers: list[ThreadingHTTPServer] = []
    yield serve
    for server in servers:
        server.shutdown()


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_the_spa_is_served_with_index_fallback_and_a_runtime_config(spa, tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>app</html>")
    (dist / "assets" / "app-1234.js").write_text("console.log(1)")
    base = spa(dist)
    assert json.loads(get(f"{base}/config.json")[2]) == {"apiUrl": "http://api.test"}
    assert get(f"{base}/frames/claim?code=AB")[2] == b"<html>app</html>"
    status, kind, body = get(f"{base}/assets/app-1234.js")
    assert (status, body) == (200, b"console.log(1)") and "javascript" in kind
    with pytest.raises(urllib.error.HTTPError) as error:
        get(f"{base}/assets/missing.js")
    assert error.value.code == 404
    with pytest.raises(urllib.error.HTTPError):
        get(f"{base}/../../etc/passwd.txt")


def test_every_page_carries_the_same_content_security_policy_as_cloudfront(spa, tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<html>app</html>")
    with urllib.request.urlopen(spa(dist) + "/account") as response:
        local = response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self';" in local and "frame-ancestors 'none'" in local
    assert "connect-src 'self' http://api.test http://s3.test;" in local
    template = json.loads((REPO / "infra" / "template.json").read_text())
    policy = template["Resources"]["WebResponseHeadersPolicy"]["Properties"]
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    deployed = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]

    def directives(csp: str) -> dict[str, list[str]]:
        """Each directive's own sources: the stage's origins differ, nothing else may."""
        parsed = {}
        for part in csp.split(";"):
            name, *sources = part.split()
            parsed[name] = [s for s in sources if not s.startswith(("http://", "https://"))]
        return parsed

    assert directives(local) == directives(deployed)
    distribution = template["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]
    assert distribution["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {
        "Ref": "WebResponseHeadersPolicy"
    }


def test_a_missing_build_gets_a_page_that_says_how_to_build(spa, tmp_path):
    assert b"not built" in get(spa(tmp_path / "nothing"))[2]


def test_env_prints_exports_for_the_backend(tmp_path):
    env = dict(os.environ, SHAREFRAME_PORT_MOTO="4999", SHAREFRAME_STATE_DIR=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-m", "infra.localcloud", "env"],
        env=env,
        cwd=str(REPO),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "export AWS_ENDPOINT_URL=http://127.0.0.1:4999" in out
    assert "export AWS_ENDPOINT_URL_IOT_DATA=http://127.0.0.1:4567" in out
    assert "export SHAREFRAME_PREFIX=shareframe-local" in out
    assert "export SHAREFRAME_MQTT_PORT=8883" in out


def test_mail_reads_what_ses_sent(moto_endpoint):
    ses = boto3.client(
        "ses",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    ses.verify_email_identity(EmailAddress="no-reply@shareframe.example")
    ses.send_email(
        Source="Shareframe <no-reply@shareframe.example>",
        Destination={"ToAddresses": ["ana@example.com"]},
        Message={"Subject": {"Data": "Verify"}, "Body": {"Text": {"Data": "code 123"}}},
    )
    [mail] = sent_mail(moto_endpoint)
    assert mail["to"] == ["ana@example.com"]
    assert mail["subject"] == "Verify"
    assert "code 123" in json.dumps(mail["body"])


def test_mail_also_reads_raw_mail(moto_endpoint):
    ses = boto3.client(
        "ses",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    ses.verify_email_identity(EmailAddress="no-reply@shareframe.example")
    ses.send_raw_email(
        Source="no-reply@shareframe.example",
        Destinations=["b@example.com"],
        RawMessage={"Data": b"Subject: Raw\r\nTo: b@example.com\r\n\r\nraw body\r\n"},
    )
    [mail] = sent_mail(moto_endpoint)
    assert (mail["to"], mail["subject"]) == (["b@example.com"], "Raw")
    assert "raw body" in mail["body"]


def test_the_commands_up_prints_work_as_printed_without_the_virtualenv(moto_endpoint, tmp_path):
    """`make run` prints how to read the mail and point a shell at the local cloud; pasted into
    a terminal at the repository root with no virtualenv active, they must work."""
    import re
    from dataclasses import replace

    from infra.localcloud.settings import Settings
    from infra.localcloud.supervisor import cli_hints

    port = int(moto_endpoint.rsplit(":", 1)[1])
    settings = replace(Settings.from_env(), moto_port=port, state_dir=tmp_path / "state")
    ses = boto3.client(
        "ses",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    ses.verify_email_identity(EmailAddress="no-reply@shareframe.example")
    ses.send_email(
        Source="no-reply@shareframe.example",
        Destination={"ToAddresses": ["ana@example.com"]},
        Message={"Subject": {"Data": "Confirm"}, "Body": {"Text": {"Data": "link 42"}}},
    )
    hints = {line.split("  ")[1].strip(): line for line in cli_hints(settings)}
    mail = hints["e-mails sent"].split("e-mails sent", 1)[1].strip()
    shell = re.search(r'eval "\$\(.*\)"', hints["AWS shell"])
    assert shell is not None
    bare = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHAREFRAME_", "AWS_", "VIRTUAL_ENV", "PYTHON"))
    }
    bare["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    printed = subprocess.run(
        ["bash", "-c", f"{mail} && {shell.group(0)} && echo endpoint=$AWS_ENDPOINT_URL"],
        env=bare,
        cwd=str(REPO),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert printed.returncode == 0, printed.stderr
    assert "Subject: Confirm" in printed.stdout and "link 42" in printed.stdout
    assert f"endpoint={moto_endpoint}" in printed.stdout


def test_the_api_does_not_listen_before_the_resources_are_provisioned(tmp_path):
    """A frame's first pairing request must meet a closed port (it retries), never a 500."""
    from infra.localcloud.netwait import port_open, wait_for_port
    from infra.localcloud.supervisor import provisioned_file
    from tests.localcloud.conftest import make_settings

    settings = make_settings(tmp_path / "state")
    settings.state_dir.mkdir(parents=True)
    api = subprocess.Popen(
        [sys.executable, "-m", "infra.localcloud", "api"],
        env=settings.process_env(),
        cwd=str(REPO),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)
        assert api.poll() is None
        assert not port_open(settings.host, settings.api_port)
        provisioned_file(settings).write_text("1")
        wait_for_port(settings.host, settings.api_port, timeout=60)
    finally:
        api.terminate()
        api.wait(10)
