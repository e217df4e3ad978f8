"""Giving each delivery of a share its panel file, in the background (the renditions queue).

``POST /shares`` does no image work: a delivery whose rendition was not made before is written
``queued`` without a file, and one ``RenderRequest`` per (share, panel, orientation) goes to the
renditions queue. ``fill`` makes that rendition (a captioned one is the
cached plain rendition with the caption band composed over it, never dithered again), gives it
to the deliveries still waiting, and publishes their frames' desired state. A delivery without a
file is left out of the desired state, so the frame protocol never sees one.

Idempotent: a delivery takes a file only while it is queued and has none (a conditional
write), so a redelivered message renders at most once more and publishes nothing; a share
taken off a frame or expired meanwhile is not brought back.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from chalicelib.events.messages import RenderRequest
from chalicelib.services import sharing
from chalicelib.services.ports import Deps

log = logging.getLogger(__name__)

# The request queues its rendition jobs just before it writes the share and then its
# deliveries: a job that finds no share, or not yet every delivery it names, is retried (the
# writes may still be on their way) until this long after it was queued, then goes on without
# them (the request failed before writing them).
SHARE_WRITE_GRACE = timedelta(minutes=2)


class ShareNotWrittenYet(RuntimeError):
    """The job's share, or one of the deliveries it names, does not exist yet: retried."""


def fill(deps: Deps, job: RenderRequest) -> str:
    """Render for one job and attach the files to its waiting deliveries; returns the outcome."""
    share = deps.shares.get(job.share_id)
    if share is None:
        if deps.clock() - job.queued_at < SHARE_WRITE_GRACE:
            raise ShareNotWrittenYet(job.share_id)
        return "dropped: no such share"
    written = deps.shares.deliveries(share)
    named = {f for band in job.bands for f in band.frame_ids}
    in_time = deps.clock() - job.queued_at < SHARE_WRITE_GRACE
    if in_time and not named <= {d.frame_id for d in written}:
        # The share is written, its deliveries not all yet: finding "nothing waiting" now
        # would leave them without a file for ever.
        raise ShareNotWrittenYet(job.share_id)
    waiting = {d.frame_id: d for d in written if d.state == "queued" and d.file_key is None}
    bands = [(b.sender_label, [waiting[f] for f in b.frame_ids if f in waiting]) for b in job.bands]
    bands = [(label, deliveries) for label, deliveries in bands if deliveries]
    if not bands:
        return "nothing waiting"
    image = deps.images.get(share.sender_id, share.image_id)
    if image is None or image.state != "ready":
        # Deleted before its file was made: it can never be shown, so it leaves the frame
        # (and stops counting toward the frame's limit) instead of waiting for ever.
        for _, deliveries in bands:
            for d in deliveries:
                sharing.leave_frame(deps, d.frame_id, d.share_id, "removed", publish=False)
        return "photo gone: removed"
    filled = []
    for label, deliveries in bands:
        # The first band renders the plain rendition (decode, dither); the others, and any
        # caption, are bands composed onto it.
        entry = deps.render(image, job.panel, job.orientation, share.caption, label)
        for d in deliveries:
            if deps.shares.attach_file(d.frame_id, d.share_id, entry):
                filled.append(d.frame_id)
                if share.frame_ids and d.frame_id == share.frame_ids[0]:
                    deps.shares.set_thumbnail(share.share_id, entry["thumbnailKey"])
    for frame_id in filled:
        deps.frame_channel.publish(frame_id)
    log.info("deliveries got their file", extra={"shareId": share.share_id, "frames": filled})
    return f"filled {len(filled)}"
