"""SQS: work handed from a request to a background handler."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from chalicelib.adapters.aws import client


@cache
def _url(queue_name: str) -> str:
    url: str = client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"]
    return url


def send(queue_name: str, message: dict[str, Any]) -> None:
    client("sqs").send_message(QueueUrl=_url(queue_name), MessageBody=json.dumps(message))
