"""``python -m infra.localcloud up``: the whole local cloud under one honcho Manager.

honcho stops every process when one exits, so provisioning is not a short-lived process of its
own: it runs in a thread of this supervisor once moto listens (the supervisor is the one process
that lives exactly as long as the stack). The same thread then waits for every service and
prints the URLs. Ctrl-C (SIGINT) or SIGTERM makes honcho stop all children (each in its own
process group; SIGKILL after 5 s).
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from honcho.manager import Manager

from infra.localcloud import atomic, banner, event_runtime, mosquitto
from infra.localcloud.ca import CaFiles, ensure_ca
from infra.localcloud.frames import (
    ensure_release_key,
    firmware_root,
    frame_command,
    release_key_path,
    write_frame_config,
)
from infra.localcloud.netwait import port_open, wait_for_port
from infra.localcloud.provision import provision
from infra.localcloud.settings import DEFAULT_PORTS, REPO_ROOT, Settings

READY_TIMEOUT = 90.0


def provisioned_file(settings: Settings) -> Path:
    """Written once moto holds every resource of the template: the API starts only then."""
    return settings.state_dir / "provisioned"


def run_api_when_provisioned(settings: Settings, timeout: float = READY_TIMEOUT) -> int:
    """Become ``chalice local`` once provisioning is done (internal command ``api``).

    The API must not answer before its tables exist: the first pairing request of a frame
    started alongside it would get a 500. Until then the port is closed, which every client
    already treats as "try again".
    """
    deadline = time.monotonic() + timeout
    while not provisioned_file(settings).exists():
        if time.monotonic() > deadline:
            print("the API gave up waiting for provisioning", file=sys.stderr, flush=True)
            return 1
        time.sleep(0.1)
    from infra.localcloud.api_server import serve

    serve(settings)
    return 0


def stack_file(settings: Settings) -> Path:
    """Written once everything listens: URLs and process ids (tests and scripts read it)."""
    return settings.state_dir / "stack.json"


def _bin(name: str) -> str:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found (is the virtualenv installed?)")
    return found


def _module(*args: str) -> str:
    return "exec " + shlex.join([sys.executable, "-m", "infra.localcloud", *args])


class LocalCloud(Manager):  # type: ignore[misc]
    """honcho's Manager plus a bootstrap thread started right after the processes."""

    def __init__(self, settings: Settings, ca: CaFiles, frames: int) -> None:
        super().__init__()
        self.settings = settings
        self.ca = ca
        self.frames = frames
        self.started_at = time.monotonic()
        self.ports: dict[str, int] = {}

    def add(
        self, name: str, command: str, port: int | None, env: dict[str, str], quiet: bool = False
    ) -> None:
        self.add_process(name, command, env=env, cwd=str(REPO_ROOT), quiet=quiet)
        if port is not None:
            self.ports[name] = port

    def _start(self) -> None:
        super()._start()
        threading.Thread(target=self._bootstrap, name="bootstrap", daemon=True).start()

    def _pids(self) -> dict[str, int]:
        return {n: int(p["pid"]) for n, p in self._processes.items() if p.get("pid") is not None}

    def _bootstrap(self) -> None:
        s = self.settings
        try:
            wait_for_port(s.host, s.moto_port, timeout=30)
            created = provision(s, self.ca)
            provisioned_file(s).write_text(str(len(created)))
            print(f"provisioned {len(created)} resources from {s.template_path.name}", flush=True)
            deadline = time.monotonic() + READY_TIMEOUT
            for port in self.ports.values():
                wait_for_port(s.host, port, timeout=max(1.0, deadline - time.monotonic()))
            while not event_runtime.ready_file(s).exists():
                if time.monotonic() > deadline:
                    raise TimeoutError("event runtime did not become ready")
                time.sleep(0.1)
            while len(self._pids()) < len(self._processes):
                time.sleep(0.05)
        except Exception:
            print(f"local cloud failed to start:\n{traceback.format_exc()}", flush=True)
            self.returncode = 1
            self.terminate()
            return
        elapsed = time.monotonic() - self.started_at
        frames = [s.frame_dashboard_url(i) for i in range(self.frames)]
        info: dict[str, Any] = {
            "web_url": s.web_url,
            "api_url": s.api_url,
            "moto_url": s.moto_url,
            "iot_data_url": s.iot_data_url,
            "mqtt_host": s.host,
            "mqtt_port": s.mqtt_port,
            "frame_dashboards": frames,
            "state_dir": str(s.state_dir),
            "pids": self._pids(),
            "ready_seconds": round(elapsed, 2),
        }
        atomic.write_text(stack_file(s), json.dumps(info, indent=2))
        lines = [
            "",
            f"Shareframe local cloud is up ({elapsed:.1f} s). Ctrl-C stops everything.",
            f"  web app          {s.web_url}",
            f"  API              {s.api_url}",
            *[f"  frame dashboard  {url}" for url in frames],
            f"  moto (AWS APIs)  {s.moto_url}",
            f"  MQTT (mTLS)      mqtts://{s.host}:{s.mqtt_port}",
            f"  iot-data         {s.iot_data_url}",
            f"  state            {s.state_dir}",
            *cli_hints(s),
            "",
        ]
        print("\n".join(lines), flush=True)
        try:
            print("\n".join(banner.lines(s, self.frames)), flush=True)
        except Exception:  # the banner is a convenience: never take the cloud down for it
            print(f"(no start-up banner: {traceback.format_exc(limit=1)})", flush=True)


