"""The AWS SDK is loaded on first use, and SnapStart loads it before the snapshot.

A function's module import leaves botocore and PynamoDB out (chalicelib/adapters/__init__.py:
most of a cold import was botocore); ``snapstart.prime`` loads them, the tables and every
service's parsed model before the snapshot, and a restored copy keeps that parsed data but no
credentials or connections (chalicelib/snapstart.py, adapters/aws.py). Each check runs in a
fresh interpreter: in this one, other tests have long loaded everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.adapters import aws
from infra.deploy.layers import services_used

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
# Every module a Lambda function runs from: the API, the authorizer, each events blueprint.
ENTRY_MODULES = [
    "app",
    "chalicelib.api.authorizer",
    *sorted(
        f"chalicelib.events.{path.stem}"
        for path in (FUNCTIONS / "chalicelib" / "events").glob("*.py")
        if "bootstrap.start()" in path.read_text(encoding="utf-8")
    ),
]
# Not loaded by any function's import (PynamoDB's expressions, which conditions are built
# with, import no botocore and stay).
HEAVY = (
    "botocore",
    "boto3",
    "pynamodb.models",
    "pynamodb.attributes",
    "PIL",
    "argon2",
    "numpy",
    "jwt",
    "cryptography",
)


def run(code: str, **env: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter with this tree's code; it prints one JSON object."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SHAREFRAME_"))}
    # This tree first (the shared virtualenv's editable install points at another checkout).
    environ["PYTHONPATH"] = os.pathsep.join([str(FUNCTIONS), str(ROOT)])
    environ.update(AWS_DEFAULT_REGION="eu-west-1", **env)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_every_function_is_found():
    assert len(ENTRY_MODULES) >= 7
    assert "chalicelib.events.schedules" in ENTRY_MODULES


@pytest.mark.parametrize("module", ENTRY_MODULES)
def test_a_functions_import_loads_no_aws_sdk(module):
    found = run(
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps(sorted(m for m in sys.modules if m in "
        f"{HEAVY!r} or m.split('.')[0] in {HEAVY!r})))\n"
    )
    assert found == [], f"{module} imports {found} at import"


def test_the_authorizer_loads_neither_pillow_argon2_nor_the_sdk_before_its_first_call():
    found = run(
        "import json, sys\n"
        "import chalicelib.api.authorizer\n"
        "print(json.dumps({'modules': len(sys.modules), 'heavy': sorted({m.split('.')[0] "
        "for m in sys.modules} & {'PIL', 'argon2', 'numpy', 'botocore', 'boto3', 'jwt', 'cryptography'})}))\n"
    )
    assert found["heavy"] == []


PRIME_AND_RESTORE = """
import json, os, sys
import botocore.loaders  # noqa: the SDK, loaded here only to count its file reads below
import {module}
from chalicelib import adapters, snapstart
from chalicelib.adapters import aws, tables

assert not adapters.loaded("tables") and not adapters.loaded("aws")
snapstart.prime()
after_prime = {{
    "tables": adapters.loaded("tables"),
    "media_store": adapters.loaded("media_store"),
    "pynamodb": "pynamodb.models" in sys.modules,
    "credentials_resolved": aws.session().credentials_resolved,
}}
session = aws.session()
snapshot_connection = tables.UserRecord._get_connection()

# Restored: new credentials in the environment, as Lambda gives a restored copy.
snapstart.refresh_after_restore()
os.environ["AWS_ACCESS_KEY_ID"] = "restored-key"
reads = []
original = botocore.loaders.JSONFileLoader.load_file
def counting(self, path):
    reads.append(os.path.basename(os.path.dirname(path)) + "/" + os.path.basename(path))
    return original(self, path)
botocore.loaders.JSONFileLoader.load_file = counting
made = {{s: aws.client(s) for s in aws.SERVICES}}
dynamodb = tables.UserRecord._get_connection().connection.client
print(json.dumps({{
    **after_prime,
    "same_session": aws.session() is session,
    "new_connection": tables.UserRecord._get_connection() is not snapshot_connection,
    "files_read_after_restore": reads,
    "keys": sorted({{c._request_signer._credentials.access_key for c in made.values()}}
                   | {{dynamodb._request_signer._credentials.access_key}}),
    "dynamodb_region": dynamodb.meta.region_name,
}}))
"""


@pytest.mark.parametrize(
    "module", ["app", "chalicelib.api.authorizer", "chalicelib.events.schedules"]
)
def test_prime_loads_the_sdk_and_every_model_and_a_restore_keeps_them_but_not_credentials(
    module,
):
    found = run(
        PRIME_AND_RESTORE.format(module=module),
        AWS_ACCESS_KEY_ID="snapshot-key",
        AWS_SECRET_ACCESS_KEY="secret",
        SHAREFRAME_PREFIX="shareframe-test",
    )
    assert found["tables"] and found["media_store"] and found["pynamodb"]
    assert found["credentials_resolved"] is False  # prime made unsigned clients only
    assert found["same_session"] is True
    assert found["new_connection"] is True
    # Every client of every service, and PynamoDB's, from parsed data: no file read again.
    assert found["files_read_after_restore"] == []
    assert found["keys"] == ["restored-key"]
    assert found["dynamodb_region"] == "eu-west-1"


def test_a_session_that_resolved_credentials_is_dropped_after_a_restore():
    found = run(
        "import json\n"
        "from chalicelib import snapstart\n"
        "from chalicelib.adapters import aws\n"
        "before = aws.session()\n"
        "aws.client('sqs')\n"  # resolves the session's credentials
        "snapstart.refresh_after_restore()\n"
        "print(json.dumps({'same': aws.session() is before}))\n",
        AWS_ACCESS_KEY_ID="snapshot-key",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    assert found == {"same": False}


def test_a_deferred_module_runs_once_when_many_threads_reach_it_at_once():
    found = run(
        "import json, threading\n"
        "from chalicelib.adapters import tables\n"
        "barrier = threading.Barrier(16)\n"
        "seen, errors = [], []\n"
        "def reach():\n"
        "    barrier.wait()\n"
        "    try:\n"
        "        seen.append(len(tables.ALL_MODELS) and tables.transaction.__name__)\n"
        "    except BaseException as error:\n"
        "        errors.append(repr(error))\n"
        "threads = [threading.Thread(target=reach) for _ in range(16)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(json.dumps({'seen': seen, 'errors': errors}))\n"
    )
    assert found["errors"] == []
    assert found["seen"] == ["transaction"] * 16


def test_the_primed_services_are_the_ones_the_code_makes_clients_of():
    assert set(aws.SERVICES) == services_used(FUNCTIONS)
