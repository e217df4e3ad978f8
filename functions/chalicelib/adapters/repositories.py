"""DynamoDB repositories: the ports of ``services/ports.py`` over the models of ``tables.py``.

Each method is one access pattern on a key or an index (no scans); the condition expressions
that keep counters, claims and both sides of a friendship right live here, nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from chalicelib.adapters import tables
from chalicelib.adapters.conditional import delete_if, save_if, update_if
from chalicelib.domain.timefmt import iso

LIVE = ("queued", "delivered", "displayed")


class DynamoUsers:
    def get(self, user_id: str) -> tables.UserRecord | None:
        try:
            return tables.UserRecord.get(user_id)
        except tables.DoesNotExist:
            return None

    def many(self, user_ids: Iterable[str]) -> dict[str, tables.UserRecord]:
        wanted = list(dict.fromkeys(user_ids))
        return {u.user_id: u for u in tables.UserRecord.batch_get(wanted)} if wanted else {}

    def id_by_email(self, address: str) -> str | None:
        try:
            return tables.UserEmailRecord.get(address).user_id
        except tables.DoesNotExist:
            return None

    def id_by_friend_code(self, code: str) -> str | None:
        try:
            return tables.FriendCodeRecord.get(code).user_id
        except tables.DoesNotExist:
            return None

    def reserve_photo_slot(self, user_id: str, quota: int) -> bool:
        return update_if(
            tables.UserRecord(user_id),
            [tables.UserRecord.photo_count.add(1)],
            tables.UserRecord.user_id.exists()
            & (
                tables.UserRecord.photo_count.does_not_exist()
                | (tables.UserRecord.photo_count < quota)
            ),
        )

    def release_photo_slot(self, user_id: str) -> None:
        update_if(
            tables.UserRecord(user_id),
            [tables.UserRecord.photo_count.add(-1)],
            tables.UserRecord.user_id.exists() & (tables.UserRecord.photo_count > 0),
        )


class DynamoImages:
    def get(self, user_id: str, image_id: str) -> tables.ImageRecord | None:
        try:
            return tables.ImageRecord.get(user_id, image_id)
        except tables.DoesNotExist:
            return None

    def add(self, image: tables.ImageRecord) -> None:
        image.save()

    def remove_pending(self, image: tables.ImageRecord) -> bool:
        return delete_if(image, tables.ImageRecord.state == "pending")

    def keep_renditions_until(self, image: tables.ImageRecord, until: datetime) -> None:
        image.update(actions=[tables.ImageRecord.shares_until.set(until)])


class DynamoFrames:
    def get(self, frame_id: str) -> tables.FrameRecord | None:
        try:
            return tables.FrameRecord.get(frame_id)
        except tables.DoesNotExist:
            return None

    def many(self, frame_ids: Iterable[str]) -> dict[str, tables.FrameRecord]:
        wanted = list(dict.fromkeys(frame_ids))
        return {f.frame_id: f for f in tables.FrameRecord.batch_get(wanted)} if wanted else {}

    def of_owner(self, owner_id: str) -> list[tables.FrameRecord]:
        return list(tables.FrameRecord.by_owner.query(owner_id))

    def add(self, frame: tables.FrameRecord) -> bool:
        return save_if(frame, tables.FrameRecord.frame_id.does_not_exist())

    def count_item(self, frame_id: str, change: int) -> None:
        if change >= 0:
            tables.FrameRecord(frame_id).update(
                actions=[tables.FrameRecord.active_items.add(change)]
            )
            return
        update_if(
            tables.FrameRecord(frame_id),
            [tables.FrameRecord.active_items.add(change)],
            tables.FrameRecord.frame_id.exists() & (tables.FrameRecord.active_items >= -change),
        )

    def show_next(self, frame_id: str, share_id: str, at: datetime) -> None:
        tables.FrameRecord(frame_id).update(
            actions=[
                tables.FrameRecord.show_next.set({"shareId": share_id, "requestedAt": iso(at)})
            ]
        )


class DynamoShares:
    def get(self, share_id: str) -> tables.ShareRecord | None:
        try:
            return tables.ShareRecord.get(share_id)
        except tables.DoesNotExist:
            return None

    def deliveries(self, share: tables.ShareRecord) -> list[tables.DeliveryRecord]:
        found = list(
            tables.DeliveryRecord.batch_get([(f, share.share_id) for f in share.frame_ids])
        )
        found.sort(key=lambda d: share.frame_ids.index(d.frame_id))
        return found

    def delivery(self, frame_id: str, share_id: str) -> tables.DeliveryRecord | None:
        try:
            return tables.DeliveryRecord.get(frame_id, share_id)
        except tables.DoesNotExist:
            return None

    def live_on(self, frame_id: str) -> list[tables.DeliveryRecord]:
        return list(
            tables.DeliveryRecord.query(
                frame_id, filter_condition=tables.DeliveryRecord.state.is_in(*LIVE)
            )
        )

    def add(self, share: tables.ShareRecord, deliveries: list[tables.DeliveryRecord]) -> None:
        share.save()
        for delivery in deliveries:
            delivery.save()

    def leave(self, frame_id: str, share_id: str, state: str) -> bool:
        return update_if(
            tables.DeliveryRecord(frame_id, share_id),
            [tables.DeliveryRecord.state.set(state)],
            tables.DeliveryRecord.frame_id.exists() & tables.DeliveryRecord.state.is_in(*LIVE),
        )

    def attach_file(self, frame_id: str, share_id: str, file: dict[str, Any]) -> bool:
        return update_if(
            tables.DeliveryRecord(frame_id, share_id),
            [
                tables.DeliveryRecord.file_key.set(file["key"]),
                tables.DeliveryRecord.file_sha256.set(file["sha256"]),
                tables.DeliveryRecord.file_bytes.set(file["bytes"]),
                tables.DeliveryRecord.thumbnail_key.set(file["thumbnailKey"]),
            ],
            (tables.DeliveryRecord.state == "queued")
            & tables.DeliveryRecord.file_key.does_not_exist(),
        )

    def set_thumbnail(self, share_id: str, key: str) -> None:
        update_if(
            tables.ShareRecord(share_id),
            [tables.ShareRecord.thumbnail_key.set(key)],
            tables.ShareRecord.share_id.exists(),
        )

    def purge(self, share: tables.ShareRecord, deliveries: list[tables.DeliveryRecord]) -> None:
        for delivery in deliveries:
            delivery.delete()
        share.delete()


class DynamoFriendships:
    def get(self, user_id: str, other_id: str) -> tables.FriendshipRecord | None:
        try:
            return tables.FriendshipRecord.get(user_id, other_id, consistent_read=True)
        except tables.DoesNotExist:
            return None

    def friend_ids(self, user_id: str) -> list[str]:
        return [r.other_id for r in self.of_state(user_id, "friends")]

    def of_state(self, user_id: str, state: str) -> list[tables.FriendshipRecord]:
        return list(
            tables.FriendshipRecord.query(
                user_id, filter_condition=tables.FriendshipRecord.state == state
            )
        )

    def request(
        self, sender: tables.UserRecord, recipient: tables.UserRecord, at: datetime
    ) -> None:
        with tables.transaction() as tx:
            tx.save(
                tables.FriendshipRecord(
                    sender.user_id,
                    recipient.user_id,
                    state="outgoing",
                    other_name=recipient.display_name,
                    created_at=at,
                )
            )
            tx.save(
                tables.FriendshipRecord(
                    recipient.user_id,
                    sender.user_id,
                    state="incoming",
                    other_name=sender.display_name,
                    created_at=at,
                )
            )

    def settle(
        self, user_id: str, other_id: str, expect: str, then: str | None, at: datetime
    ) -> bool:
        opposite = {"incoming": "outgoing", "outgoing": "incoming"}[expect]
        try:
            with tables.transaction() as tx:
                for side, state in (
                    (tables.FriendshipRecord(user_id, other_id), expect),
                    (tables.FriendshipRecord(other_id, user_id), opposite),
                ):
                    condition = tables.FriendshipRecord.state == state
                    if then is None:
                        tx.delete(side, condition=condition)
                    else:
                        tx.update(
                            side,
                            actions=[
                                tables.FriendshipRecord.state.set(then),
                                tables.FriendshipRecord.created_at.set(at),
                            ],
                            condition=condition,
                        )
        except tables.TransactWriteError:
            return False
        return True

    def unfriend(self, user_id: str, other_id: str) -> None:
        theirs = self.get(other_id, user_id)
        with tables.transaction() as tx:
            tx.delete(tables.FriendshipRecord(user_id, other_id))
            if theirs is not None and theirs.state == "friends":
                tx.delete(theirs)

    def block(self, user_id: str, other: tables.UserRecord, at: datetime) -> None:
        theirs = self.get(other.user_id, user_id)
        with tables.transaction() as tx:
            tx.save(
                tables.FriendshipRecord(
                    user_id,
                    other.user_id,
                    state="blocked",
                    other_name=other.display_name,
                    created_at=at,
                )
            )
            if theirs is not None and theirs.state != "blocked":
                tx.delete(theirs)

    def unblock(self, user_id: str, other_id: str) -> bool:
        return delete_if(
            tables.FriendshipRecord(user_id, other_id), tables.FriendshipRecord.state == "blocked"
        )


class DynamoPairingSessions:
    def open(self, session: tables.PairingSessionRecord) -> bool:
        return save_if(session, tables.PairingSessionRecord.code.does_not_exist())

    def get(self, code: str) -> tables.PairingSessionRecord | None:
        try:
            return tables.PairingSessionRecord.get(code, consistent_read=True)
        except tables.DoesNotExist:
            return None

    def take(self, session: tables.PairingSessionRecord, frame_id: str) -> bool:
        return update_if(
            session,
            [
                tables.PairingSessionRecord.state.set("claiming"),
                tables.PairingSessionRecord.frame_id.set(frame_id),
            ],
            tables.PairingSessionRecord.state == "pending",
        )

    def give_back(self, session: tables.PairingSessionRecord) -> None:
        session.update(
            actions=[
                tables.PairingSessionRecord.state.set("pending"),
                tables.PairingSessionRecord.frame_id.remove(),
            ]
        )

    def complete(self, session: tables.PairingSessionRecord, certificate_pem: str) -> None:
        session.update(
            actions=[
                tables.PairingSessionRecord.state.set("claimed"),
                tables.PairingSessionRecord.certificate_pem.set(certificate_pem),
            ]
        )


class DeviceRegistry:
    """The project's device CA issues the certificate; the IoT registry registers the thing.

    ``cryptography`` is imported on first use: only the API and pairing need it, and the
    functions without the Crypto layer (uploads, jobs) build the same bundle.
    """

    def validate_csr(self, csr_pem: str) -> None:
        from chalicelib.adapters import device_ca

        device_ca.validate_csr(csr_pem)

    def provision(self, csr_pem: str, frame_id: str) -> tuple[str, str]:
        from chalicelib.adapters import device_ca, iot_registry

        certificate = device_ca.issue_certificate(csr_pem, frame_id)
        registered = iot_registry.register_frame(
            frame_id, certificate, device_ca.device_ca().certificate_pem
        )
        return certificate, registered.certificate_id

    def server_root_pem(self) -> str:
        from chalicelib.adapters import device_ca

        return device_ca.device_ca().server_root_pem
