"""Deploy and destroy a stage with boto3 CloudFormation (no AWS CLI needed)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError, WaiterError

from infra.deploy.stages import Stage, cfn_parameters

log = logging.getLogger(__name__)

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
PENDING_ORIGIN = "https://pending.shareframe.invalid"
# CloudFront distributions take 5-15 minutes: wait up to an hour.
WAITER = {"Delay": 15, "MaxAttempts": 240}
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# Artefacts ---------------------------------------------------------------------------------


def ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    """A private bucket for deployment artefacts; old artefacts expire after 30 days."""
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError as error:
        if _code(error) not in ("404", "NoSuchBucket", "NotFound"):
            raise
    args: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        args["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**args)
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-old-artefacts",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": 30},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                }
            ]
        },
    )


def upload_once(s3: Any, bucket: str, key: str, path: Path) -> None:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if _code(error) not in ("404", "NoSuchKey", "NotFound"):
            raise
        s3.upload_file(str(path), bucket, key)


def point_code_at(template: dict[str, Any], bucket: str, key: str) -> dict[str, Any]:
    """Replace chalice's local ``CodeUri`` (``./deployment.zip``) by the uploaded object."""
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://{bucket}/{key}"
    return template


def upload_layers(s3: Any, bucket: str, stage: str, template: dict[str, Any], folder: Path) -> None:
    """Upload each layer's local ``ContentUri`` zip (content-addressed); point the layer at it."""
    for resource in template["Resources"].values():
        if resource.get("Type") != "AWS::Serverless::LayerVersion":
            continue
        uri = resource["Properties"]["ContentUri"]
        if isinstance(uri, str) and not uri.startswith("s3://"):
            path = folder / uri
            key = f"{stage}/layer-{sha256(path)}.zip"
            upload_once(s3, bucket, key, path)
            resource["Properties"]["ContentUri"] = f"s3://{bucket}/{key}"


def upload_package(
    s3: Any, bucket: str, stage: str, template_path: Path, zip_path: Path, region: str
) -> str:
    """Upload the zips and the template (content-addressed); returns the template's URL."""
    zip_key = f"{stage}/code-{sha256(zip_path)}.zip"
    upload_once(s3, bucket, zip_key, zip_path)
    body = point_code_at(json.loads(template_path.read_text()), bucket, zip_key)
    upload_layers(s3, bucket, stage, body, template_path.parent)
    text = json.dumps(body, separators=(",", ":")).encode()
    template_key = f"{stage}/template-{hashlib.sha256(text).hexdigest()}.json"
    s3.put_object(Bucket=bucket, Key=template_key, Body=text)
    host = "s3.amazonaws.com" if region == "us-east-1" else f"s3.{region}.amazonaws.com"
    return f"https://{bucket}.{host}/{template_key}"


# Stack -------------------------------------------------------------------------------------


def stack_outputs(cfn: Any, stack: str) -> dict[str, str] | None:
    """The stack's outputs, or None when it does not exist (or only as a failed creation)."""
    try:
        found = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    if found["StackStatus"] == "REVIEW_IN_PROGRESS":
        return None
    return {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}


def stack_parameters(cfn: Any, stack: str) -> dict[str, str]:
    found = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in found.get("Parameters", [])}


def apply_change_set(
    cfn: Any,
    stack: str,
    parameters: dict[str, str],
    *,
    template_url: str | None,
    exists: bool,
    tags: dict[str, str],
) -> bool:
    """Create/update ``stack`` through a change set; returns False when there was nothing to do."""
    name = (
        f"deploy-{hashlib.sha256(json.dumps([parameters, template_url]).encode()).hexdigest()[:16]}"
    )
    args: dict[str, Any] = {
        "StackName": stack,
        "ChangeSetName": name,
        "ChangeSetType": "UPDATE" if exists else "CREATE",
        "Parameters": cfn_parameters(parameters),
        "Capabilities": CAPABILITIES,
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
    }
    if template_url:
        args["TemplateURL"] = template_url
    else:
        args["UsePreviousTemplate"] = True
    with contextlib.suppress(ClientError):
        cfn.delete_change_set(StackName=stack, ChangeSetName=name)
    cfn.create_change_set(**args)
    try:
        cfn.get_waiter("change_set_create_complete").wait(
            StackName=stack, ChangeSetName=name, WaiterConfig={"Delay": 5, "MaxAttempts": 120}
        )
    except WaiterError:
        reason = cfn.describe_change_set(StackName=stack, ChangeSetName=name).get(
            "StatusReason", ""
        )
        if any(text in reason for text in NO_CHANGES):
            cfn.delete_change_set(StackName=stack, ChangeSetName=name)
            return False
        raise RuntimeError(f"change set {name} failed: {reason}") from None
    cfn.execute_change_set(StackName=stack, ChangeSetName=name)
    waiter = "stack_update_complete" if exists else "stack_create_complete"
    cfn.get_waiter(waiter).wait(StackName=stack, WaiterConfig=WAITER)
    return True


