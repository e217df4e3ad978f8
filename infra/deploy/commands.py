"""The commands: ``package``, ``deploy``, ``destroy`` (``python -m infra.deploy``)."""

from __future__ import annotations

import json
import logging
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3

from infra.deploy import cloud, device_ca
from infra.deploy.package import Package, lint, lint_has_errors, package
from infra.deploy.stages import BUILD_DIR, REPO_ROOT, TEMPLATE, Stage
from infra.deploy.wheelhouse import DEFAULT_ARCH

log = logging.getLogger("infra.deploy")
WEB_DIR = REPO_ROOT / "web"


def build_package(
    stage: Stage, out: Path, *, check: bool = True, arch: str = DEFAULT_ARCH
) -> Package:
    started = time.monotonic()
    result = package(stage.name, out, stage_prefix=stage.prefix, arch=arch)
    log.info(
        "packaged %s in %.1f s: %s, %s (%.1f MB)",
        stage.name,
        time.monotonic() - started,
        result.template,
        result.zip,
        result.zip_bytes / 1e6,
    )
    if check:
        linted = lint(result.template)
        if lint_has_errors(linted):
            raise SystemExit(f"cfn-lint found errors in {result.template}:\n{linted.stdout}")
        if linted.stdout.strip():
            log.warning("cfn-lint warnings:\n%s", linted.stdout.strip())
    return result


def build_web(skip: bool) -> Path:
    dist = WEB_DIR / "dist"
    if not skip:
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WEB_DIR, check=True)  # noqa: S607
        subprocess.run(["npm", "run", "build"], cwd=WEB_DIR, check=True)  # noqa: S607
    if not (dist / "index.html").exists():
        raise SystemExit(f"{dist}/index.html is missing: build the web app (make web)")
    return dist


def deploy(
    stage: Stage,
    *,
    region: str,
    out: Path | None = None,
    skip_web_build: bool = False,
    alarm_email: str | None = None,
) -> cloud.Deployed:
    session = boto3.Session(region_name=region)
    account = session.client("sts").get_caller_identity()["Account"]
    cfn, s3, iot = session.client("cloudformation"), session.client("s3"), session.client("iot")

    # Values AWS assigns: the account's MQTT endpoint and (after the first deploy) CloudFront's.
    mqtt_host = iot.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
    previous = cloud.stack_outputs(cfn, stage.stack_name)
    web_origin = (previous or {}).get("WebUrl", cloud.PENDING_ORIGIN)

    built = build_package(stage, out or BUILD_DIR / stage.name)
    dist = build_web(skip_web_build)

    bucket = stage.deployment_bucket(account, region)
    cloud.ensure_bucket(s3, bucket, region)
    template_url = cloud.upload_package(s3, bucket, stage.name, built.template, built.zip, region)
    parameters = stage.parameters(web_origin=web_origin, mqtt_host=mqtt_host)
    tags = {"app": "shareframe", "stage": stage.name}
    log.info("deploying stack %s (this waits for CloudFormation)", stage.stack_name)
    cloud.apply_change_set(
        cfn,
        stage.stack_name,
        parameters,
        template_url=template_url,
        exists=previous is not None,
        tags=tags,
    )
    outputs = cloud.stack_outputs(cfn, stage.stack_name) or {}
    if outputs["WebUrl"] != web_origin:
        # First deploy: CloudFront's domain exists now. CORS and e-mail links need it.
        log.info("setting the web origin to %s", outputs["WebUrl"])
        parameters["WebOrigin"] = outputs["WebUrl"]
        cloud.apply_change_set(
            cfn, stage.stack_name, parameters, template_url=None, exists=True, tags=tags
        )

    ca_id, created = device_ca.install(
        iot, session.client("secretsmanager"), stage.name, stage.prefix
    )
    log.info("device CA %s %s", ca_id, "created and registered" if created else "registered")

    files = cloud.upload_spa(s3, outputs["WebBucket"], dist, outputs["EndpointURL"])
    cloud.invalidate(
        session.client("cloudfront"), outputs["WebDistributionId"], f"deploy-{time.time_ns()}"
    )
    log.info("uploaded %d web files, invalidated the CloudFront cache", files)
    if alarm_email:
        session.client("sns").subscribe(
            TopicArn=outputs["AlarmTopicArn"], Protocol="email", Endpoint=alarm_email
        )
    return cloud.Deployed(
        web_url=outputs["WebUrl"],
        api_url=outputs["EndpointURL"],
        mqtt_host=mqtt_host,
        outputs=outputs,
    )


def destroy(stage: Stage, *, region: str, purge: bool = False) -> dict[str, Any]:
    session = boto3.Session(region_name=region)
    cfn, s3 = session.client("cloudformation"), session.client("s3")
    report: dict[str, Any] = {"stack": stage.stack_name}
    # The web bucket is deleted with the stack, which fails while it holds objects.
    report["web_objects"] = cloud.empty_bucket(s3, stage.web_bucket)
    report["frames_detached"] = cloud.release_frame_policy(
        session.client("iot"), f"{stage.prefix}-frame", delete_frames=purge
    )
    if cloud.stack_outputs(cfn, stage.stack_name) is not None:
        cfn.delete_stack(StackName=stage.stack_name)
        cfn.get_waiter("stack_delete_complete").wait(
            StackName=stage.stack_name, WaiterConfig=cloud.WAITER
        )
    if purge:
        report["purged"] = cloud.purge_retained(session, stage, json.loads(TEMPLATE.read_text()))
    return report
