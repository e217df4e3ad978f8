"""Run in a subprocess (fresh imports, stage env): print what the code is configured to use."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def _keys(owner: Any) -> dict[str, Any]:
    attributes = (
        owner.get_attributes() if hasattr(owner, "get_attributes") else owner.Meta.attributes
    )
    hash_attr = next(a for a in attributes.values() if a.is_hash_key)
    range_attr = next((a for a in attributes.values() if a.is_range_key), None)
    return {
        "hash": [hash_attr.attr_name, hash_attr.attr_type],
        "range": [range_attr.attr_name, range_attr.attr_type] if range_attr else None,
    }


def main() -> None:
    os.chdir(FUNCTIONS)
    from chalice.app import CloudWatchEventConfig, ScheduledEventConfig, SQSEventConfig
    from pynamodb.indexes import GlobalSecondaryIndex

    import app as app_module
    from chalicelib.adapters.tables import ALL_MODELS
    from chalicelib.config import settings

    app = app_module.app
    tables = {}
    for model in ALL_MODELS:
        indexes = {}
        for index in model._indexes.values():
            indexes[index.Meta.index_name] = {
                **_keys(index),
                "global": isinstance(index, GlobalSecondaryIndex),
                "projection": index.Meta.projection.projection_type,
            }
        tables[model.Meta.table_name] = {**_keys(model), "indexes": indexes}
    cfg = settings()
    sources = app.event_sources
    print(
        json.dumps(
            {
                "tables": tables,
                "bucket": cfg.media_bucket,
                "queues": [
                    cfg.uploads_queue,
                    cfg.exports_queue,
                    cfg.timers_queue,
                    cfg.renditions_queue,
                ],
                "secrets": [cfg.jwt_secret_id, cfg.device_ca_secret_id],
                "sqs": {s.name: s.queue for s in sources if isinstance(s, SQSEventConfig)},
                "sqs_concurrency": {
                    s.name: s.maximum_concurrency for s in sources if isinstance(s, SQSEventConfig)
                },
                "schedules": [
                    s.name
                    for s in sources
                    if isinstance(s, ScheduledEventConfig | CloudWatchEventConfig)
                ],
                "lambdas": [f.name for f in app.pure_lambda_functions],
                "authorizers": [a.name for a in app.builtin_auth_handlers],
            }
        )
    )


if __name__ == "__main__":
    main()
