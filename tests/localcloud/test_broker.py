"""The real mosquitto with the local cloud's configuration behaves like the frame IoT policy."""

from __future__ import annotations

import ssl
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from infra.localcloud.mosquitto import MAX_PACKET_SIZE
from tests.localcloud.conftest import Inbox, subscribe

A, B = "frm_A0000000000000000000000001", "frm_B0000000000000000000000002"


def desired(frame: str) -> str:
    return f"shareframe/frames/{frame}/desired"


def test_a_frame_can_subscribe_to_its_own_desired_topic(broker):
    client = broker.client(A)
    assert subscribe(client, desired(A)) == [1]


def test_a_frame_receives_nothing_from_another_frames_topics(broker):
    # Like IoT Core, every subscription outside the frame's own desired topic is refused
    # (0x87 in MQTT 5), wildcards included; its own is granted and delivered.
    spy = broker.client(A)
    inbox = Inbox(spy)
    for topic in (desired(B), f"shareframe/frames/{B}/status", "shareframe/#", "#"):
        assert subscribe(spy, topic) == [0x87]
    assert subscribe(spy, desired(A)) == [1]
    cloud = broker.client("shareframe-cloud")
    cloud.publish(desired(B), b'{"version": 1}', qos=1, retain=True).wait_for_publish(5)
    broker.client(B).publish(
        f"shareframe/frames/{B}/status", b'{"online": true}', qos=1
    ).wait_for_publish(5)
    cloud.publish(desired(A), b'{"mine": true}', qos=1).wait_for_publish(5)
    messages = inbox.wait_for(2, timeout=1.5)
    assert {m.topic for m in messages} == {desired(A)}


def test_a_late_subscriber_gets_no_retained_message_of_another_frame(broker):
    cloud = broker.client("shareframe-cloud")
    cloud.publish(desired(B), b'{"version": 3}', qos=1, retain=True).wait_for_publish(5)
    spy = broker.client(A)
    inbox = Inbox(spy)
    subscribe(spy, desired(B))
    subscribe(spy, "shareframe/frames/+/desired")
    assert inbox.wait_for(1, timeout=1.0) == []


def test_a_frame_publishes_only_on_its_own_status_and_events(broker):
    cloud = broker.client("shareframe-cloud")
    inbox = Inbox(cloud)
    assert subscribe(cloud, "shareframe/#") == [1]
    frame = broker.client(A)
    frame.publish(f"shareframe/frames/{B}/status", b'{"online": true}', qos=1).wait_for_publish(5)
    frame.publish(f"shareframe/frames/{B}/events", b'{"type": "x"}', qos=1).wait_for_publish(5)
    frame.publish(desired(A), b'{"forged": true}', qos=1).wait_for_publish(5)
    frame.publish(f"shareframe/frames/{A}/status", b'{"online": true}', qos=1).wait_for_publish(5)
    frame.publish(f"shareframe/frames/{A}/events", b'{"type": "y"}', qos=1).wait_for_publish(5)
    messages = inbox.wait_for(2)
    assert sorted(m.topic for m in messages) == [
        f"shareframe/frames/{A}/events",
        f"shareframe/frames/{A}/status",
    ]


def test_a_frame_does_not_receive_another_frames_desired_state(broker):
    frame_b = broker.client(B)
    inbox_b = Inbox(frame_b)
    assert subscribe(frame_b, desired(B)) == [1]
    frame_a = broker.client(A)
    frame_a.publish(desired(B), b'{"evil": 1}', qos=1).wait_for_publish(5)
    cloud = broker.client("shareframe-cloud")
    cloud.publish(desired(B), b'{"version": 1}', qos=1).wait_for_publish(5)
    messages = inbox_b.wait_for(2, timeout=1.5)
    assert [m.payload for m in messages] == [b'{"version": 1}']


def test_a_refused_filter_in_a_mixed_subscribe_gets_its_own_failure_code(broker):
    spy = broker.client(A)
    done: list[list[int]] = []
    spy.on_subscribe = lambda c, u, mid, codes, props: done.append([rc.value for rc in codes])
    spy.subscribe([("#", 1), (desired(A), 1), (desired(B), 0)])
    deadline = time.monotonic() + 5
    while not done and time.monotonic() < deadline:
        time.sleep(0.05)
    assert done == [[0x87, 1, 0x87]]


def test_an_mqtt_3_client_gets_the_3_1_1_failure_code(broker):
    from infra.localcloud.ca import issue_client_files

    cert, key = issue_client_files(broker.ca, A, broker.settings.state_dir / "clients")
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=A, protocol=mqtt.MQTTv311
    )
    context = ssl.create_default_context(cafile=str(broker.ca.ca_cert))
    context.load_cert_chain(str(cert), str(key))
    client.tls_set_context(context)
    broker.clients.append(client)
    connect_and_wait_v311(client, broker.port)
    assert subscribe(client, desired(B)) == [0x80]
    assert subscribe(client, desired(A)) == [1]


