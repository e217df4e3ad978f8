"""The photo library's quota and upload rules: a counter kept on write, checked before any
upload is handed out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain import jobs
from chalicelib.domain.errors import QuotaExceeded, ValidationFailed
from chalicelib.services import images
from tests.unit.fakes import World

MB = 1024 * 1024


def upload(world: World, user, **overrides) -> dict:
    fields = {"content_type": "image/jpeg", "size": 2 * MB, "filename": "IMG_0001.jpg"}
    fields |= overrides
    return images.create_upload(
        world.deps,
        user.user_id,
        fields["content_type"],
        fields["size"],
        fields["filename"],
        fields.get("forget_hours"),
    )


def test_an_upload_reserves_one_place_in_the_library(world):
    ana = world.user("Ana")
    upload(world, ana)
    assert ana.photo_count == 1


def test_a_full_library_refuses_the_next_upload_and_stores_nothing(world):
    world = World(photo_quota=3)
    ana = world.user("Ana", photos=3)
    with pytest.raises(QuotaExceeded, match=r"full \(3 photos\)"):
        upload(world, ana)
    assert ana.photo_count == 3
    assert world.images.records == {}
    assert world.timers.pending == []


def test_the_last_free_place_can_be_taken(world):
    world = World(photo_quota=3)
    ana = world.user("Ana", photos=2)
    upload(world, ana)
    assert ana.photo_count == 3


def test_the_quota_is_per_user(world):
    world = World(photo_quota=1)
    ana, ben = world.user("Ana", photos=1), world.user("Ben")
    with pytest.raises(QuotaExceeded):
        upload(world, ana)
    upload(world, ben)
    assert ben.photo_count == 1


def test_an_upload_still_on_its_way_keeps_its_place_for_a_day(world):
    ana = world.user("Ana")
    image_id = upload(world, ana)["imageId"]
    world.clock.advance(hours=23, minutes=59)
    assert images.remove_abandoned(world.deps, ana.user_id, image_id) is False
    assert ana.photo_count == 1
    assert world.media.deleted == []


def test_an_upload_that_never_arrived_gives_its_place_back_after_a_day(world):
    ana = world.user("Ana")
    image_id = upload(world, ana)["imageId"]
    world.clock.advance(days=1)
    assert images.remove_abandoned(world.deps, ana.user_id, image_id) is True
    assert ana.photo_count == 0
    assert world.images.get(ana.user_id, image_id) is None
    assert world.media.deleted == [f"originals/{ana.user_id}/{image_id}"]


def test_a_photo_that_arrived_is_never_removed_as_abandoned(world):
    ana = world.user("Ana")
    image_id = upload(world, ana)["imageId"]
    world.images.get(ana.user_id, image_id).state = "ready"
    world.clock.advance(days=2)
    assert images.remove_abandoned(world.deps, ana.user_id, image_id) is False
    assert ana.photo_count == 1


def test_the_count_never_goes_below_zero(world):
    ana = world.user("Ana")
    image_id = upload(world, ana)["imageId"]
    ana.photo_count = 0  # e.g. the photo's place was already given back
    world.clock.advance(days=1)
    images.remove_abandoned(world.deps, ana.user_id, image_id)
    assert ana.photo_count == 0


def test_an_abandoned_upload_is_timed_to_be_removed_a_day_later(world):
    ana = world.user("Ana")
    image_id = upload(world, ana)["imageId"]
    assert world.timers.of(jobs.REMOVE_ABANDONED_UPLOADS) == [
        (world.clock() + timedelta(days=1), {"userId": ana.user_id, "imageId": image_id})
    ]


def test_send_and_forget_schedules_the_photo_to_leave_the_library(world):
    ana = world.user("Ana")
    image_id = upload(world, ana, forget_hours=48)["imageId"]
    due = world.clock() + timedelta(hours=48)
    assert world.timers.of(jobs.FORGET_PHOTOS) == [
        (due, {"userId": ana.user_id, "imageId": image_id})
    ]
    assert world.images.get(ana.user_id, image_id).delete_at == due


@pytest.mark.parametrize("hours", [0, 721, 1.5, True, "24"])
def test_send_and_forget_lasts_one_hour_to_thirty_days(world, hours):
    ana = world.user("Ana")
    with pytest.raises(ValidationFailed) as err:
        upload(world, ana, forget_hours=hours)
    assert err.value.field == "sendAndForgetHours"
    assert ana.photo_count == 0


@pytest.mark.parametrize("content_type", ["image/gif", "application/pdf", "", None])
def test_only_photo_formats_can_be_uploaded(world, content_type):
    ana = world.user("Ana")
    with pytest.raises(ValidationFailed) as err:
        upload(world, ana, content_type=content_type)
    assert err.value.field == "contentType"
    assert ana.photo_count == 0


@pytest.mark.parametrize("size", [0, -1, True, "2MB", 25 * MB + 1])
def test_the_declared_size_is_one_byte_to_25_mb(world, size):
    ana = world.user("Ana")
    with pytest.raises(ValidationFailed) as err:
        upload(world, ana, size=size)
    assert err.value.field == "bytes"
    assert ana.photo_count == 0


def test_a_file_of_exactly_25_mb_is_accepted(world):
    ana = world.user("Ana")
    assert upload(world, ana, size=25 * MB)["maxBytes"] == 25 * MB


def test_the_title_is_the_file_name_without_its_extension(world):
    ana = world.user("Ana")
    image_id = upload(world, ana, filename="Beach at dusk.heic")["imageId"]
    record = world.images.get(ana.user_id, image_id)
    assert (record.title, record.filename, record.state) == (
        "Beach at dusk",
        "Beach at dusk.heic",
        "pending",
    )


def test_the_upload_is_presigned_for_the_photos_own_original_key(world):
    ana = world.user("Ana")
    answer = upload(world, ana, content_type="image/png")
    assert answer["upload"]["fields"] == {
        "key": f"originals/{ana.user_id}/{answer['imageId']}",
        "Content-Type": "image/png",
    }
