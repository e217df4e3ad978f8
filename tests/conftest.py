"""The real local cloud, one per test session (per xdist worker), shared by the end-to-end,
hostile and browser tests so that a worker never runs two stacks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.localcloud.mosquitto import MOSQUITTO
from tests.e2e.stack import LocalCloudStack


@pytest.fixture(scope="session")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudStack]:
    """The whole local cloud (no frames; start them with ``local_cloud.start_frame``)."""
    if not Path(MOSQUITTO).exists():
        # Not a skip: CI must not pass without the broker. `make deps` installs it.
        pytest.fail("mosquitto is not installed (apt-get install mosquitto)")
    # Download links live 45 s here instead of an hour, so a frame kept away for a minute is a
    # frame away longer than its links live (a day, in production) and must ask for fresh ones.
    stack = LocalCloudStack(
        tmp_path_factory.mktemp("localcloud"),
        extra_env={"SHAREFRAME_DOWNLOAD_URL_SECONDS": "45"},
    )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
