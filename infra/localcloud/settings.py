"""Where everything lives and which ports it listens on, read from the environment once."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from infra.localcloud.netwait import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
STAGE = "local"
RULE_NAME_PREFIX = "shareframe_local"
CLOUD_CLIENT_CN = "shareframe-cloud"

DEFAULT_PORTS = {
    "moto": 4566,
    "mqtt": 8883,
    "iot_data": 4567,
    "api": 8000,
    "web": 5173,
    "frame_dashboard": 8081,
}


def _port(name: str) -> int:
    return int(os.environ.get(f"SHAREFRAME_PORT_{name.upper()}", DEFAULT_PORTS[name]))


@dataclass(frozen=True)
class Settings:
    """Ports and paths of one local cloud; build it with :meth:`from_env`."""

    state_dir: Path
    functions_dir: Path
    web_dist: Path
    template_path: Path
    moto_port: int
    mqtt_port: int
    iot_data_port: int
    api_port: int
    web_port: int
    frame_dashboard_port: int
    host: str = HOST
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        state = os.environ.get("SHAREFRAME_STATE_DIR") or str(REPO_ROOT / ".localcloud")
        functions = os.environ.get("SHAREFRAME_FUNCTIONS_DIR") or str(REPO_ROOT / "functions")
        return cls(
            state_dir=Path(state).resolve(),
            functions_dir=Path(functions).resolve(),
            web_dist=Path(os.environ.get("SHAREFRAME_WEB_DIST") or REPO_ROOT / "web" / "dist"),
            template_path=REPO_ROOT / "infra" / "template.json",
            moto_port=_port("moto"),
            mqtt_port=_port("mqtt"),
            iot_data_port=_port("iot_data"),
            api_port=_port("api"),
            web_port=_port("web"),
            frame_dashboard_port=_port("frame_dashboard"),
        )

    def on_free_ports(self, **changes: Any) -> Settings:
        """This configuration with ``changes`` and every port on a free one, so that tests and
        benchmarks can run several local clouds side by side."""
        ports = (
            "moto_port",
            "mqtt_port",
            "iot_data_port",
            "api_port",
            "web_port",
            "frame_dashboard_port",
        )
        return replace(self, **({port: free_port() for port in ports} | changes))

    # URLs -------------------------------------------------------------------------------------
    @property
    def moto_url(self) -> str:
        return f"http://{self.host}:{self.moto_port}"

    @property
    def iot_data_url(self) -> str:
        return f"http://{self.host}:{self.iot_data_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    def frame_dashboard_url(self, index: int = 0) -> str:
        return f"http://{self.host}:{self.frame_dashboard_port + index}"

    # Paths ------------------------------------------------------------------------------------
    @property
    def ca_dir(self) -> Path:
        return self.state_dir / "ca"

    @property
    def broker_dir(self) -> Path:
        return self.state_dir / "mosquitto"

    @property
    def frames_dir(self) -> Path:
        return self.state_dir / "frames"

    # Chalice configuration ---------------------------------------------------------------------
    def chalice_config(self) -> dict[str, Any]:
        with (self.functions_dir / ".chalice" / "config.json").open() as f:
            config: dict[str, Any] = json.load(f)
        return config

    def stage_environment(self) -> dict[str, str]:
        """The environment variables chalice gives the functions of stage ``local``.

        Top-level ``environment_variables`` overlaid with the stage's, as chalice merges them.
        """
        config = self.chalice_config()
        merged: dict[str, str] = dict(config.get("environment_variables", {}))
        merged.update(config.get("stages", {}).get(STAGE, {}).get("environment_variables", {}))
        return {k: str(v) for k, v in merged.items()}

    def backend_env(self) -> dict[str, str]:
        """Everything the backend (and boto3 scripts) need to talk to this local cloud."""
        stage = self.stage_environment()
        env = {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_ENDPOINT_URL": self.moto_url,
            # botocore derives the variable from the service id "IoT Data Plane": this is the
            # one it honours. AWS_ENDPOINT_URL_IOT_DATA (ignored by botocore) is kept for code
            # and docs that name it.
            "AWS_ENDPOINT_URL_IOT_DATA_PLANE": self.iot_data_url,
            "AWS_ENDPOINT_URL_IOT_DATA": self.iot_data_url,
            "SHAREFRAME_WEB_URL": self.web_url,
            "SHAREFRAME_MQTT_HOST": self.host,
            "SHAREFRAME_MQTT_PORT": str(self.mqtt_port),
            # The Lambda package has no awscrt (the frames' SDK brings it into the dev venv). With
            # it importable botocore signs every request through it: 0.2 to 0.7 ms more CPU a call
            # here than the pure-Python signer Lambda uses. Sign as Lambda does.
            "BOTO_DISABLE_CRT": "true",
        }
        env.update(stage)
        env.update(self.extra_env)
        return env

    def process_env(self) -> dict[str, str]:
        """The environment of every process the supervisor starts (ports included)."""
        env = dict(os.environ)
        env.update(self.backend_env())
        env.update(
            {
                "SHAREFRAME_STATE_DIR": str(self.state_dir),
                "SHAREFRAME_FUNCTIONS_DIR": str(self.functions_dir),
                "SHAREFRAME_WEB_DIST": str(self.web_dist),
                "SHAREFRAME_PORT_MOTO": str(self.moto_port),
                "SHAREFRAME_PORT_MQTT": str(self.mqtt_port),
                "SHAREFRAME_PORT_IOT_DATA": str(self.iot_data_port),
                "SHAREFRAME_PORT_API": str(self.api_port),
                "SHAREFRAME_PORT_WEB": str(self.web_port),
                "SHAREFRAME_PORT_FRAME_DASHBOARD": str(self.frame_dashboard_port),
                "PYTHONUNBUFFERED": "1",
            }
        )
        # This checkout's backend (its functions/ before any installed copy of chalicelib).
        paths = [str(REPO_ROOT), str(self.functions_dir)]
        existing = env.get("PYTHONPATH")
        env["PYTHONPATH"] = os.pathsep.join([*paths, existing] if existing else paths)
        return env
