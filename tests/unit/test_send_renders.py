"""Sending does no image work in the request (issue 16): a delivery waits, queued and without a
file, until a rendition worker makes its file; duplicates, removals and deletions meanwhile
change nothing they should not."""

from __future__ import annotations

import json

import pytest

from chalicelib.api.models.shares import SendPhoto
from chalicelib.events.messages import MalformedMessage, RenderRequest
from chalicelib.services import delivery_files, sharing
from tests.unit.edge import command
from tests.unit.fakes import World


def send_only(world: World, sender, frames, photo=None, **options) -> dict:
    """``POST /shares`` alone: the rendition workers have not run yet."""
    photo = photo or world.photo(sender)
    payload = {"imageId": photo.image_id, "frameIds": [f.frame_id for f in frames], **options}
    return sharing.create(world.deps, sender.user_id, command(SendPhoto, payload))


@pytest.fixture
def family(world):
    """Ana and Ben are friends; Ben has two frames of one panel and one of another, Ana one."""
    ana, ben = world.user("Ana"), world.user("Ben")
    world.befriend(ana, ben)
    frames = [
        world.frame(ben, "Kitchen"),
        world.frame(ben, "Hall"),
        world.frame(ben, "Study", panel="spectra6_7in3"),
        world.frame(ana, "Desk"),
    ]
    return ana, ben, frames


def test_the_request_renders_nothing_and_queues_one_job_per_rendition(world, family):
    ana, _, frames = family
    photo = world.photo(ana)
    share = send_only(world, ana, frames, photo, caption="Hi")
    assert world.render.calls == []
    assert [d["state"] for d in share["deliveries"]] == ["queued"] * 4
    assert all(d["previewUrl"] is None for d in share["deliveries"])
    thumbnail = f"derived/{ana.user_id}/{photo.image_id}/thumbnail.jpg"
    assert share["thumbnailUrl"].startswith(f"https://media.test/{thumbnail}")
    jobs = {
        (j.panel, b.sender_label): b.frame_ids for j in world.render_queue.jobs for b in j.bands
    }
    assert jobs == {
        ("waveshare_7in5_v2", "from Ana"): (frames[0].frame_id, frames[1].frame_id),
        ("spectra6_7in3", "from Ana"): (frames[2].frame_id,),
        ("waveshare_7in5_v2", None): (frames[3].frame_id,),  # her own frame: no "from Ana"
    }
    assert len(world.render_queue.jobs) == 2  # one per panel and orientation
    assert world.frame_channel.published == []  # nothing to show yet: nobody is told
    assert [f.active_items for f in frames] == [1, 1, 1, 1]  # yet each counts it already


def test_the_workers_give_every_delivery_its_file_and_tell_each_frame_once(world, family):
    ana, _, frames = family
    share = send_only(world, ana, frames, caption="Hi")
    assert world.render_all() == ["filled 3", "filled 1"]
    assert len(world.render.calls) == 3  # one rendition per (panel, orientation, caption, label)
    for frame in frames:
        delivery = world.shares.delivery(frame.frame_id, share["shareId"])
        assert delivery.file_key and delivery.file_sha256 and delivery.file_bytes
        assert delivery.thumbnail_key.endswith("-thumbnail.jpg")
    assert sorted(world.frame_channel.published) == sorted(f.frame_id for f in frames)
    stored = world.shares.get(share["shareId"])
    first = world.shares.delivery(frames[0].frame_id, share["shareId"])
    assert stored.thumbnail_key == first.thumbnail_key


def test_a_job_delivered_twice_renders_no_more_and_tells_no_frame_again(world, family):
    ana, _, frames = family
    send_only(world, ana, frames[:1])
    job = world.render_queue.jobs[0]
    world.render_all()
    calls, published = list(world.render.calls), list(world.frame_channel.published)
    assert delivery_files.fill(world.deps, job) == "nothing waiting"
    assert world.render.calls == calls
    assert world.frame_channel.published == published


def test_a_photo_taken_off_a_frame_before_its_file_is_made_stays_off(world, family):
    ana, _, frames = family
    share = send_only(world, ana, frames[:2])
    sharing.remove(world.deps, ana.user_id, share["shareId"], frames[0].frame_id)
    world.frame_channel.published.clear()
    assert world.render_all() == ["filled 1"]
    gone = world.shares.delivery(frames[0].frame_id, share["shareId"])
    assert (gone.state, gone.file_key) == ("removed", None)
    assert world.frame_channel.published == [frames[1].frame_id]


def test_a_share_that_expired_before_its_file_is_made_is_not_brought_back(world, family):
    ana, _, frames = family
    share = send_only(world, ana, frames[:1], duration="24h")
    world.clock.advance(hours=25)
    assert sharing.expire(world.deps, share["shareId"])
    assert world.render_all() == ["nothing waiting"]
    assert world.render.calls == []
    assert world.shares.delivery(frames[0].frame_id, share["shareId"]).state == "expired"


def test_a_photo_deleted_before_its_file_is_made_leaves_the_frames_it_never_reached(world, family):
    ana, _, frames = family
    photo = world.photo(ana)
    share = send_only(world, ana, frames[:1], photo)
    photo.state = "deleted"
    assert world.render_all() == ["photo gone: removed"]
    assert world.render.calls == []
    assert world.shares.delivery(frames[0].frame_id, share["shareId"]).state == "removed"
    assert frames[0].active_items == 0


