"""A stage's names and template parameters, all derived from ``chalicefile.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
CHALICEFILE = REPO_ROOT / "chalicefile.json"
FUNCTIONS_DIR = REPO_ROOT / "functions"
TEMPLATE = REPO_ROOT / "infra" / "template.json"
REQUIREMENTS = REPO_ROOT / "requirements.txt"
BUILD_DIR = REPO_ROOT / "build"
WHEELHOUSE = BUILD_DIR / "wheelhouse"
DEFAULT_REGION = "us-east-1"
# Stands for the web app's origin while packaging; replaced by ``${WebOrigin}`` afterwards, so
# one package serves any origin and the first deploy can learn CloudFront's domain.
WEB_ORIGIN_SENTINEL = "https://web-origin.shareframe.invalid"


def chalice_config(path: Path = CHALICEFILE) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(path.read_text())
    return config


@dataclass(frozen=True)
class Stage:
    """One deployable stage (``dev``, ``prod``): names of everything it creates."""

    name: str
    prefix: str
    media_bucket: str
    mail_from: str

    @classmethod
    def load(cls, name: str, config: dict[str, Any] | None = None) -> Stage:
        config = config if config is not None else chalice_config()
        stages = config.get("stages", {})
        if name not in stages:
            raise SystemExit(f"unknown stage {name!r}; chalicefile.json has {sorted(stages)}")
        env = {**config.get("environment_variables", {})}
        env.update(stages[name].get("environment_variables", {}))
        prefix = env.get("SHAREFRAME_PREFIX") or f"shareframe-{name}"
        return cls(
            name=name,
            prefix=prefix,
            media_bucket=env.get("SHAREFRAME_MEDIA_BUCKET") or f"{prefix}-media",
            mail_from=parseaddr(env.get("SHAREFRAME_MAIL_FROM", ""))[1]
            or "no-reply@shareframe.example",
        )

    @property
    def stack_name(self) -> str:
        return self.prefix

    @property
    def web_bucket(self) -> str:
        """The SPA's bucket: named after the media bucket, which is already globally unique."""
        base = self.media_bucket.removesuffix("-media")
        return f"{base}-web"

    @property
    def rule_name_prefix(self) -> str:
        """IoT rule names allow letters, digits and underscores only."""
        return self.prefix.replace("-", "_")

    def deployment_bucket(self, account_id: str, region: str) -> str:
        """Where the Lambda zip and the packaged template are uploaded (created if missing)."""
        return f"{self.prefix}-deploy-{account_id}-{region}"

    def parameters(self, *, web_origin: str, mqtt_host: str) -> dict[str, str]:
        """The values of ``infra/template.json``'s parameters for this stage."""
        return {
            "ResourcePrefix": self.prefix,
            "MediaBucketName": self.media_bucket,
            "WebBucketName": self.web_bucket,
            "WebOrigin": web_origin.rstrip("/"),
            "MailFromAddress": self.mail_from,
            "RuleNamePrefix": self.rule_name_prefix,
            "MqttHost": mqtt_host,
        }


def cfn_parameters(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())]
