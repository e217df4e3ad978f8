from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.firmware.frame_fakes import FileServer, serve_files


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    with serve_files(FileServer()) as server:
        yield server
