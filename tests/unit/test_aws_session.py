"""One botocore session per process for every AWS client and every PynamoDB table
(chalicelib/adapters/aws.py): a cold start parses botocore's data files once, not once per table
and service it touches."""

import threading

import pytest

from chalicelib import snapstart
from chalicelib.adapters import aws, tables


@pytest.fixture(autouse=True)
def _fresh_session(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # Credentials in the environment: otherwise botocore asks the instance metadata service.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    aws.client.cache_clear()
    aws.session.cache_clear()
    saved = {model: model._connection for model in tables.ALL_MODELS}
    for model in tables.ALL_MODELS:
        model._connection = None
    yield
    for model, connection in saved.items():
        model._connection = connection
    aws.client.cache_clear()
    aws.session.cache_clear()


def test_every_table_and_client_comes_from_the_one_session():
    shared = aws.session()
    for model in tables.ALL_MODELS[:3]:
        assert model._get_connection().connection.session is shared
    # A client the session made has its region and credentials from it.
    assert aws.client("sqs").meta.region_name == "us-east-1"
    assert aws.client("sqs") is aws.client("sqs")


def test_clients_are_created_safely_from_several_threads():
    made: list[object] = []
    errors: list[BaseException] = []

    def create(index: int) -> None:
        try:
            made.append(aws.session().create_client("dynamodb" if index % 2 else "sqs"))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(made) == 8


def test_a_restored_snapshot_keeps_a_session_without_credentials_and_its_tables_use_it():
    before = aws.session()
    tables.UserRecord._get_connection()
    snapstart.refresh_after_restore()
    assert aws.session() is before  # parsed data only: tests/unit/test_lazy_sdk.py
    assert tables.UserRecord._get_connection().connection.session is aws.session()


def test_a_restored_snapshot_gets_a_new_session_if_the_old_one_resolved_credentials():
    before = aws.session()
    aws.client("sqs")
    snapstart.refresh_after_restore()
    assert aws.session() is not before
    assert tables.UserRecord._get_connection().connection.session is aws.session()
