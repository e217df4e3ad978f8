"""Invoke one Lambda handler the way the Python runtime does, from an unpacked package.

Run by tests/deploy/test_built_artifact.py as ``python -I -S lambda_runner.py`` (no site-packages,
no script directory, no PYTHONPATH): stdlib only, so whatever the handler imports comes from the
paths given, exactly like ``/var/task`` and ``/opt/python`` on Lambda. Reads one JSON object on
stdin: ``{"paths": [...], "handler": "module.attr", "events": [...], "snapstart": bool}``;
prints one line per event (one when there are none: the import alone), ``MARK`` then JSON:
``{"ok": result, "foreign": [...]}`` or ``{"error": type, "message": ..., "trace": ...}``; an
import that fails is reported for every event.

With ``snapstart`` the runtime's SnapStart hook registry (``snapshot_restore_py``, which Lambda's
Python runtime provides) is a stand-in that records the hooks the handler's module registers;
after the import the before-snapshot hooks run, then the after-restore hooks, then the events,
as in a restored copy. Most of what a function loads (the AWS SDK, the renderer) is loaded on
first use or by those hooks, not by the import: ``foreign`` is taken after all of it.
"""

import importlib
import json
import sys
import traceback
import types
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


def foreign() -> list[str]:
    """Modules loaded from anywhere but the package's paths (there is no site-packages)."""
    return sorted(
        name
        for name, module in sys.modules.items()
        if "site-packages" in str(getattr(module, "__file__", "") or "")
    )


def snapstart_registry() -> dict[str, list]:
    hooks: dict[str, list] = {"before": [], "after": []}
    registry = types.ModuleType("snapshot_restore_py")
    registry.register_before_snapshot = lambda f, *a, **k: hooks["before"].append((f, a, k))
    registry.register_after_restore = lambda f, *a, **k: hooks["after"].append((f, a, k))
    sys.modules["snapshot_restore_py"] = registry
    return hooks


def main() -> None:
    job = json.load(sys.stdin)
    sys.path[:0] = job["paths"]
    hooks = snapstart_registry() if job.get("snapstart") else {"before": [], "after": []}
    module_name, _, attr = job["handler"].rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), attr)
        for hook, args, kwargs in hooks["before"] + hooks["after"]:  # snapshot, then restore
            hook(*args, **kwargs)
    except BaseException as exc:  # reported to the test, which fails
        outcome = failure(exc)
        for _ in job["events"] or [None]:
            print(MARK + json.dumps(outcome), flush=True)
        return
    if not job["events"]:
        print(
            MARK + json.dumps({"ok": None, "foreign": foreign()}), flush=True
        )  # imported, nothing run
    for event in job["events"]:
        try:
            result = handler(event, Context(job["handler"]))
            outcome = {"ok": result, "foreign": foreign()}
            print(MARK + json.dumps(outcome, default=str), flush=True)
        except BaseException as exc:  # reported to the test, which fails
            print(MARK + json.dumps(failure(exc)), flush=True)


if __name__ == "__main__":
    main()
