"""boto3 clients, created on first use (not at import: cold starts stay short).

boto3 itself is imported on the first call too: the authorizer and the schedules import this
module, and boto3 is about a fifth of their import time. Where SnapStart is on, it is imported
before the snapshot instead (snapstart.py).

Endpoints come from the standard ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` variables,
so the same code talks to AWS or to the local cloud.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        signature_version="s3v4" if service == "s3" else None,
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=5,
        read_timeout=20,
    )
    return boto3.session.Session().client(service, config=config)
