"""The local cloud's updatable virtual frames: firmware root layout and the restarting runner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from infra.localcloud import frame_runner
from infra.localcloud.frames import frame_command, write_frame_config
from infra.localcloud.settings import REPO_ROOT, Settings
from infra.release import signing


def settings(tmp_path: Path) -> Settings:
    base = Settings.from_env()
    return Settings(
        state_dir=tmp_path / "state",
        functions_dir=base.functions_dir,
        web_dist=base.web_dist,
        template_path=base.template_path,
        moto_port=1,
        mqtt_port=2,
        iot_data_port=3,
        api_port=4,
        web_port=5,
        frame_dashboard_port=6,
    )


def test_an_updatable_frame_trusts_the_local_release_key(tmp_path):
    s = settings(tmp_path)
    config = write_frame_config(s, "frame1", 8081, updatable=True).read_text()
    key = signing.load(s.state_dir / "release" / "signing.key")
    assert f'firmware_public_key = "{signing.public_key_text(key)}"' in config
    assert f'firmware_root = "{s.frames_dir / "frame1" / "firmware"}"' in config
    # The key is made once: a second frame trusts the same one.
    assert (
        signing.public_key_text(key)
        in write_frame_config(s, "frame2", 8082, updatable=True).read_text()
    )
    plain = write_frame_config(s, "frame3", 8083).read_text()
    assert "firmware_root" not in plain
    assert frame_command(Path("c.toml"))[1:3] == ["-m", "shareframe_frame"]
    assert frame_command(Path("c.toml"), Path("/r"))[1:3] == ["-m", "infra.localcloud.frame_runner"]


def test_the_firmware_root_looks_like_a_pi_and_an_installed_release_is_kept(tmp_path):
    root = tmp_path / "firmware"
    frame_runner.prepare_firmware_root(root)
    version = frame_runner.source_version()
    assert (root / "current").readlink() == Path("versions") / version
    assert (root / "versions" / version / "shareframe_frame" / "__main__.py").is_file()
    assert not list(root.rglob("__pycache__"))
    assert (root / "launcher.py").read_text() == (frame_runner.SOURCE / "launcher.py").read_text()
    # Once the frame installed a release, a restart leaves it alone.
    (root / "versions" / "9.0.0" / "shareframe_frame").mkdir(parents=True)
    (root / "current").unlink()
    (root / "current").symlink_to("versions/9.0.0")
    frame_runner.prepare_firmware_root(root)
    assert (root / "current").resolve().name == "9.0.0"


def test_the_runner_restarts_the_frame_after_exit_75_and_stops_on_sigterm(tmp_path):
    source = tmp_path / "src" / "shareframe_frame"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text('__version__ = "0.0.9"\n')
    (source / "launcher.py").write_text((frame_runner.SOURCE / "launcher.py").read_text())
    runs = tmp_path / "runs"
    (source / "__main__.py").write_text(
        "import pathlib, sys, time\n"
        f"p = pathlib.Path({str(runs)!r})\n"
        "n = len(p.read_text().splitlines()) if p.exists() else 0\n"
        "p.write_text('run\\n' * (n + 1))\n"
        "if n == 0:\n    sys.exit(75)\n"
        "while True:\n    time.sleep(0.1)\n"
    )
    root = tmp_path / "firmware"
    frame_runner.prepare_firmware_root(root, source)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    runner = subprocess.Popen(
        [sys.executable, "-m", "infra.localcloud.frame_runner", "--root", str(root),
         "--config", str(tmp_path / "none.toml")],
        env=env,
        cwd=str(REPO_ROOT),
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while not (runs.exists() and len(runs.read_text().splitlines()) == 2):
        assert time.monotonic() < deadline, runner.stderr
        time.sleep(0.05)
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(15) == 0
    assert '"code": 75' in runner.stderr.read()
    assert len(runs.read_text().splitlines()) == 2


def test_the_frame_does_not_import_the_repository_copy(monkeypatch):
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(REPO_ROOT / "device_firmware"), str(REPO_ROOT)])
    )
    assert frame_runner.child_env()["PYTHONPATH"] == str(REPO_ROOT)


def test_env_points_the_release_tool_at_the_local_key(tmp_path):
    env = dict(os.environ, SHAREFRAME_STATE_DIR=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-m", "infra.localcloud", "env"],
        env=env,
        cwd=str(REPO_ROOT),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"export SHAREFRAME_RELEASE_KEY={tmp_path}/release/signing.key" in out
