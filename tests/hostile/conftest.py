"""Hostile tests reuse the integration fixtures (in-process moto); ``local_cloud`` comes from
tests/conftest.py."""

from __future__ import annotations

from tests.integration.conftest import aws, client, device_ca

__all__ = ["aws", "client", "device_ca"]
