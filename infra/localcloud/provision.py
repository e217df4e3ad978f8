"""Create the template's resources in moto server. Idempotent: safe to run on every start."""

from __future__ import annotations

import json
import logging
import secrets
import string
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from infra.localcloud.ca import CaFiles
from infra.localcloud.settings import REGION, Settings
from infra.localcloud.template import Template, load_local_template

log = logging.getLogger(__name__)

# Creation order: what others refer to comes first.
ORDER = [
    "AWS::DynamoDB::Table",
    "AWS::SQS::Queue",
    "AWS::SQS::QueuePolicy",
    "AWS::S3::Bucket",
    "AWS::IoT::Policy",
    "AWS::SecretsManager::Secret",
    "AWS::SES::EmailIdentity",
    "AWS::IoT::TopicRule",
]


@cache
def _client(service: str, endpoint: str | None) -> Any:
    """One client per service and endpoint for the process: the in-process tests provision a
    fresh account for every test, and a client (with its parsed service model) costs more to
    make than the resources it creates."""
    return _session().client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's dummy credentials
    )


@cache
def _session() -> boto3.session.Session:
    # Our own, not boto3's default session: moto replaces that one on every mock_aws().
    return boto3.session.Session()


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class Provisioner:
    """Creates one template's resources in moto; each ``_create_*`` takes resolved properties."""

    def __init__(
        self, template: Template, endpoint: str | None, state_dir: Path, ca: CaFiles
    ) -> None:
        self.template = template
        self.endpoint = endpoint
        self.state_dir = state_dir
        self.ca = ca
        self.created: list[str] = []

    def _client(self, service: str) -> Any:
        return _client(service, self.endpoint)

    def run(self) -> list[str]:
        resources = self.template.resources
        ranked = sorted(
            resources,
            key=lambda lid: (
                ORDER.index(resources[lid]["Type"])
                if resources[lid]["Type"] in ORDER
                else len(ORDER),
                # Dead-letter queues before the queues whose redrive points at them.
                "RedrivePolicy" in resources[lid].get("Properties", {}),
            ),
        )
        handlers: dict[str, Callable[[str, dict[str, Any]], None]] = {
            "AWS::DynamoDB::Table": self._create_table,
            "AWS::SQS::Queue": self._create_queue,
            "AWS::SQS::QueuePolicy": self._create_queue_policy,
            "AWS::S3::Bucket": self._create_bucket,
            "AWS::IoT::Policy": self._create_iot_policy,
            "AWS::SecretsManager::Secret": self._create_secret,
            "AWS::SES::EmailIdentity": self._create_email_identity,
        }
        for logical_id in ranked:
            kind = resources[logical_id]["Type"]
            if kind == "AWS::IoT::TopicRule":
                log.info(
                    "%s: topic rule, run by the event runtime (not created in moto)", logical_id
                )
                continue
            handler = handlers.get(kind)
            if handler is None:
                log.warning("%s: resource type %s is not created locally", logical_id, kind)
                continue
            properties = self.template.resolve(resources[logical_id].get("Properties", {}))
            handler(logical_id, properties)
            self.created.append(logical_id)
        return self.created

    # DynamoDB ----------------------------------------------------------------------------------
    def _create_table(self, logical_id: str, props: dict[str, Any]) -> None:
        ddb = self._client("dynamodb")
        args: dict[str, Any] = {
            "TableName": props["TableName"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if args["BillingMode"] == "PROVISIONED":
            args["ProvisionedThroughput"] = props["ProvisionedThroughput"]
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"):
            if key in props:
                args[key] = props[key]
        try:
            ddb.create_table(**args)
            log.info("table %s created", args["TableName"])
        except ClientError as error:
            if _error_code(error) != "ResourceInUseException":
                raise
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            current = ddb.describe_time_to_live(TableName=args["TableName"])
            if current["TimeToLiveDescription"].get("TimeToLiveStatus") != "ENABLED":
                ddb.update_time_to_live(
                    TableName=args["TableName"],
                    TimeToLiveSpecification={
                        "AttributeName": ttl["AttributeName"],
                        "Enabled": True,
                    },
                )

    # SQS ---------------------------------------------------------------------------------------
    def _create_queue(self, logical_id: str, props: dict[str, Any]) -> None:
        attributes: dict[str, str] = {}
        for key, value in props.items():
            if key in ("QueueName", "Tags"):
                continue
            if isinstance(value, dict):
                attributes[key] = json.dumps(value)
            elif isinstance(value, bool):
                attributes[key] = "true" if value else "false"
            else:
                attributes[key] = str(value)
        sqs = self._client("sqs")
        url = sqs.create_queue(QueueName=props["QueueName"])["QueueUrl"]
        if attributes:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        log.info("queue %s ready", props["QueueName"])

    def _create_queue_policy(self, logical_id: str, props: dict[str, Any]) -> None:
        sqs = self._client("sqs")
        for url in props["Queues"]:
            name = url.rsplit("/", 1)[-1]
            real_url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            sqs.set_queue_attributes(
                QueueUrl=real_url, Attributes={"Policy": json.dumps(props["PolicyDocument"])}
            )

    # S3 ----------------------------------------------------------------------------------------
    def _create_bucket(self, logical_id: str, props: dict[str, Any]) -> None:
        s3 = self._client("s3")
        bucket = props["BucketName"]
        try:
            s3.create_bucket(Bucket=bucket)
            log.info("bucket %s created", bucket)
        except ClientError as error:
            if _error_code(error) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=bucket,
                PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"],
            )
        if "BucketEncryption" in props:
            rules = [
                {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
                for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(
                Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules}
            )
        if "OwnershipControls" in props:
            s3.put_bucket_ownership_controls(
                Bucket=bucket, OwnershipControls=props["OwnershipControls"]
            )
        if "CorsConfiguration" in props:
            s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=_cors(props["CorsConfiguration"]))
        if "LifecycleConfiguration" in props:
            s3.put_bucket_lifecycle_configuration(
                Bucket=bucket,
                LifecycleConfiguration=_lifecycle(props["LifecycleConfiguration"]),
            )
        if "NotificationConfiguration" in props:
            wanted = _notifications(props["NotificationConfiguration"])
            current = s3.get_bucket_notification_configuration(Bucket=bucket)
            current.pop("ResponseMetadata", None)
            for configs in current.values():
                for config in configs if isinstance(configs, list) else []:
                    config.pop("Id", None)
            # Each put makes S3 (and moto) send an s3:TestEvent to the queue: only put changes.
            if current != wanted:
                s3.put_bucket_notification_configuration(
                    Bucket=bucket, NotificationConfiguration=wanted
                )

    # IoT ---------------------------------------------------------------------------------------
    def _create_iot_policy(self, logical_id: str, props: dict[str, Any]) -> None:
        iot = self._client("iot")
        try:
            iot.create_policy(
                policyName=props["PolicyName"],
                policyDocument=json.dumps(props["PolicyDocument"]),
            )
            log.info("IoT policy %s created", props["PolicyName"])
        except ClientError as error:
            if _error_code(error) != "ResourceAlreadyExistsException":
                raise

    # Secrets Manager ---------------------------------------------------------------------------
    def _secret_value(self, logical_id: str, props: dict[str, Any]) -> str:
        if str(props["Name"]).endswith("/device-ca"):
            return json.dumps(
                {
                    "caCertificatePem": self.ca.ca_cert.read_text(),
                    "caPrivateKeyPem": self.ca.ca_key.read_text(),
                    # The local CA also signs mosquitto's server certificate.
                    "serverRootPem": self.ca.ca_cert.read_text(),
                }
            )
        generate = props.get("GenerateSecretString")
        if generate is None:
            return str(props.get("SecretString", ""))
        # Generated once and kept in the state dir, so tokens signed before a restart of moto
        # (which forgets everything) still verify.
        kept = self.state_dir / "secrets" / logical_id
        if kept.exists():
            return kept.read_text()
        alphabet = string.ascii_letters + string.digits
        if not generate.get("ExcludePunctuation"):
            alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
        value = "".join(secrets.choice(alphabet) for _ in range(int(generate["PasswordLength"])))
        kept.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        kept.write_text(value)
        kept.chmod(0o600)
        return value

    def _create_secret(self, logical_id: str, props: dict[str, Any]) -> None:
        sm = self._client("secretsmanager")
        value = self._secret_value(logical_id, props)
        try:
            sm.create_secret(
                Name=props["Name"], Description=props.get("Description", ""), SecretString=value
            )
            log.info("secret %s created", props["Name"])
        except ClientError as error:
            if _error_code(error) != "ResourceExistsException":
                raise
            current = sm.get_secret_value(SecretId=props["Name"])["SecretString"]
            if current != value:
                sm.put_secret_value(SecretId=props["Name"], SecretString=value)

    # SES ---------------------------------------------------------------------------------------
    def _create_email_identity(self, logical_id: str, props: dict[str, Any]) -> None:
        identity = props["EmailIdentity"]
        ses = self._client("ses")
        if "@" in identity:
            ses.verify_email_identity(EmailAddress=identity)
        else:
            ses.verify_domain_identity(Domain=identity)
        log.info("SES identity %s verified", identity)


def _cors(config: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in config["CorsRules"]:
        converted: dict[str, Any] = {
            "AllowedMethods": rule["AllowedMethods"],
            "AllowedOrigins": rule["AllowedOrigins"],
        }
        if "AllowedHeaders" in rule:
            converted["AllowedHeaders"] = rule["AllowedHeaders"]
        if "ExposedHeaders" in rule:
            converted["ExposeHeaders"] = rule["ExposedHeaders"]
        if "MaxAge" in rule:
            converted["MaxAgeSeconds"] = rule["MaxAge"]
        rules.append(converted)
    return {"CORSRules": rules}


def _lifecycle(config: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in config["Rules"]:
        converted: dict[str, Any] = {
            "ID": rule.get("Id", "rule"),
            "Status": rule["Status"],
            "Filter": {"Prefix": rule.get("Prefix", "")},
        }
        if "AbortIncompleteMultipartUpload" in rule:
            converted["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
        if "ExpirationInDays" in rule:
            converted["Expiration"] = {"Days": rule["ExpirationInDays"]}
        rules.append(converted)
    return {"Rules": rules}


def _filter(config: dict[str, Any]) -> dict[str, Any]:
    rules = config.get("Filter", {}).get("S3Key", {}).get("Rules", [])
    if not rules:
        return {}
    return {"Filter": {"Key": {"FilterRules": rules}}}


def _notifications(config: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for queue in config.get("QueueConfigurations", []):
        result.setdefault("QueueConfigurations", []).append(
            {"QueueArn": queue["Queue"], "Events": [queue["Event"]], **_filter(queue)}
        )
    for topic in config.get("TopicConfigurations", []):
        result.setdefault("TopicConfigurations", []).append(
            {"TopicArn": topic["Topic"], "Events": [topic["Event"]], **_filter(topic)}
        )
    if config.get("EventBridgeConfiguration", {}).get("EventBridgeEnabled"):
        result["EventBridgeConfiguration"] = {}
    if config.get("LambdaConfigurations"):
        log.warning("S3 -> Lambda notifications are not supported locally; use S3 -> SQS")
    return result


def provision(settings: Settings, ca: CaFiles) -> list[str]:
    """Create (or confirm) every resource of ``infra/template.json`` in moto; returns their ids."""
    template = load_local_template(settings)
    return Provisioner(template, settings.moto_url, settings.state_dir, ca).run()
