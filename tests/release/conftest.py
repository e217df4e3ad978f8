"""Release tool tests: the integration suite's in-process AWS (moto, provisioned from the
template) for the parts that talk to the backend."""

from tests.integration.conftest import aws, client, device_ca  # noqa: F401
