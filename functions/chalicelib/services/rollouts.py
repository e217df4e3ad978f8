"""Rolling firmware out now: telling the frames of a channel, and placing frames in rollouts."""

from __future__ import annotations

from collections.abc import Callable

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from chalicelib.adapters.tables import FrameRecord
from chalicelib.domain import releases as rules
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.services import frame_sync
from chalicelib.services.releases import GROUP_NAME, firmware_offer, of_channel


def notify_channel(channel: str, *, on_frame: Callable[[str], None] | None = None) -> int:
    """Republish the desired state of every frame of ``channel`` whose firmware offer changed
    (a release it may install, or one only offered to it because automatic updates are off).

    Frames also learn of releases when they connect and every 6 hours; this makes a release,
    pause or rollout change take effect now. One query of the channel's frames (the work is
    telling them), the release catalogue read once.
    """
    catalogue = of_channel(channel)
    told = 0
    for frame in FrameRecord.by_channel.query(channel):
        if firmware_offer(frame, catalogue) != frame.published_firmware:
            frame_sync.publish(frame.frame_id)
            told += 1
            if on_frame is not None:
                on_frame(frame.frame_id)
    return told


def assign(frame_id: str, *, group: str | None = None, channel: str | None = None) -> None:
    """Put a frame in a rollout group and/or a channel ("" clears the group)."""
    try:
        frame = FrameRecord.get(frame_id)
    except DoesNotExist as err:
        raise NotFound("No such frame.") from err
    actions: list[Action] = []
    if group is not None:
        if group and not GROUP_NAME.match(group):
            raise ValidationFailed("Group names are lowercase words.", field="group")
        attr = FrameRecord.rollout_group
        actions.append(attr.set(group) if group else attr.remove())
    if channel is not None:
        if channel not in rules.CHANNELS:
            raise ValidationFailed("channel must be stable or beta.", field="channel")
        actions.append(FrameRecord.channel.set(channel))
    if actions:
        frame.update(actions=actions)
        frame_sync.publish(frame_id)
