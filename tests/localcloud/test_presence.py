"""mosquitto's log lines (as 2.0 writes them, seen on this machine) become IoT Core's events."""

from infra.localcloud.presence import Lifecycle, PresenceEmitter, parse_log_line


def test_connects_and_every_kind_of_disconnect_are_recognised():
    lines = {
        "1795971729: New client connected from 127.0.0.1:59671 as frm_a (p5, c1, k60).": (
            "connected",
            None,
        ),
        "1795971729: Client frm_a disconnected.": ("disconnected", "CLIENT_INITIATED_DISCONNECT"),
        "1795971738: Client frm_a closed its connection.": ("disconnected", "CONNECTION_LOST"),
        "1795971738: Client frm_a has exceeded timeout, disconnecting.": (
            "disconnected",
            "MQTT_KEEP_ALIVE_TIMEOUT",
        ),
        "1795971738: Socket error on client frm_a, disconnecting.": (
            "disconnected",
            "CONNECTION_LOST",
        ),
    }
    for line, (kind, reason) in lines.items():
        event = parse_log_line(line)
        assert event is not None, line
        assert (event.client_id, event.event_type, event.disconnect_reason) == (
            "frm_a",
            kind,
            reason,
        )
    assert parse_log_line("1795971738: Opening ipv4 listen socket on port 8883.") is None
    assert parse_log_line("1795971738: Client frm_a negotiated TLSv1.3.") is None


def test_events_carry_iot_cores_fields_and_increasing_timestamps(settings, ca):
    emitter = PresenceEmitter(settings, ca)
    topic, up = emitter.event_message(Lifecycle("frm_a", "connected", ip_address="127.0.0.1"))
    assert topic == "$aws/events/presence/connected/frm_a"
    assert {"clientId", "timestamp", "eventType", "sessionIdentifier", "versionNumber"} <= set(up)
    topic, down = emitter.event_message(
        Lifecycle("frm_a", "disconnected", disconnect_reason="CONNECTION_LOST")
    )
    assert topic == "$aws/events/presence/disconnected/frm_a"
    assert down["timestamp"] > up["timestamp"]
    assert down["clientInitiatedDisconnect"] is False
    assert down["disconnectReason"] == "CONNECTION_LOST"
