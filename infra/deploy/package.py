"""``chalice package`` offline from the wheelhouse, then the finishing touches on its template.

Output (in the directory given): ``sam.json`` (the merged SAM/CloudFormation template),
``deployment.zip`` (the code of every function) and ``layer-*.zip`` (third-party packages, split
by what they are for: infra/deploy/layers.py). The template is stage-specific only where
Chalice makes it so (function environment, queue names in event sources); everything AWS
assigns at deploy time (the web app's origin, the MQTT endpoint) is a template parameter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.deploy import layers
from infra.deploy.policies import write_policy_files
from infra.deploy.stages import (
    DEFAULT_REGION,
    FUNCTIONS_DIR,
    REQUIREMENTS,
    TEMPLATE,
    WEB_ORIGIN_SENTINEL,
    WHEELHOUSE,
)
from infra.deploy.wheelhouse import DEFAULT_ARCH, ensure_wheelhouse

BIN = Path(sys.executable).parent
SERVERLESS_FUNCTION = "AWS::Serverless::Function"
# Every function someone waits on runs with SnapStart behind this alias (add_snapstart;
# chalicelib/snapstart.py loads what it would load lazily before the snapshot and refreshes
# what must not be shared).
ALIAS = "live"
SNAPSTART_MAX_EPHEMERAL_MB = 512


@dataclass(frozen=True)
class Package:
    template: Path
    zip: Path
    layers: dict[str, Path] = field(default_factory=dict)

    @property
    def zip_bytes(self) -> int:
        return self.zip.stat().st_size

    def function_bytes(self, layer_names: list[str]) -> int:
        """A function's code zip plus its layers' zips: what Lambda downloads for it."""
        return self.zip_bytes + sum(self.layers[name].stat().st_size for name in layer_names)


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


def add_layers(template: dict[str, Any], layer_zips: dict[str, Path], arch: str) -> None:
    """One ``AWS::Serverless::LayerVersion`` per layer zip; each function gets the ones it needs."""
    resources = template["Resources"]
    for name, path in sorted(layer_zips.items()):
        resources[f"{name}Layer"] = {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {
                "Description": f"Shareframe {name.lower()} dependencies (infra/deploy/layers.py)",
                "ContentUri": f"./{path.name}",
                "CompatibleRuntimes": ["python3.12"],
                "CompatibleArchitectures": [arch],
                "RetentionPolicy": "Delete",
            },
        }
    for lid, res in resources.items():
        if res.get("Type") == SERVERLESS_FUNCTION:
            props = res["Properties"]
            props["Architectures"] = [arch]
            props["Layers"] = [{"Ref": f"{name}Layer"} for name in layers.layers_of(lid)]


def add_snapstart(template: dict[str, Any]) -> None:
    """SnapStart for every function someone waits on: published versions behind an alias,
    every caller on it. Not for the functions that only run on a schedule: nobody waits on a
    sweep, a sweep an hour or a day apart would restore almost every time, and their cached
    snapshots would be two fifths of SnapStart's bill (docs/deploy.md).

    SnapStart restores only published versions, so whatever invokes a function must name its
    alias, never the unqualified function (``$LATEST``, which would initialise from scratch):
    SAM points the events it makes (SQS, schedules) at the alias itself; here the rest is
    pointed at it too: the REST API's integrations and authorizer, the IoT rules' Lambda
    actions and every invoke permission. Python 3.12 supports SnapStart; none of these
    functions uses what excludes it (provisioned concurrency, EFS, ephemeral storage over
    512 MB: checked here). Why each function has it and what it costs: docs/deploy.md.
    """
    resources = template["Resources"]
    functions = sorted(
        lid
        for lid, res in resources.items()
        if res.get("Type") == SERVERLESS_FUNCTION and not _only_scheduled(res["Properties"])
    )
    for lid in functions:
        props = resources[lid]["Properties"]
        storage = props.get("EphemeralStorage", {}).get("Size", 512)
        if storage > SNAPSTART_MAX_EPHEMERAL_MB or "FileSystemConfigs" in props:
            raise PackageError(f"{lid}: SnapStart needs ephemeral storage <= 512 MB and no EFS")
        props["AutoPublishAlias"] = ALIAS
        props["SnapStart"] = {"ApplyOn": "PublishedVersions"}
    for lid, res in resources.items():
        if lid in functions:
            continue
        res["Properties"] = _to_alias(res.get("Properties", {}), set(functions))
        if res.get("Type") == "AWS::Lambda::Permission":
            target = res["Properties"]["FunctionName"]
            if target.get("Ref") in functions:  # the function's name: its alias's ARN instead
                res["Properties"]["FunctionName"] = {"Ref": f"{target['Ref']}.Alias"}


def _only_scheduled(props: dict[str, Any]) -> bool:
    events = props.get("Events", {}).values()
    return bool(events) and all(event.get("Type") == "Schedule" for event in events)


def _to_alias(value: Any, functions: set[str]) -> Any:
    """``value`` with every reference to a function's ARN made a reference to its alias."""
    if isinstance(value, list):
        return [_to_alias(v, functions) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Fn::GetAtt" and arg[0] in functions and arg[1] == "Arn":
            return {"Ref": f"{arg[0]}.Alias"}  # an alias's Ref is its ARN
        if key == "Fn::Sub":
            text, names = (arg, None) if isinstance(arg, str) else arg
            for lid in functions:
                # The alias's ARN spelled out: SAM resolves ``${Fn.Alias}`` in Ref, not in Sub.
                alias_arn = (
                    "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
                    f"${{{lid}}}:{ALIAS}"
                )
                text = text.replace(f"${{{lid}.Arn}}", alias_arn)
            return {"Fn::Sub": text if names is None else [text, _to_alias(names, functions)]}
    return {k: _to_alias(v, functions) for k, v in value.items()}


def finish_template(template: dict[str, Any], stage_prefix: str) -> dict[str, Any]:
    """Make the packaged template deployable for any origin/endpoint and in the right order.

    - the web origin (CORS preflight in the API definition, ``SHAREFRAME_WEB_URL``) comes from
      the ``WebOrigin`` parameter; ``SHAREFRAME_MQTT_HOST`` from ``MqttHost``;
    - SQS event sources name their queue by ARN string: point them at the queue resource
      (``Fn::GetAtt``) so CloudFormation creates the queue first; and they read a handler's
      partial batch response (``ReportBatchItemFailures``: chalice cannot say so), so a handler
      that returns ``batchItemFailures`` has only those messages retried (one returning
      nothing still succeeds or fails whole);
    - every function but the schedules runs with SnapStart behind an alias (``add_snapstart``).
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
            event["Properties"]["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
    add_snapstart(template)
    return template


def package(
    stage: str,
    out: Path,
    *,
    stage_prefix: str,
    wheelhouse: Path = WHEELHOUSE,
    template: Path = TEMPLATE,
    arch: str = DEFAULT_ARCH,
) -> Package:
    """Build ``out/sam.json``, ``out/deployment.zip`` and ``out/layer-*.zip`` for ``stage``."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("sam.json", "deployment.zip", *(p.name for p in out.glob("layer-*.zip"))):
        (out / stale).unlink(missing_ok=True)
    write_policy_files(template)
    wheels = ensure_wheelhouse(wheelhouse, arch=arch)
    run_chalice(stage, out, wheels, template)
    built = layers.build(out / "deployment.zip", REQUIREMENTS, wheels, arch, out)
    sam = out / "sam.json"
    body = finish_template(json.loads(sam.read_text()), stage_prefix)
    add_layers(body, built.layer_zips, arch)
    sam.write_text(json.dumps(body, indent=2) + "\n")
    return Package(template=sam, zip=out / "deployment.zip", layers=built.layer_zips)


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
