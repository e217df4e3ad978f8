"""What AWS does around the functions: schedules, queue triggers and IoT topic rules.

Imports the Chalice app the way Lambda does (``functions/`` on ``sys.path`` and as the working
directory, the stage's environment applied) and discovers every handler from the app object:
``app.event_sources`` (``@app.schedule``, ``@app.on_sqs_message``) and
``app.pure_lambda_functions`` (``@app.lambda_function``, the targets of the template's topic
rules). Each handler is called exactly as Lambda would: ``handler(event, context)``.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import importlib
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import paho.mqtt.client as mqtt
from botocore.config import Config
from botocore.exceptions import ClientError
from chalice.app import (
    BaseEventSourceConfig,
    Chalice,
    LambdaFunction,
    ScheduledEventConfig,
    SQSEventConfig,
)
from chalice.utils import to_cfn_resource_name
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from infra.localcloud import call_tally, logs
from infra.localcloud.ca import CaFiles
from infra.localcloud.mqtt import connect_and_wait, make_client
from infra.localcloud.presence import PresenceEmitter
from infra.localcloud.schedules import Schedule, parse_schedule
from infra.localcloud.settings import ACCOUNT_ID, REGION, STAGE, Settings
from infra.localcloud.template import load_local_template
from infra.localcloud.topic_rules import TopicRule, load_rules

log = logging.getLogger("infra.localcloud.event_runtime")

DEFAULT_TIMEOUT_SECONDS = 60
# Lambda leaves a failed batch invisible for the queue's visibility timeout (minutes here);
# locally it comes back after this many seconds so a fix can be tried at once.
SQS_RETRY_SECONDS = int(os.environ.get("SHAREFRAME_SQS_RETRY_SECONDS", "2"))
# Long polls of 20 s, as Lambda's own pollers: moto answers one as soon as a message arrives,
# and an idle local cloud then costs 2 % of a core instead of 12 % (ten times fewer requests).
SQS_WAIT_SECONDS = 20
# Lambda polls a queue with several batches at once (five to start, scaling up, never more than
# the event source mapping's MaximumConcurrency). Locally each concurrent execution is a poller
# thread running one batch at a time: the mapping's maximum, or five, and never more than this
# machine-sized cap (threads share one interpreter here).
SQS_DEFAULT_CONCURRENCY = 5
SQS_CONCURRENCY_CAP = int(os.environ.get("SHAREFRAME_SQS_CONCURRENCY_CAP", "8"))
RULES_CLIENT_ID = "shareframe-cloud-topic-rules"


# The app -------------------------------------------------------------------------------------
def load_app(settings: Settings) -> tuple[ModuleType, Chalice]:
    """Import ``functions/app.py`` like Lambda: cwd and sys.path ``functions/``, stage env set.

    The endpoints of this local cloud are set too unless the environment already has them, so
    ``run-job`` works from a plain shell.
    """
    for key, value in settings.backend_env().items():
        os.environ.setdefault(key, value)
    os.environ.update(settings.stage_environment())
    functions = str(settings.functions_dir)
    if functions not in sys.path:
        sys.path.insert(0, functions)
    os.chdir(functions)
    module = importlib.import_module("app")
    app = module.app
    if not isinstance(app, Chalice):
        raise TypeError("functions/app.py must define `app = Chalice(...)`")
    return module, app


def _timeouts(settings: Settings) -> tuple[int, dict[str, int]]:
    """The default and per-function ``lambda_timeout`` of the local stage (chalice's rules).

    A function whose timeout the local stage does not set has the one the deployed stages give
    it (the longest), so a handler that budgets by ``get_remaining_time_in_millis`` (the timer
    worker does) budgets locally as in AWS.
    """
    config = settings.chalice_config()
    stages = config.get("stages", {})
    stage = stages.get(STAGE, {})
    default = int(
        stage.get("lambda_timeout", config.get("lambda_timeout", DEFAULT_TIMEOUT_SECONDS))
    )
    per_function: dict[str, int] = {}
    for name, deployed in stages.items():
        for function, values in deployed.get("lambda_functions", {}).items():
            if name != STAGE and "lambda_timeout" in values:
                timeout = int(values["lambda_timeout"])
                per_function[function] = max(timeout, per_function.get(function, timeout))
    for source in (config.get("lambda_functions", {}), stage.get("lambda_functions", {})):
        for name, values in source.items():
            if "lambda_timeout" in values:
                per_function[name] = int(values["lambda_timeout"])
    return default, per_function


@dataclass
class LambdaContext:
    """The parts of Lambda's context object that handlers use."""

    function_name: str
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


class Invoker:
    """Calls handlers like Lambda and logs one JSON line per invocation."""

    def __init__(self, settings: Settings, app: Chalice) -> None:
        self.app = app
        self.app_name = app.app_name
        self.default_timeout, self.timeouts = _timeouts(settings)

    def handler(self, name: str) -> Callable[[Any, Any], Any]:
        handler: Callable[[Any, Any], Any] = self.app.handler_map[name]
        return handler

    def invoke(self, kind: str, name: str, event: Any, **extra: Any) -> bool:
        ok, _ = self.call(kind, name, event, **extra)
        return ok

    def call(self, kind: str, name: str, event: Any, **extra: Any) -> tuple[bool, Any]:
        """Invoke and return (did not raise, what the handler returned)."""
        context = LambdaContext(
            function_name=f"{self.app_name}-{STAGE}-{name}",
            timeout_seconds=self.timeouts.get(name, self.default_timeout),
        )
        started = time.monotonic()
        ok = True
        result = None
        try:
            with call_tally.tallying(f"{kind} {name}"):  # a no-op unless the load test asks
                result = self.handler(name)(event, context)
        except Exception:
            ok = False
            log.exception("%s %s failed", kind, name)
        record = {
            "kind": kind,
            "name": name,
            "request_id": context.aws_request_id,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
            "ok": ok,
            **extra,
        }
        # One line per invocation, through the process's one log handler (infra/localcloud/logs).
        log.info("%s %s", kind, name, extra={logs.FIELDS: record})
        return ok, result


# Schedules -----------------------------------------------------------------------------------
def scheduled_event(rule_name: str, now: dt.datetime | None = None) -> dict[str, Any]:
    moment = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }


