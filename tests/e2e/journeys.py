"""What a person does, over HTTP against the real local cloud (no mocks on this path)."""

from __future__ import annotations

import io
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import requests
from PIL import Image, ImageDraw

from tests.e2e.stack import FrameProcess, LocalCloudStack

PASSWORD = "correct horse battery"


def wait_for(
    predicate: Any,
    timeout: float = 30.0,
    interval: float = 0.2,
    what: str = "condition",
    *,
    max_interval: float = 1.0,
) -> Any:
    """``predicate()``'s first truthy value, asked at once, then after pauses growing from
    ``interval`` to ``max_interval``. Most predicates here are API requests (about 75 ms of
    CPU each across chalice local and moto on this machine): a long wait asks about once a
    second instead of five times, and leaves the CPU to the work it is waiting for."""
    deadline = time.monotonic() + timeout
    pause = interval
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 1.5, max(interval, max_interval))
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def photo(
    colour: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (1200, 800)
) -> bytes:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((size[0] // 3, size[1] // 3, size[0] // 2, size[1] // 2), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


@dataclass
class Person:
    cloud: LocalCloudStack
    email: str
    token: str = ""
    user_id: str = ""

    def request(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        response = requests.request(
            method,
            self.cloud.api_url + path,
            json=body,
            headers={"Authorization": f"Bearer {self.token}"} if self.token else {},
            timeout=30,
        )
        if expect is not None:
            assert response.status_code == expect, (
                method,
                path,
                response.status_code,
                response.text,
            )
        return response.json() if response.content else None

    def sign_up(self, name: str) -> Person:
        self.request(
            "POST",
            "/auth/register",
            {"email": self.email, "password": PASSWORD, "displayName": name},
            201,
        )
        mail = wait_for(
            lambda: [
                m
                for m in self.cloud.read_mail()
                if self.email in json.dumps(m["to"]) and "/verify?token=" in m["body"]
            ],
            what="verification mail",
        )[-1]
        token = unquote(re.search(r"/verify\?token=([^\s]+)", mail["body"]).group(1))
        self.request("POST", "/auth/verify", {"token": token}, 200)
        session = self.request(
            "POST", "/auth/login", {"email": self.email, "password": PASSWORD}, 200
        )
        self.token, self.user_id = session["accessToken"], session["user"]["userId"]
        return self

    def upload(self, data: bytes, content_type: str = "image/jpeg") -> dict[str, Any]:
        created = self.request(
            "POST",
            "/images",
            {"contentType": content_type, "bytes": len(data), "filename": "photo.jpg"},
            201,
        )
        post = created["upload"]
        response = requests.post(
            post["url"],
            data=post["fields"],
            files={"file": ("photo.jpg", data, content_type)},
            timeout=30,
        )
        assert response.status_code in (200, 201, 204), response.text
        return wait_for(
            lambda: (
                (img := self.request("GET", f"/images/{created['imageId']}", expect=200))["state"]
                != "pending"
                and img
            ),
            what="photo processing",
        )

    def pair(self, frame: FrameProcess, name: str) -> dict[str, Any]:
        code = wait_for(
            lambda: re.findall(r'"pairingCode": "([A-Z0-9-]+)"', frame.log), what="pairing code"
        )[-1]
        return self.request("POST", "/frames", {"code": code, "name": name}, 201)

    def send(self, image_id: str, frame_ids: list[str], **extra: Any) -> dict[str, Any]:
        return self.request(
            "POST", "/shares", {"imageId": image_id, "frameIds": frame_ids, **extra}, 201
        )

    def share_state(self, share_id: str, frame_id: str) -> dict[str, Any]:
        share = self.request("GET", f"/shares/{share_id}", expect=200)
        return next(d for d in share["deliveries"] if d["frameId"] == frame_id)


def screen(frame: FrameProcess) -> dict[str, Any]:
    path = frame.state_dir / "screen.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def rgb(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")