def test_a_job_that_arrives_before_its_share_is_written_is_retried_then_dropped(world, family):
    ana, _, frames = family
    send_only(world, ana, frames[:1])
    job = world.render_queue.jobs[0]
    world.shares.shares.clear()  # as if the request had failed after queueing the job
    with pytest.raises(delivery_files.ShareNotWrittenYet):
        delivery_files.fill(world.deps, job)
    world.clock.advance(minutes=3)
    assert delivery_files.fill(world.deps, job) == "dropped: no such share"
    assert world.render.calls == []


def test_a_job_that_finds_the_share_before_its_deliveries_waits_for_them(world, family):
    """The share is written before its deliveries: a worker in between must not conclude that
    nothing is waiting (the deliveries would then never get their file)."""
    ana, _, frames = family
    share = send_only(world, ana, frames[:2])
    job = world.render_queue.jobs[0]
    held = {k: world.shares.by_frame.pop(k) for k in list(world.shares.by_frame)[1:]}
    with pytest.raises(delivery_files.ShareNotWrittenYet):
        delivery_files.fill(world.deps, job)
    assert world.render.calls == []
    world.shares.by_frame.update(held)  # the request's last write lands
    assert delivery_files.fill(world.deps, job) == "filled 2"
    for frame in frames[:2]:
        assert world.shares.delivery(frame.frame_id, share["shareId"]).file_key


def test_a_job_whose_request_died_before_all_its_deliveries_does_the_ones_written(world, family):
    ana, _, frames = family
    send_only(world, ana, frames[:2])
    job = world.render_queue.jobs[0]
    world.shares.by_frame.pop(next(iter(list(world.shares.by_frame)[1:])))
    world.clock.advance(minutes=3)
    assert delivery_files.fill(world.deps, job) == "filled 1"


def test_a_rendition_made_before_is_used_by_the_request_at_once(world, family):
    ana, _, frames = family
    photo = world.photo(ana)
    send_only(world, ana, frames[3:], photo)
    world.render_all()
    world.frame_channel.published.clear()
    world.clock.advance(minutes=1)
    again = send_only(world, ana, frames[3:], photo)
    assert world.render_queue.jobs == []
    assert again["deliveries"][0]["previewUrl"] is not None
    assert world.frame_channel.published == [frames[3].frame_id]
    assert len(world.render.calls) == 1


def test_a_frame_the_photo_is_sent_to_again_is_told_at_once_that_the_old_copy_left(world, family):
    ana, _, frames = family
    photo = world.photo(ana)
    first = send_only(world, ana, frames[:1], photo)
    world.render_all()
    world.frame_channel.published.clear()
    world.clock.advance(minutes=1)
    send_only(world, ana, frames[:1], photo, caption="Again")  # a new rendition: it waits
    old = world.shares.delivery(frames[0].frame_id, first["shareId"])
    assert old.state == "removed"
    assert world.frame_channel.published == [frames[0].frame_id]
    assert len(world.render_queue.jobs) == 1


def test_a_rendition_job_survives_the_queue_unchanged(world, family):
    ana, _, frames = family
    send_only(world, ana, frames, caption="Hi")
    for job in world.render_queue.jobs:
        assert RenderRequest.parse(json.dumps(job.as_message())) == job


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '{"shareId": "shr_1", "panel": "p", "orientation": "landscape", "bands": [],'
        ' "queuedAt": "2026-11-29T12:00:00+00:00"}',
        '{"shareId": "shr_1", "panel": "p", "orientation": "landscape",'
        ' "bands": [{"senderLabel": 3, "frameIds": ["frm_1"]}], "queuedAt": "2026-11-29T12:00:00+00:00"}',
        '{"shareId": "shr_1", "panel": "p", "orientation": "landscape",'
        ' "bands": [{"senderLabel": null, "frameIds": ["frm_1"]}], "queuedAt": "2026-11-29T12:00:00"}',
    ],
)
def test_a_malformed_rendition_job_is_refused(body):
    with pytest.raises(MalformedMessage):
        RenderRequest.parse(body)


def test_the_worker_waits_a_moment_for_writes_its_job_overtook(world, family, monkeypatch):
    """The job is queued just before the share's writes: the worker waits for them briefly
    instead of sending the message back for a whole visibility timeout."""
    from chalicelib.events import rendition_queue

    ana, _, frames = family
    share = send_only(world, ana, frames[:2])
    job = world.render_queue.jobs[0]
    held = {k: world.shares.by_frame.pop(k) for k in list(world.shares.by_frame)[1:]}
    pauses: list[float] = []

    def the_writes_land_meanwhile(seconds: float) -> None:
        pauses.append(seconds)
        world.shares.by_frame.update(held)

    monkeypatch.setattr(rendition_queue.bootstrap, "deps", lambda: world.deps)
    monkeypatch.setattr(rendition_queue.time, "sleep", the_writes_land_meanwhile)
    assert rendition_queue.handle(job) == "filled 2"
    assert len(pauses) == 1
    assert world.shares.delivery(frames[1].frame_id, share["shareId"]).file_key


def test_the_worker_gives_the_job_back_to_the_queue_if_the_writes_do_not_come(
    world, family, monkeypatch
):
    from chalicelib.events import rendition_queue

    ana, _, frames = family
    send_only(world, ana, frames[:2])
    job = world.render_queue.jobs[0]
    world.shares.by_frame.pop(next(iter(list(world.shares.by_frame)[1:])))
    pauses: list[float] = []
    monkeypatch.setattr(rendition_queue.bootstrap, "deps", lambda: world.deps)
    monkeypatch.setattr(rendition_queue.time, "sleep", pauses.append)
    with pytest.raises(delivery_files.ShareNotWrittenYet):
        rendition_queue.handle(job)
    assert pauses == list(rendition_queue.OVERTAKEN_PAUSES)
    assert world.render.calls == []
