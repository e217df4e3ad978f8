"""Least-privilege IAM for every Lambda function, as Chalice ``iam_policy_file`` documents.

``chalicefile.json`` sets ``autogen_policy: false`` and names, per function, one of the policy
files written here into ``functions/.chalice/``. Chalice copies a policy file verbatim into the
function's ``AWS::IAM::Role``, so the documents may use CloudFormation intrinsics: every resource
is a ``Fn::GetAtt``/``Ref`` of the merged template's own resources, or an ARN built with
``Fn::Sub`` from its parameters. Policies are therefore the same for every stage, and exact.

Only ``iot:RegisterCertificate`` and ``iot:DescribeEndpoint`` take ``*``: IAM offers no resource
type for them.

The files are generated (``python -m infra.deploy policies``; ``package`` runs it too) and a
test checks the committed copies are current.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from infra.deploy.stages import FUNCTIONS_DIR, TEMPLATE

Statement = dict[str, Any]
POLICY_DIR = FUNCTIONS_DIR / ".chalice"

# Function name (as Chalice names it) -> policy file. The test in tests/deploy checks that every
# function of the app is listed here and in chalicefile.json.
FUNCTION_POLICIES: dict[str, str] = {
    "api_handler": "policy-api.json",
    "jwt_authorizer": "policy-authorizer.json",
    "process_uploads": "policy-uploads.json",
    "build_exports": "policy-exports.json",
    "frame_events": "policy-frame-reports.json",
    "frame_status": "policy-frame-reports.json",
    "frame_presence": "policy-frame-reports.json",
    "expire_shares": "policy-maintenance.json",
    "purge_share_history": "policy-maintenance.json",
    "purge_deleted_photos": "policy-maintenance.json",
    "forget_photos": "policy-maintenance.json",
    "remove_unverified_accounts": "policy-maintenance.json",
    "remove_abandoned_uploads": "policy-maintenance.json",
    "expire_pairing_sessions": "policy-maintenance.json",
    "reject_stale_requests": "policy-maintenance.json",
    "notify_offline_frames": "policy-maintenance.json",
    "finish_account_deletions": "policy-maintenance.json",
    "work_timers": "policy-timers.json",
    "render_deliveries": "policy-renditions.json",
}


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _arn(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def _iot(resource: str) -> dict[str, str]:
    return _sub(f"arn:${{AWS::Partition}}:iot:${{AWS::Region}}:${{AWS::AccountId}}:{resource}")


def table_ids(template: dict[str, Any]) -> list[str]:
    return sorted(
        lid
        for lid, res in template["Resources"].items()
        if res.get("Type") == "AWS::DynamoDB::Table"
    )


def logs() -> Statement:
    """Lambda's own log group: functions are named ``<stack>-<LogicalId>-<suffix>``."""
    group = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
    return {
        "Sid": "OwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [
            _sub(group + "/aws/lambda/${AWS::StackName}-*"),
            _sub(group + "/aws/lambda/${AWS::StackName}-*:log-stream:*"),
        ],
    }


def tables(logical_ids: Iterable[str], *, write: bool = True) -> Statement:
    actions = [
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:ConditionCheckItem",
        "dynamodb:DescribeTable",
    ]
    if write:
        actions += [
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
        ]
    resources: list[Any] = []
    for lid in logical_ids:
        resources.append(_arn(lid))
        resources.append(_sub(f"${{{lid}.Arn}}/index/*"))
    return {"Sid": "Tables", "Effect": "Allow", "Action": actions, "Resource": resources}


def media(*, write: bool = True) -> list[Statement]:
    """Objects of the media bucket. Presigned URLs carry the signer's rights: GetObject and
    PutObject here are what make the browser's and the frames' presigned requests work."""
    actions = ["s3:GetObject"] + (["s3:PutObject", "s3:DeleteObject"] if write else [])
    statements: list[Statement] = [
        {
            "Sid": "MediaObjects",
            "Effect": "Allow",
            "Action": actions,
            "Resource": _sub("${MediaBucket.Arn}/*"),
        }
    ]
    if write:
        statements.append(
            {
                "Sid": "MediaListing",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": _arn("MediaBucket"),
            }
        )
    return statements


def consume(queue: str) -> Statement:
    return {
        "Sid": f"Consume{queue}",
        "Effect": "Allow",
        "Action": [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes",
        ],
        "Resource": _arn(queue),
    }


def send(queue: str) -> Statement:
    return {
        "Sid": f"SendTo{queue}",
        "Effect": "Allow",
        "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"],
        "Resource": _arn(queue),
    }


