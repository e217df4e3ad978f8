"""The deploy command's AWS steps that can run against moto in-process."""

from __future__ import annotations

import json

import boto3
import pytest
from cryptography import x509
from moto import mock_aws

from infra.deploy import cloud, device_ca
from infra.deploy.package import PackageError, add_snapstart, finish_template
from infra.deploy.stages import TEMPLATE, WEB_ORIGIN_SENTINEL, Stage, cfn_parameters

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch, tmp_path):
    for key in list(__import__("os").environ):
        if key.startswith("AWS_ENDPOINT_URL"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("SHAREFRAME_DEPLOY_HOME", str(tmp_path / "home"))
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def test_stage_parameters_cover_the_template_and_follow_chalicefile():
    stage = Stage.load("prod")
    params = stage.parameters(web_origin="https://d1.cloudfront.net/", mqtt_host="x-ats.iot")
    template = json.loads(TEMPLATE.read_text())
    assert set(params) == set(template["Parameters"])
    assert params["ResourcePrefix"] == "shareframe-prod"
    assert params["MediaBucketName"] == "shareframe-prod-media"
    assert params["WebBucketName"] == "shareframe-prod-web"
    assert params["RuleNamePrefix"] == "shareframe_prod"
    assert params["WebOrigin"] == "https://d1.cloudfront.net"
    assert params["MailFromAddress"] == "no-reply@shareframe.example"
    assert {"ParameterKey": "MqttHost", "ParameterValue": "x-ats.iot"} in cfn_parameters(params)
    with pytest.raises(SystemExit):
        Stage.load("nope")


def test_device_ca_is_generated_once_registered_once_and_stored(aws, tmp_path):
    iot, sm = aws.client("iot"), aws.client("secretsmanager")
    sm.create_secret(Name="shareframe-dev/device-ca", SecretString="{}")
    ca_id, created = device_ca.install(iot, sm, "dev", "shareframe-dev")
    assert created
    key = tmp_path / "home" / "dev" / "device-ca.key"
    assert key.stat().st_mode & 0o777 == 0o600
    again, created_again = device_ca.install(iot, sm, "dev", "shareframe-dev")
    assert (again, created_again) == (ca_id, False)
    assert (
        iot.describe_ca_certificate(certificateId=ca_id)["certificateDescription"]["status"]
        == "ACTIVE"
    )
    value = json.loads(sm.get_secret_value(SecretId="shareframe-dev/device-ca")["SecretString"])
    cert = x509.load_pem_x509_certificate(value["caCertificatePem"].encode())
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    root = x509.load_pem_x509_certificate(value["serverRootPem"].encode())
    assert "Amazon Root CA 1" in root.subject.rfc4514_string()
    assert value["caPrivateKeyPem"] == key.read_text()
    # Unchanged value: no new secret version.
    versions = sm.list_secret_version_ids(SecretId="shareframe-dev/device-ca")["Versions"]
    assert len(versions) == 2


def test_issued_frame_certificates_chain_to_the_deployed_ca(aws, monkeypatch):
    """The backend's issuer (chalicelib.adapters.device_ca) accepts the secret's format."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from chalicelib import bootstrap, config
    from chalicelib.adapters import device_ca as backend_ca
    from chalicelib.adapters import secrets

    iot, sm = aws.client("iot"), aws.client("secretsmanager")
    sm.create_secret(Name="shareframe-dev/device-ca", SecretString="{}")
    device_ca.install(iot, sm, "dev", "shareframe-dev")
    before = config.bound()
    bootstrap.start(config.Settings.from_env({"SHAREFRAME_PREFIX": "shareframe-dev"}))
    secrets.forget_cached()
    # Every adapter calls ``aws.client`` at call time (chalicelib/adapters/__init__.py).
    monkeypatch.setattr("chalicelib.adapters.aws.client", lambda service: aws.client(service))
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "f")]))
        .sign(key, hashes.SHA256())
    )
    try:
        pem = backend_ca.issue_certificate(
            csr.public_bytes(serialization.Encoding.PEM).decode(), "frame-1"
        )
    finally:
        if before is not None:
            bootstrap.start(before)
        secrets.forget_cached()
    cert = x509.load_pem_x509_certificate(pem.encode())
    ca_pem = json.loads(sm.get_secret_value(SecretId="shareframe-dev/device-ca")["SecretString"])
    ca = x509.load_pem_x509_certificate(ca_pem["caCertificatePem"].encode())
    cert.verify_directly_issued_by(ca)


def test_upload_package_is_content_addressed_and_points_code_at_s3(aws, tmp_path):
    s3 = aws.client("s3")
    bucket = Stage.load("dev").deployment_bucket("123456789012", REGION)
    cloud.ensure_bucket(s3, bucket, REGION)
    cloud.ensure_bucket(s3, bucket, REGION)  # idempotent
    zip_path = tmp_path / "deployment.zip"
    zip_path.write_bytes(b"PK code")
    sam = tmp_path / "sam.json"
    sam.write_text(
        json.dumps(
            {
                "Resources": {
                    "F": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "./d"}}
                }
            }
        )
    )
    url = cloud.upload_package(s3, bucket, "dev", sam, zip_path, REGION)
    key = url.split(".amazonaws.com/", 1)[1]
    body = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    code_uri = body["Resources"]["F"]["Properties"]["CodeUri"]
    assert code_uri == f"s3://{bucket}/dev/code-{cloud.sha256(zip_path)}.zip"
    assert s3.get_object(Bucket=bucket, Key=code_uri.split("/", 3)[3])["Body"].read() == b"PK code"


def test_spa_upload_writes_config_and_removes_stale_files(aws, tmp_path):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="web")
    s3.put_object(Bucket="web", Key="assets/old-123.js", Body=b"old")
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html></html>")
    (dist / "assets" / "app-abc.js").write_text("js")
    assert cloud.upload_spa(s3, "web", dist, "https://api.example/api/") == 3
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="web")["Contents"]}
    assert keys == {"index.html", "assets/app-abc.js", "config.json"}
    config = s3.get_object(Bucket="web", Key="config.json")
    assert json.loads(config["Body"].read()) == {"apiUrl": "https://api.example/api"}
    assert config["CacheControl"] == "no-cache"
    head = s3.head_object(Bucket="web", Key="assets/app-abc.js")
    assert "immutable" in head["CacheControl"]
    assert head["ContentType"] == "text/javascript"


def test_destroy_releases_the_frame_policy_and_purge_deletes_retained(aws):
    iot, ddb, s3, sm = (aws.client(s) for s in ("iot", "dynamodb", "s3", "secretsmanager"))
    stage = Stage.load("dev")
    iot.create_policy(policyName="shareframe-dev-frame", policyDocument="{}")
    cert = iot.create_keys_and_certificate(setAsActive=True)
    iot.create_thing(thingName="frame-1")
    iot.attach_policy(policyName="shareframe-dev-frame", target=cert["certificateArn"])
    iot.attach_thing_principal(thingName="frame-1", principal=cert["certificateArn"])
    assert cloud.release_frame_policy(iot, "shareframe-dev-frame", delete_frames=True) == 1
    assert iot.list_targets_for_policy(policyName="shareframe-dev-frame")["targets"] == []
    assert iot.list_things()["things"] == []
    assert cloud.release_frame_policy(iot, "missing-policy", delete_frames=False) == 0

    template = json.loads(TEMPLATE.read_text())
    tables = cloud.retained_table_names(template, stage.prefix)
    assert "shareframe-dev-users" in tables
    ddb.create_table(
        TableName="shareframe-dev-users",
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3.create_bucket(Bucket=stage.media_bucket)
    s3.put_object(Bucket=stage.media_bucket, Key="originals/u/i", Body=b"x")
    sm.create_secret(Name="shareframe-dev/jwt-signing-key", SecretString="k")
    counts = cloud.purge_retained(aws, stage, template)
    assert (counts["tables"], counts["objects"]) == (1, 1)
    assert ddb.list_tables()["TableNames"] == []
    assert stage.media_bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_finish_template_parameterises_origin_and_orders_queues():
    template = {
        "Parameters": {"ResourcePrefix": {"Default": "shareframe-dev"}},
        "Resources": {
            "UploadsQueue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"QueueName": {"Fn::Sub": "${ResourcePrefix}-uploads"}},
            },
            "F": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "Events": {
                        "E": {
                            "Type": "SQS",
                            "Properties": {
                                "Queue": {
                                    "Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:"
                                    "${AWS::AccountId}:shareframe-dev-uploads"
                                }
                            },
                        }
                    }
                },
            },
            "Api": {
                "Type": "AWS::Serverless::Api",
                "Properties": {
                    "DefinitionBody": {
                        "origin": f"'{WEB_ORIGIN_SENTINEL}'",
                        "uri": {"Fn::Sub": [f"x ${{A}} {WEB_ORIGIN_SENTINEL}", {"A": "b"}]},
                    }
                },
            },
        },
    }
    done = finish_template(template, "shareframe-dev")
    props = done["Resources"]["F"]["Properties"]
    assert props["Events"]["E"]["Properties"]["Queue"] == {"Fn::GetAtt": ["UploadsQueue", "Arn"]}
    # Handlers may answer with a partial batch response (the timers' does): Lambda reads it.
    assert props["Events"]["E"]["Properties"]["FunctionResponseTypes"] == [
        "ReportBatchItemFailures"
    ]
    assert props["Environment"]["Variables"]["SHAREFRAME_WEB_URL"] == {"Ref": "WebOrigin"}
    body = done["Resources"]["Api"]["Properties"]["DefinitionBody"]
    assert body["origin"] == {"Fn::Sub": "'${WebOrigin}'"}
    assert body["uri"] == {"Fn::Sub": ["x ${A} ${WebOrigin}", {"A": "b"}]}


def _function(**props):
    return {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "x.y", **props}}


def test_snapstart_for_every_function_and_each_caller_on_its_alias():
    template = {
        "Resources": {
            "Api": _function(),
            "Rules": _function(),
            "RestAPI": {
                "Type": "AWS::Serverless::Api",
                "Properties": {"DefinitionBody": {"uri": {"Fn::Sub": "a/${Api.Arn}/b"}}},
            },
            "Rule": {
                "Type": "AWS::IoT::TopicRule",
                "Properties": {
                    "Actions": [{"Lambda": {"FunctionArn": {"Fn::GetAtt": ["Rules", "Arn"]}}}]
                },
            },
            "Allow": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {"FunctionName": {"Ref": "Rules"}, "Principal": "iot.amazonaws.com"},
            },
            "Logs": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${Rules}"}},
            },
        }
    }
    add_snapstart(template)
    resources = template["Resources"]
    for lid in ("Api", "Rules"):
        assert resources[lid]["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
        assert resources[lid]["Properties"]["AutoPublishAlias"] == "live"
    uri = resources["RestAPI"]["Properties"]["DefinitionBody"]["uri"]["Fn::Sub"]
    assert uri.endswith(":function:${Api}:live/b")
    action = resources["Rule"]["Properties"]["Actions"][0]["Lambda"]
    assert action["FunctionArn"] == {"Ref": "Rules.Alias"}
    assert resources["Allow"]["Properties"]["FunctionName"] == {"Ref": "Rules.Alias"}
    # A name is not an invocation: the log group keeps the function's name.
    assert resources["Logs"]["Properties"]["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${Rules}"}


def test_a_function_that_only_runs_on_a_schedule_gets_no_snapstart_and_no_alias():
    sweep = _function(Events={"Hourly": {"Type": "Schedule", "Properties": {}}})
    queue = _function(Events={"Jobs": {"Type": "SQS", "Properties": {}}})
    template = {"Resources": {"Sweep": sweep, "Worker": queue}}
    add_snapstart(template)
    resources = template["Resources"]
    assert "SnapStart" not in resources["Sweep"]["Properties"]
    assert "AutoPublishAlias" not in resources["Sweep"]["Properties"]
    assert resources["Worker"]["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}


def test_snapstart_refuses_a_function_with_more_than_512_mb_of_ephemeral_storage():
    template = {"Resources": {"Big": _function(EphemeralStorage={"Size": 1024})}}
    with pytest.raises(PackageError, match="ephemeral storage"):
        add_snapstart(template)
