"""Send-to-screen latency on the local cloud, next to its floor; and the virtual frame's cost.

Run from the repository root:  .venv/bin/python tests/bench/bench_send_to_screen.py [--sends 100]

Latency: one always-connected virtual frame (min refresh 0 s). For each send, the clock starts
when the ``POST /shares`` response has arrived and stops when the frame's ``displayed`` receipt
arrives on its events topic (a subscriber with the cloud's certificate), and again when the API
reports the delivery as ``displayed`` (the receipt has gone through the event runtime and
DynamoDB). Sends are sequential; photos rotate over a set of 10.

Floor: on the same machine, one MQTT publish (boto3 iot-data, as the backend publishes) until a
subscriber receives it, plus one presigned GET of the same rendition file from S3 (moto).

Frame: RSS and CPU of the virtual frame process idle (20 s) and while it switches photos (the
sends above).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.measure import cpu_seconds, local_cloud, machine, rss_mb, summary_ms


def _photo(i: int) -> bytes:
    """A photo-like JPEG (gradients and grain), so renditions have a realistic size."""
    import io

    from PIL import Image, ImageChops

    size = (1600, 1067)
    base = Image.linear_gradient("L").resize(size).rotate(30 * i, expand=False)
    grain = Image.effect_noise(size, 40 + i)
    colour = Image.merge("RGB", (base, ImageChops.add(base, grain, 2.0), grain))
    out = io.BytesIO()
    colour.save(out, "JPEG", quality=88)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sends", type=int, default=100)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    args = parser.parse_args()

    import requests

    from infra.localcloud.mqtt import connect_and_wait, make_client
    from tests.e2e.journeys import Person, wait_for

    print(f"# send-to-screen latency · {machine()}")
    with local_cloud() as cloud:
        ana = Person(cloud, "bench@example.com").sign_up("Bench")
        process = cloud.start_frame("bench", min_refresh_seconds=0)
        frame_id = ana.pair(process, "Bench")["frameId"]
        ana.request("PATCH", f"/frames/{frame_id}", {"showStatus": False}, 200)
        wait_for(lambda: ana.request("GET", f"/frames/{frame_id}")["status"]["online"], 30)
        images = [ana.upload(_photo(i))["imageId"] for i in range(10)]

        receipts: dict[str, float] = {}
        arrived = threading.Condition()
        cloud_client = make_client(
            "bench-observer", cloud.ca_cert, cloud.cloud_cert, cloud.cloud_key
        )

        def on_message(client, userdata, message) -> None:  # type: ignore[no-untyped-def]
            now = time.perf_counter()
            try:
                event = json.loads(message.payload)
            except ValueError:
                return
            if message.topic.endswith("/events") and event.get("type") == "displayed":
                with arrived:
                    receipts.setdefault(event.get("shareId"), now)
                    arrived.notify_all()
            elif message.topic.startswith("shareframe/bench/floor/"):
                with arrived:
                    receipts.setdefault(message.topic, now)
                    arrived.notify_all()

        cloud_client.on_message = on_message
        connect_and_wait(cloud_client, cloud.mqtt_host, cloud.mqtt_port)
        cloud_client.subscribe(
            [(f"shareframe/frames/{frame_id}/events", 1), ("shareframe/bench/floor/#", 1)]
        )
        time.sleep(0.5)

        # Frame idle.
        pid = process.pid
        assert pid is not None
        time.sleep(2)
        cpu0, t0 = cpu_seconds(pid, tree=True), time.perf_counter()
        time.sleep(args.idle_seconds)
        idle_cpu = (cpu_seconds(pid, tree=True) - cpu0) / (time.perf_counter() - t0) * 100
        idle_rss = rss_mb(pid, tree=True)

        screen, recorded = [], []
        peak_rss = idle_rss
        cpu0, t0 = cpu_seconds(pid, tree=True), time.perf_counter()
        session = requests.Session()
        headers = {"Authorization": f"Bearer {ana.token}"}
        for i in range(args.sends):
            response = session.post(
                f"{cloud.api_url}/shares",
                json={"imageId": images[i % len(images)], "frameIds": [frame_id]},
                headers=headers,
                timeout=30,
            )
            sent = time.perf_counter()
            assert response.status_code == 201, response.text
            share_id = response.json()["shareId"]
            with arrived:
                if not arrived.wait_for(lambda s=share_id: s in receipts, timeout=30):
                    raise TimeoutError(f"no displayed receipt for send {i}")
            screen.append(receipts[share_id] - sent)
            while True:
                share = session.get(
                    f"{cloud.api_url}/shares/{share_id}", headers=headers, timeout=30
                )
                if share.json()["deliveries"][0]["state"] == "displayed":
                    recorded.append(time.perf_counter() - sent)
                    break
                time.sleep(0.005)
            peak_rss = max(peak_rss, rss_mb(pid, tree=True))
        busy_seconds = time.perf_counter() - t0
        busy_cpu = (cpu_seconds(pid, tree=True) - cpu0) / busy_seconds * 100

        # The floor: iot-data publish -> subscriber, and one presigned GET of a rendition.
        import boto3

        iot = boto3.client(
            "iot-data",
            endpoint_url=cloud.iot_data_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        publish = []
        for i in range(args.sends):
            name = f"shareframe/bench/floor/{i}"
            start = time.perf_counter()
            iot.publish(topic=name, qos=1, payload=json.dumps({"i": i}).encode())
            with arrived:
                if not arrived.wait_for(lambda n=name: n in receipts, timeout=10):
                    raise TimeoutError("floor publish not received")
            publish.append(receipts[name] - start)
        s3 = cloud.aws_client("s3")
        listed = s3.list_objects_v2(Bucket="shareframe-local-media", Prefix="renditions/")
        biggest = max(listed["Contents"], key=lambda o: o["Size"])
        key, size = biggest["Key"], biggest["Size"]
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": "shareframe-local-media", "Key": key}, ExpiresIn=600
        )
        fetch = []
        for _ in range(args.sends):
            start = time.perf_counter()
            body = requests.get(url, timeout=10).content
            fetch.append(time.perf_counter() - start)
            assert len(body) == size
        floor = [p + f for p, f in zip(sorted(publish), sorted(fetch), strict=True)]
        cloud_client.disconnect()

    print(f"sends: {args.sends} sequential, one always-connected virtual frame ({process.name})")
    print(f"POST /shares response -> displayed receipt on MQTT   {summary_ms(screen)}")
    print(f"POST /shares response -> API reports displayed       {summary_ms(recorded)}")
    print(f"floor: iot-data publish -> MQTT subscriber           {summary_ms(publish)}")
    print(f"floor: presigned GET of the rendition ({size} B)   {summary_ms(fetch)}")
    print(f"floor: publish + GET (sorted pairs)                  {summary_ms(floor)}")
    print("# virtual frame (process tree)")
    print(
        f"idle:      RSS {idle_rss:6.1f} MB   CPU {idle_cpu:5.1f} % of one core ({args.idle_seconds:.0f} s)"
    )
    print(
        f"switching: RSS peak {peak_rss:6.1f} MB   CPU {busy_cpu:5.1f} % of one core "
        f"({args.sends} photos in {busy_seconds:.1f} s, {args.sends / busy_seconds:.1f} per s)"
    )


if __name__ == "__main__":
    main()
