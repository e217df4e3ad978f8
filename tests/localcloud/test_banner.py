"""`make run` ends with what a developer needs: a demo login and the frame's codes."""

from __future__ import annotations

import json
import urllib.request

import pytest

from infra.localcloud import banner
from tests.e2e.stack import LocalCloudStack

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_the_banner_gives_a_working_demo_login_and_the_frames_codes(
    local_cloud: LocalCloudStack,
) -> None:
    frame = local_cloud.start_frame("frame1")
    try:
        text = "\n".join(banner.lines(local_cloud._s, frames=1))
        pairing, dashboard = banner.frame_codes(frame.state_dir)
    finally:
        frame.stop()

    assert local_cloud.web_url in text
    assert f"demo login  {banner.DEMO_EMAIL} / {banner.DEMO_PASSWORD}" in text
    assert pairing and dashboard and f"pairing code {pairing}" in text
    assert f"code {dashboard}" in text
    login = urllib.request.Request(
        f"{local_cloud.api_url}/auth/login",
        data=json.dumps({"email": banner.DEMO_EMAIL, "password": banner.DEMO_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(login, timeout=15) as response:
        assert "accessToken" in json.load(response)