def run_schedule(
    invoker: Invoker, config: ScheduledEventConfig, schedule: Schedule, stop: threading.Event
) -> None:
    next_run = schedule.next_after(dt.datetime.now(dt.UTC))
    while True:
        delay = (next_run - dt.datetime.now(dt.UTC)).total_seconds()
        if stop.wait(max(0.0, delay)):
            return
        invoker.invoke(
            "schedule", config.name, scheduled_event(f"{invoker.app_name}-{config.name}")
        )
        next_run = schedule.next_after(
            max(next_run, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )


def run_job(settings: Settings, name: str) -> bool:
    """Run one ``@app.schedule`` function now (``python -m infra.localcloud run-job NAME``)."""
    _, app = load_app(settings)
    names = [s.name for s in app.event_sources if isinstance(s, ScheduledEventConfig)]
    if name not in names:
        raise SystemExit(f"no scheduled function {name!r}; known: {', '.join(sorted(names))}")
    return Invoker(settings, app).invoke(
        "schedule", name, scheduled_event(f"{app.app_name}-{name}"), manual=True
    )


# SQS -----------------------------------------------------------------------------------------
_CLIENTS = threading.Lock()  # boto3's default session is not safe to create clients from at once


def _sqs_client(settings: Settings) -> Any:
    with _CLIENTS:
        return boto3.client(
            "sqs",
            endpoint_url=settings.moto_url,
            region_name=REGION,
            # Never give up on a long poll moto still holds: the messages it hands to an abandoned
            # request stay invisible for the queue's whole visibility timeout.
            config=Config(retries={"max_attempts": 2}, read_timeout=SQS_WAIT_SECONDS + 60),
        )


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """An SQS message as Lambda's event source mapping hands it over."""
    attributes = {}
    for name, value in message.get("MessageAttributes", {}).items():
        converted: dict[str, Any] = {"dataType": value["DataType"]}
        if "StringValue" in value:
            converted["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            import base64

            converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        converted["stringListValues"] = []
        converted["binaryListValues"] = []
        attributes[name] = converted
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody")
        or hashlib.md5(message["Body"].encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def _queue_name(config: SQSEventConfig) -> str:
    if config.queue:
        return config.queue
    assert config.queue_arn is not None
    return config.queue_arn.rsplit(":", 1)[-1]


def sqs_concurrency(config: SQSEventConfig) -> int:
    """How many batches of this queue run at once locally (see ``SQS_DEFAULT_CONCURRENCY``)."""
    wanted = config.maximum_concurrency or SQS_DEFAULT_CONCURRENCY
    return max(1, min(wanted, SQS_CONCURRENCY_CAP))


def run_sqs(
    settings: Settings, invoker: Invoker, config: SQSEventConfig, stop: threading.Event
) -> None:
    """Poll one queue with ``sqs_concurrency`` concurrent executions until ``stop``."""
    pollers = [
        threading.Thread(
            target=_poll_sqs,
            args=(settings, invoker, config, stop),
            name=f"{config.name}-{n}",
            daemon=True,
        )
        for n in range(sqs_concurrency(config))
    ]
    for poller in pollers:
        poller.start()
    for poller in pollers:
        poller.join()


def _poll_sqs(
    settings: Settings, invoker: Invoker, config: SQSEventConfig, stop: threading.Event
) -> None:
    sqs = _sqs_client(settings)
    name = _queue_name(config)
    url = None
    while url is None and not stop.is_set():
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except Exception as error:  # moto not up yet, or not provisioned yet
            log.info("waiting for queue %s (%s)", name, type(error).__name__)
            stop.wait(0.5)
    if url is None:
        return
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    batch = max(1, min(config.batch_size, 10))
    while not stop.is_set():
        try:
            response = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=batch,
                WaitTimeSeconds=SQS_WAIT_SECONDS,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        except Exception as error:
            log.warning("receive from %s failed: %s", name, error)
            stop.wait(1)
            continue
        messages = response.get("Messages", [])
        if not messages:
            continue
        event = {"Records": [sqs_record(m, arn) for m in messages]}
        ok, result = invoker.call("sqs", config.name, event, queue=name, records=len(messages))
        failed = failed_messages(messages, result) if ok else {m["MessageId"] for m in messages}
        entries = [
            ({"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}, m["MessageId"] in failed)
            for i, m in enumerate(messages)
        ]
        done = [e for e, retry in entries if not retry]
        again = [{**e, "VisibilityTimeout": SQS_RETRY_SECONDS} for e, retry in entries if retry]
        try:
            if done:
                sqs.delete_message_batch(QueueUrl=url, Entries=done)
            if again:
                sqs.change_message_visibility_batch(QueueUrl=url, Entries=again)
        except ClientError as error:
            log.warning("acknowledging messages on %s failed: %s", name, error)


def failed_messages(messages: list[dict[str, Any]], result: Any) -> set[str]:
    """The ids of the messages a handler reported failed (``ReportBatchItemFailures``).

    As Lambda reads a partial batch response: nothing (or an empty list) means all succeeded;
    a response naming a message not in the batch, or not shaped as one, fails the whole batch.
    """
    every = {str(m["MessageId"]) for m in messages}
    if not isinstance(result, dict) or not result.get("batchItemFailures"):
        return set()
    failures = result["batchItemFailures"]
    if not isinstance(failures, list):
        return every
    named = {str(f.get("itemIdentifier")) if isinstance(f, dict) else "" for f in failures}
    return named if named <= every else every


# Topic rules ---------------------------------------------------------------------------------
class RuleRunner:
    """Subscribes to every rule's topic filter and feeds matching messages to its Lambda."""

    def __init__(
        self,
        settings: Settings,
        ca: CaFiles,
        invoker: Invoker,
        rules: list[TopicRule],
        functions: dict[str, LambdaFunction],
    ) -> None:
        self.settings = settings
        self.invoker = invoker
        self.rules = rules
        self.functions = functions
        # One worker per rule keeps each rule's messages in order.
        self.workers = {
            rule.logical_id: concurrent.futures.ThreadPoolExecutor(1, f"rule-{rule.logical_id}")
            for rule in rules
        }
        # A persistent session under a fixed client id: the broker keeps the subscriptions
        # (also across its own restarts: persistence) and queues QoS1 messages published while
        # the runtime reconnects, so no frame report is missed, as no IoT rule misses one.
        self.client = make_client(RULES_CLIENT_ID, ca.ca_cert, ca.cloud_cert, ca.cloud_key)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.subscribed = threading.Event()

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            return
        # retainHandling=2: rules fire on publishes, not on retained messages replayed to us.
        options = SubscribeOptions(qos=1, retainHandling=2)
        topics = sorted({rule.topic_filter for rule in self.rules})
        if topics:
            client.subscribe([(topic, options) for topic in topics])
        log.info("topic rules subscribed to %s", ", ".join(topics) or "nothing")
        self.subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        for rule in self.rules:
            if rule.matches_topic(message.topic):
                self.workers[rule.logical_id].submit(
                    self._apply, rule, message.topic, bytes(message.payload)
                )

    def _apply(self, rule: TopicRule, topic: str, payload: bytes) -> None:
        try:
            if not rule.where_holds(topic, payload):
                return
            event = rule.evaluate(topic, payload)
        except ValueError as error:
            log.warning(
                "rule %s: message on %s skipped (not a JSON object: %s)", rule.name, topic, error
            )
            return
        for target in rule.lambda_targets:
            function = self.functions.get(target)
            if function is None:
                log.warning("rule %s: no @app.lambda_function for %s", rule.name, target)
                continue
            self.invoker.invoke("rule", function.name, event, rule=rule.name, topic=topic)

    def start(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                connect_and_wait(
                    self.client, self.settings.host, self.settings.mqtt_port, clean_start=False
                )
                break
            except (OSError, TimeoutError) as error:
                self.client.loop_stop()
                if time.monotonic() > deadline:
                    raise
                log.info("waiting for the broker: %s", error)
                time.sleep(0.5)
        self.subscribed.wait(10)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        for worker in self.workers.values():
            worker.shutdown(wait=False)


# The runtime ---------------------------------------------------------------------------------
@dataclass
class Discovered:
    schedules: list[ScheduledEventConfig]
    queues: list[SQSEventConfig]
    functions: dict[str, LambdaFunction]  # by CloudFormation logical id
    ignored: list[BaseEventSourceConfig]


def discover(app: Chalice) -> Discovered:
    schedules = [s for s in app.event_sources if isinstance(s, ScheduledEventConfig)]
    queues = [s for s in app.event_sources if isinstance(s, SQSEventConfig)]
    ignored = [
        s for s in app.event_sources if not isinstance(s, ScheduledEventConfig | SQSEventConfig)
    ]
    functions = {to_cfn_resource_name(f.name): f for f in app.pure_lambda_functions}
    return Discovered(schedules, queues, functions, ignored)


def ready_file(settings: Settings) -> Path:
    return settings.state_dir / "event-runtime.ready"


def run(settings: Settings, ca: CaFiles, stop: threading.Event | None = None) -> None:
    """Run every discovered trigger until ``stop`` is set (or forever)."""
    stop = stop or threading.Event()
    if call_tally.enabled():  # AWS calls per handler, for the load test (tests/load)
        call_tally.install()
        call_tally.start_writer(call_tally.tally_file(settings.state_dir, "events"))
    _, app = load_app(settings)
    invoker = Invoker(settings, app)
    found = discover(app)
    for source in found.ignored:
        log.warning("%s (%s) is not run locally", source.name, type(source).__name__)
    threads = []
    for config in found.schedules:
        try:
            schedule = parse_schedule(config.schedule_expression)
        except ValueError as error:
            log.error("schedule %s not run: %s", config.name, error)
            continue
        expression = config.schedule_expression
        text = expression if isinstance(expression, str) else expression.to_string()
        log.info("schedule %s: %s", config.name, text)
        threads.append(
            threading.Thread(
                target=run_schedule,
                args=(invoker, config, schedule, stop),
                name=config.name,
                daemon=True,
            )
        )
    for queue_config in found.queues:
        log.info(
            "queue %s -> %s (%d at once)",
            _queue_name(queue_config),
            queue_config.name,
            sqs_concurrency(queue_config),
        )
        threads.append(
            threading.Thread(
                target=run_sqs,
                args=(settings, invoker, queue_config, stop),
                name=queue_config.name,
                daemon=True,
            )
        )
    rules = load_rules(load_local_template(settings))
    for rule in rules:
        targets = [
            found.functions[t].name if t in found.functions else f"{t}?"
            for t in rule.lambda_targets
        ]
        log.info("rule %s: %s -> %s", rule.name, rule.topic_filter, ", ".join(targets))
    runner = RuleRunner(settings, ca, invoker, rules, found.functions)
    runner.start()
    presence = PresenceEmitter(settings, ca)
    presence.start()
    for thread in threads:
        thread.start()
    ready_file(settings).write_text(str(os.getpid()))
    log.info("event runtime ready")
    try:
        stop.wait()
    finally:
        presence.stop()
        runner.stop()
