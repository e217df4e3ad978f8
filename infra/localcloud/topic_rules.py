"""AWS IoT topic rules from the template: their SQL, topic filter and Lambda target.

Supports the SQL the rules use: ``SELECT *, topic(N) AS a, timestamp() AS b, field AS c FROM
'filter/+/#' [WHERE cond AND cond ...]`` where a condition compares a field or ``topic(N)``
with a string or number literal (``=``, ``<>``, ``!=``, ``<``, ``<=``, ``>``, ``>=``), or is
``isUndefined(field)``.
"""

from __future__ import annotations

import json
import operator
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt

from infra.localcloud.template import Template

_SQL = re.compile(
    r"^\s*SELECT\s+(?P<select>.+?)\s+FROM\s+'(?P<topic>[^']+)'(?:\s+WHERE\s+(?P<where>.+?))?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_ITEM = re.compile(r"^(?P<expr>.+?)(?:\s+AS\s+(?P<alias>[A-Za-z_][A-Za-z0-9_]*))?$", re.IGNORECASE)
_UNDEFINED = re.compile(r"^\s*isUndefined\(\s*(?P<field>[A-Za-z_][\w.]*)\s*\)\s*$", re.IGNORECASE)
_CONDITION = re.compile(r"^\s*(?P<left>.+?)\s*(?P<op><>|!=|<=|>=|=|<|>)\s*(?P<right>.+?)\s*$")
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


UNDEFINED = "isUndefined"


class RuleSqlError(ValueError):
    """SQL outside the supported subset."""


@dataclass(frozen=True)
class Selection:
    expression: str
    alias: str | None


@dataclass
class TopicRule:
    """One ``AWS::IoT::TopicRule`` as the event runtime runs it."""

    logical_id: str
    name: str
    topic_filter: str
    selections: list[Selection]
    where: list[tuple[str, str, str]] = field(default_factory=list)
    lambda_targets: list[str] = field(default_factory=list)  # CloudFormation logical ids

    def matches_topic(self, topic: str) -> bool:
        return bool(mqtt.topic_matches_sub(self.topic_filter, topic))

    def evaluate(self, topic: str, payload: bytes, now_ms: int | None = None) -> dict[str, Any]:
        """The event the rule's action receives; raises ``ValueError`` for non-JSON payloads."""
        message = json.loads(payload)
        if not isinstance(message, dict):
            raise ValueError("payload is JSON but not an object")
        stamp = int(time.time() * 1000) if now_ms is None else now_ms
        result: dict[str, Any] = {}
        for selection in self.selections:
            if selection.expression == "*":
                result.update(message)
                continue
            value = _value_of(selection.expression, topic, message, stamp)
            key = selection.alias or selection.expression.split(".")[-1]
            result[key] = value
        return result

    def where_holds(self, topic: str, payload: bytes) -> bool:
        if not self.where:
            return True
        message = json.loads(payload)
        stamp = int(time.time() * 1000)
        for left, op, right in self.where:
            if op == UNDEFINED:
                if (
                    not isinstance(message, dict)
                    or _value_of(left, topic, message, stamp) is not None
                ):
                    return False
                continue
            a = _value_of(left, topic, message, stamp)
            b = _literal(right)
            try:
                if not _OPS[op](a, b):
                    return False
            except TypeError:
                return False
        return True


def _literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError as error:
        raise RuleSqlError(f"unsupported literal {text!r}") from error


def _value_of(expression: str, topic: str, message: Any, now_ms: int) -> Any:
    expression = expression.strip()
    function = re.fullmatch(r"(\w+)\(\s*(\d*)\s*\)", expression)
    if function:
        name, argument = function.group(1).lower(), function.group(2)
        if name == "topic":
            if not argument:
                return topic
            parts = topic.split("/")
            index = int(argument)
            return parts[index - 1] if 1 <= index <= len(parts) else None
        if name == "timestamp":
            return now_ms
        raise RuleSqlError(f"function {name}() is not supported locally")
    value = message
    for part in expression.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _split_select(text: str) -> list[str]:
    items, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    items.append(current.strip())
    return items


def parse_sql(sql: str) -> tuple[str, list[Selection], list[tuple[str, str, str]]]:
    """Split rule SQL into (topic filter, selections, where-conditions)."""
    match = _SQL.match(sql)
    if not match:
        raise RuleSqlError(f"unsupported rule SQL: {sql!r}")
    selections = []
    for item in _split_select(match.group("select")):
        parsed = _ITEM.match(item)
        if not parsed:
            raise RuleSqlError(f"unsupported select item {item!r}")
        selections.append(Selection(parsed.group("expr").strip(), parsed.group("alias")))
    where: list[tuple[str, str, str]] = []
    if match.group("where"):
        for condition in re.split(r"\s+AND\s+", match.group("where"), flags=re.IGNORECASE):
            undefined = _UNDEFINED.match(condition)
            if undefined:
                where.append((undefined.group("field"), UNDEFINED, ""))
                continue
            parsed_condition = _CONDITION.match(condition)
            if not parsed_condition:
                raise RuleSqlError(f"unsupported WHERE condition {condition!r}")
            where.append(
                (
                    parsed_condition.group("left"),
                    parsed_condition.group("op"),
                    parsed_condition.group("right"),
                )
            )
    return match.group("topic"), selections, where


def _lambda_target(function_arn: Any) -> str | None:
    """The logical id in ``{"Fn::GetAtt": ["FrameEvents", "Arn"]}`` (or its short forms)."""
    if isinstance(function_arn, dict) and "Fn::GetAtt" in function_arn:
        target = function_arn["Fn::GetAtt"]
        logical_id = target.split(".")[0] if isinstance(target, str) else target[0]
        return str(logical_id)
    if isinstance(function_arn, dict) and "Ref" in function_arn:
        return str(function_arn["Ref"])
    return None


def load_rules(template: Template) -> list[TopicRule]:
    """Every enabled topic rule of the template; rules without a Lambda action are skipped."""
    rules = []
    for logical_id, resource in template.of_type("AWS::IoT::TopicRule").items():
        properties = resource.get("Properties", {})
        payload = properties.get("TopicRulePayload", {})
        if payload.get("RuleDisabled"):
            continue
        sql = template.resolve(payload["Sql"])
        topic_filter, selections, where = parse_sql(sql)
        targets = []
        for action in payload.get("Actions", []):
            if "Lambda" in action:
                target = _lambda_target(action["Lambda"].get("FunctionArn"))
                if target:
                    targets.append(target)
        rules.append(
            TopicRule(
                logical_id=logical_id,
                name=str(template.resolve(properties.get("RuleName", logical_id))),
                topic_filter=topic_filter,
                selections=selections,
                where=where,
                lambda_targets=targets,
            )
        )
    return rules