# The web app -------------------------------------------------------------------------------

NO_CACHE = {"index.html", "config.json"}


def upload_spa(s3: Any, bucket: str, dist: Path, api_url: str) -> int:
    """Sync ``web/dist`` to the bucket (removing stale files) and write ``config.json``."""
    wanted: dict[str, Path] = {
        p.relative_to(dist).as_posix(): p for p in sorted(dist.rglob("*")) if p.is_file()
    }
    wanted.pop("config.json", None)
    for key, path in wanted.items():
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        immutable = key.startswith("assets/")  # Vite's hashed file names
        cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
        s3.upload_file(
            str(path),
            bucket,
            key,
            ExtraArgs={"ContentType": content_type, "CacheControl": cache},
        )
    s3.put_object(
        Bucket=bucket,
        Key="config.json",
        Body=json.dumps({"apiUrl": api_url.rstrip("/")}).encode(),
        ContentType="application/json",
        CacheControl="no-cache",
    )
    keep = set(wanted) | {"config.json"}
    stale = [
        {"Key": obj["Key"]}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for obj in page.get("Contents", [])
        if obj["Key"] not in keep
    ]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": stale[start : start + 1000]})
    return len(wanted) + 1


def invalidate(cloudfront: Any, distribution_id: str, reference: str) -> str:
    response = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": reference},
    )
    return str(response["Invalidation"]["Id"])


# Destroy -----------------------------------------------------------------------------------


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object (and version) in ``bucket``; a missing bucket is empty."""
    deleted = 0
    try:
        pages: Iterable[dict[str, Any]] = s3.get_paginator("list_object_versions").paginate(
            Bucket=bucket
        )
        for page in pages:
            keys = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for kind in ("Versions", "DeleteMarkers")
                for v in page.get(kind, [])
            ]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})
                deleted += len(keys)
    except ClientError as error:
        if _code(error) != "NoSuchBucket":
            raise
    return deleted


def release_frame_policy(iot: Any, policy: str, *, delete_frames: bool) -> int:
    """Detach the frame policy from every certificate (CloudFormation cannot delete an attached
    policy). With ``delete_frames`` the certificates and things go too."""
    try:
        targets = [
            t
            for page in iot.get_paginator("list_targets_for_policy").paginate(policyName=policy)
            for t in page.get("targets", [])
        ]
    except ClientError as error:
        if _code(error) == "ResourceNotFoundException":
            return 0
        raise
    for arn in targets:
        iot.detach_policy(policyName=policy, target=arn)
        if not delete_frames:
            continue
        for thing in iot.list_principal_things(principal=arn).get("things", []):
            iot.detach_thing_principal(thingName=thing, principal=arn)
            iot.delete_thing(thingName=thing)
        certificate_id = arn.rsplit("/", 1)[-1]
        iot.update_certificate(certificateId=certificate_id, newStatus="INACTIVE")
        iot.delete_certificate(certificateId=certificate_id, forceDelete=True)
    return len(targets)


def retained_table_names(template: dict[str, Any], prefix: str) -> list[str]:
    names = []
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::DynamoDB::Table":
            name = resource["Properties"]["TableName"]
            text = name["Fn::Sub"] if isinstance(name, dict) else str(name)
            names.append(text.replace("${ResourcePrefix}", prefix))
    return sorted(names)


def purge_retained(
    session: boto3.Session, stage: Stage, template: dict[str, Any]
) -> dict[str, int]:
    """Delete what the stack retains on deletion: tables, the media bucket, the secrets."""
    ddb, s3, sm = session.client("dynamodb"), session.client("s3"), session.client("secretsmanager")
    counts = {"tables": 0, "objects": 0, "secrets": 0}
    for table in retained_table_names(template, stage.prefix):
        try:
            ddb.delete_table(TableName=table)
            counts["tables"] += 1
        except ClientError as error:
            if _code(error) != "ResourceNotFoundException":
                raise
    counts["objects"] = empty_bucket(s3, stage.media_bucket)
    try:
        s3.delete_bucket(Bucket=stage.media_bucket)
    except ClientError as error:
        if _code(error) != "NoSuchBucket":
            raise
    for secret in (f"{stage.prefix}/jwt-signing-key", f"{stage.prefix}/device-ca"):
        try:
            sm.delete_secret(SecretId=secret, ForceDeleteWithoutRecovery=True)
            counts["secrets"] += 1
        except ClientError as error:
            if _code(error) != "ResourceNotFoundException":
                raise
    return counts


@dataclass(frozen=True)
class Deployed:
    web_url: str
    api_url: str
    mqtt_host: str
    outputs: dict[str, str]
