"""boto3's iot-data client, pointed at the adapter, publishes to the real broker."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.localcloud.iot_data_adapter import BrokerLink, make_handler
from tests.localcloud.conftest import Inbox, subscribe

FRAME = "frm_C0000000000000000000000003"
DESIRED = f"shareframe/frames/{FRAME}/desired"


@pytest.fixture
def iot_data(broker):
    link = BrokerLink(broker.settings)
    link.start()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(link))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield boto3.client(
            "iot-data",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
    finally:
        server.shutdown()
        link.client.disconnect()
        link.client.loop_stop()


def test_a_boto3_publish_reaches_a_subscribed_frame(broker, iot_data):
    frame = broker.client(FRAME)
    inbox = Inbox(frame)
    assert subscribe(frame, DESIRED) == [1]
    response = iot_data.publish(topic=DESIRED, qos=1, retain=True, payload=b'{"version": 1}')
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    [message] = inbox.wait_for(1)
    assert (message.topic, message.payload, message.qos) == (DESIRED, b'{"version": 1}', 1)


def test_a_retained_publish_reaches_a_frame_that_connects_later(broker, iot_data):
    iot_data.publish(topic=DESIRED, qos=1, retain=True, payload=b'{"version": 2}')
    frame = broker.client(FRAME)
    inbox = Inbox(frame)
    subscribe(frame, DESIRED)
    [message] = inbox.wait_for(1)
    assert (message.payload, message.retain) == (b'{"version": 2}', True)
    retained = iot_data.get_retained_message(topic=DESIRED)
    assert retained["payload"] == b'{"version": 2}'


def test_no_retained_message_is_a_resource_not_found(iot_data):
    with pytest.raises(ClientError) as error:
        iot_data.get_retained_message(topic="shareframe/frames/nobody/desired")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_wildcard_topics_and_oversized_payloads_are_rejected(iot_data):
    with pytest.raises(ClientError) as error:
        iot_data.publish(topic="shareframe/frames/+/desired", qos=1, payload=b"{}")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as error:
        iot_data.publish(topic=DESIRED, qos=1, payload=b"x" * (128 * 1024 + 1))
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_publishing_works_again_after_a_broker_restart(broker, iot_data):
    broker.restart()
    frame = broker.client(FRAME)
    inbox = Inbox(frame)
    subscribe(frame, DESIRED)
    iot_data.publish(topic=DESIRED, qos=1, payload=b'{"after": "restart"}')
    assert [m.payload for m in inbox.wait_for(1, timeout=10)] == [b'{"after": "restart"}']


def test_the_backend_environment_points_boto3_iot_data_at_the_adapter(monkeypatch, settings):
    for key, value in settings.backend_env().items():
        monkeypatch.setenv(key, value)
    assert boto3.client("iot-data").meta.endpoint_url == settings.iot_data_url
    assert boto3.client("dynamodb").meta.endpoint_url == settings.moto_url
