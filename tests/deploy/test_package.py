"""CI builds the deployable package offline and cfn-lint finds no error in it.

The package (``built``) comes from tests/deploy/conftest.py; test_built_artifact.py runs it.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
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


def _pyc_name(source: str) -> str:
    folder, _, name = source.rpartition("/")
    return f"{folder}/__pycache__/{name[:-3]}.{sys.implementation.cache_tag}.pyc".lstrip("/")


def test_every_module_ships_a_pyc_that_lambda_uses_as_is(built):
    """Lambda cannot write ``__pycache__``: a module whose pyc is missing or stale is compiled
    again on every cold start. Unchecked-hash pycs (PEP 552, flags == 0b01) are used without
    comparing the source's mtime, which the zip's fixed dates would not match; each must still
    have been compiled from the source beside it."""
    for archive_path in (built.zip, *built.layers.values()):
        checked = 0
        with zipfile.ZipFile(archive_path) as archive:
            names = set(archive.namelist())
            for source in sorted(n for n in names if n.endswith(".py")):
                pyc = _pyc_name(source)
                assert pyc in names, f"{archive_path.name}: no {pyc}"
                header = archive.read(pyc)[:16]
                assert header[:4] == importlib.util.MAGIC_NUMBER, pyc
                flags = int.from_bytes(header[4:8], "little")
                assert flags == 0b01, f"{archive_path.name}: {pyc} is not an unchecked-hash pyc"
                assert header[8:16] == importlib.util.source_hash(archive.read(source)), pyc
                checked += 1
        assert checked > 5, f"{archive_path.name}: no modules found"  # not an empty walk


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
    assert layers["RenderDeliveries"] == ["BaseLayer", "ImagingLayer"]
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


def test_every_function_but_the_schedules_runs_with_snapstart_and_every_caller_invokes_its_alias(
    built,
):
    body, every_function = _functions(built)
    resources = body["Resources"]
    assert len(every_function) >= 19
    scheduled = {
        lid
        for lid, props in every_function.items()
        if {e["Type"] for e in props.get("Events", {}).values()} == {"Schedule"}
    }
    assert len(scheduled) == 10
    for lid in scheduled:
        assert (
            "SnapStart" not in every_function[lid] and "AutoPublishAlias" not in every_function[lid]
        )
    functions = {lid: p for lid, p in every_function.items() if lid not in scheduled}
    for lid, props in functions.items():
        assert props["SnapStart"] == {"ApplyOn": "PublishedVersions"}, lid
        assert props["AutoPublishAlias"] == "live", lid
        assert props.get("EphemeralStorage", {}).get("Size", 512) <= 512, lid
    # Nothing outside the functions names an unqualified function ARN ($LATEST: no SnapStart).
    outside = json.dumps({k: v for k, v in resources.items() if k not in functions})
    for lid in functions:
        assert f'["{lid}", "Arn"]' not in outside, lid
        assert f"${{{lid}.Arn}}" not in outside, lid
    text = json.dumps(resources["RestAPI"]["Properties"]["DefinitionBody"])
    assert "function:${APIHandler}:live/invocations" in text
    assert "function:${JwtAuthorizer}:live/invocations" in text
    rule = resources["FrameStatusRule"]["Properties"]["TopicRulePayload"]["Actions"][0]
    assert rule["Lambda"]["FunctionArn"] == {"Ref": "FrameStatus.Alias"}
    permissions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
    assert permissions
    for permission in permissions:
        assert permission["Properties"]["FunctionName"]["Ref"].endswith(".Alias"), permission
    # SQS events: SAM points what it generates at the alias of AutoPublishAlias.
    kinds = {e["Type"] for props in functions.values() for e in props.get("Events", {}).values()}
    assert kinds == {"SQS"}


def test_botocore_endpoint_table_keeps_only_the_kept_services_and_resolves_them_alike(built):
    """endpoints.json is parsed by every botocore session: pruned to the services whose models
    ship, it must still resolve each of them exactly as the full table does, in every region
    of every partition."""
    import botocore
    from botocore.regions import EndpointResolver

    with zipfile.ZipFile(built.layers["Base"]) as archive:
        pruned = json.loads(archive.read("python/botocore/data/endpoints.json"))
    full_path = f"{botocore.__path__[0]}/data/endpoints.json"
    with open(full_path, encoding="utf-8") as handle:
        full = json.load(handle)
    kept = {name for partition in pruned["partitions"] for name in partition["services"]}
    assert {"dynamodb", "s3", "sqs", "secretsmanager", "iot", "data-ats.iot", "email"} <= kept
    assert "ec2" not in kept
    assert [p["partition"] for p in pruned["partitions"]] == [
        p["partition"] for p in full["partitions"]
    ]
    small, whole = EndpointResolver(pruned), EndpointResolver(full)
    for partition in full["partitions"]:
        for region in partition["regions"]:
            for service in kept:
                assert small.construct_endpoint(service, region) == whole.construct_endpoint(
                    service, region
                ), (service, region)
