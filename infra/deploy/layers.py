"""The functions' third-party code as Lambda layers, split by what each is for.

Chalice packages the code (``app.py``, ``chalicelib/``, Chalice's own runtime module) into
``deployment.zip``; ``functions/`` has no requirements file, so nothing else goes in there.
The requirements are installed from the wheelhouse for the target architecture and split into
layers by distribution (their ``RECORD`` files say which files are whose):

- ``Base``: everything no other layer claims (boto3 and botocore, PynamoDB, PyJWT, msgspec):
  every function;
- ``Crypto``: cryptography and argon2 (pairing certificates, password hashes): the API;
- ``Imaging``: Pillow, the ditherer, numpy (rendering): the API and upload processing;
- ``Heif``: pillow-heif (HEIC uploads are decoded once, on upload): upload processing.

A function gets Base plus the layers ``FUNCTION_LAYERS`` lists for it; the built-artifact test
(tests/deploy/test_built_artifact.py) runs every function with exactly its layers, so a function
that needs a layer it lacks fails there, not in AWS.

Two more things make cold starts shorter and the zips smaller:

- botocore keeps the models of only the services the code creates clients for (every
  ``client("<service>")`` in the packaged code, plus DynamoDB for PynamoDB): the whole Base layer
  is 3.5 MB zipped, botocore's wheel alone 16.9 MB. Its ``endpoints.json`` keeps only those
  services too: every botocore session parses that file (1.25 MB of JSON for 305 services) when
  it creates its first client, on each cold start;
- every module is compiled to ``__pycache__`` (unchecked-hash pycs): Lambda's ``/var/task`` and
  ``/opt`` are read-only, so without them every cold start compiles every module it imports.
"""

from __future__ import annotations

import compileall
import gzip
import json
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from infra.deploy.wheelhouse import platform_flags

BASE = "Base"
# In order: a layer holds its roots and their dependencies that no earlier layer holds (Heif
# needs Pillow, which Imaging holds; a function with Heif also gets Imaging).
LAYER_ROOTS: dict[str, tuple[str, ...]] = {
    "Crypto": ("cryptography", "argon2-cffi"),
    "Imaging": ("pillow",),
    "Heif": ("pillow-heif",),
}
# Logical id of a function -> the layers it needs besides Base (absent: Base only).
FUNCTION_LAYERS: dict[str, tuple[str, ...]] = {
    "APIHandler": ("Crypto", "Imaging"),
    "ProcessUploads": ("Imaging", "Heif"),
    "RenderDeliveries": ("Imaging",),  # decodes the JPEG master and dithers it
}
# Top-level entries of Chalice's zip that are our code, not a distribution.
CODE = {"app.py", "chalicelib", "chalice"}
# botocore service models kept whatever the code names: PynamoDB's.
ALWAYS_KEPT_SERVICES = {"dynamodb"}
_CLIENT_CALL = re.compile(r"""\bclient\(\s*["']([a-z0-9-]+)["']""")
_REQUIREMENT_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


class LayerError(RuntimeError):
    pass


@dataclass(frozen=True)
class BuiltLayers:
    code_zip: Path
    layer_zips: dict[str, Path]  # layer name -> zip (``python/`` inside, as Lambda wants)
    kept_services: frozenset[str]


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Distribution:
    name: str
    requires: list[str]
    top_level: set[str]


def read_distributions(root: Path) -> dict[str, Distribution]:
    """Every installed distribution in ``root``: its dependencies and its top-level entries."""
    found = {}
    for info in root.glob("*.dist-info"):
        fields = (info / "METADATA").read_text(encoding="utf-8", errors="replace")
        headers = fields.split("\n\n", 1)[0].splitlines()
        name = next(h.split(":", 1)[1].strip() for h in headers if h.startswith("Name:"))
        requires = []
        for header in headers:
            if not header.startswith("Requires-Dist:"):
                continue
            spec = header.split(":", 1)[1].strip()
            if "extra ==" in spec.replace("extra==", "extra =="):
                continue  # optional extras are not installed
            match = _REQUIREMENT_NAME.match(spec)
            if match:
                requires.append(normalise(match.group(1)))
        top = {info.name, info.name.removesuffix(".dist-info") + ".data"}
        for line in (info / "RECORD").read_text(encoding="utf-8").splitlines():
            path = line.rsplit(",", 2)[0]
            if path and not path.startswith(".."):
                top.add(path.split("/", 1)[0])
        found[normalise(name)] = Distribution(normalise(name), requires, top)
    return found


def closure(roots: Iterable[str], distributions: dict[str, Distribution]) -> set[str]:
    todo, seen = [normalise(r) for r in roots], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in distributions:
            continue
        seen.add(name)
        todo += distributions[name].requires
    return seen


def assign_entries(root: Path) -> dict[str, str]:
    """Top-level entry of an installed site directory -> the name of its layer."""
    distributions = read_distributions(root)
    owner: dict[str, str] = {}
    claimed: set[str] = set()
    for layer, roots in LAYER_ROOTS.items():
        members = closure(roots, distributions) - claimed
        claimed |= members
        for dist in members:
            for entry in distributions[dist].top_level:
                if owner.get(entry, layer) != layer:
                    raise LayerError(f"{entry} is needed by both {owner[entry]} and {layer}")
                owner[entry] = layer
    assigned = {}
    for entry in sorted(p.name for p in root.iterdir()):
        if entry in owner:
            assigned[entry] = owner[entry]
        elif any(entry in d.top_level for d in distributions.values()):
            assigned[entry] = BASE
        elif entry == "__pycache__":
            continue
        else:
            raise LayerError(f"{entry} belongs to no distribution")
    return assigned


