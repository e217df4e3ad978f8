"""The package ``make package`` builds, built once per test session (per xdist worker) for this
machine's architecture, so the tests can run it. Wheels come from build/wheelhouse (PyPI on the
first run of a fresh clone, then offline); a build whose inputs have not changed is reused."""

from __future__ import annotations

import fcntl
import hashlib
import json
import platform
from pathlib import Path

import pytest

from infra.deploy.package import Package, package
from infra.deploy.stages import BUILD_DIR, REPO_ROOT, Stage
from infra.deploy.wheelhouse import WheelhouseError

HOST_ARCH = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
OUT = BUILD_DIR / "test-package"
INPUTS = (
    "functions",
    "infra/deploy",
    "infra/template.json",
    "requirements.txt",
    "chalicefile.json",
)


# Written by the build or the editable install, not inputs: chalice caches its deployment zip
# in functions/.chalice/deployments, so hashing it made the next worker rebuild under the first.
_GENERATED = {"__pycache__", "deployments"}


def inputs_hash() -> str:
    digest = hashlib.sha256(HOST_ARCH.encode())
    for entry in INPUTS:
        root = REPO_ROOT / entry
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            if (
                path.is_file()
                and not _GENERATED.intersection(path.parts)
                and not any(part.endswith(".egg-info") for part in path.parts)
            ):
                digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def built() -> Package:
    """One build at a time: both xdist workers may need it, and they share ``OUT``."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with (OUT.parent / "test-package.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_or_reuse()


def _build_or_reuse() -> Package:
    stamp = OUT / ".inputs.sha256"
    current = inputs_hash()
    if stamp.exists() and json.loads(stamp.read_text())["hash"] == current:
        layers = {k: Path(v) for k, v in json.loads(stamp.read_text())["layers"].items()}
        return Package(template=OUT / "sam.json", zip=OUT / "deployment.zip", layers=layers)
    stage = Stage.load("dev")
    stamp.unlink(missing_ok=True)
    try:
        result = package(stage.name, OUT, stage_prefix=stage.prefix, arch=HOST_ARCH)
    except WheelhouseError as error:
        pytest.fail(f"no wheelhouse and no network to build one: {error}")
    layers = {k: str(v) for k, v in result.layers.items()}
    stamp.write_text(json.dumps({"hash": current, "layers": layers}))
    return result
