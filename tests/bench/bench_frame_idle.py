"""The virtual frame at rest: memory and CPU once it is paired, connected and showing a photo.

Run from the repository root::

    .venv/bin/python tests/bench/bench_frame_idle.py [--seconds 60] [--compare REV]

A real local cloud; a virtual frame (``python -m shareframe_frame --virtual``, no launcher)
paired through the API, sent one photo, then left alone. Over ``--seconds`` the resident memory
(VmRSS) of the frame process and of any child it has (the drawing child, while it lives) is
sampled every second, and their CPU time (utime + stime from /proc) is read at both ends. ``--compare REV`` runs a second frame from that git revision's
``device_firmware/`` in the same local cloud, sampled in the same seconds, so both see the same
machine load. Targets for a Raspberry Pi Zero 2 W class device (512 MB): RSS <= 40 MB, <= 1 % of
one core.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.measure import (  # noqa: E402
    children,
    cpu_seconds,
    local_cloud,
    machine,
    rss_mb,
)


def extract_firmware(revision: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", revision, "device_firmware"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "device_firmware"


def largest_mappings(pid: int, count: int) -> list[tuple[int, str]]:
    """The ``count`` largest resident mappings of ``pid``, summed by file ([heap], [anon], ...)."""
    sizes: dict[str, int] = {}
    name = "?"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if not head:
            continue
        if not head[0].endswith(
            ":"
        ):  # a mapping's first line: address perms offset dev inode [path]
            name = head[5] if len(head) > 5 else "[anon]"
        elif head[0] == "Rss:":
            sizes[name] = sizes.get(name, 0) + int(head[1])
    return sorted(((kb, n) for n, kb in sizes.items()), reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--compare", metavar="REV", help="also run the frame of this revision")
    parser.add_argument(
        "--arena-max",
        type=int,
        default=0,
        help="also run this tree's frame with MALLOC_ARENA_MAX=N (measured: no difference)",
    )
    parser.add_argument(
        "--maps",
        type=int,
        default=0,
        metavar="N",
        help="also print each frame's N largest mappings",
    )
    args = parser.parse_args()
    from infra.localcloud.frames import frame_pythonpath, write_frame_config
    from infra.localcloud.netwait import free_port
    from tests.bench.bench_send_to_screen import _photo
    from tests.e2e.journeys import Person, wait_for
    from tests.e2e.stack import FrameProcess

    print(f"# frame at rest · {machine()}")
    with (
        tempfile.TemporaryDirectory(prefix="shareframe-firmware-") as scratch,
        local_cloud() as cloud,
    ):
        code = {"this tree": (frame_pythonpath(), {})}
        if args.compare:
            old = str(extract_firmware(args.compare, Path(scratch)))
            code = {args.compare: (old, {}), **code}
        if args.arena_max:
            arena = {"MALLOC_ARENA_MAX": str(args.arena_max)}
            code[f"tree+arena{args.arena_max}"] = (frame_pythonpath(), arena)
        ana = Person(cloud, "idle@example.com").sign_up("Idle")
        image_id = ana.upload(_photo(1))["imageId"]
        frames: dict[str, FrameProcess] = {}
        for i, (label, (pythonpath, extra_env)) in enumerate(code.items()):
            port = free_port()
            settings = cloud._s
            config = write_frame_config(settings, f"idle{i}", port)
            env = settings.process_env()
            env["PYTHONPATH"] = pythonpath + os.pathsep + env["PYTHONPATH"]
            env.update(extra_env)
            frame = FrameProcess(f"idle{i}", config, port, env).start()
            frame_id = ana.pair(frame, f"Idle {i}")["frameId"]
            wait_for(lambda f=frame_id: ana.request("GET", f"/frames/{f}")["status"]["online"], 60)
            ana.request("POST", "/shares", {"imageId": image_id, "frameIds": [frame_id]}, 201)
            screen = frame.state_dir / "screen.json"
            wait_for(lambda s=screen: s.exists() and '"photo"' in s.read_text(), 90)
            frames[label] = frame
        time.sleep(5)  # let the refresh and its receipts settle
        pids = {label: frame.pid for label, frame in frames.items()}
        samples: dict[str, list[float]] = {label: [] for label in frames}
        with_child = dict.fromkeys(frames, 0)  # samples taken while a drawing child lived
        cpu = {label: cpu_seconds(pid, tree=True) for label, pid in pids.items() if pid}
        started = time.monotonic()
        while time.monotonic() - started < args.seconds:
            for label, pid in pids.items():
                samples[label].append(rss_mb(pid or 0, tree=True))
                with_child[label] += bool(children(pid or 0))
            time.sleep(1)
        elapsed = time.monotonic() - started
        print(f"load average {os.getloadavg()[0]:.1f} at the end; {elapsed:.0f} s at rest")
        for label, pid in pids.items():
            used = (cpu_seconds(pid or 0, tree=True) - cpu[label]) / elapsed * 100
            rss = samples[label]
            print(
                f"frame of {label:>12}: RSS median {statistics.median(rss):5.1f} MB, "
                f"max {max(rss):5.1f} MB; CPU {used:.2f} % of one core "
                f"(with its children; a child alive in {with_child[label]} of {len(rss)} samples)"
            )
            if args.maps and pid:
                for kb, name in largest_mappings(pid, args.maps):
                    print(f"    {kb / 1024:5.1f} MB  {name}")


if __name__ == "__main__":
    main()