def connect_and_wait_v311(client: mqtt.Client, port: int) -> None:
    connected = threading.Event()
    client.on_connect = lambda c, u, flags, reason, props: connected.set()
    client.connect("127.0.0.1", port, keepalive=30)
    client.loop_start()
    assert connected.wait(5)


def test_a_certificate_cannot_take_another_frames_client_id(broker):
    """Frame A's certificate asking for B's client id is refused; B stays connected."""
    frame_b = broker.client(B)
    inbox_b = Inbox(frame_b)
    assert subscribe(frame_b, desired(B)) == [1]
    with pytest.raises(ConnectionError, match="Not authorized"):
        broker.client(A, client_id=B)
    with pytest.raises(ConnectionError, match="Not authorized"):
        broker.client(A, client_id=f"{A}-second")
    cloud = broker.client("shareframe-cloud")
    cloud.publish(desired(B), b'{"version": 2}', qos=1).wait_for_publish(5)
    assert [m.payload for m in inbox_b.wait_for(1)] == [b'{"version": 2}']
    assert frame_b.is_connected()


def test_a_frame_may_retain_only_on_its_own_status(broker):
    cloud = broker.client("shareframe-cloud")
    inbox = Inbox(cloud)
    assert subscribe(cloud, "shareframe/#") == [1]
    frame = broker.client(A)
    frame.publish(f"shareframe/frames/{A}/status", b'{"online": true}', qos=1, retain=True)
    assert [m.topic for m in inbox.wait_for(1)] == [f"shareframe/frames/{A}/status"]
    frame.publish(f"shareframe/frames/{A}/events", b'{"type": "x"}', qos=1, retain=True)
    deadline = time.monotonic() + 5
    while frame.is_connected() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not frame.is_connected()  # IoT Core ends a connection that breaks its policy
    late = broker.client("shareframe-cloud")
    late_inbox = Inbox(late)
    subscribe(late, f"shareframe/frames/{A}/events")
    assert late_inbox.wait_for(1, timeout=1.0) == []


def test_a_client_without_a_certificate_is_refused(broker):
    with pytest.raises((ssl.SSLError, OSError, ConnectionError, TimeoutError)):
        broker.client(None)


def test_a_certificate_from_another_ca_is_refused(broker, tmp_path):
    from infra.localcloud.ca import ensure_ca, issue_client_files
    from infra.localcloud.mqtt import connect_and_wait, make_client

    other = ensure_ca(tmp_path / "other-ca")
    cert, key = issue_client_files(other, A, tmp_path / "other-clients")
    client = make_client("intruder", broker.ca.ca_cert, cert, key)
    broker.clients.append(client)
    with pytest.raises((ssl.SSLError, OSError, ConnectionError, TimeoutError)):
        connect_and_wait(client, "127.0.0.1", broker.port, timeout=3)


def test_messages_over_128_kb_are_refused_and_smaller_ones_delivered(broker):
    frame = broker.client(A)
    inbox = Inbox(frame)
    assert subscribe(frame, desired(A)) == [1]
    publisher = broker.client("shareframe-cloud")
    publisher.publish(desired(A), b"x" * (100 * 1024), qos=1).wait_for_publish(5)
    assert len(inbox.wait_for(1)) == 1
    publisher.publish(desired(A), b"y" * (MAX_PACKET_SIZE + 1), qos=1)
    messages = inbox.wait_for(2, timeout=2)
    assert [len(m.payload) for m in messages] == [100 * 1024]


def test_a_retained_desired_state_survives_a_broker_restart(broker):
    cloud = broker.client("shareframe-cloud")
    cloud.publish(desired(A), b'{"version": 7}', qos=1, retain=True).wait_for_publish(5)
    cloud.disconnect()
    cloud.loop_stop()
    broker.restart()
    frame = broker.client(A)
    inbox = Inbox(frame)
    subscribe(frame, desired(A))
    messages = inbox.wait_for(1)
    assert [(m.payload, m.retain) for m in messages] == [(b'{"version": 7}', True)]


def test_garbage_instead_of_an_mqtt_connect_ends_only_that_connection(broker):
    from infra.localcloud.ca import issue_client_files

    cert, key = issue_client_files(broker.ca, A, broker.settings.state_dir / "clients")
    context = ssl.create_default_context(cafile=str(broker.ca.ca_cert))
    context.load_cert_chain(str(cert), str(key))
    import contextlib
    import socket

    for junk in (
        b"\x10\x06\x00\x04XXXX",  # not MQTT
        b"\x10\x07\x00\x04MQTT\x05",  # a CONNECT cut short
        b"\x10\xff\xff\xff\xff\x7f",  # a malformed length
        b"\x82\x02\x00\x01",  # SUBSCRIBE before CONNECT
    ):
        with (
            socket.create_connection(("127.0.0.1", broker.port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            tls.sendall(junk)
            tls.settimeout(5)
            with contextlib.suppress(ConnectionResetError, ssl.SSLError):
                assert tls.recv(10) == b""  # closed without an answer
    assert subscribe(broker.client(A), desired(A)) == [1]  # the gate still serves
