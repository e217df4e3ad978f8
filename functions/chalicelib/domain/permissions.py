"""Who may send to which frame: the frame owner's "who may send" setting decides."""

from __future__ import annotations

from chalicelib.domain.frame_settings import FrameSettings


def may_send(settings: FrameSettings, *, owner_id: str, sender_id: str, are_friends: bool) -> bool:
    if sender_id == owner_id:
        return True
    if not are_friends or settings.send_policy == "owner":
        return False
    if settings.send_policy == "friends":
        return True
    return sender_id in settings.allowed_senders
