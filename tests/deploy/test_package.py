"""CI builds the deployable package offline and cfn-lint finds no error in it.

The package (``built``) comes from tests/deploy/conftest.py; test_built_artifact.py runs it.
"""

from __future__ import annotations

import json
import re
import zipfile

import pytest

from infra.deploy.layers import layers_of
from infra.deploy.package import lint, lint_has_errors
from infra.deploy.stages import REQUIREMENTS, WEB_ORIGIN_SENTINEL

pytestmark = pytest.mark.xdist_group("package")


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
    assert "chalicelib/__pycache__/config.cpython-312.pyc" in names  # precompiled
    with zipfile.ZipFile(built.layers["Imaging"]) as archive:
        assert any(n.startswith("python/PIL/") and n.endswith(".so") for n in archive.namelist())
    with zipfile.ZipFile(built.layers["Crypto"]) as archive:
        assert any(n.startswith("python/cryptography/") for n in archive.namelist())
    # Host-only files and third-party code never go in the code zip.
    assert not any(n.startswith((".chalice/", "PIL/", "botocore/")) for n in names)
    assert built.zip_bytes < 50 * 1024 * 1024, "over Lambda's 50 MB direct-upload zip limit"


def _functions(built):
    body = json.loads(built.template.read_text())
    return body, {
        lid: r["Properties"]
        for lid, r in body["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function"
    }


def test_each_function_gets_only_the_layers_it_needs(built):
    body, functions = _functions(built)
    layers = {lid: [ref["Ref"] for ref in props["Layers"]] for lid, props in functions.items()}
    assert layers["JwtAuthorizer"] == ["BaseLayer"]  # no Pillow, argon2 or cryptography
    assert layers["APIHandler"] == ["BaseLayer", "CryptoLayer", "ImagingLayer"]
    assert layers["ProcessUploads"] == ["BaseLayer", "ImagingLayer", "HeifLayer"]
    assert layers["ExpireShares"] == ["BaseLayer"]  # schedules: no rendering
    for lid, props in functions.items():
        assert props["CodeUri"] == "./deployment.zip", lid
        assert props["Architectures"] == [
            body["Resources"]["BaseLayer"]["Properties"]["CompatibleArchitectures"][0]
        ], lid


def test_api_function_with_its_layers_is_at_most_25_mb_zipped(built):
    api = built.function_bytes(layers_of("APIHandler"))
    assert api <= 25 * 10**6, f"API function {api / 1e6:.1f} MB zipped with its layers"


def test_boto3_and_botocore_are_bundled_in_matching_versions(built):
    with zipfile.ZipFile(built.layers["Base"]) as archive:
        names = archive.namelist()
        metadata = archive.read(
            next(n for n in names if re.fullmatch(r"python/boto3-[^/]+\.dist-info/METADATA", n))
        ).decode()
    versions = dict(
        m.groups()
        for n in names
        if (m := re.fullmatch(r"python/(boto3|botocore)-([\d.]+)\.dist-info/METADATA", n))
    )
    pinned = dict(
        line.split("==") for line in REQUIREMENTS.read_text().splitlines() if "==" in line
    )
    assert versions == {"boto3": pinned["boto3"], "botocore": pinned["botocore"]}
    required = re.search(r"Requires-Dist: botocore ?\(?<([\d.]+),>=([\d.]+)", metadata)
    assert required, metadata[:2000]

    def version(text):
        return tuple(int(part) for part in text.split("."))

    assert version(required.group(2)) <= version(versions["botocore"]) < version(required.group(1))
    # Only the models of services the code uses (plus DynamoDB for PynamoDB).
    services = {
        n.split("/")[3] for n in names if n.startswith("python/botocore/data/") and n.count("/") > 4
    }
    assert {"dynamodb", "s3", "sqs", "secretsmanager", "iot", "iot-data", "ses"} <= services
    assert "ec2" not in services


def test_api_and_authorizer_run_with_snapstart_behind_an_alias(built):
    body, functions = _functions(built)
    resources = body["Resources"]
    for lid in ("APIHandler", "JwtAuthorizer"):
        assert functions[lid]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
        assert functions[lid]["AutoPublishAlias"] == "live"
    text = json.dumps(resources["RestAPI"]["Properties"]["DefinitionBody"])
    assert "${APIHandler.Arn}" not in text and "${JwtAuthorizer.Arn}" not in text
    assert "function:${APIHandler}:live/invocations" in text
    assert "function:${JwtAuthorizer}:live/invocations" in text
    for lid in ("APIHandlerInvokePermission", "JwtAuthorizerInvokePermission"):
        target = resources[lid]["Properties"]["FunctionName"]
        assert target["Ref"].endswith(".Alias"), lid
