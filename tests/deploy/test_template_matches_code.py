"""The template defines exactly the tables, bucket, queues, secrets and rule targets the code uses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from chalice.utils import to_cfn_resource_name

from infra.deploy.policies import FUNCTION_POLICIES, documents, render
from infra.deploy.stages import CHALICEFILE, FUNCTIONS_DIR, TEMPLATE, Stage
from infra.localcloud.template import Template

STAGES = ["dev", "prod"]


@pytest.fixture(scope="module", params=STAGES)
def stage(request) -> Stage:
    return Stage.load(request.param)


@pytest.fixture(scope="module")
def facts(stage: Stage) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHAREFRAME_")}
    env |= {"SHAREFRAME_PREFIX": stage.prefix, "SHAREFRAME_MEDIA_BUCKET": stage.media_bucket}
    out = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("app_facts.py"))],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def template(stage: Stage) -> Template:
    return Template.load(
        TEMPLATE, stage.parameters(web_origin="https://x.example", mqtt_host="h"), "http://moto"
    )


def _schema(props: dict) -> tuple[dict, dict]:
    types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}

    def keys(schema: list[dict]) -> dict:
        by_type = {k["KeyType"]: k["AttributeName"] for k in schema}
        rng = by_type.get("RANGE")
        return {
            "hash": [by_type["HASH"], types[by_type["HASH"]]],
            "range": [rng, types[rng]] if rng else None,
        }

    indexes = {}
    for kind, is_global in (("GlobalSecondaryIndexes", True), ("LocalSecondaryIndexes", False)):
        for index in props.get(kind, []):
            indexes[index["IndexName"]] = {
                **keys(index["KeySchema"]),
                "global": is_global,
                "projection": index["Projection"]["ProjectionType"],
            }
    return keys(props["KeySchema"]), indexes


def test_every_table_matches_its_model(facts, template):
    resources = template.of_type("AWS::DynamoDB::Table")
    in_template = {}
    for lid, resource in resources.items():
        props = template.resolve(resource["Properties"])
        keys, indexes = _schema(props)
        in_template[props["TableName"]] = {**keys, "indexes": indexes}
        # Every attribute defined is a key somewhere (CloudFormation rejects the others).
        used = {
            k[0] for spec in [keys, *indexes.values()] for k in (spec["hash"], spec["range"]) if k
        }
        assert {a["AttributeName"] for a in props["AttributeDefinitions"]} == used
        assert resource.get("DeletionPolicy") == "Retain", lid
    assert in_template == facts["tables"]


def test_bucket_queues_and_secrets_are_the_configured_ones(facts, template, stage):
    buckets = {template.physical_name(lid) for lid in template.of_type("AWS::S3::Bucket")}
    assert buckets == {facts["bucket"], stage.web_bucket}
    queues = {template.physical_name(lid) for lid in template.of_type("AWS::SQS::Queue")}
    assert set(facts["queues"]) <= queues
    # Each work queue has a dead-letter queue and an alarm on it.
    alarms = json.dumps(template.of_type("AWS::CloudWatch::Alarm"))
    for lid, queue in template.of_type("AWS::SQS::Queue").items():
        redrive = queue["Properties"].get("RedrivePolicy")
        if lid.endswith("DeadLetterQueue"):
            assert f'"{lid}", "QueueName"' in alarms, lid
        else:
            assert redrive and redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] in template.resources
    secrets = {
        template.physical_name(lid) for lid in template.of_type("AWS::SecretsManager::Secret")
    }
    assert secrets == set(facts["secrets"])


def test_sqs_handlers_consume_template_queues(facts, template):
    queues = {template.physical_name(lid) for lid in template.of_type("AWS::SQS::Queue")}
    assert facts["sqs"], "the app has SQS handlers"
    for handler, queue in facts["sqs"].items():
        assert queue in queues, f"{handler} consumes {queue}, which the template lacks"


def test_timer_work_scales_out_with_bounded_concurrency(facts, template):
    """Every schedule starts sweeps on the timers queue; its workers run at most N at once,
    and a message outlives six worker timeouts before it is retried (AWS's advice)."""
    config = json.loads(CHALICEFILE.read_text())
    timers_queue = template.resources["TimersQueue"]["Properties"]
    workers = [h for h, q in facts["sqs"].items() if q.endswith("-timers")]
    assert workers == ["work_timers"]
    assert 2 <= facts["sqs_concurrency"]["work_timers"] <= 1000  # Lambda's allowed range
    for stage in STAGES:
        timeout = config["stages"][stage]["lambda_functions"]["work_timers"]["lambda_timeout"]
        assert timers_queue["VisibilityTimeout"] >= 6 * timeout
    assert timers_queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0] == (
        "TimersDeadLetterQueue"
    )


