"""What the load test watches while it runs: CPU and memory of every process (/proc), the load
average, each job's backlog (SQS queue depth and due timers), and the broker's publish rates
(mosquitto's ``$SYS/broker/load/...`` topics, read with the cloud's certificate)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench.measure import cpu_seconds, process_named, rss_mb
from tests.load.mix import JOB_PERIODS_SECONDS

TIMER_SHARDS = 16  # chalicelib.adapters.timers.SHARDS
SYS_TOPICS = {
    "$SYS/broker/load/publish/received/1min": "publishReceivedPerMinute",
    "$SYS/broker/load/publish/sent/1min": "publishSentPerMinute",
    "$SYS/broker/clients/connected": "clientsConnected",
}


class Monitor:
    """Samples in a background thread until :meth:`stop`; everything is kept as time series of
    (seconds since the monitor started, value)."""

    def __init__(
        self,
        stack: Any,
        extra_processes: Callable[[], dict[str, list[int]]],
        *,
        interval: float = 5.0,
        backlog_interval: float = 20.0,
    ) -> None:
        self.stack = stack
        self.extra_processes = extra_processes
        self.interval = interval
        self.backlog_interval = backlog_interval
        self.started = time.monotonic()
        self.cpu: dict[str, list[tuple[float, float]]] = {}
        self.rss: dict[str, float] = {}
        self.load: list[tuple[float, float]] = []
        self.machine: list[tuple[float, float, float]] = []  # (at, busy s, all s) of every core
        self.backlog: dict[str, list[tuple[float, int]]] = {}
        self.broker: dict[str, list[tuple[float, float]]] = {}
        self._stop = threading.Event()
        self._samples = 0
        self._threads: list[threading.Thread] = []
        self._mqtt: Any = None
        self.timers_table = f"{stack.env['SHAREFRAME_PREFIX']}-timers"

    def now(self) -> float:
        return time.monotonic() - self.started

    def processes(self) -> dict[str, list[int]]:
        pids = dict(self.stack.pids)
        found: dict[str, list[int]] = {}
        for name, pid in pids.items():
            if name == "mqtt":
                broker = process_named(pid, "mosquitto -c")
                found["mqtt-gate"] = [pid]
                if broker is not None and broker != pid:
                    found["mosquitto"] = [broker]
            else:
                found[name] = [pid]
        found.update(self.extra_processes())
        return found

    def _sample_processes(self) -> None:
        at = self.now()
        for name, pids in self.processes().items():
            cpu = sum(cpu_seconds(pid) for pid in pids)
            self.cpu.setdefault(name, []).append((at, cpu))
            self.rss[name] = round(sum(rss_mb(pid) for pid in pids), 1)
        self.load.append((at, os.getloadavg()[0]))
        self.machine.append((at, *machine_cpu_seconds()))

    def _sample_backlog(self, sqs: Any, dynamodb: Any) -> None:
        at = self.now()
        for url in sqs.list_queues().get("QueueUrls", []):
            attributes = sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                ],
            )["Attributes"]
            depth = sum(int(v) for v in attributes.values())
            self.backlog.setdefault(f"queue {url.rsplit('/', 1)[-1]}", []).append((at, depth))
        now = datetime.now(UTC)
        day, cutoff = now.strftime("%Y-%m-%d"), now.strftime("%Y-%m-%dT%H:%M:%SZ")
        self._samples += 1
        for job in JOB_PERIODS_SECONDS:
            # Within a run only expiries fall due (the other jobs' timers are hours or days
            # ahead): those are counted every time, the rest every fourth sample (16 queries a job).
            if job != "expire_shares" and self._samples % 4 != 1:
                continue
            due = 0
            for shard in range(TIMER_SHARDS):
                due += dynamodb.query(
                    TableName=self.timers_table,
                    KeyConditionExpression="#b = :b AND #s <= :now",
                    ExpressionAttributeNames={"#b": "bucket", "#s": "sort"},
                    ExpressionAttributeValues={
                        ":b": {"S": f"{job}#{day}#{shard:02d}"},
                        ":now": {"S": cutoff + "~"},
                    },
                    Select="COUNT",
                )["Count"]
            self.backlog.setdefault(f"timers {job}", []).append((at, due))

    def backlog_now(self) -> int:
        """The latest total of queued messages and due timers (for the drain)."""
        return sum(series[-1][1] for series in self.backlog.values() if series)

    def _run_processes(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(Exception):
                self._sample_processes()

    def _run_backlog(self) -> None:
        sqs = self.stack.aws_client("sqs")
        dynamodb = self.stack.aws_client("dynamodb")
        while True:
            try:
                self._sample_backlog(sqs, dynamodb)
            except Exception as error:  # moto busy: the next sample will do
                self.backlog.setdefault("sampling errors", []).append((self.now(), 1))
                print(f"backlog sample failed: {error}", flush=True)
            if self._stop.wait(self.backlog_interval):
                return

    def _on_sys(self, client: Any, userdata: Any, message: Any) -> None:
        name = SYS_TOPICS.get(message.topic)
        if name is not None:
            with contextlib.suppress(ValueError):
                self.broker.setdefault(name, []).append((self.now(), float(message.payload)))

    def start(self) -> Monitor:
        from infra.localcloud.mqtt import connect_and_wait, make_client

        ca = self.stack.ca
        self._mqtt = make_client(
            "shareframe-cloud-load-monitor", ca.ca_cert, ca.cloud_cert, ca.cloud_key
        )
        self._mqtt.on_message = self._on_sys
        connect_and_wait(self._mqtt, self.stack.mqtt_host, self.stack.mqtt_port)
        self._mqtt.subscribe([(topic, 0) for topic in SYS_TOPICS])
        self._sample_processes()
        for target in (self._run_processes, self._run_backlog):
            thread = threading.Thread(target=target, daemon=True, name=target.__name__)
            thread.start()
            self._threads.append(thread)
        return self

    def sample_backlog_now(self) -> None:
        self._sample_backlog(self.stack.aws_client("sqs"), self.stack.aws_client("dynamodb"))

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)
        self._sample_processes()
        if self._mqtt is not None:
            self._mqtt.disconnect()
            self._mqtt.loop_stop()


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


def uptime() -> str:
    """``uptime``'s load averages (1, 5, 15 minutes) as text."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def driver_pids() -> list[int]:
    return [os.getpid()]


def read_json(path: Path) -> Any:
    import json

    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
