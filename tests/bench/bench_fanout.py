"""Fan-out: N frames connected at once, a change for all of them, time until the last has it.

Run from the repository root:  .venv/bin/python tests/bench/bench_fanout.py [--frames 500]

The frames are a lightweight simulator: one paho MQTT 5 client per frame, with a certificate
from the local device CA whose CN is the frame id (as a paired frame's), each subscribed to its
own desired topic only (the broker's per-frame ACL applies). paho's network loop uses select(),
which cannot watch descriptors above 1024, so one process holds at most ~330 clients: the
simulator runs in processes of --per-process clients each.

The change is a desired-state-sized retained message (~3 KB) published for every frame by the
backend's own code: ``frame_channel.publish_desired`` on the backend's iot-data client, from
``rollouts.FANOUT_WORKERS`` threads, in the backend's environment (``Settings.backend_env``).
Reported: time to connect them all, the publish duration, the time from the first publish until
the last frame has its message, and the RSS of the broker and of the simulator processes.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.measure import local_cloud, machine, process_named, rss_mb, summary_ms


def simulate(
    frames: list[tuple[str, str, str]], ca: str, host: str, port: int, pipe: Connection
) -> None:
    """One simulator process: connect its frames, then report when each round has reached all."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from infra.localcloud.mqtt import connect_and_wait, make_client

    received: dict[str, int] = {}
    last: list[float] = [0.0]
    lock = threading.Lock()

    def on_message(client, userdata, message) -> None:  # type: ignore[no-untyped-def]
        now = time.monotonic()
        try:
            version = int(json.loads(message.payload)["version"])
        except (ValueError, KeyError, TypeError):
            return
        with lock:
            if received.get(message.topic, -1) < version:
                received[message.topic] = version
                last[0] = max(last[0], now)

    clients = []
    for frame_id, cert, key in frames:
        client = make_client(frame_id, Path(ca), Path(cert), Path(key))
        client.on_message = on_message
        try:
            connect_and_wait(client, host, port, timeout=30)
        except (TimeoutError, ConnectionError, OSError) as err:
            pipe.send(("error", f"{len(clients)} connected, then {type(err).__name__}: {err}"))
            break
        client.subscribe(f"shareframe/frames/{frame_id}/desired", qos=1)
        clients.append(client)
    pipe.send(("ready", len(clients), rss_mb(os.getpid())))
    while True:
        message = pipe.recv()
        if message[0] == "stop":
            break
        version, timeout = message[1], message[2]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with lock:
                done = sum(1 for v in received.values() if v >= version)
            if done >= len(clients):
                break
            time.sleep(0.01)
        with lock:
            pipe.send(("done", done, last[0], rss_mb(os.getpid())))
    for client in clients:
        client.disconnect()
        client.loop_stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=500)
    parser.add_argument("--per-process", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    print(f"# fan-out · {machine()}")
    with local_cloud() as cloud:
        # The backend's environment before its modules (and botocore) are imported.
        os.environ.update(cloud.env)
        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functions"))
        from chalicelib.adapters.frame_channel import publish_desired
        from chalicelib.services.rollouts import FANOUT_WORKERS

        ids = [f"frm_BENCH{i:021d}" for i in range(args.frames)]
        started = time.monotonic()
        certs = [(i, *map(str, cloud.issue_client_cert(i))) for i in ids]
        issued = time.monotonic() - started
        context = multiprocessing.get_context("spawn")
        workers = []
        started = time.monotonic()
        for offset in range(0, len(certs), args.per_process):
            parent, child = context.Pipe()
            chunk = certs[offset : offset + args.per_process]
            process = context.Process(
                target=simulate,
                args=(chunk, str(cloud.ca_cert), cloud.mqtt_host, cloud.mqtt_port, child),
                daemon=True,
            )
            process.start()
            workers.append((process, parent))
        connected, sim_rss = 0, 0.0
        for _, pipe in workers:
            reply = pipe.recv()
            if reply[0] == "error":
                print(f"a simulator process stopped early: {reply[1]}")
                reply = pipe.recv()
            connected += reply[1]
            sim_rss += reply[2]
        connect_seconds = time.monotonic() - started
        time.sleep(2)  # subscriptions settle
        broker = process_named(cloud.pids["mqtt"], "mosquitto -c") or cloud.pids["mqtt"]
        broker_rss = rss_mb(broker)
        item = {"shareId": "shr_" + "x" * 26, "url": "u" * 400, "sha256": "0" * 64}
        publish_desired(ids[0], {"version": 0, "items": []})  # the client made, as a warm Lambda's
        totals, publishes, reached = [], [], []
        for round_ in range(args.rounds):
            message = {"version": round_ + 1, "items": [item] * 6}
            start = time.monotonic()
            with ThreadPoolExecutor(FANOUT_WORKERS) as pool:
                list(pool.map(lambda f, m=message: publish_desired(f, m), ids))
            publishes.append(time.monotonic() - start)
            for _, pipe in workers:
                pipe.send(("round", round_ + 1, 120.0))
            replies = [pipe.recv() for _, pipe in workers]
            reached.append(sum(r[1] for r in replies))
            totals.append(max(r[2] for r in replies) - start)
            sim_peak = sum(r[3] for r in replies)
        peak_broker = rss_mb(broker)
        for process, pipe in workers:
            pipe.send(("stop",))
            process.join(10)

    n = connected
    print(
        f"frames connected at once: {n} of {args.frames} in {len(workers)} simulator processes "
        f"(certificates issued in {issued:.1f} s, connected in {connect_seconds:.1f} s)"
    )
    print(f"frames that got each change: {reached}")
    print(
        f"publish of {args.frames} desired states via iot-data ({FANOUT_WORKERS} threads): "
        f"{summary_ms(publishes)}"
    )
    print(f"first publish -> last frame has it:                     {summary_ms(totals)}")
    print(
        f"broker (mosquitto) RSS: {broker_rss:.1f} MB connected, {peak_broker:.1f} MB with the "
        f"retained states ({peak_broker * 1024 / max(n, 1):.0f} KB per frame)"
    )
    print(
        f"simulator RSS: {sim_rss:.1f} MB connected, {sim_peak:.1f} MB after the rounds "
        f"({sim_peak * 1024 / max(n, 1):.0f} KB per simulated frame, Python included)"
    )


if __name__ == "__main__":
    main()