def secrets(*logical_ids: str) -> Statement:
    # Ref of an AWS::SecretsManager::Secret is its full ARN (with the random suffix).
    return {
        "Sid": "Secrets",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": [{"Ref": lid} for lid in logical_ids],
    }


def publish_desired() -> Statement:
    """The backend's only MQTT traffic: each frame's retained desired state."""
    return {
        "Sid": "PublishDesiredState",
        "Effect": "Allow",
        "Action": ["iot:Publish", "iot:RetainPublish"],
        "Resource": _iot("topic/shareframe/frames/*/desired"),
    }


def mail() -> Statement:
    """SES checks the sender's identity and, in the sandbox, each recipient's: the sender is
    pinned with ``ses:FromAddress`` instead."""
    return {
        "Sid": "SendMail",
        "Effect": "Allow",
        "Action": ["ses:SendEmail"],
        "Resource": _sub("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"),
        "Condition": {"StringEquals": {"ses:FromAddress": {"Ref": "MailFromAddress"}}},
    }


def revoke_frames() -> list[Statement]:
    return [
        {
            "Sid": "RevokeFrames",
            "Effect": "Allow",
            "Action": [
                "iot:DescribeCertificate",
                "iot:UpdateCertificate",
                "iot:DeleteCertificate",
                "iot:DetachPolicy",
                "iot:DetachThingPrincipal",
                "iot:DeleteThing",
            ],
            "Resource": [
                _iot("cert/*"),
                _iot("thing/*"),
                _iot("policy/${ResourcePrefix}-frame"),
            ],
        }
    ]


def pair_frames() -> list[Statement]:
    return [
        {
            "Sid": "PairFrames",
            "Effect": "Allow",
            "Action": [
                "iot:CreateThing",
                "iot:AttachPolicy",
                "iot:AttachThingPrincipal",
            ],
            "Resource": [
                _iot("cert/*"),
                _iot("thing/*"),
                _iot("policy/${ResourcePrefix}-frame"),
            ],
        },
        {
            # RegisterCertificate has no resource type in IAM; the certificate must chain to a
            # CA registered in this account, which the deploy command controls.
            "Sid": "RegisterFrameCertificates",
            "Effect": "Allow",
            "Action": "iot:RegisterCertificate",
            "Resource": "*",
        },
    ]


def _document(statements: list[Statement]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def documents(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Policy file name -> policy document."""
    all_tables = table_ids(template)
    return {
        "policy-api.json": _document(
            [
                logs(),
                tables(all_tables),
                *media(),
                send("ExportsQueue"),
                send("RenditionsQueue"),
                secrets("JwtSecret", "DeviceCaSecret"),
                publish_desired(),
                *pair_frames(),
                *revoke_frames(),
                mail(),
            ]
        ),
        # The authorizer reads the signing key and the account (tokens_valid_after) only.
        "policy-authorizer.json": _document(
            [logs(), tables(["UsersTable"], write=False), secrets("JwtSecret")]
        ),
        "policy-uploads.json": _document(
            [logs(), consume("UploadsQueue"), tables(all_tables), *media(), publish_desired()]
        ),
        "policy-exports.json": _document(
            [logs(), consume("ExportsQueue"), tables(all_tables), *media(), mail()]
        ),
        "policy-frame-reports.json": _document(
            [logs(), tables(all_tables), *media(write=False), publish_desired(), mail()]
        ),
        # Renders for sent photos: reads masters, writes renditions, fills deliveries, publishes.
        "policy-renditions.json": _document(
            [logs(), consume("RenditionsQueue"), tables(all_tables), *media(), publish_desired()]
        ),
        # A schedule only starts a sweep: one message per timer shard.
        "policy-maintenance.json": _document([logs(), send("TimersQueue")]),
        # Sweeps hand timers over (and continue themselves) on the queue they consume.
        "policy-timers.json": _document(
            [
                logs(),
                consume("TimersQueue"),
                send("TimersQueue"),
                tables(all_tables),
                *media(),
                publish_desired(),
                *revoke_frames(),
                mail(),
            ]
        ),
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def write_policy_files(
    template_path: Path = TEMPLATE, directory: Path = POLICY_DIR
) -> dict[str, Path]:
    """(Re)write the policy files; returns their paths. Unchanged files are not touched."""
    template = json.loads(template_path.read_text())
    written = {}
    for name, document in documents(template).items():
        path = directory / name
        text = render(document)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        written[name] = path
    return written
