"""The layering the service layer relies on: rules import no cloud, converted services reach
data only through the ports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CHALICELIB = Path(__file__).resolve().parents[2] / "functions" / "chalicelib"
CLOUD = ("boto3", "botocore", "pynamodb", "chalice")


def imports(path: Path) -> set[str]:
    """Modules imported at run time (imports under ``if TYPE_CHECKING:`` are left out)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def under(found: set[str], *packages: str) -> set[str]:
    return {m for m in found for p in packages if m == p or m.startswith(p + ".")}


@pytest.mark.parametrize(
    "module", sorted(p.name for p in (CHALICELIB / "domain").glob("*.py")), ids=str
)
def test_domain_rules_import_no_cloud_and_no_outer_layer(module):
    found = imports(CHALICELIB / "domain" / module)
    outer = ("chalicelib.adapters", "chalicelib.services", "chalicelib.api", *CLOUD)
    assert not under(found, *outer)


@pytest.mark.parametrize("module", ["friends.py", "ports.py"])
def test_converted_services_hold_no_table_or_client(module):
    found = imports(CHALICELIB / "services" / module)
    assert not under(found, "chalicelib.adapters", *CLOUD)


WRITES = (".save(", ".update(", ".delete(")
READS = (".query(", ".batch_get(", "Record.get(")


@pytest.mark.parametrize(
    ("module", "calls"),
    # sharing.history still pages its two index queries itself (see notes): writes only.
    [("pairing.py", WRITES + READS), ("sharing.py", WRITES)],
)
def test_converted_services_use_records_as_data_only(module, calls):
    """They may build records (the models' constructors), never read or write through them."""
    source = (CHALICELIB / "services" / module).read_text()
    for call in calls:
        assert call not in source, f"{module} calls {call}"
