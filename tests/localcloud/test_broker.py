"""The real mosquitto with the local cloud's configuration behaves like the frame IoT policy."""

from __future__ import annotations

import ssl

import pytest

from infra.localcloud.mosquitto import MAX_PACKET_SIZE
from tests.localcloud.conftest import Inbox, subscribe

A, B = "frm_A0000000000000000000000001", "frm_B0000000000000000000000002"


def desired(frame: str) -> str:
    return f"shareframe/frames/{frame}/desired"


def test_a_frame_can_subscribe_to_its_own_desired_topic(broker):
    client = broker.client(A)
    assert subscribe(client, desired(A)) == [1]


def test_a_frame_receives_nothing_from_another_frames_topics(broker):
    # mosquitto 2.0's acl_file grants the SUBACK and then filters every delivery by the read
    # ACL: the frame never sees a byte of another frame's topics, even with wildcards.
    spy = broker.client(A)
    inbox = Inbox(spy)
    for topic in (desired(B), f"shareframe/frames/{B}/status", "shareframe/#", "#"):
        subscribe(spy, topic)
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
