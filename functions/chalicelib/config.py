"""Runtime configuration, read from the environment once, at startup.

The same code runs in AWS and in the local cloud: what differs is endpoint configuration
(``AWS_ENDPOINT_URL*``, the MQTT host) and the resource prefix, both set per stage in
``chalicefile.json`` or by the local cloud's launcher.

Nothing reads the environment when imported. Each entrypoint (a Lambda handler's module, a CLI)
calls ``chalicelib.bootstrap.start()``, which builds ``Settings.from_env()`` and binds it here
and to the tables; tests bind settings of their own the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    prefix: str
    media_bucket: str
    web_url: str
    mail_from: str
    mqtt_host: str
    mqtt_port: int
    access_token_seconds: int = 15 * 60
    refresh_token_days: int = 30
    upload_url_seconds: int = 15 * 60
    download_url_seconds: int = 60 * 60
    pairing_session_seconds: int = 15 * 60
    max_upload_bytes: int = 25 * 1024 * 1024
    max_upload_pixels: int = 50_000_000
    photo_quota: int = 500
    # Each item carries a presigned URL (~1.9 KB with a Lambda session token and the longest
    # caption): 50 items keep the desired state under IoT Core's 128 KB message limit.
    max_items_per_frame: int = 50

    def table_name(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    @property
    def jwt_secret_id(self) -> str:
        return f"{self.prefix}/jwt-signing-key"

    @property
    def device_ca_secret_id(self) -> str:
        return f"{self.prefix}/device-ca"

    @property
    def uploads_queue(self) -> str:
        return f"{self.prefix}-uploads"

    @property
    def exports_queue(self) -> str:
        return f"{self.prefix}-exports"

    @property
    def timers_queue(self) -> str:
        """Sweeps of timer shards and chunks of due timers (services/maintenance.py)."""
        return f"{self.prefix}-timers"

    @property
    def renditions_queue(self) -> str:
        """Deliveries waiting for their panel file (services/delivery_files.py)."""
        return f"{self.prefix}-renditions"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings an environment describes (``os.environ`` unless given); binds nothing."""
        env = os.environ if environ is None else environ

        def number(name: str, default: int) -> int:
            raw = env.get(name)
            return int(raw) if raw else default

        prefix = env.get("SHAREFRAME_PREFIX", "shareframe-local")
        return cls(
            prefix=prefix,
            media_bucket=env.get("SHAREFRAME_MEDIA_BUCKET", f"{prefix}-media"),
            web_url=env.get("SHAREFRAME_WEB_URL", "http://localhost:5173").rstrip("/"),
            mail_from=env.get("SHAREFRAME_MAIL_FROM", "no-reply@shareframe.example"),
            mqtt_host=env.get("SHAREFRAME_MQTT_HOST", "127.0.0.1"),
            mqtt_port=number("SHAREFRAME_MQTT_PORT", 8883),
            photo_quota=number("SHAREFRAME_PHOTO_QUOTA", 500),
            download_url_seconds=number("SHAREFRAME_DOWNLOAD_URL_SECONDS", 3600),
        )


class NotBound(RuntimeError):
    """Configuration was used before the entrypoint bound it (``bootstrap.start()``)."""


_bound: Settings | None = None
_followers: list[Callable[[Settings], None]] = []


def bind(value: Settings) -> Settings:
    """Make ``value`` this process's settings, and tell every follower."""
    global _bound
    _bound = value
    for follower in _followers:
        follower(value)
    return value


def follow(follower: Callable[[Settings], None]) -> None:
    """Call ``follower`` with the bound settings now (if any) and at every later ``bind``.

    How a module loaded on first use (adapters/tables.py binds its table names) gets the
    settings the entrypoint bound before it was loaded.
    """
    _followers.append(follower)
    if _bound is not None:
        follower(_bound)


def bound() -> Settings | None:
    """The bound settings, or None before the entrypoint has bound any."""
    return _bound


def settings() -> Settings:
    """The settings the entrypoint bound."""
    if _bound is None:
        raise NotBound("configuration is not bound: call chalicelib.bootstrap.start() first")
    return _bound
