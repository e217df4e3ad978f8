"""Opt-in e-mail notifications. Each kind is off until the user turns it on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.adapters import mailer, tables
from chalicelib.config import Settings, settings

if TYPE_CHECKING:
    from chalicelib.services.ports import Mailer

KINDS = ("friendRequest", "photoDisplayed", "frameOffline")


def wants(user: tables.UserRecord, kind: str) -> bool:
    return bool((user.notifications or {}).get(kind))


def friend_request(post: Mailer, config: Settings, user: tables.UserRecord, from_name: str) -> None:
    if wants(user, "friendRequest"):
        post.send(
            user.email,
            f"{from_name} wants to be friends on Shareframe",
            f"Hello {user.display_name},\n\n{from_name} sent you a friend request. Friends can "
            "send photos to each other's frames.\n\nAnswer it here:\n"
            f"{config.web_url}/friends\n\nShareframe\n",
        )


def photo_displayed(user: tables.UserRecord, frame_name: str) -> None:
    if wants(user, "photoDisplayed"):
        mailer.send(
            user.email,
            f"Your photo is on {frame_name}",
            f"Hello {user.display_name},\n\nThe photo you sent is now showing on the frame "
            f'"{frame_name}".\n\nSee your history: {settings().web_url}/history\n\nShareframe\n',
        )


def frame_offline(user: tables.UserRecord, frame_name: str) -> None:
    if wants(user, "frameOffline"):
        mailer.send(
            user.email,
            f"Your frame {frame_name} has been offline for a day",
            f'Hello {user.display_name},\n\nThe frame "{frame_name}" has not been online for '
            "more than a day. It keeps showing its photos, but new ones will wait until it is "
            "back. Check that it has power and Wi-Fi.\n\n"
            f"{settings().web_url}/frames\n\nShareframe\n",
        )
