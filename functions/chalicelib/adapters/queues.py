"""SQS: work handed from a request or a sweep to a background handler."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from chalicelib.adapters import aws

# SendMessageBatch takes at most 10 entries.
BATCH = 10


@cache
def _url(queue_name: str) -> str:
    url: str = aws.client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"]
    return url


def send(queue_name: str, message: dict[str, Any]) -> None:
    aws.client("sqs").send_message(QueueUrl=_url(queue_name), MessageBody=json.dumps(message))


class NotQueued(RuntimeError):
    """SQS refused some entries of a batch (they were not enqueued)."""


def send_batch(queue_name: str, messages: Sequence[dict[str, Any]]) -> None:
    """Enqueue every message, ten per request; raises ``NotQueued`` if any entry failed."""
    sqs = aws.client("sqs")
    for start in range(0, len(messages), BATCH):
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(m)}
            for i, m in enumerate(messages[start : start + BATCH])
        ]
        failed = sqs.send_message_batch(QueueUrl=_url(queue_name), Entries=entries).get(
            "Failed", []
        )
        if failed:
            raise NotQueued(f"{len(failed)} of {len(entries)} not queued: {failed[0]}")
