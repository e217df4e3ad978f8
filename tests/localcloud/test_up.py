"""``python -m infra.localcloud up`` starts everything and Ctrl-C leaves nothing running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.stack import _alive
from tests.localcloud.conftest import FIXTURE_APP, make_settings

REPO = Path(__file__).parents[2]


def _processes_mentioning(needles: list[str]) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(n in cmdline for n in needles) and int(proc.name) != os.getpid():
            found.append(f"{proc.name}: {cmdline}")
    return found


@pytest.mark.e2e
def test_up_serves_everything_and_sigint_stops_every_process(tmp_path):
    settings = make_settings(tmp_path / "state", FIXTURE_APP)
    env = dict(os.environ)
    env.update(settings.process_env())
    env["FIXTURE_RECORD"] = str(tmp_path / "record.jsonl")
    log = (tmp_path / "up.log").open("wb")
    started = time.monotonic()
    up = subprocess.Popen(
        [sys.executable, "-m", "infra.localcloud", "up", "--frames", "1"],
        env=env,
        cwd=str(REPO),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack = settings.state_dir / "stack.json"
    try:
        while not stack.exists():
            assert up.poll() is None, (tmp_path / "up.log").read_text()
            assert time.monotonic() - started < 60, (tmp_path / "up.log").read_text()
            time.sleep(0.1)
        info = json.loads(stack.read_text())
        assert set(info["pids"]) == {"moto", "mqtt", "iot-data", "events", "api", "web", "frame1"}
        with urllib.request.urlopen(f"{settings.api_url}/") as response:
            assert json.load(response) == {"hello": "fixture"}
        with urllib.request.urlopen(f"{settings.web_url}/config.json") as response:
            assert json.load(response) == {"apiUrl": settings.api_url}
        with urllib.request.urlopen(f"{settings.moto_url}/moto-api/data.json") as response:
            assert response.status == 200
        output = (tmp_path / "up.log").read_text()
        assert settings.web_url in output and settings.frame_dashboard_url(0) in output
        assert "make mail" in output
        # Our processes' log lines are one JSON object each (honcho prefixes "time name | ").
        ours = ("mqtt", "iot-data", "events", "api", "web", "frame1")
        logged = [
            line.split(" | ", 1)[1]
            for line in output.splitlines()
            if " | " in line and line.split(" | ", 1)[0].split()[-1] in ours
        ]
        assert any('"logger": "mosquitto"' in line for line in logged), output
        assert any('"logger": "chalice.local"' in line for line in logged), output
        decoder = json.JSONDecoder()
        for line in logged:
            value, end = decoder.raw_decode(line)
            assert isinstance(value, dict) and end == len(line.rstrip()), line
    finally:
        os.kill(up.pid, signal.SIGINT)
        returncode = up.wait(30)
        log.close()
    pids = [int(p) for p in info["pids"].values()]
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in pids if _alive(p)] == []
    assert _processes_mentioning([str(settings.state_dir), f"-p {settings.moto_port}"]) == []
    assert returncode in (0, 130)
