"""CI builds the deployable package offline and cfn-lint finds no error in it."""

from __future__ import annotations

import json
import zipfile

import pytest

from infra.deploy.package import lint, lint_has_errors, package
from infra.deploy.stages import BUILD_DIR, WEB_ORIGIN_SENTINEL, Stage
from infra.deploy.wheelhouse import WheelhouseError, ensure_wheelhouse

pytestmark = pytest.mark.xdist_group("package")


@pytest.fixture(scope="module")
def built():
    try:
        ensure_wheelhouse()  # offline when build/wheelhouse is current; PyPI on first run
    except WheelhouseError as error:
        pytest.fail(f"no wheelhouse and no network to build one: {error}")
    stage = Stage.load("dev")
    return package(stage.name, BUILD_DIR / "test-package", stage_prefix=stage.prefix)


def test_package_passes_cfn_lint_with_no_errors(built):
    result = lint(built.template)
    assert not lint_has_errors(result), result.stdout
    assert result.returncode == 0, f"cfn-lint warnings:\n{result.stdout}"


def test_template_takes_origin_and_endpoint_from_parameters(built):
    text = built.template.read_text()
    body = json.loads(text)
    assert WEB_ORIGIN_SENTINEL not in text
    functions = {
        lid: r["Properties"]
        for lid, r in body["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function"
    }
    assert {"APIHandler", "JwtAuthorizer", "ProcessUploads", "FrameEvents"} <= set(functions)
    for lid, props in functions.items():
        env = props["Environment"]["Variables"]
        assert env["SHAREFRAME_WEB_URL"] == {"Ref": "WebOrigin"}, lid
        assert env["SHAREFRAME_MQTT_HOST"] == {"Ref": "MqttHost"}, lid
        assert env["SHAREFRAME_PREFIX"] == "shareframe-dev"
        assert props["Role"]["Fn::GetAtt"][0] == f"{lid}Role" or props["Role"]["Fn::GetAtt"][
            0
        ].lower().startswith(lid.lower()[:5])
        for event in props.get("Events", {}).values():
            if event["Type"] == "SQS":
                assert "Fn::GetAtt" in event["Properties"]["Queue"], lid
    assert functions["APIHandler"]["MemorySize"] == 512
    assert functions["ProcessUploads"]["Timeout"] == 150


def test_zip_holds_the_app_and_linux_wheels(built):
    with zipfile.ZipFile(built.zip) as archive:
        names = set(archive.namelist())
    assert "app.py" in names
    assert "chalicelib/config.py" in names
    assert any(n.startswith("PIL/") and n.endswith(".so") for n in names)
    assert any(n.startswith("cryptography/") for n in names)
    # Host-only files never go in.
    assert not any(n.startswith(".chalice/") for n in names)
    assert built.zip_bytes < 50 * 1024 * 1024, "over Lambda's 50 MB direct-upload zip limit"
