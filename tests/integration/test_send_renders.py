"""``POST /shares`` decodes no image (issue 16): ten frames of five panels, in-process moto.

The request writes the share and its deliveries (queued, no file) and queues the renditions;
the rendition worker makes them (each photo decoded and dithered once per panel, the caption
band composed onto that) and publishes each frame's desired state with its file.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterator
from urllib.parse import unquote, urlparse

import boto3
import pytest
from PIL import Image, ImageFile

from chalicelib import rendering
from chalicelib.rendering import dither, rendition
from tests.integration.conftest import (
    call,
    drain_renders,
    pair_frame,
    published,
    signup,
    upload_photo,
)

PANELS = ["waveshare_7in5_v2", "spectra6_7in3", "spectra6_13in3", "acep_7in3", "grey4_7in5"]


@pytest.fixture
def image_work(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts every image decode (a file opened by Pillow, its pixels loaded, an upload read)
    and every dithering, wherever it happens."""
    seen: Counter[str] = Counter()

    def counting(name: str, real):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            seen[name] += 1
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(Image, "open", counting("open", Image.open))
    monkeypatch.setattr(ImageFile.ImageFile, "load", counting("load", ImageFile.ImageFile.load))
    monkeypatch.setattr(rendering, "load_upload", counting("load_upload", rendering.load_upload))
    monkeypatch.setattr(rendition, "dither_to_codes", counting("dither", dither.dither_to_codes))
    yield seen


def _befriend(client, a, b) -> None:
    code = json.loads(call(client, "GET", "/me", user=b).body)["friendCode"]
    assert call(client, "POST", "/friends/requests", {"friendCode": code}, a).status_code == 201
    accepted = call(client, "POST", f"/friends/requests/{a.user_id}/accept", None, b)
    assert accepted.status_code == 200


def _downloaded(url: str) -> bytes:
    key = unquote(urlparse(url).path.lstrip("/").removeprefix("shareframe-local-media/"))
    s3 = boto3.client("s3", region_name="us-east-1")
    data: bytes = s3.get_object(Bucket="shareframe-local-media", Key=key)["Body"].read()
    return data


def test_sending_to_ten_frames_of_five_panels_decodes_nothing_until_the_worker_runs(
    client, image_work
):
    ana = signup(client, "ana@example.com", name="Ana")
    bea = signup(client, "bea@example.com", name="Bea")
    _befriend(client, ana, bea)
    photo = upload_photo(client, ana)
    # One frame of each panel at Ana's, one at Bea's (Bea's show "from Ana" in the band).
    frames = [
        pair_frame(client, owner, f"{owner.email} {p}", p) for p in PANELS for owner in (ana, bea)
    ]
    ids = [f["frameId"] for f in frames]
    image_work.clear()
    told_before = len(published())

    response = call(
        client, "POST", "/shares", {"imageId": photo, "frameIds": ids, "caption": "Lisbon"}, ana
    )

    assert response.status_code == 201, response.body
    assert image_work == Counter()  # no decode, no dithering inside the request
    share = json.loads(response.body)
    assert [d["state"] for d in share["deliveries"]] == ["queued"] * 10
    assert all(d["previewUrl"] is None for d in share["deliveries"])
    assert f"/derived/{ana.user_id}/{photo}/thumbnail.jpg" in share["thumbnailUrl"]
    assert len(published()) == told_before  # no frame is told of a file that is not there

    outcomes = drain_renders(client)

    assert outcomes == ["filled 2"] * 5  # one job per panel and orientation
    assert image_work["dither"] == 5  # once per panel: the caption band never re-dithers
    last = {t.split("/")[2]: desired for t, desired in published()}
    for frame, panel in zip(frames, [p for p in PANELS for _ in (0, 1)], strict=True):
        items = last[frame["frameId"]]["items"]
        assert [i["shareId"] for i in items] == [share["shareId"]]
        data = _downloaded(items[0]["file"]["url"])
        assert hashlib.sha256(data).hexdigest() == items[0]["file"]["sha256"]
        with Image.open(io.BytesIO(data)) as png:
            assert png.mode == "P"
            assert sorted(png.size) == sorted(rendering.PANELS[panel].size("landscape"))
    after = json.loads(call(client, "GET", f"/shares/{share['shareId']}", user=ana).body)
    assert all(d["previewUrl"] for d in after["deliveries"])
    assert "/renditions/" in after["thumbnailUrl"]


def test_a_rendition_job_delivered_twice_changes_nothing_the_second_time(client, image_work):
    ana = signup(client, "ana@example.com", name="Ana")
    photo = upload_photo(client, ana)
    frame = pair_frame(client, ana)
    response = call(
        client, "POST", "/shares", {"imageId": photo, "frameIds": [frame["frameId"]]}, ana
    )
    assert response.status_code == 201
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="shareframe-local-renditions")["QueueUrl"]
    body = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]["Body"]
    sqs.send_message(QueueUrl=url, MessageBody=body)  # SQS delivers at least once

    assert drain_renders(client) == ["filled 1", "nothing waiting"]
    assert image_work["dither"] == 1
    desired = [d for t, d in published() if frame["frameId"] in t]
    assert len([d for d in desired if d["items"]]) == 1  # the frame was told once


def test_workers_rendering_two_panels_of_one_photo_at_once_both_keep_their_cache_entry(
    client, image_work
):
    from chalicelib.adapters.tables import ImageRecord
    from chalicelib.services import images

    ana = signup(client, "ana@example.com", name="Ana")
    photo = upload_photo(client, ana)
    # Two workers read the photo before either has written: each holds the empty cache.
    first = ImageRecord.get(ana.user_id, photo)
    second = ImageRecord.get(ana.user_id, photo)

    made = {
        panel: images.rendition(record, panel, "landscape")
        for record, panel in [(first, "spectra6_7in3"), (second, "acep_7in3")]
    }

    cached = ImageRecord.get(ana.user_id, photo).renditions
    assert sorted(e["key"] for e in cached.values()) == sorted(e["key"] for e in made.values())
    for panel, entry in made.items():
        assert (
            images.cached_rendition(ImageRecord.get(ana.user_id, photo), panel, "landscape")
            == entry
        )
    assert image_work["dither"] == 2
