"""Invoke one Lambda handler the way the Python runtime does, from an unpacked package.

Run by tests/deploy/test_built_artifact.py as ``python -I -S lambda_runner.py`` (no site-packages,
no script directory, no PYTHONPATH): stdlib only, so whatever the handler imports comes from the
paths given, exactly like ``/var/task`` and ``/opt/python`` on Lambda. Reads one JSON object on
stdin: ``{"paths": [...], "handler": "module.attr", "events": [...]}``; prints one line per
event (one when there are none: the import alone), ``MARK`` then JSON: ``{"ok": result,
"foreign": [...]}`` or ``{"error": type, "message": ..., "trace": ...}``; an import that fails
is reported for every event.
"""

import importlib
import json
import sys
import traceback
import uuid

MARK = "@@lambda-runner@@ "  # results, told apart from what the handler logs to stdout


class Context:
    """The attributes of Lambda's context object that handlers (and Chalice) read."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        )
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "built-artifact-test"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def failure(exc: BaseException) -> dict:
    return {"error": type(exc).__name__, "message": str(exc), "trace": traceback.format_exc()}


def main() -> None:
    job = json.load(sys.stdin)
    sys.path[:0] = job["paths"]
    module_name, _, attr = job["handler"].rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), attr)
    except BaseException as exc:  # reported to the test, which fails
        outcome = failure(exc)
        for _ in job["events"] or [None]:
            print(MARK + json.dumps(outcome), flush=True)
        return
    foreign = sorted(
        name
        for name, module in sys.modules.items()
        if "site-packages" in str(getattr(module, "__file__", "") or "")
    )
    if not job["events"]:
        print(
            MARK + json.dumps({"ok": None, "foreign": foreign}), flush=True
        )  # imported, nothing run
    for event in job["events"]:
        try:
            result = handler(event, Context(job["handler"]))
            print(MARK + json.dumps({"ok": result, "foreign": foreign}, default=str), flush=True)
        except BaseException as exc:  # reported to the test, which fails
            print(MARK + json.dumps(failure(exc)), flush=True)


if __name__ == "__main__":
    main()
