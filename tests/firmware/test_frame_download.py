"""Downloads through awscrt's HTTP client: https with certificate checks, Range, limits, timeouts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from chalicelib import pki
from shareframe_frame.download import DownloadError, download_file
from shareframe_frame.http_client import HttpError, _proxy_for, open_url
from tests.firmware.frame_fakes import FileServer, serve_files, sha

DATA = bytes(range(256)) * 1000  # 256,000 bytes: several flow-control windows' worth of chunks


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A private CA and a server certificate for ``localhost`` (not for 127.0.0.1)."""
    folder = tmp_path_factory.mktemp("tls")
    ca_cert, ca_key = pki.new_ca("Tests", "Download test CA", validity=timedelta(days=1))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = pki.issue_leaf(
        ca_cert,
        ca_key,
        "localhost",
        key.public_key(),
        purpose=pki.Purpose.SERVER,
        validity=timedelta(days=1),
        hostnames=["localhost"],
    )
    files = {
        "ca": folder / "ca.pem",
        "cert": folder / "server.pem",
        "key": folder / "server-key.pem",
    }
    files["ca"].write_text(pki.certificate_pem(ca_cert))
    files["cert"].write_text(pki.certificate_pem(leaf))
    files["key"].write_text(pki.private_key_pem(key))
    return {name: str(path) for name, path in files.items()}


@pytest.fixture
def https_server(tls_files: dict[str, str]) -> Iterator[FileServer]:
    server = FileServer(files={"/f.png": DATA})
    with serve_files(server, tls=(tls_files["cert"], tls_files["key"]), host="localhost"):
        yield server


def fetch(url: str, tmp_path: Path, ca_file: str | None = None, timeout: float = 5.0) -> Path:
    final, partial = tmp_path / "f.png", tmp_path / "f.png.part"
    download_file(
        url, final, partial, sha256=sha(DATA), max_bytes=len(DATA), timeout=timeout, ca_file=ca_file
    )
    return final


def test_https_with_a_trusted_certificate_downloads_and_checks_the_hash(
    https_server: FileServer, tls_files: dict[str, str], tmp_path: Path
) -> None:
    final = fetch(f"{https_server.url}/f.png", tmp_path, ca_file=tls_files["ca"])
    assert final.read_bytes() == DATA
    assert not (tmp_path / "f.png.part").exists()


def test_https_refuses_a_certificate_the_trust_store_does_not_vouch_for(
    https_server: FileServer, tmp_path: Path
) -> None:
    with pytest.raises(DownloadError) as caught:
        # The system's store: our CA is not in it. (A refused handshake is reported late, s2n's
        # "blinding": the short timeout keeps the test short, and refusal and timeout alike
        # leave no file.)
        fetch(f"{https_server.url}/f.png", tmp_path, timeout=1.0)
    assert caught.value.reason == "network_error"
    assert https_server.requests == []  # refused during the handshake: no request was sent
    assert not (tmp_path / "f.png").exists()


def test_https_refuses_a_certificate_for_another_name(
    https_server: FileServer, tls_files: dict[str, str], tmp_path: Path
) -> None:
    url = https_server.url.replace("localhost", "127.0.0.1")  # the certificate names localhost
    with pytest.raises(DownloadError) as caught:
        fetch(f"{url}/f.png", tmp_path, ca_file=tls_files["ca"], timeout=1.0)
    assert caught.value.reason == "network_error"
    assert https_server.requests == []


def test_an_interrupted_https_download_resumes_with_a_range_request(
    https_server: FileServer, tls_files: dict[str, str], tmp_path: Path
) -> None:
    https_server.truncate_once.add("/f.png")
    with pytest.raises(DownloadError) as caught:
        fetch(f"{https_server.url}/f.png", tmp_path, ca_file=tls_files["ca"])
    assert caught.value.reason == "network_error"
    assert (tmp_path / "f.png.part").stat().st_size == len(DATA) // 2
    final = fetch(f"{https_server.url}/f.png", tmp_path, ca_file=tls_files["ca"])
    assert final.read_bytes() == DATA
    assert https_server.requests[-1] == ("/f.png", f"bytes={len(DATA) // 2}-")


def test_a_server_that_stops_answering_times_out(file_server: FileServer, tmp_path: Path) -> None:
    file_server.files["/f.png"] = DATA
    file_server.delay_seconds = 3.0
    final, partial = tmp_path / "f.png", tmp_path / "f.png.part"
    with pytest.raises(DownloadError) as caught:
        download_file(
            f"{file_server.url}/f.png",
            final,
            partial,
            sha256=sha(DATA),
            max_bytes=len(DATA),
            timeout=1.0,
        )
    assert caught.value.reason == "network_error"
    assert "timed out" in caught.value.detail


def test_statuses_map_to_the_protocols_reasons(file_server: FileServer, tmp_path: Path) -> None:
    file_server.forbidden.add("/old.png")
    for path, reason in (("/old.png", "url_expired"), ("/missing.png", "http_error")):
        with pytest.raises(DownloadError) as caught:
            download_file(
                f"{file_server.url}{path}",
                tmp_path / "x",
                tmp_path / "x.part",
                sha256=sha(DATA),
                max_bytes=len(DATA),
            )
        assert caught.value.reason == reason


def test_a_body_longer_than_announced_limit_is_refused_and_dropped(
    file_server: FileServer, tmp_path: Path
) -> None:
    file_server.files["/f.png"] = DATA
    with pytest.raises(DownloadError) as caught:
        download_file(
            f"{file_server.url}/f.png",
            tmp_path / "x",
            tmp_path / "x.part",
            sha256=sha(DATA),
            max_bytes=len(DATA) - 1,
        )
    assert caught.value.reason == "too_large"
    assert not (tmp_path / "x.part").exists()


def test_redirects_are_followed_for_get_only_to_http(
    file_server: FileServer, tmp_path: Path
) -> None:
    file_server.files["/f.png"] = DATA
    file_server.redirects["/moved.png"] = "/f.png"
    file_server.redirects["/local.png"] = "file:///etc/passwd"
    download_file(
        f"{file_server.url}/moved.png",
        tmp_path / "f.png",
        tmp_path / "f.png.part",
        sha256=sha(DATA),
        max_bytes=len(DATA),
    )
    assert (tmp_path / "f.png").read_bytes() == DATA
    with pytest.raises(HttpError, match="only http"):
        open_url(f"{file_server.url}/local.png", timeout=5.0)
    with open_url(f"{file_server.url}/moved.png", method="POST", body=b"", timeout=5.0) as answer:
        assert answer.status == 501  # not followed for POST (and the fake has no do_POST)


@pytest.mark.parametrize(
    ("no_proxy", "host", "bypassed"),
    [
        ("", "s3.amazonaws.com", False),
        ("*", "s3.amazonaws.com", True),
        ("localhost,127.0.0.1", "127.0.0.1", True),
        (".amazonaws.com", "bucket.s3.amazonaws.com", True),
        ("amazonaws.com:443", "s3.amazonaws.com", True),
        ("amazonaws.com", "notamazonaws.com", False),
    ],
)
def test_no_proxy_is_read_like_urllib_does(
    monkeypatch: pytest.MonkeyPatch, no_proxy: str, host: str, bypassed: bool
) -> None:
    monkeypatch.setenv("http_proxy", "http://proxy.invalid:3128")
    monkeypatch.setenv("no_proxy", no_proxy)
    assert (_proxy_for("http", host) is None) == bypassed
