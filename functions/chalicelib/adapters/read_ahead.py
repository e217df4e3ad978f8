"""Repositories that read a whole chunk of timers' items in one request (BatchGetItem).

A chunk of timers (services/maintenance.py) is 25 pieces of work of one job, each of which first
reads one item (a share, an upload, a frame and its owner). Read one at a time that is 25
requests before any work is done; read ahead it is one per table. Each class here is the
table's own repository whose ``get`` answers from that one read, once per key: a second ``get``
of the same key (two timers of one item in a chunk, or a service reading again after its own
write) reads the table as usual, so nobody is handed an item older than their own write.
The consistency of the read ahead is the caller's choice, as with ``get``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from chalicelib.adapters import tables
from chalicelib.adapters.repositories import DynamoFrames, DynamoImages, DynamoShares, DynamoUsers


class _Ahead[K, R]:
    """Items read in one batch, each handed out once."""

    def __init__(
        self,
        keys: Iterable[K],
        read: Callable[[list[K]], Iterator[R]],
        key_of: Callable[[R], K],
    ) -> None:
        wanted = list(dict.fromkeys(keys))
        self._asked = set(wanted)
        self._found = {key_of(item): item for item in read(wanted)} if wanted else {}

    def values(self) -> list[R]:
        return list(self._found.values())

    def take(self, key: K, otherwise: Callable[[], R | None]) -> R | None:
        if key not in self._asked:
            return otherwise()
        self._asked.discard(key)
        return self._found.pop(key, None)


class ReadAheadUsers(DynamoUsers):
    def __init__(self, user_ids: Iterable[str], *, consistent: bool = False) -> None:
        self._ahead: _Ahead[str, tables.UserRecord] = _Ahead(
            user_ids,
            lambda keys: tables.UserRecord.batch_get(keys, consistent_read=consistent),
            lambda user: user.user_id,
        )

    def get(self, user_id: str) -> tables.UserRecord | None:
        return self._ahead.take(user_id, lambda: super(ReadAheadUsers, self).get(user_id))


class ReadAheadImages(DynamoImages):
    def __init__(self, keys: Iterable[tuple[str, str]]) -> None:
        self._ahead: _Ahead[tuple[str, str], tables.ImageRecord] = _Ahead(
            keys, tables.ImageRecord.batch_get, lambda image: (image.user_id, image.image_id)
        )

    def get(self, user_id: str, image_id: str) -> tables.ImageRecord | None:
        return self._ahead.take(
            (user_id, image_id), lambda: super(ReadAheadImages, self).get(user_id, image_id)
        )


class ReadAheadFrames(DynamoFrames):
    def __init__(self, frame_ids: Iterable[str], *, consistent: bool = False) -> None:
        self._ahead: _Ahead[str, tables.FrameRecord] = _Ahead(
            frame_ids,
            lambda keys: tables.FrameRecord.batch_get(keys, consistent_read=consistent),
            lambda frame: frame.frame_id,
        )

    def read(self) -> list[tables.FrameRecord]:
        """Every frame the batch found (for reading what they need in turn)."""
        return self._ahead.values()

    def get(self, frame_id: str) -> tables.FrameRecord | None:
        return self._ahead.take(frame_id, lambda: super(ReadAheadFrames, self).get(frame_id))


class ReadAheadShares(DynamoShares):
    def __init__(self, share_ids: Iterable[str]) -> None:
        self._ahead: _Ahead[str, tables.ShareRecord] = _Ahead(
            share_ids, tables.ShareRecord.batch_get, lambda share: share.share_id
        )

    def get(self, share_id: str) -> tables.ShareRecord | None:
        return self._ahead.take(share_id, lambda: super(ReadAheadShares, self).get(share_id))


def keys(refs: Iterable[dict[str, Any]], *fields: str) -> list[Any]:
    """The item keys a chunk's timer references name (skipping any without the fields)."""
    found: list[Any] = []
    for ref in refs:
        values = [ref.get(f) for f in fields]
        if all(isinstance(v, str) for v in values):
            found.append(values[0] if len(values) == 1 else tuple(values))
    return found
