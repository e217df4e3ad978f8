"""moto's server as the local cloud runs it: the same ``moto_server``, with one repair.

``GET /moto-api/data.json`` (how ``make mail`` and the tests read the mail SES "sent") answers 500
as soon as any tracked model has a property that raises something other than the three errors
moto expects, e.g. after an export streamed to S3 as a multipart upload. The repair skips such
a property, as moto already does for values that are not JSON.
"""

from __future__ import annotations

import json
from typing import Any

from moto.moto_api._internal.responses import MotoAPIResponse
from moto.server import main


def _json_value(instance: object, attr: str) -> tuple[bool, Any]:
    try:
        value = getattr(instance, attr)
        json.dumps(value)
    except Exception:  # any property that cannot be read is left out
        return False, None
    return True, value


def _model_data(self: MotoAPIResponse, request: Any, full_url: str, headers: Any) -> Any:
    from moto.core.model_instances import model_data

    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for service in sorted(model_data):
        models = model_data[service]
        results[service] = {}
        for name in sorted(models):
            results[service][name] = []
            for instance in models[name].instances_tracked:  # type: ignore[attr-defined]
                fields = {}
                for attr in dir(instance):
                    if not attr.startswith("_"):
                        ok, value = _json_value(instance, attr)
                        if ok:
                            fields[attr] = value
                results[service][name].append(fields)
    return 200, {"Content-Type": "application/javascript"}, json.dumps(results)


MotoAPIResponse.model_data = _model_data  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
