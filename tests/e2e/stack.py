"""The local cloud as a test fixture: the same ``python -m infra.localcloud up`` as developers
run, on free ports and in a temporary state dir, plus helpers to drive it.

Used by ``tests/e2e/conftest.py`` (session fixture ``local_cloud``) and by tests/localcloud.
Works under pytest-xdist: every worker starts its own stack on its own ports.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from infra.localcloud.ca import CaFiles, issue_client_files
from infra.localcloud.frames import (
    DEFAULT_PANEL,
    firmware_root,
    frame_command,
    frame_pythonpath,
    release_key_path,
    write_frame_config,
)
from infra.localcloud.mqtt import connect_and_wait, make_client
from infra.localcloud.netwait import free_port, port_open
from infra.localcloud.settings import REPO_ROOT, Settings

START_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers signal 0; reap it if it is ours.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _kill_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _wait_gone(pids: list[int], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class FrameProcess:
    """One virtual frame process (``python -m shareframe_frame --virtual``)."""

    def __init__(
        self,
        name: str,
        config_path: Path,
        dashboard_port: int,
        env: dict[str, str],
        firmware_root: Path | None = None,
    ):
        self.name = name
        self.config_path = config_path
        # Set for an updatable frame: its releases live here and a runner restarts it.
        self.firmware_root = firmware_root
        self.dashboard_port = dashboard_port
        self.dashboard_url = f"http://127.0.0.1:{dashboard_port}"
        self.state_dir = config_path.parent / "state"
        self.log_path = config_path.parent / "frame.log"
        self._env = env
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def screen_png(self) -> Path:
        """Where the virtual display writes what the panel shows."""
        return self.state_dir / "screen.png"

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> FrameProcess:
        if self.running:
            return self
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            frame_command(self.config_path, self.firmware_root),
            env=self._env,
            cwd=str(REPO_ROOT),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def wait_dashboard(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", self.dashboard_port):
            if not self.running:
                raise RuntimeError(f"frame {self.name} exited:\n{self.log[-3000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"frame {self.name} dashboard not up:\n{self.log[-3000:]}")
            time.sleep(0.1)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (a clean shutdown: the frame may publish its offline status), then SIGKILL."""
        if self._process is None:
            return
        if self._process.poll() is None:
            _kill_group(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                _kill_group(self._process.pid, signal.SIGKILL)
                self._process.wait(5)
        _kill_group(self._process.pid, signal.SIGKILL)  # anything it left behind in its group

    def kill(self) -> None:
        """SIGKILL: like pulling the plug (the broker publishes the last will)."""
        if self._process is None:
            return
        _kill_group(self._process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(5)

    def restart(self) -> FrameProcess:
        self.stop()
        return self.start()


class LocalCloudStack:
    """A running local cloud. ``start()`` blocks until every service is ready."""

    def __init__(
        self,
        state_dir: Path,
        *,
        frames: int = 0,
        functions_dir: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.state_dir = state_dir.resolve()
        self.frames_at_start = frames
        self.functions_dir = (functions_dir or REPO_ROOT / "functions").resolve()
        self.extra_env = extra_env or {}
        self.frames: dict[str, FrameProcess] = {}
        self._clients: list[mqtt.Client] = []
        self._client_serial = 0
        self._process: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}
        self.log_path = self.state_dir / "up.log"
        self.settings: Settings | None = None

    # Lifecycle ---------------------------------------------------------------------------------
    def _settings(self) -> Settings:
        return Settings.from_env().on_free_ports(
            state_dir=self.state_dir, functions_dir=self.functions_dir
        )

    def start(self, attempts: int = 3) -> LocalCloudStack:
        for attempt in range(attempts):
            try:
                self._start_once()
                return self
            except PortsTaken:
                self.stop()
                if attempt == attempts - 1:
                    raise
        return self

    def _start_once(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.settings = settings = self._settings()
        env = settings.process_env()
        env.update(self.extra_env)
        (self.state_dir / "stack.json").unlink(missing_ok=True)
        log = self.log_path.open("ab")
        started = time.monotonic()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "infra.localcloud", "up", "--frames", str(self.frames_at_start)],
            env=env,
            cwd=str(REPO_ROOT),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        stack = self.state_dir / "stack.json"
        while not stack.exists():
            if self._process.poll() is not None:
                text = self.log
                if "ports already in use" in text[-2000:]:
                    raise PortsTaken(text[-500:])
                raise RuntimeError(f"local cloud exited while starting:\n{text[-6000:]}")
            if time.monotonic() - started > START_TIMEOUT:
                raise TimeoutError(
                    f"local cloud not ready in {START_TIMEOUT} s:\n{self.log[-6000:]}"
                )
            time.sleep(0.1)
        self.info = json.loads(stack.read_text())
        self.startup_seconds = time.monotonic() - started

    def stop(self) -> None:
        """Ctrl-C the supervisor, as a developer would; then make sure nothing is left."""
        for client in self._clients:
            with contextlib.suppress(Exception):
                client.disconnect()
                client.loop_stop()
        self._clients.clear()
        for frame in self.frames.values():
            frame.stop()
        if self._process is None:
            return
        pids = [int(p) for p in self.info.get("pids", {}).values()]
        if self._process.poll() is None:
            os.kill(self._process.pid, signal.SIGINT)
            try:
                self._process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _kill_group(self._process.pid, signal.SIGKILL)
                self._process.wait(5)
        if not _wait_gone(pids, 5):
            for pid in pids:
                _kill_group(pid, signal.SIGKILL)
            _wait_gone(pids, 5)
        self._process = None

    def __enter__(self) -> LocalCloudStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # What tests read ---------------------------------------------------------------------------
    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def pids(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.info.get("pids", {}).items()}

    @property
    def _s(self) -> Settings:
        assert self.settings is not None, "stack not started"
        return self.settings

    @property
    def api_url(self) -> str:
        return self._s.api_url

    @property
    def web_url(self) -> str:
        return self._s.web_url

    @property
    def moto_url(self) -> str:
        return self._s.moto_url

    @property
    def iot_data_url(self) -> str:
        return self._s.iot_data_url

    @property
    def mqtt_host(self) -> str:
        return self._s.host

    @property
    def mqtt_port(self) -> int:
        return self._s.mqtt_port

    @property
    def ca(self) -> CaFiles:
        return CaFiles(self._s.ca_dir)

    @property
    def ca_cert(self) -> Path:
        return self.ca.ca_cert

    @property
    def cloud_cert(self) -> Path:
        return self.ca.cloud_cert

    @property
    def cloud_key(self) -> Path:
        return self.ca.cloud_key

    @property
    def env(self) -> dict[str, str]:
        """The backend's environment (endpoints, stage variables, dummy credentials)."""
        return self._s.backend_env()

    # Helpers -----------------------------------------------------------------------------------
    def start_frame(
        self,
        name: str,
        panel: str = DEFAULT_PANEL,
        *,
        updatable: bool = True,
        **toml_overrides: Any,
    ) -> FrameProcess:
        """Write ``frames/<name>/frame.toml`` and start that virtual frame.

        ``updatable`` (the default, as with ``up``): the frame trusts the stack's release key
        and runs under the launcher from its own ``firmware_root``, restarted after an update
        or a crash; ``False`` runs ``python -m shareframe_frame`` straight from the repository.
        """
        if name in self.frames and self.frames[name].running:
            raise ValueError(f"frame {name} is already running")
        port = int(toml_overrides.pop("dashboard_port", free_port()))
        config = write_frame_config(
            self._s, name, port, panel=panel, updatable=updatable, **toml_overrides
        )
        env = self._s.process_env()
        root = None
        if updatable:
            root = firmware_root(self._s, name)
        else:
            env["PYTHONPATH"] = frame_pythonpath() + os.pathsep + env["PYTHONPATH"]
        frame = FrameProcess(name, config, port, env, root)
        self.frames[name] = frame
        return frame.start()

    @property
    def release_key(self) -> Path:
        """The stack's release signing key (created by ``up``/``start_frame``)."""
        return release_key_path(self._s)

    def release(self, *args: str, timeout: float = 60.0) -> Any:
        """Run ``python -m infra.release ARGS`` against this stack; its JSON output, parsed."""
        env = self._s.process_env()
        env["SHAREFRAME_RELEASE_KEY"] = str(self.release_key)
        done = subprocess.run(
            [sys.executable, "-m", "infra.release", *args],
            env=env,
            cwd=str(REPO_ROOT),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"infra.release {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout) if done.stdout.strip() else None

    def restart_broker(self, timeout: float = 15.0) -> None:
        """Restart mosquitto (clean shutdown, persistence kept) and wait until it listens."""
        counter = self._s.broker_dir / "restarts"
        before = int(counter.read_text() or 0)
        os.kill(self.pids["mqtt"], signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while int(counter.read_text() or 0) <= before:
            if time.monotonic() > deadline:
                raise TimeoutError("broker did not restart")
            time.sleep(0.05)

    def read_mail(self) -> list[dict[str, Any]]:
        """Mail moto's SES has "sent", oldest first: dicts with to, subject, body, from."""
        from infra.localcloud.__main__ import sent_mail

        return sent_mail(self.moto_url)

    def issue_client_cert(self, cn: str) -> tuple[Path, Path]:
        """A certificate and key for ``cn`` from the local device CA (like a paired frame's)."""
        return issue_client_files(self.ca, cn, self.state_dir / "clients")

    def mqtt_client(
        self, cn: str, client_id: str | None = None, *, clean_start: bool = True
    ) -> mqtt.Client:
        """A connected paho MQTT 5 client presenting a certificate with CN ``cn``.

        Like IoT Core, the broker accepts a frame's certificate only with the frame's own client
        id, so that is the default for a frame CN (a running frame with that id would be taken
        over: use a frame paired without a process). The cloud's CN gets a unique id. The
        network loop runs; the client is disconnected when the stack stops.
        """
        cert, key = self.issue_client_cert(cn)
        self._client_serial += 1
        if client_id is None:
            client_id = cn if cn.startswith("frm_") else f"{cn}-test-{self._client_serial}"
        client = make_client(client_id, self.ca_cert, cert, key)
        connect_and_wait(client, self.mqtt_host, self.mqtt_port, clean_start=clean_start)
        self._clients.append(client)
        return client

    def aws_client(self, service: str) -> Any:
        """A boto3 client for this stack's moto (S3 clients sign SigV4, as the backend's do)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            service,
            endpoint_url=self.moto_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(signature_version="s3v4") if service == "s3" else None,
        )

    def http_get(self, url: str, timeout: float = 10.0) -> bytes:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body: bytes = response.read()
            return body


class PortsTaken(RuntimeError):
    """A free port was taken by someone else before the stack bound it."""