def test_topic_rules_target_app_functions_with_permission_and_error_action(facts, template):
    lambdas = {to_cfn_resource_name(name) for name in facts["lambdas"]}
    permissions = template.of_type("AWS::Lambda::Permission")
    for lid, rule in template.of_type("AWS::IoT::TopicRule").items():
        payload = rule["Properties"]["TopicRulePayload"]
        targets = [a["Lambda"]["FunctionArn"]["Fn::GetAtt"][0] for a in payload["Actions"]]
        assert targets and set(targets) <= lambdas, (lid, targets, lambdas)
        assert "Sqs" in payload["ErrorAction"], lid
        for target in targets:
            granted = [
                p["Properties"]
                for p in permissions.values()
                if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [target, "Arn"]}
            ]
            assert granted, f"{target} has no invoke permission for {lid}"
            assert granted[0]["Principal"] == "iot.amazonaws.com"
            assert granted[0]["SourceArn"] == {"Fn::GetAtt": [lid, "Arn"]}
        assert template.physical_name(lid).isidentifier()


def test_every_function_has_a_policy_memory_and_timeout(facts):
    config = json.loads(CHALICEFILE.read_text())
    functions = (
        {"api_handler"}
        | set(facts["sqs"])
        | set(facts["schedules"])
        | set(facts["lambdas"])
        | set(facts["authorizers"])
    )
    assert functions == set(FUNCTION_POLICIES)
    assert config["autogen_policy"] is False
    for name in functions:
        assert config["lambda_functions"][name]["iam_policy_file"] == FUNCTION_POLICIES[name]
        for stage in STAGES:
            settings = config["stages"][stage]["lambda_functions"][name]
            assert 128 <= settings["lambda_memory_size"] <= 10240
            assert 1 <= settings["lambda_timeout"] <= 900


def test_sqs_visibility_covers_the_consumer_timeout(facts, template):
    config = json.loads(CHALICEFILE.read_text())
    by_name = {
        template.physical_name(lid): q["Properties"]
        for lid, q in template.of_type("AWS::SQS::Queue").items()
    }
    for handler, queue in facts["sqs"].items():
        for stage in STAGES:
            timeout = config["stages"][stage]["lambda_functions"][handler]["lambda_timeout"]
            assert by_name[queue]["VisibilityTimeout"] >= timeout, (handler, stage)


def test_policy_files_are_current_and_name_their_resources():
    body = json.loads(TEMPLATE.read_text())
    for name, document in documents(body).items():
        path = FUNCTIONS_DIR / ".chalice" / name
        assert path.read_text() == render(document), (
            f"run: python -m infra.deploy policies ({name})"
        )
        for statement in document["Statement"]:
            if statement["Resource"] == "*":
                # IAM has no resource type for these actions.
                assert statement["Action"] in ("iot:RegisterCertificate", "iot:DescribeEndpoint")
            refs = json.dumps(statement["Resource"])
            named = set(re.findall(r'"Fn::GetAtt": \["(\w+)"', refs))
            named |= set(re.findall(r"\$\{(\w+)\.Arn\}", refs))
            named |= set(re.findall(r'"Ref": "(\w+)"', refs))
            assert named <= set(body["Resources"]), (name, statement["Sid"], named)


def test_a_frame_may_retain_only_on_its_status_topic_as_the_local_gate_enforces(template):
    """The IoT policy and infra/localcloud/broker_gate.py state the same rights."""
    from infra.localcloud import broker_gate

    (policy,) = template.of_type("AWS::IoT::Policy").values()
    granted: dict[str, list[str]] = {}
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        actions = statement["Action"]
        resources = statement["Resource"]
        for action in [actions] if isinstance(actions, str) else actions:
            for resource in resources if isinstance(resources, list) else [resources]:
                granted.setdefault(action, []).append(json.dumps(resource))
    assert len(granted["iot:RetainPublish"]) == 1
    assert granted["iot:RetainPublish"][0].endswith('ThingName}/status"}')
    assert len(granted["iot:Subscribe"]) == 1
    assert granted["iot:Subscribe"][0].endswith('ThingName}/desired"}')
    frame = "frm_X"
    assert broker_gate.may_retain(frame, f"shareframe/frames/{frame}/status")
    assert not broker_gate.may_retain(frame, f"shareframe/frames/{frame}/events")
    assert broker_gate.may_subscribe(frame, f"shareframe/frames/{frame}/desired")
    assert not broker_gate.may_subscribe(frame, "shareframe/frames/+/desired")
