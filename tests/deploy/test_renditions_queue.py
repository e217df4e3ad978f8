"""The renditions queue (issue 16): declared with its dead-letter queue and alarms, consumed by
``render_deliveries`` with bounded concurrency, and a job outlives six worker timeouts."""

from __future__ import annotations

import json

from chalicelib.config import Settings
from chalicelib.events import rendition_queue
from infra.deploy.stages import CHALICEFILE, TEMPLATE


def test_the_renditions_queue_is_declared_dead_lettered_and_alarmed():
    resources = json.loads(TEMPLATE.read_text())["Resources"]
    queue = resources["RenditionsQueue"]["Properties"]
    settings = Settings.from_env({"SHAREFRAME_PREFIX": "p"})
    assert queue["QueueName"] == {"Fn::Sub": "${ResourcePrefix}-renditions"}
    assert settings.renditions_queue == "p-renditions"
    assert queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0] == (
        "RenditionsDeadLetterQueue"
    )
    alarmed = {
        alarm["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for alarm in resources.values()
        if alarm["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert {"RenditionsQueue", "RenditionsDeadLetterQueue"} <= alarmed
    config = json.loads(CHALICEFILE.read_text())
    for stage in ("dev", "prod"):
        timeout = config["stages"][stage]["lambda_functions"]["render_deliveries"]
        assert queue["VisibilityTimeout"] >= 6 * timeout["lambda_timeout"]  # AWS's advice
    assert 2 <= rendition_queue.RENDER_WORKERS <= 1000  # Lambda's MaximumConcurrency range
