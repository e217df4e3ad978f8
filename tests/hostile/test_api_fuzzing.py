"""Schemathesis against the real ``chalice local`` of the local cloud, from /openapi.json.

Every operation, signed in as a real user, with bounded, derandomized examples of valid data
(positive) and of data that breaks the document (negative): no 500s, and every answer conforms
to the document (status code declared, JSON content type, body schema, headers).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.journeys import Person, photo
from tests.hostile.localcloud_world import pair_headless

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("localcloud")]

# Per operation and generation mode. SHAREFRAME_FUZZ_EXAMPLES=200 for a longer run.
EXAMPLES = int(os.environ.get("SHAREFRAME_FUZZ_EXAMPLES", "4"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Rows that would end the fuzzing user's session or account are fuzzed as a second user.
SESSION_ENDING = {("POST", "/me/password"), ("DELETE", "/me")}


def _fuzzer(strategy, label, token, base_url, session, failures, statuses):
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES * 2,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case):
        # The generated case carries a made-up bearer token: always sign in as the real user.
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        response = case.call(base_url=base_url, session=session)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as failure:  # collected, shown at the end
            text = str(failure).strip().splitlines()
            failures.append(f"{label}: {' | '.join(text[:8])[:700]}")

    return fuzz


def _path_names(operation) -> set[str]:
    return {p.name for p in operation.iter_parameters() if p.location.value == "path"}


def test_the_api_survives_fuzzing_from_its_own_openapi_document(local_cloud):
    ana = Person(local_cloud, "fuzz@example.com").sign_up("Fuzz")
    spare = Person(local_cloud, "fuzz-spare@example.com").sign_up("Spare")
    image = ana.upload(photo())
    assert image["state"] == "ready"
    frame_id = pair_headless(ana, "Fuzzed")
    share = ana.send(image["imageId"], [frame_id])["shareId"]
    # Random ids rarely name anything: a second pass pins path ids to Ana's real things, so
    # fuzzed bodies and queries reach the handlers' real work (destructive operations last).
    real = {
        "frame_id": frame_id,
        "image_id": image["imageId"],
        "share_id": share,
        "user_id": spare.user_id,
    }
    schema = schemathesis.openapi.from_url(local_cloud.api_url + "/openapi.json")
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    session = requests.Session()
    operations = [result.ok() for result in schema.get_all_operations()]
    pinned = sorted(
        (o for o in operations if set(real) & _path_names(o)),
        key=lambda o: o.method.upper() == "DELETE",
    )
    for operation, pin in [(o, False) for o in operations] + [(o, True) for o in pinned]:
        method, path = operation.method.upper(), operation.path
        token = (spare if (method, path) in SESSION_ENDING else ana).token
        names = _path_names(operation)
        fixed = {k: v for k, v in real.items() if k in names} if pin else None
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed),
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed),
        )
        label = f"{method} {path}" + (f" with {fixed}" if fixed else "")
        _fuzzer(strategy, label, token, local_cloud.api_url, session, failures, statuses)()
    print(f"fuzzing answers by status: {dict(sorted(statuses.items()))}")
    assert sum(n for code, n in statuses.items() if code < 300) >= 20, statuses
    assert 500 not in statuses
    unique = sorted(set(failures))
    assert not unique, f"{len(unique)} failures:\n" + "\n".join(unique[:40])
