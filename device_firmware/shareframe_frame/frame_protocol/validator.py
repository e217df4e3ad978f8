"""A JSON Schema (draft 7) validator for exactly the keywords ``schema.json`` uses.

Why not a library: ``tests/bench/bench_protocol_schema.py`` (fresh interpreters, median of 11,
a loaded 2-core machine) measured import + build of the desired-state and status validators at
2109 ms and +8.8 MB of RSS for ``jsonschema``, 771 ms and +6.2 MB for ``fastjsonschema`` (it
generates 63 KB of Python for the desired state), 348 ms and +2.4 MB for this module (mostly
modules the frame and the Lambda load anyway); ``jsonschema_rs`` added ~10 MB. The frame has a
40 MB budget and every Lambda cold start pays the import.

It refuses, when the schema is loaded, any keyword it does not implement, so the schema cannot
silently grow past it; ``tests/firmware/test_frame_protocol_schema.py`` checks it against
``jsonschema`` on hundreds of generated messages per run.

Deviation, on purpose: a ``pattern`` is searched with ECMA 262 semantics for ``$`` (the very
end of the string); Python's ``$`` would also match before a final newline.

Stdlib only, no imports from either package: the backend reaches this directory through the
links in ``functions/chalicelib/frame_protocol/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Schema = dict[str, Any]

# Keywords that only annotate: accepted anywhere, never checked.
_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "messages", "definitions"})
_TYPES: dict[str, Callable[[Any], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
}


class SchemaViolation(ValueError):
    """The instance does not match; ``str()`` says where (a JSON pointer) and why."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where or '/'}: {reason}")
        self.where = where or "/"
        self.reason = reason


class UnsupportedSchema(Exception):
    """The schema uses a keyword this validator does not implement."""


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: ``1 == 1.0`` but ``True != 1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


class Validator:
    """Validates instances against definitions of one root schema (local ``$ref`` only)."""

    def __init__(self, root: Schema) -> None:
        self._root = root
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._check_schema(root, "#")

    def resolve(self, ref: str) -> Schema:
        if not ref.startswith("#/"):
            raise UnsupportedSchema(f"only local references are supported: {ref}")
        node: Any = self._root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise UnsupportedSchema(f"unresolvable reference {ref}")
            node = node[part]
        if not isinstance(node, dict):
            raise UnsupportedSchema(f"{ref} is not a schema")
        return node

    def validate(self, schema: Schema, instance: Any, where: str = "") -> None:
        """Raise :class:`SchemaViolation` for the first mismatch found, else return."""
        if "$ref" in schema:  # draft 7: siblings of $ref are ignored
            self.validate(self.resolve(schema["$ref"]), instance, where)
            return
        for keyword, value in schema.items():
            check = _CHECKS.get(keyword)
            if check is not None:
                check(self, value, instance, where, schema)

    # -- schema loading ----------------------------------------------------------------
    def _check_schema(self, schema: Any, at: str) -> None:
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"{at} is not a schema object")
        for keyword, value in schema.items():
            if keyword in ("definitions", "properties") or (at == "#" and keyword == "messages"):
                if keyword == "messages":
                    for ref in value.values():
                        self.resolve(ref)
                    continue
                for name, sub in value.items():
                    if keyword == "definitions" and isinstance(sub, dict) and not _is_schema(sub):
                        self._check_schema({"definitions": sub}, f"{at}/{keyword}/{name}")
                    else:
                        self._check_schema(sub, f"{at}/{keyword}/{name}")
            elif keyword in ("items", "not", "if", "then", "else"):
                self._check_schema(value, f"{at}/{keyword}")
            elif keyword in ("allOf", "oneOf", "anyOf"):
                for index, sub in enumerate(value):
                    self._check_schema(sub, f"{at}/{keyword}/{index}")
            elif keyword == "pattern":
                self._patterns[value] = re.compile(_ecma_end(value))
            elif keyword == "$ref":
                self.resolve(value)
            elif keyword not in _CHECKS and keyword not in _ANNOTATIONS:
                raise UnsupportedSchema(f"{at}: keyword {keyword!r} is not supported")


def _is_schema(node: dict[str, Any]) -> bool:
    """A definitions entry is a schema, or (like ``events``) a group of named schemas."""
    return not node or any(k in _CHECKS or k in _ANNOTATIONS or k == "$ref" for k in node)


def _ecma_end(pattern: str) -> str:
    return (
        pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern
    )