def services_used(code_root: Path) -> frozenset[str]:
    """The AWS services the code creates clients for (``client("s3")`` and the like)."""
    names = set(ALWAYS_KEPT_SERVICES)
    for source in code_root.rglob("*.py"):
        names.update(_CLIENT_CALL.findall(source.read_text(encoding="utf-8")))
    return frozenset(names)


def prune_botocore(site: Path, keep: frozenset[str]) -> None:
    data = site / "botocore" / "data"
    if not data.is_dir():
        return
    for service in data.iterdir():
        if service.is_dir() and service.name not in keep:
            shutil.rmtree(service)
    missing = keep - {p.name for p in data.iterdir() if p.is_dir()}
    if missing:
        raise LayerError(f"botocore has no model for {sorted(missing)}")


def _endpoint_prefix(service_dir: Path) -> str:
    """The name the service has in ``endpoints.json`` (``ses`` is ``email``), from its model."""
    models = sorted(service_dir.glob("*/service-2.json*"))
    if not models:
        raise LayerError(f"botocore has no service model in {service_dir}")
    raw = models[-1].read_bytes()  # the newest API version: what a client loads
    model = json.loads(gzip.decompress(raw) if models[-1].suffix == ".gz" else raw)
    prefix: str = model["metadata"].get("endpointPrefix", service_dir.name)
    return prefix


def prune_endpoints(site: Path, keep: frozenset[str]) -> None:
    """Only the kept services' entries in every partition of botocore's ``endpoints.json``.

    Partitions, regions and defaults stay whole, so each kept service resolves exactly as with
    the full file; botocore has no model for any other service here, so no client for one can
    be made anyway."""
    data = site / "botocore" / "data"
    path = data / "endpoints.json"
    if not path.is_file():
        return
    prefixes = {_endpoint_prefix(data / service) for service in keep}
    endpoints = json.loads(path.read_text(encoding="utf-8"))
    for partition in endpoints["partitions"]:
        services = partition["services"]
        partition["services"] = {k: v for k, v in services.items() if k in prefixes}
    path.write_text(json.dumps(endpoints, separators=(",", ":")), encoding="utf-8")


def _zip_tree(source: Path, target: Path, prefix: str = "") -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(prefix + path.relative_to(source).as_posix())
                info.date_time = (2020, 1, 1, 0, 0, 0)  # reproducible: same input, same zip
                info.external_attr = (0o755 if path.stat().st_mode & 0o111 else 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes(), compresslevel=9)


def _precompile(tree: Path) -> None:
    """Byte-compile every module with unchecked-hash pycs, which Python uses without looking at
    the source's mtime (the zip gives every file one fixed date, so a timestamp pyc would be
    stale after unpacking and Lambda, unable to write ``__pycache__``, would compile the module
    again on every cold start). ``force``: pip already wrote timestamp pycs, which compileall
    would otherwise keep as "up to date"."""
    ok = compileall.compile_dir(
        tree,
        quiet=2,
        force=True,
        workers=1,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not ok:
        raise LayerError(f"some modules in {tree} do not compile")


def install(requirements: Path, wheelhouse: Path, arch: str, target: Path) -> None:
    """Every requirement and its dependencies, as Lambda on ``arch`` will import them."""
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-index",
            "--find-links",
            str(wheelhouse),
            *platform_flags(arch),
            "--target",
            str(target),
            "-r",
            str(requirements),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise LayerError(f"pip install for {arch} failed:\n{result.stderr[-3000:]}")
    shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts: no use on Lambda


def build(
    code_zip: Path, requirements: Path, wheelhouse: Path, arch: str, out: Path
) -> BuiltLayers:
    """Precompile ``code_zip`` in place and write ``out/layer-<name>.zip`` for each layer."""
    with tempfile.TemporaryDirectory(prefix="shareframe-layers-") as scratch:
        code = Path(scratch) / "code"
        with zipfile.ZipFile(code_zip) as archive:
            archive.extractall(code)
        stray = {p.name for p in code.iterdir()} - CODE
        if stray:
            raise LayerError(f"Chalice packaged more than the code: {sorted(stray)}")
        site = Path(scratch) / "site"
        install(requirements, wheelhouse, arch, site)
        trees = {name: Path(scratch) / name for name in (BASE, *LAYER_ROOTS)}
        for tree in trees.values():
            tree.mkdir()
        for entry, group in assign_entries(site).items():
            shutil.move(site / entry, trees[group] / entry)
        keep = services_used(code)
        prune_botocore(trees[BASE], keep)
        prune_endpoints(trees[BASE], keep)
        _precompile(code)
        _zip_tree(code, code_zip)
        layer_zips = {}
        for group, tree in trees.items():
            _precompile(tree)
            layer_zips[group] = out / f"layer-{group.lower()}.zip"
            _zip_tree(tree, layer_zips[group], prefix="python/")
    return BuiltLayers(code_zip=code_zip, layer_zips=layer_zips, kept_services=keep)


def layers_of(function_id: str) -> list[str]:
    return [BASE, *FUNCTION_LAYERS.get(function_id, ())]
