"""The frame protocol's validator (shareframe_frame/frame_protocol): each keyword, and the whole
schema checked against the reference implementation, ``jsonschema``, on generated messages."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st

from shareframe_frame import frame_protocol
from shareframe_frame.frame_protocol.validator import (
    SchemaViolation,
    UnsupportedSchema,
    Validator,
)
from tests.firmware.test_protocol_doc import EXAMPLES

SCHEMA = json.loads(frame_protocol.SCHEMA_PATH.read_text())


def verdict(schema: dict[str, Any], instance: Any) -> bool:
    try:
        Validator(schema).validate(schema, instance)
    except SchemaViolation:
        return False
    return True


@pytest.mark.parametrize(
    ("schema", "good", "bad"),
    [
        ({"type": "integer"}, [0, 7, 2.0], [True, 1.5, "1", None]),
        ({"type": "number"}, [1, 1.5], [False, "1"]),
        ({"type": ["string", "null"]}, ["", None], [0, [], {}]),
        ({"type": "boolean"}, [True, False], [0, 1, "true"]),
        ({"type": "object"}, [{}], [[], "x"]),
        ({"type": "array"}, [[]], [{}, "x"]),
        ({"required": ["a"]}, [{"a": None}, "not an object"], [{}, {"b": 1}]),
        ({"properties": {"a": {"type": "string"}}}, [{}, {"a": "x"}, {"b": 1}], [{"a": 1}]),
        ({"items": {"type": "integer"}, "maxItems": 2}, [[], [1, 2]], [[1, "2"], [1, 2, 3]]),
        ({"maxLength": 2}, ["ab", "éé", 123], ["abc"]),
        ({"pattern": "^a+$"}, ["a", "aaa", 5], ["", "ab", "a\n"]),
        ({"minimum": 1, "maximum": 3}, [1, 3, 2.5, "x"], [0, 3.01]),
        ({"enum": ["a", 1]}, ["a", 1, 1.0], ["b", True]),
        ({"const": True}, [True], [1, "true"]),
        ({"const": 1}, [1, 1.0], [True]),
        ({"allOf": [{"type": "integer"}, {"minimum": 2}]}, [2], [1, "2"]),
        ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, [1, None], ["x"]),
        ({"oneOf": [{"type": "integer"}, {"minimum": 0}]}, [-1, 0.5, "x"], [1, 2.0]),
        ({"not": {"required": ["frameId"]}}, [{}, {"a": 1}], [{"frameId": "x"}]),
        (
            {
                "if": {"properties": {"p": {"const": True}}},
                "then": {"required": ["s"]},
                "else": {"properties": {"i": {"maxItems": 0}}},
            },
            [{"p": True, "s": 1}, {"p": False, "i": []}, {"i": [1], "p": True, "s": 0}],
            [{"p": True}, {"p": False, "i": [1]}],
        ),
        (
            {
                "definitions": {"n": {"type": "integer"}},
                "properties": {"a": {"$ref": "#/definitions/n"}},
            },
            [{"a": 1}],
            [{"a": "1"}],
        ),
    ],
)
def test_each_keyword_accepts_and_refuses_as_json_schema_says(
    schema: dict[str, Any], good: list[Any], bad: list[Any]
) -> None:
    reference = jsonschema.Draft7Validator(schema)
    for instance in good:
        assert verdict(schema, instance), instance
        assert reference.is_valid(instance) or instance == "a\n", instance
    for instance in bad:
        assert not verdict(schema, instance), instance
        assert not reference.is_valid(instance) or instance == "a\n", instance


def test_a_pattern_ends_at_the_very_end_unlike_pythons_dollar() -> None:
    assert not verdict({"pattern": "^frm_[a-z]+$"}, "frm_abc\n")


@pytest.mark.parametrize(
    "schema",
    [
        {"additionalProperties": False},
        {"properties": {"a": {"format": "date-time"}}},
        {"$ref": "https://example.com/other.json"},
        {"$ref": "#/definitions/missing"},
        {"definitions": {"x": {"minLength": 1}}},
    ],
)
def test_a_keyword_the_validator_lacks_is_refused_when_the_schema_loads(
    schema: dict[str, Any],
) -> None:
    with pytest.raises(UnsupportedSchema):
        Validator(schema)


def test_errors_say_where_and_why() -> None:
    message = next(copy.deepcopy(m) for k, m in EXAMPLES if k == "desired" and m["paired"])
    message["items"][0]["file"]["sha256"] = "xyz"
    with pytest.raises(
        frame_protocol.ProtocolError, match=r"/items/0/file/sha256: has the wrong form"
    ):
        frame_protocol.check("desired", message)


def test_an_unknown_event_type_or_a_frame_id_in_an_event_is_refused() -> None:
    event = {"type": "resync", "eventId": "c2f41d9a-7b3e", "at": "2026-11-25T12:00:04Z"}
    assert frame_protocol.check_event(event) == "resync"
    with pytest.raises(frame_protocol.ProtocolError, match="unknown event type"):
        frame_protocol.check_event({**event, "type": "reboot"})
    with pytest.raises(frame_protocol.ProtocolError, match="must not have frameId"):
        frame_protocol.check_event({**event, "frameId": "frm_01JD2ZK3Q4X7H8M9N0PQRSTVWX"})


# -- the whole schema against jsonschema -------------------------------------------------------


def _reference_schema() -> dict[str, Any]:
    """The schema with each pattern's final ``$`` as ``\\Z``: jsonschema uses Python's ``re``,
    whose ``$`` also matches before a final newline (ECMA 262's does not)."""
    text = json.dumps(SCHEMA)
    return json.loads(re.sub(r'("pattern": "[^"]*)\$"', r'\1\\\\Z"', text))


REFERENCE = _reference_schema()
REFERENCE_VALIDATORS = {
    kind: jsonschema.Draft7Validator({"$ref": ref, "definitions": REFERENCE["definitions"]})
    for kind, ref in frame_protocol.message_kinds().items()
}
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["2026-11-25T12:00:00Z", "frm_a", "shr_a", "a" * 64]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, sub in value.items():
            found += _paths(sub, (*prefix, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            found += _paths(sub, (*prefix, index))
    return found


@st.composite
def mutated_examples(draw: st.DrawFn) -> tuple[str, Any]:
    kind, message = draw(st.sampled_from(EXAMPLES))
    message = copy.deepcopy(message)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(message)))
        if not path:
            continue
        parent = message
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return kind, message


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_examples())
def test_the_validator_agrees_with_jsonschema_on_mutated_doc_examples(
    sample: tuple[str, Any],
) -> None:
    kind, message = sample
    try:
        frame_protocol.check(kind, message)
        ours = True
    except frame_protocol.ProtocolError:
        ours = False
    hypothesis_event("valid" if ours else "invalid")
    assert ours == REFERENCE_VALIDATORS[kind].is_valid(message), (kind, message)