def _type(v: Validator, expected: Any, instance: Any, where: str, _: Schema) -> None:
    names = expected if isinstance(expected, list) else [expected]
    if not any(_TYPES[name](instance) for name in names):
        raise SchemaViolation(where, f"must be {' or '.join(names)}")


def _required(v: Validator, names: list[str], instance: Any, where: str, _: Schema) -> None:
    if isinstance(instance, dict):
        for name in names:
            if name not in instance:
                raise SchemaViolation(where, f"{name} is required")


def _properties(v: Validator, props: Schema, instance: Any, where: str, _: Schema) -> None:
    if isinstance(instance, dict):
        for name, sub in props.items():
            if name in instance:
                v.validate(sub, instance[name], f"{where}/{name}")


def _items(v: Validator, sub: Schema, instance: Any, where: str, _: Schema) -> None:
    if isinstance(instance, list):
        for index, element in enumerate(instance):
            v.validate(sub, element, f"{where}/{index}")


def _max_items(v: Validator, limit: int, instance: Any, where: str, _: Schema) -> None:
    if isinstance(instance, list) and len(instance) > limit:
        raise SchemaViolation(where, f"has more than {limit} entries")


def _max_length(v: Validator, limit: int, instance: Any, where: str, _: Schema) -> None:
    if isinstance(instance, str) and len(instance) > limit:
        raise SchemaViolation(where, f"is longer than {limit} characters")


def _pattern(v: Validator, pattern: str, instance: Any, where: str, _: Schema) -> None:
    if isinstance(instance, str) and not v._patterns[pattern].search(instance):
        raise SchemaViolation(where, "has the wrong form")


def _number(v: Validator, limit: float, instance: Any, where: str, low: bool) -> None:
    if _TYPES["number"](instance) and (instance < limit if low else instance > limit):
        raise SchemaViolation(where, f"must be {'at least' if low else 'at most'} {limit}")


def _enum(v: Validator, options: list[Any], instance: Any, where: str, _: Schema) -> None:
    if not any(_equal(instance, option) for option in options):
        raise SchemaViolation(where, f"must be one of {options}")


def _const(v: Validator, value: Any, instance: Any, where: str, _: Schema) -> None:
    if not _equal(instance, value):
        raise SchemaViolation(where, f"must be {value!r}")


def _matches(v: Validator, schema: Schema, instance: Any, where: str) -> bool:
    try:
        v.validate(schema, instance, where)
    except SchemaViolation:
        return False
    return True


def _all_of(v: Validator, subs: list[Schema], instance: Any, where: str, _: Schema) -> None:
    for sub in subs:
        v.validate(sub, instance, where)


def _any_of(v: Validator, subs: list[Schema], instance: Any, where: str, _: Schema) -> None:
    if not any(_matches(v, sub, instance, where) for sub in subs):
        raise SchemaViolation(where, "matches none of the allowed forms")


def _one_of(v: Validator, subs: list[Schema], instance: Any, where: str, _: Schema) -> None:
    matched = [sub for sub in subs if _matches(v, sub, instance, where)]
    if len(matched) != 1:
        if len(subs) == 2 and {"type": "null"} in subs:  # the "nullable" idiom: say why
            v.validate(next(s for s in subs if s != {"type": "null"}), instance, where)
        raise SchemaViolation(where, f"matches {len(matched)} of the forms, not exactly one")


def _not(v: Validator, sub: Schema, instance: Any, where: str, _: Schema) -> None:
    if _matches(v, sub, instance, where):
        names = sub.get("required")
        detail = f"must not have {', '.join(names)}" if names else "matches a forbidden form"
        raise SchemaViolation(where, detail)


def _if(v: Validator, sub: Schema, instance: Any, where: str, schema: Schema) -> None:
    branch = schema.get("then" if _matches(v, sub, instance, where) else "else")
    if branch is not None:
        v.validate(branch, instance, where)


def _branch(v: Validator, sub: Schema, instance: Any, where: str, _: Schema) -> None:
    """``then``/``else`` act only through ``if``."""


_CHECKS: dict[str, Callable[[Validator, Any, Any, str, Schema], None]] = {
    "type": _type,
    "required": _required,
    "properties": _properties,
    "items": _items,
    "maxItems": _max_items,
    "maxLength": _max_length,
    "pattern": _pattern,
    "minimum": lambda v, limit, inst, where, _: _number(v, limit, inst, where, True),
    "maximum": lambda v, limit, inst, where, _: _number(v, limit, inst, where, False),
    "enum": _enum,
    "const": _const,
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
    "if": _if,
    "then": _branch,
    "else": _branch,
}
