"""Messages to frames over IoT Core's data plane (botocore ``iot-data``).

In the local cloud ``AWS_ENDPOINT_URL_IOT_DATA`` points at an adapter that forwards the same
HTTP call to mosquitto, so this code is unchanged in both worlds.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters import aws

TOPIC_ROOT = "shareframe/frames"
MAX_MESSAGE_BYTES = 128 * 1024


def desired_topic(frame_id: str) -> str:
    return f"{TOPIC_ROOT}/{frame_id}/desired"


class PublishFailed(Exception):
    """IoT Core did not take the message, after the client's own retries."""


def publish_desired(frame_id: str, message: dict[str, Any]) -> int:
    """Publish the frame's whole desired state, retained, QoS 1. Returns the payload size."""
    payload = json.dumps(message, separators=(",", ":")).encode()
    if len(payload) > MAX_MESSAGE_BYTES:
        raise ValueError(f"desired state of {len(payload)} bytes exceeds IoT Core's limit")
    iot = aws.client("iot-data")
    # botocore is loaded by now (making the client did): its errors cost nothing to name here,
    # while importing them at module level would put botocore in every importer's cold start.
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        iot.publish(topic=desired_topic(frame_id), qos=1, retain=True, payload=payload)
    except (BotoCoreError, ClientError) as err:
        raise PublishFailed(f"desired state of {frame_id} not published: {err}") from err
    return len(payload)
