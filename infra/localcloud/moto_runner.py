"""moto's server as the local cloud runs it: the same ``moto_server``, with repairs.

``GET /moto-api/data.json`` (how ``make mail`` and the tests read the mail SES "sent") answers 500
as soon as any tracked model has a property that raises something other than the three errors
moto expects, e.g. after an export streamed to S3 as a multipart upload. The repair skips such
a property, as moto already does for values that are not JSON.

``speed_up`` removes three costs of moto's own that made every AWS call of the local cloud slower
than the work it does (profiled with py-spy under 2,400 timers: together about 40 % of moto's
CPU, growing with the data; docs/scale.md "Measurements"):

* a DynamoDB ``Query`` of a table (not an index) sorted every item of the table to pick one
  partition's: now it reads that partition only, as DynamoDB does (its cost grows with the
  partition, not the table);
* finding the service of a request listed moto's package directory on every request, under a
  lock shared by all requests: now the answer per host is remembered;
* werkzeug formatted and wrote one log line per request, under the logging lock, even when the
  supervisor throws the output away: ``--quiet`` turns that log off (``up --moto-log`` keeps it);
* SQS ``SendMessage`` and ``ReceiveMessage`` computed every attribute of the queue, message
  counts included (each a walk of every message), to read one setting: per message sent, and
  three times per message looked at when receiving (quadratic in the queue's length: a queue of
  800 chunks spent most of moto's time there). Inside those two calls the counts now read 0
  (nothing there uses them); ``GetQueueAttributes`` counts as before;
* DynamoDB items went out through moto's generic response serializer, member by member of every
  attribute value, though moto holds them in the wire's own JSON form: they are now sent as
  they are (unless they hold bytes, which the serializer encodes);
* ``GetQueueAttributes`` computed all of the queue's attributes (three walks of its messages)
  again for every attribute asked: now once per call;
* the server wrote each response's headers and body in two small writes on a socket with
  Nagle's algorithm on: the body waited for the client's delayed ACK of the headers, up to
  40 ms a request on Linux loopback. Its sockets now send at once (``TCP_NODELAY``, as
  urllib3's client sockets already do).
"""

from __future__ import annotations

import inspect
import json
import logging
import sys
import threading
from typing import Any

from moto.core.serialize import BaseJSONSerializer
from moto.dynamodb.models.table import Table
from moto.moto_api._internal.responses import MotoAPIResponse
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import main
from moto.sqs.models import Queue, SQSBackend
from werkzeug.serving import WSGIRequestHandler


def _json_value(instance: object, attr: str) -> tuple[bool, Any]:
    try:
        value = getattr(instance, attr)
        json.dumps(value)
    except Exception:  # any property that cannot be read is left out
        return False, None
    return True, value


def _model_data(self: MotoAPIResponse, request: Any, full_url: str, headers: Any) -> Any:
    from moto.core.model_instances import model_data

    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for service in sorted(model_data):
        models = model_data[service]
        results[service] = {}
        for name in sorted(models):
            results[service][name] = []
            for instance in models[name].instances_tracked:  # type: ignore[attr-defined]
                fields = {}
                for attr in dir(instance):
                    if not attr.startswith("_"):
                        ok, value = _json_value(instance, attr)
                        if ok:
                            fields[attr] = value
                results[service][name].append(fields)
    return 200, {"Content-Type": "application/javascript"}, json.dumps(results)


MotoAPIResponse.model_data = _model_data  # type: ignore[method-assign]


_PARTITION = threading.local()  # the hash key of the table query running in this thread


def _one_partition_query() -> None:
    query, all_items = Table.query, Table.all_items
    signature = inspect.signature(query)

    def partition_query(self: Table, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        if arguments.get("index_name") or arguments.get("hash_key") is None:
            return query(self, *args, **kwargs)  # an index: moto's own walk
        _PARTITION.hash_key = arguments["hash_key"]
        try:
            return query(self, *args, **kwargs)
        finally:
            _PARTITION.hash_key = None

    def partition_items(self: Table) -> Any:
        hash_key = getattr(_PARTITION, "hash_key", None)
        if hash_key is None:
            return all_items(self)
        partition = self.items.get(hash_key)  # .get: the defaultdict gains no empty key
        if partition is None:
            return []
        return list(partition.values()) if self.range_key_attr else [partition]

    Table.query = partition_query  # type: ignore[method-assign]
    Table.all_items = partition_items  # type: ignore[method-assign]


def _remembered_backends() -> None:
    find = DomainDispatcherApplication.get_backend_for_host
    known: dict[str | None, Any] = {}

    def backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        if host not in known:
            known[host] = find(self, host)
        return known[host]

    DomainDispatcherApplication.get_backend_for_host = backend_for_host  # type: ignore[method-assign]


_SENDING = threading.local()  # set while this thread sends or receives SQS messages


def _counts_not_walked_while_sending() -> None:
    def uncounted(call: Any) -> Any:
        def sending(self: SQSBackend, *args: Any, **kwargs: Any) -> Any:
            _SENDING.active = True
            try:
                return call(self, *args, **kwargs)
            finally:
                _SENDING.active = False

        return sending

    def unless_sending(count: property) -> property:
        def counted(queue: Queue) -> Any:
            return 0 if getattr(_SENDING, "active", False) else count.fget(queue)  # type: ignore[misc]

        return property(counted)

    for name in (
        "approximate_number_of_messages",
        "approximate_number_of_messages_not_visible",
        "approximate_number_of_messages_delayed",
    ):
        setattr(Queue, name, unless_sending(getattr(Queue, name)))
    SQSBackend.send_message = uncounted(SQSBackend.send_message)  # type: ignore[method-assign]
    SQSBackend.receive_message = uncounted(SQSBackend.receive_message)  # type: ignore[method-assign]


def _json_native(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_json_native(v) for v in value.values())
    if isinstance(value, list):
        return all(_json_native(v) for v in value)
    return isinstance(value, str | bool | int | float) or value is None


def _attribute_values_as_they_are() -> None:
    serialize = BaseJSONSerializer._serialize_type_structure

    def structure(
        self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str
    ) -> None:
        if shape.name == "AttributeValue" and key and _json_native(value):
            self._default_serialize(serialized, value, shape, key)
            return
        serialize(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize_type_structure = structure  # type: ignore[method-assign]


def _attributes_once_per_call() -> None:
    def get_queue_attributes(
        self: SQSBackend, queue_name: str, attribute_names: list[str]
    ) -> dict[str, Any]:
        queue = self.get_queue(queue_name)
        known = {"All", *queue.BASE_ATTRIBUTES, *queue.FIFO_ATTRIBUTES, *queue.KMS_ATTRIBUTES}
        if "All" in attribute_names or not set(attribute_names) <= known:
            return find(self, queue_name, attribute_names)  # moto's own answer, or its error
        every = find(self, queue_name, ["All"])
        return {name: every[name] for name in attribute_names if every.get(name) is not None}

    find = SQSBackend.get_queue_attributes
    SQSBackend.get_queue_attributes = get_queue_attributes  # type: ignore[method-assign]


def speed_up(*, quiet: bool) -> None:
    """Apply the repairs that make moto's cost per call independent of its data (above)."""
    _one_partition_query()
    _remembered_backends()
    _counts_not_walked_while_sending()
    _attribute_values_as_they_are()
    _attributes_once_per_call()
    WSGIRequestHandler.disable_nagle_algorithm = True
    if quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)


if __name__ == "__main__":
    quiet = "--quiet" in sys.argv
    if quiet:
        sys.argv.remove("--quiet")
    speed_up(quiet=quiet)
    main()
