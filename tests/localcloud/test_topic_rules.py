"""Topic rules are read from infra/template.json and evaluated like IoT Core's SQL."""

from __future__ import annotations

import json

import pytest

from infra.localcloud.template import load_local_template
from infra.localcloud.topic_rules import RuleSqlError, TopicRule, load_rules, parse_sql
from tests.localcloud.conftest import make_settings


def rule(sql: str) -> TopicRule:
    topic_filter, selections, where = parse_sql(sql)
    return TopicRule("R", "r", topic_filter, selections, where, ["Target"])


def test_the_templates_rules_target_the_chalice_lambda_functions(tmp_path):
    rules = load_rules(load_local_template(make_settings(tmp_path)))
    by_filter = {r.topic_filter: r for r in rules}
    assert by_filter["shareframe/frames/+/events"].lambda_targets == ["FrameEvents"]
    assert by_filter["shareframe/frames/+/status"].lambda_targets == ["FrameStatus"]
    assert by_filter["shareframe/frames/+/events"].name == "shareframe_local_frame_events"


def test_select_star_merges_the_payload_with_topic_and_timestamp_fields():
    r = rule("SELECT *, topic(3) AS frameId, timestamp() AS ts, topic() AS t FROM 'a/b/+/c'")
    assert r.matches_topic("a/b/F1/c") and not r.matches_topic("a/b/F1/d")
    event = r.evaluate("a/b/F1/c", json.dumps({"type": "x", "n": 1}).encode(), now_ms=42)
    assert event == {"type": "x", "n": 1, "frameId": "F1", "ts": 42, "t": "a/b/F1/c"}


def test_selected_fields_and_nested_fields():
    r = rule("SELECT type, detail.reason AS why FROM 'a/#'")
    assert r.evaluate("a/x", b'{"type": "e", "detail": {"reason": "r"}, "z": 1}') == {
        "type": "e",
        "why": "r",
    }


def test_where_filters_messages():
    r = rule("SELECT * FROM 'a/+' WHERE type = 'displayed' AND n >= 2")
    assert r.where_holds("a/1", b'{"type": "displayed", "n": 2}')
    assert not r.where_holds("a/1", b'{"type": "displayed", "n": 1}')
    assert not r.where_holds("a/1", b'{"type": "other", "n": 5}')


def test_a_payload_cannot_name_the_frame_it_reports_for(tmp_path):
    """The frame id comes from the topic (the broker checked it); a payload carrying its own
    frameId, e.g. frame A's status claiming to be frame B's, never reaches the backend."""
    rules = load_rules(load_local_template(make_settings(tmp_path)))
    for r in rules:
        if not r.topic_filter.startswith("shareframe/frames/+/"):
            continue
        topic = r.topic_filter.replace("+", "frm_A")
        honest = json.dumps({"type": "resync", "online": True}).encode()
        forged = json.dumps({"type": "resync", "online": True, "frameId": "frm_B"}).encode()
        assert r.where_holds(topic, honest) and r.evaluate(topic, honest)["frameId"] == "frm_A"
        assert not r.where_holds(topic, forged), r.name


def test_payloads_that_are_not_json_objects_are_errors():
    r = rule("SELECT * FROM 'a/+'")
    with pytest.raises(ValueError):
        r.evaluate("a/1", b"\x00binary")
    with pytest.raises(ValueError):
        r.evaluate("a/1", b"[1, 2]")


def test_unsupported_sql_is_refused():
    with pytest.raises(RuleSqlError):
        parse_sql("SELECT * FROM topic")
    with pytest.raises(RuleSqlError):
        rule("SELECT clientid() AS c FROM 'a/+'").evaluate("a/1", b"{}")
