"""Read infra/template.json the way CloudFormation would, for the resources we create locally.

Supports the intrinsic functions the template uses: ``Ref``, ``Fn::Sub`` (with ``${!literal}``),
``Fn::GetAtt`` (``Arn``), ``Fn::Join``, ``Fn::Select``, ``Fn::Split``. Physical names are derived
from each resource's name property, so values can be resolved before anything exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from infra.localcloud.settings import ACCOUNT_ID, REGION, RULE_NAME_PREFIX, Settings

PARTITION = "aws"

# Resource type -> the property that holds its physical name.
NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::IoT::Policy": "PolicyName",
    "AWS::IoT::TopicRule": "RuleName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::SES::EmailIdentity": "EmailIdentity",
}

_SUB = re.compile(r"\$\{([^}]*)\}")


class TemplateError(ValueError):
    """The template uses something this reader cannot resolve."""


@dataclass
class Template:
    """A parsed template plus the parameter values and endpoints to resolve it with."""

    body: dict[str, Any]
    parameters: dict[str, str]
    moto_url: str = "http://127.0.0.1:4566"

    @classmethod
    def load(cls, path: Path, parameters: Mapping[str, str], moto_url: str) -> Template:
        body = json.loads(path.read_text())
        values = {
            name: str(spec["Default"])
            for name, spec in body.get("Parameters", {}).items()
            if "Default" in spec
        }
        values.update(parameters)
        missing = set(body.get("Parameters", {})) - set(values)
        if missing:
            raise TemplateError(f"no value for parameters {sorted(missing)}")
        return cls(body=body, parameters=values, moto_url=moto_url)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.body.get("Resources", {})
        return resources

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v.get("Type") == resource_type}

    # Physical values ---------------------------------------------------------------------------
    def physical_name(self, logical_id: str) -> str:
        resource = self.resources[logical_id]
        prop = NAME_PROPERTY.get(resource["Type"])
        if prop is None or prop not in resource.get("Properties", {}):
            raise TemplateError(f"{logical_id}: no name for type {resource['Type']}")
        name = self.resolve(resource["Properties"][prop])
        assert isinstance(name, str)
        return name

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": PARTITION,
            "AWS::StackName": "shareframe-local",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            physical = self.physical_name(name)
            if self.resources[name]["Type"] == "AWS::SQS::Queue":
                return f"{self.moto_url}/{ACCOUNT_ID}/{physical}"
            return physical
        raise TemplateError(f"Ref to unknown name {name!r}")

    def arn(self, logical_id: str) -> str:
        if logical_id not in self.resources:
            # Functions come from the Chalice app, not this template (merged by chalice package).
            return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:function:{logical_id}"
        kind = self.resources[logical_id]["Type"]
        name = self.physical_name(logical_id)
        arns = {
            "AWS::DynamoDB::Table": f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}",
            "AWS::SQS::Queue": f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT_ID}:{name}",
            "AWS::S3::Bucket": f"arn:{PARTITION}:s3:::{name}",
            "AWS::IoT::Policy": f"arn:{PARTITION}:iot:{REGION}:{ACCOUNT_ID}:policy/{name}",
            "AWS::IoT::TopicRule": f"arn:{PARTITION}:iot:{REGION}:{ACCOUNT_ID}:rule/{name}",
            "AWS::SecretsManager::Secret": (
                f"arn:{PARTITION}:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{name}"
            ),
        }
        if kind not in arns:
            raise TemplateError(f"GetAtt {logical_id}.Arn: unsupported type {kind}")
        return arns[kind]

    def get_att(self, logical_id: str, attribute: str) -> str:
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute == "QueueName":
            return self.physical_name(logical_id)
        if attribute == "QueueUrl":
            return self.ref(logical_id)
        raise TemplateError(f"GetAtt {logical_id}.{attribute} is not supported locally")

    # Intrinsics --------------------------------------------------------------------------------
    def _sub(self, text: str, variables: Mapping[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            inner = match.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            if inner in variables:
                return str(self.resolve(variables[inner]))
            if "." in inner and not inner.startswith("AWS::"):
                logical_id, attribute = inner.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(inner)

        return _SUB.sub(replace, text)

    def resolve(self, value: Any) -> Any:
        """Return ``value`` with every intrinsic function evaluated."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), *_ = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::Sub":
                if isinstance(arg, str):
                    return self._sub(arg, {})
                return self._sub(arg[0], arg[1])
            if key == "Fn::GetAtt":
                logical_id, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
                return self.get_att(logical_id, attribute)
            if key == "Fn::Join":
                separator, items = arg
                return str(separator).join(str(i) for i in self.resolve(items))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                separator, text = arg
                return str(self.resolve(text)).split(separator)
            if key.startswith("Fn::"):
                raise TemplateError(f"{key} is not supported locally")
        return {k: self.resolve(v) for k, v in value.items()}


def local_parameters(settings: Settings) -> dict[str, str]:
    """Template parameters of the local stage, from chalicefile.json and the local ports."""
    config = settings.chalice_config()
    stage_env = settings.stage_environment()
    mail_from = config.get("environment_variables", {}).get("SHAREFRAME_MAIL_FROM", "")
    params = {
        "ResourcePrefix": stage_env["SHAREFRAME_PREFIX"],
        "MediaBucketName": stage_env["SHAREFRAME_MEDIA_BUCKET"],
        "WebOrigin": settings.web_url,
        "RuleNamePrefix": RULE_NAME_PREFIX,
    }
    address = parseaddr(mail_from)[1]
    if address:
        params["MailFromAddress"] = address
    return params


def load_local_template(settings: Settings) -> Template:
    return Template.load(settings.template_path, local_parameters(settings), settings.moto_url)