def cli_hints(settings: Settings) -> list[str]:
    """Commands for another terminal at the repository root that work as printed: through
    ``make`` or the virtualenv's own Python (nothing needs activating), naming this cloud's ports
    and state directory when they are not the defaults."""
    ports = {
        "moto": settings.moto_port,
        "mqtt": settings.mqtt_port,
        "iot_data": settings.iot_data_port,
        "api": settings.api_port,
        "web": settings.web_port,
        "frame_dashboard": settings.frame_dashboard_port,
    }
    overrides = [
        f"SHAREFRAME_PORT_{name.upper()}={port}"
        for name, port in ports.items()
        if port != DEFAULT_PORTS[name]
    ]
    if settings.state_dir != (REPO_ROOT / ".localcloud").resolve():
        overrides.append(f"SHAREFRAME_STATE_DIR={shlex.quote(str(settings.state_dir))}")
    env = " ".join(overrides) + " " if overrides else ""
    try:
        python = str(Path(sys.executable).relative_to(REPO_ROOT))
    except ValueError:
        python = sys.executable
    local_env = f"{env}{shlex.quote(python)} -m infra.localcloud env"
    return [
        f"  e-mails sent     {env}make mail",
        f'  AWS shell        eval "$({local_env})"   (then make release …, boto3 scripts)',
        f"  release key      {release_key_path(settings)}  (docs/firmware-updates.md)",
    ]


def forget_data(settings: Settings) -> None:
    """Drop the broker's retained messages and the virtual frames' state of an earlier run.

    moto keeps everything in memory, so every ``up`` starts with no users, frames or photos.
    A frame still holding credentials for a frame id the new cloud has never heard of, or a
    retained desired state of such a frame, would only confuse: start them fresh as well.
    Each frame's installed releases go too: it starts again at the repository's version.
    The CA, the JWT signing key and the release signing key are configuration, and are kept.
    """
    shutil.rmtree(settings.broker_dir / "data", ignore_errors=True)
    if settings.frames_dir.exists():
        for frame in settings.frames_dir.iterdir():
            shutil.rmtree(frame / "state", ignore_errors=True)
            shutil.rmtree(frame / "firmware", ignore_errors=True)  # back to the repo's version


def prepare(settings: Settings, keep_data: bool = False) -> CaFiles:
    """Create the state dir, the CA and the broker config; drop markers of an earlier run."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    if not keep_data:
        forget_data(settings)
    ca = ensure_ca(settings.ca_dir)
    mosquitto.write_config(settings)
    for stale in (
        stack_file(settings),
        event_runtime.ready_file(settings),
        provisioned_file(settings),
    ):
        stale.unlink(missing_ok=True)
    return ca


def build(
    settings: Settings, frames: int, moto_log: bool = False, keep_data: bool = False
) -> LocalCloud:
    ca = prepare(settings, keep_data)
    taken = [
        f"{name}={port}"
        for name, port in {
            "moto": settings.moto_port,
            "mqtt": settings.mqtt_port,
            "iot-data": settings.iot_data_port,
            "api": settings.api_port,
            "web": settings.web_port,
            **{f"frame{i + 1}": settings.frame_dashboard_port + i for i in range(frames)},
        }.items()
        if port_open(settings.host, port)
    ]
    if taken:
        raise SystemExit(
            f"ports already in use: {', '.join(taken)} (another local cloud running? "
            "set SHAREFRAME_PORT_* to move them)"
        )
    env = settings.process_env()
    cloud = LocalCloud(settings, ca, frames)
    cloud.add(
        "moto",
        "exec "
        + shlex.join(
            [
                sys.executable,
                *("-m", "infra.localcloud.moto_runner"),
                *("-H", settings.host, "-p", str(settings.moto_port)),
                # Without --moto-log moto does not even write its request log (moto_runner.py).
                *([] if moto_log else ["--quiet"]),
            ]
        ),
        settings.moto_port,
        env,
        # One line per AWS request drowns everything else; --moto-log shows them.
        quiet=not moto_log,
    )
    cloud.add("mqtt", _module("broker"), settings.mqtt_port, env)
    cloud.add("iot-data", _module("iot-data-adapter"), settings.iot_data_port, env)
    cloud.add("events", _module("event-runtime"), None, env)
    # `chalice local`, logging JSON lines like the rest (api_server.py).
    cloud.add("api", _module("api"), settings.api_port, env)
    cloud.add("web", _module("spa"), settings.web_port, env)
    ensure_release_key(settings)  # the frames trust it; `infra.release publish` signs with it
    for i in range(frames):
        name = f"frame{i + 1}"
        port = settings.frame_dashboard_port + i
        config = write_frame_config(settings, name, port, updatable=True)
        command = frame_command(config, firmware_root(settings, name))
        cloud.add(name, "exec " + shlex.join(command), port, env)
    return cloud


def up(settings: Settings, frames: int = 1, moto_log: bool = False, keep_data: bool = False) -> int:
    """Run the local cloud until Ctrl-C; returns the exit code."""
    cloud = build(settings, frames, moto_log, keep_data)
    cloud.loop()
    return int(cloud.returncode or 0)
