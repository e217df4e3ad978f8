"""``chalice package`` offline from the wheelhouse, then the finishing touches on its template.

Output (in the directory given): ``sam.json`` (the merged SAM/CloudFormation template) and
``deployment.zip`` (the code of every function). The template is stage-specific only where
Chalice makes it so (function environment, queue names in event sources); everything AWS
assigns at deploy time (the web app's origin, the MQTT endpoint) is a template parameter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.deploy.policies import write_policy_files
from infra.deploy.stages import (
    DEFAULT_REGION,
    FUNCTIONS_DIR,
    TEMPLATE,
    WEB_ORIGIN_SENTINEL,
    WHEELHOUSE,
)
from infra.deploy.wheelhouse import ensure_wheelhouse

BIN = Path(sys.executable).parent
SERVERLESS_FUNCTION = "AWS::Serverless::Function"


@dataclass(frozen=True)
class Package:
    template: Path
    zip: Path

    @property
    def zip_bytes(self) -> int:
        return self.zip.stat().st_size


class PackageError(RuntimeError):
    pass


def chalice_env(wheelhouse: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # The local cloud's endpoints must not leak into the packaging process.
        if not k.startswith("AWS_ENDPOINT_URL")
    }
    env.update(
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        SHAREFRAME_WEB_URL=WEB_ORIGIN_SENTINEL,
    )
    env.setdefault("AWS_DEFAULT_REGION", DEFAULT_REGION)
    return env


def run_chalice(stage: str, out: Path, wheelhouse: Path, template: Path = TEMPLATE) -> None:
    command = [
        str(BIN / "chalice"),
        "package",
        "--stage",
        stage,
        "--pkg-format",
        "cloudformation",
        "--merge-template",
        str(template.resolve()),
        str(out.resolve()),  # chalice resolves a relative output path against functions/
    ]
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        command,
        cwd=FUNCTIONS_DIR,
        env=chalice_env(wheelhouse),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise PackageError(
            f"chalice package failed ({result.returncode}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )


# Post-processing ---------------------------------------------------------------------------


def _origin_to_parameter(value: Any, inside_sub: bool = False) -> Any:
    """Every string holding the packaging-time web origin becomes ``${WebOrigin}``."""
    if isinstance(value, list):
        return [_origin_to_parameter(v, inside_sub) for v in value]
    if isinstance(value, dict):
        if len(value) == 1 and "Fn::Sub" in value:
            arg = value["Fn::Sub"]
            if isinstance(arg, str):
                return {"Fn::Sub": arg.replace(WEB_ORIGIN_SENTINEL, "${WebOrigin}")}
            return {"Fn::Sub": [_origin_to_parameter(arg[0], True), arg[1]]}
        return {k: _origin_to_parameter(v) for k, v in value.items()}
    if isinstance(value, str) and WEB_ORIGIN_SENTINEL in value:
        if inside_sub:
            return value.replace(WEB_ORIGIN_SENTINEL, "${WebOrigin}")
        escaped = value.replace("${", "${!").replace(WEB_ORIGIN_SENTINEL, "${WebOrigin}")
        return {"Fn::Sub": escaped}
    return value


def finish_template(template: dict[str, Any], stage_prefix: str) -> dict[str, Any]:
    """Make the packaged template deployable for any origin/endpoint and in the right order.

    - the web origin (CORS preflight in the API definition, ``SHAREFRAME_WEB_URL``) comes from
      the ``WebOrigin`` parameter; ``SHAREFRAME_MQTT_HOST`` from ``MqttHost``;
    - SQS event sources name their queue by ARN string: point them at the queue resource
      (``Fn::GetAtt``) so CloudFormation creates the queue first.
    """
    template = _origin_to_parameter(template)
    template["Description"] = (
        "Shareframe: the Chalice app merged with infra/template.json (python -m infra.deploy)."
    )
    queues = {}
    for lid, res in template["Resources"].items():
        if res.get("Type") == "AWS::SQS::Queue":
            name = res["Properties"]["QueueName"]
            text = name["Fn::Sub"] if isinstance(name, dict) else str(name)
            queues[text.replace("${ResourcePrefix}", stage_prefix)] = lid
    for res in template["Resources"].values():
        if res.get("Type") != SERVERLESS_FUNCTION:
            continue
        props = res["Properties"]
        variables = props.setdefault("Environment", {}).setdefault("Variables", {})
        variables["SHAREFRAME_WEB_URL"] = {"Ref": "WebOrigin"}
        variables["SHAREFRAME_MQTT_HOST"] = {"Ref": "MqttHost"}
        for event in props.get("Events", {}).values():
            if event.get("Type") != "SQS":
                continue
            queue = event["Properties"]["Queue"]
            arn = queue.get("Fn::Sub") if isinstance(queue, dict) else queue
            if isinstance(arn, str):
                name = arn.rsplit(":", 1)[-1]
                if name not in queues:
                    raise PackageError(f"SQS event source on {name!r}: no such queue in template")
                event["Properties"]["Queue"] = {"Fn::GetAtt": [queues[name], "Arn"]}
    return template


def package(
    stage: str,
    out: Path,
    *,
    stage_prefix: str,
    wheelhouse: Path = WHEELHOUSE,
    template: Path = TEMPLATE,
) -> Package:
    """Build ``out/sam.json`` and ``out/deployment.zip`` for ``stage``."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("sam.json", "deployment.zip"):
        (out / stale).unlink(missing_ok=True)
    write_policy_files(template)
    ensure_wheelhouse(wheelhouse)
    run_chalice(stage, out, wheelhouse, template)
    sam = out / "sam.json"
    body = finish_template(json.loads(sam.read_text()), stage_prefix)
    sam.write_text(json.dumps(body, indent=2) + "\n")
    return Package(template=sam, zip=out / "deployment.zip")


def lint(template: Path) -> subprocess.CompletedProcess[str]:
    """cfn-lint: exit code 0 = clean, 4/8 = warnings/informational only, 2 (bit) = errors."""
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [str(BIN / "cfn-lint"), "--format", "parseable", str(template)],
        capture_output=True,
        text=True,
        check=False,
    )


def lint_has_errors(result: subprocess.CompletedProcess[str]) -> bool:
    return bool(result.returncode & 2) or result.returncode == 1
