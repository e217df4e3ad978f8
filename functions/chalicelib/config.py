"""Runtime configuration, read from the environment only.

The same code runs in AWS and in the local cloud: what differs is endpoint configuration
(``AWS_ENDPOINT_URL*``, the MQTT host) and the resource prefix, both set per stage in
``chalicefile.json`` or by the local cloud's launcher.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


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


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@cache
def settings() -> Settings:
    """The settings of this process (read once; tests clear the cache after changing env)."""
    prefix = os.environ.get("SHAREFRAME_PREFIX", "shareframe-local")
    return Settings(
        prefix=prefix,
        media_bucket=os.environ.get("SHAREFRAME_MEDIA_BUCKET", f"{prefix}-media"),
        web_url=os.environ.get("SHAREFRAME_WEB_URL", "http://localhost:5173").rstrip("/"),
        mail_from=os.environ.get("SHAREFRAME_MAIL_FROM", "no-reply@shareframe.example"),
        mqtt_host=os.environ.get("SHAREFRAME_MQTT_HOST", "127.0.0.1"),
        mqtt_port=_int("SHAREFRAME_MQTT_PORT", 8883),
        photo_quota=_int("SHAREFRAME_PHOTO_QUOTA", 500),
        download_url_seconds=_int("SHAREFRAME_DOWNLOAD_URL_SECONDS", 3600),
    )
