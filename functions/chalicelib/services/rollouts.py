"""Rolling firmware out now: telling the frames of a channel, and placing frames in rollouts."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from pynamodb.expressions.update import Action

from chalicelib.adapters import tables
from chalicelib.domain import releases as rules
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.services import frame_sync
from chalicelib.services.releases import GROUP_NAME, firmware_offer, of_channel

# Publishes in flight at once when many frames need telling: each is a few DynamoDB calls and
# one iot-data publish (I/O), so threads overlap them; 16 at ~50 ms each is ~300 frames/s per
# invocation, far below IoT Core's per-account publish rate.
FANOUT_WORKERS = 16


def notify_channel(channel: str, *, on_frame: Callable[[str], None] | None = None) -> int:
    """Republish the desired state of every frame of ``channel`` whose firmware offer changed
    (a release it may install, or one only offered to it because automatic updates are off).

    Frames also learn of releases when they connect and every 6 hours; this makes a release,
    pause or rollout change take effect now. One query of the channel's frames (the work is
    telling them), the release catalogue read once, the publishes concurrent and bounded.
    """
    catalogue = of_channel(channel)
    told = 0
    with ThreadPoolExecutor(FANOUT_WORKERS, thread_name_prefix="fanout") as pool:
        in_flight: set[Future[str]] = set()

        def settle(block_until: int) -> None:
            nonlocal told, in_flight
            while len(in_flight) > block_until:
                finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    frame_id = future.result()
                    told += 1
                    if on_frame is not None:
                        on_frame(frame_id)

        for frame in tables.FrameRecord.by_channel.query(channel):
            if firmware_offer(frame, catalogue) != frame.published_firmware:
                in_flight.add(pool.submit(_publish, frame.frame_id))
                settle(2 * FANOUT_WORKERS)
        settle(0)
    return told


def _publish(frame_id: str) -> str:
    frame_sync.publish(frame_id)
    return frame_id


def assign(frame_id: str, *, group: str | None = None, channel: str | None = None) -> None:
    """Put a frame in a rollout group and/or a channel ("" clears the group)."""
    try:
        frame = tables.FrameRecord.get(frame_id)
    except tables.DoesNotExist as err:
        raise NotFound("No such frame.") from err
    actions: list[Action] = []
    if group is not None:
        if group and not GROUP_NAME.match(group):
            raise ValidationFailed("Group names are lowercase words.", field="group")
        attr = tables.FrameRecord.rollout_group
        actions.append(attr.set(group) if group else attr.remove())
    if channel is not None:
        if channel not in rules.CHANNELS:
            raise ValidationFailed("channel must be stable or beta.", field="channel")
        actions.append(tables.FrameRecord.channel.set(channel))
    if actions:
        frame.update(actions=actions)
        frame_sync.publish(frame_id)
