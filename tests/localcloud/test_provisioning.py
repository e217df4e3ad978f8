"""Provisioning creates exactly what infra/template.json defines, and is safe to re-run."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest

from infra.localcloud.ca import ensure_ca
from infra.localcloud.provision import provision
from infra.localcloud.template import Template, TemplateError, load_local_template
from tests.localcloud.conftest import reset_moto


def drain(sqs: Any, url: str) -> None:
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def provisioned(settings, moto_endpoint):
    from dataclasses import replace

    port = int(moto_endpoint.rsplit(":", 1)[1])
    settings = replace(settings, moto_port=port)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    ca = ensure_ca(settings.ca_dir)
    provision(settings, ca)
    return settings, ca


def test_the_tables_are_exactly_the_templates_with_their_keys_and_indexes(provisioned):
    settings, _ = provisioned
    template = load_local_template(settings)
    ddb = client("dynamodb", settings.moto_url)
    expected = {
        template.resolve(r["Properties"]["TableName"]): r["Properties"]
        for r in template.of_type("AWS::DynamoDB::Table").values()
    }
    assert set(ddb.list_tables()["TableNames"]) == set(expected)
    assert "shareframe-local-frames" in expected
    for name, props in expected.items():
        table = ddb.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == props["KeySchema"], name
        gsis = {g["IndexName"]: g["KeySchema"] for g in table.get("GlobalSecondaryIndexes", [])}
        assert gsis == {
            g["IndexName"]: g["KeySchema"] for g in props.get("GlobalSecondaryIndexes", [])
        }
        if "TimeToLiveSpecification" in props:
            ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            assert ttl["AttributeName"] == props["TimeToLiveSpecification"]["AttributeName"]


def test_the_media_bucket_has_cors_for_the_spa_and_notifies_the_uploads_queue(provisioned):
    settings, _ = provisioned
    s3 = client("s3", settings.moto_url)
    buckets = load_local_template(settings).of_type("AWS::S3::Bucket")
    assert len(s3.list_buckets()["Buckets"]) == len(buckets)
    assert "shareframe-local-media" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    cors = s3.get_bucket_cors(Bucket="shareframe-local-media")["CORSRules"]
    assert cors[0]["AllowedOrigins"] == [settings.web_url]
    notification = s3.get_bucket_notification_configuration(Bucket="shareframe-local-media")
    [queue] = notification["QueueConfigurations"]
    assert queue["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:shareframe-local-uploads"
    assert queue["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "originals/"}]


def test_an_upload_under_originals_reaches_the_uploads_queue(provisioned):
    settings, _ = provisioned
    s3 = client("s3", settings.moto_url)
    sqs = client("sqs", settings.moto_url)
    url = sqs.get_queue_url(QueueName="shareframe-local-uploads")["QueueUrl"]
    drain(sqs, url)
    s3.put_object(Bucket="shareframe-local-media", Key="originals/u1/a b.jpg", Body=b"x")
    s3.put_object(Bucket="shareframe-local-media", Key="renditions/u1/x.png", Body=b"x")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    keys = [
        unquote_plus(record["s3"]["object"]["key"])
        for m in messages["Messages"]
        for record in json.loads(m["Body"]).get("Records", [])
    ]
    assert keys == ["originals/u1/a b.jpg"]  # moto URL-encodes keys (more than S3 does)


def test_the_uploads_queue_redrives_to_its_dead_letter_queue(provisioned):
    settings, _ = provisioned
    sqs = client("sqs", settings.moto_url)
    template = load_local_template(settings)
    expected = {
        template.resolve(q["Properties"]["QueueName"])
        for q in template.of_type("AWS::SQS::Queue").values()
    }
    names = {u.rsplit("/", 1)[1] for u in sqs.list_queues()["QueueUrls"]}
    assert names == expected
    assert {"shareframe-local-uploads", "shareframe-local-uploads-dlq"} <= names
    url = sqs.get_queue_url(QueueName="shareframe-local-uploads")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":shareframe-local-uploads-dlq")
    assert int(redrive["maxReceiveCount"]) == 5
    assert attributes["VisibilityTimeout"] == "180"


def test_the_frame_policy_and_the_mail_identity_exist(provisioned):
    settings, _ = provisioned
    iot = client("iot", settings.moto_url)
    policy = iot.get_policy(policyName="shareframe-local-frame")
    document = json.loads(policy["policyDocument"])
    resources = json.dumps(document)
    assert "${iot:Connection.Thing.ThingName}" in resources
    assert "arn:aws:iot:us-east-1:123456789012:topic/shareframe/frames/" in resources
    ses = client("ses", settings.moto_url)
    assert "no-reply@shareframe.example" in ses.list_identities()["Identities"]


def test_the_secrets_hold_a_jwt_key_and_the_local_device_ca(provisioned):
    settings, ca = provisioned
    sm = client("secretsmanager", settings.moto_url)
    jwt_key = sm.get_secret_value(SecretId="shareframe-local/jwt-signing-key")["SecretString"]
    assert len(jwt_key) == 64 and jwt_key.isalnum()
    device_ca = json.loads(
        sm.get_secret_value(SecretId="shareframe-local/device-ca")["SecretString"]
    )
    assert device_ca["caCertificatePem"] == ca.ca_cert.read_text()
    assert device_ca["caPrivateKeyPem"] == ca.ca_key.read_text()
    assert device_ca["serverRootPem"] == ca.ca_cert.read_text()


def test_provisioning_again_changes_nothing_and_keeps_the_jwt_key(provisioned):
    settings, ca = provisioned
    sm = client("secretsmanager", settings.moto_url)
    sqs = client("sqs", settings.moto_url)
    url = sqs.get_queue_url(QueueName="shareframe-local-uploads")["QueueUrl"]
    drain(sqs, url)
    before = sm.get_secret_value(SecretId="shareframe-local/jwt-signing-key")["SecretString"]
    provision(settings, ca)
    after = sm.get_secret_value(SecretId="shareframe-local/jwt-signing-key")["SecretString"]
    assert before == after
    # No second s3:TestEvent: the notification configuration was not put again.
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    secrets = load_local_template(settings).of_type("AWS::SecretsManager::Secret")
    assert len(sm.list_secrets()["SecretList"]) == len(secrets)


def test_a_fresh_moto_gets_the_same_jwt_key_from_the_state_dir(settings, tmp_path):
    from dataclasses import replace

    from moto.server import ThreadedMotoServer

    from infra.localcloud.netwait import free_port

    settings.state_dir.mkdir(parents=True)
    ca = ensure_ca(settings.ca_dir)
    keys = []
    for _ in range(2):
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            local = replace(settings, moto_port=port)
            reset_moto(local.moto_url)
            provision(local, ca)
            sm = client("secretsmanager", local.moto_url)
            keys.append(
                sm.get_secret_value(SecretId="shareframe-local/jwt-signing-key")["SecretString"]
            )
        finally:
            server.stop()
    assert keys[0] == keys[1]


def test_unknown_resource_types_are_skipped_with_a_log_line(
    settings, moto_endpoint, tmp_path, caplog
):
    from dataclasses import replace

    from infra.localcloud.provision import Provisioner

    template = Template(
        body={"Resources": {"Thing": {"Type": "AWS::Foo::Bar", "Properties": {}}}},
        parameters={},
        moto_url=moto_endpoint,
    )
    ca = ensure_ca(tmp_path / "ca")
    local = replace(settings, moto_port=int(moto_endpoint.rsplit(":", 1)[1]))
    assert Provisioner(template, local.moto_url, tmp_path, ca).run() == []
    assert "AWS::Foo::Bar" in caplog.text


# The template reader ------------------------------------------------------------------------
def reader(**resources: Any) -> Template:
    return Template(
        body={"Resources": resources},
        parameters={"ResourcePrefix": "p", "Name": "a,b,c"},
        moto_url="http://127.0.0.1:1",
    )


def test_sub_resolves_parameters_pseudo_parameters_and_keeps_escaped_literals():
    template = reader()
    text = template.resolve(
        {
            "Fn::Sub": "arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:"
            "x/${ResourcePrefix}/${!iot:ThingName}"
        }
    )
    assert text == "arn:aws:iot:us-east-1:123456789012:x/p/${iot:ThingName}"
    assert template.resolve({"Fn::Sub": ["${X}-y", {"X": {"Ref": "ResourcePrefix"}}]}) == "p-y"


def test_join_select_split_and_getatt_arn():
    template = reader(
        Q={
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": {"Fn::Sub": "${ResourcePrefix}-q"}},
        }
    )
    assert template.resolve({"Fn::Join": ["-", ["a", {"Ref": "ResourcePrefix"}]]}) == "a-p"
    assert template.resolve({"Fn::Select": [1, {"Fn::Split": [",", {"Ref": "Name"}]}]}) == "b"
    assert (
        template.resolve({"Fn::GetAtt": ["Q", "Arn"]}) == "arn:aws:sqs:us-east-1:123456789012:p-q"
    )
    assert template.resolve({"Ref": "Q"}) == "http://127.0.0.1:1/123456789012/p-q"
    # Functions come from chalice, not the template.
    assert template.resolve({"Fn::GetAtt": ["FrameEvents", "Arn"]}).endswith(
        ":function:FrameEvents"
    )


def test_unknown_refs_and_functions_are_errors():
    with pytest.raises(TemplateError):
        reader().resolve({"Ref": "Nope"})
    with pytest.raises(TemplateError):
        reader().resolve({"Fn::ImportValue": "x"})
