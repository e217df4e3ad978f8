"""Photos wherever one is named, the exact preview for a frame, and cache-friendly URLs."""

from io import BytesIO
from urllib.parse import parse_qs, unquote, urlsplit

from PIL import Image

from chalicelib.adapters import media_store
from chalicelib.adapters.tables import FrameRecord
from chalicelib.config import settings
from tests.integration.conftest import call, pair_frame, signup, upload_photo
from tests.integration.test_friends_and_sharing import body, send


def _key(url: str) -> str:
    path = unquote(urlsplit(url).path).lstrip("/")
    return path.removeprefix(f"{settings().media_bucket}/")


def _png(url: str) -> Image.Image:
    return Image.open(BytesIO(media_store.read(_key(url), max_bytes=10_000_000)))


def test_shares_deliveries_arrivals_and_the_feed_carry_a_thumbnail(client, family):
    ana, bob, frame = family
    photo = upload_photo(client, ana)

    answer = body(send(client, ana, photo, [frame["frameId"]], caption="Hello"))
    # The answer comes before the frame's file exists: it shows the photo's own thumbnail.
    assert _key(answer["thumbnailUrl"]) == f"derived/{ana.user_id}/{photo}/thumbnail.jpg"
    assert _key(answer["deliveries"][0]["thumbnailUrl"]) == _key(answer["thumbnailUrl"])

    # Once the rendition worker ran (``send`` drains it), the share shows the frame's file.
    share = body(call(client, "GET", f"/shares/{answer['shareId']}", user=ana))
    assert share["thumbnailUrl"] and share["deliveries"][0]["thumbnailUrl"]
    thumb = Image.open(BytesIO(media_store.read(_key(share["thumbnailUrl"]), max_bytes=1_000_000)))
    assert thumb.format == "JPEG" and max(thumb.size) == 320
    sent = body(call(client, "GET", "/shares", user=ana))["items"]
    received = body(call(client, "GET", "/shares?direction=received", user=bob))["items"]
    items = body(call(client, "GET", f"/frames/{frame['frameId']}/items", user=bob))["items"]
    for named in (sent[0], received[0], items[0]):
        assert _key(named["thumbnailUrl"]) == _key(share["thumbnailUrl"])
    # The feed keeps what was known when the photo was sent: the photo's own thumbnail.
    feed = body(call(client, "GET", "/dashboard", user=bob))["recent"]
    arrived = next(e for e in feed if "shareId" in e)
    assert _key(arrived["thumbnailUrl"]) == _key(answer["thumbnailUrl"])
    # The larger view is the frame's own file.
    assert _key(items[0]["previewUrl"]) == _key(share["previewUrl"])


def test_the_frame_preview_is_the_file_the_share_sends_with_caption_and_sender(client, family):
    ana, bob, frame = family
    photo = upload_photo(client, ana)
    FrameRecord(frame["frameId"]).update(actions=[FrameRecord.show_status.set(True)])
    url = f"/images/{photo}/frames/{frame['frameId']}/preview?caption=Lisbon"

    preview = body(call(client, "GET", url, user=ana))
    share = body(send(client, ana, photo, [frame["frameId"]], caption="Lisbon"))

    shown = _png(share["previewUrl"])  # the frame's file
    previewed = _png(preview["previewUrl"])
    assert previewed.tobytes() == shown.tobytes() and previewed.size == shown.size
    plain = _png(body(call(client, "GET", url.split("?")[0], user=ana))["previewUrl"])
    assert plain.tobytes() != previewed.tobytes()
    # Bob cannot ask for previews of Ana's photos, nor Ana for frames she may not send to.
    assert call(client, "GET", url, user=bob).status_code == 404
    carl = signup(client, "carl@example.com", name="Carl")
    other = pair_frame(client, carl, name="Elsewhere")
    assert (
        call(client, "GET", f"/images/{photo}/frames/{other['frameId']}/preview", user=ana)
    ).status_code == 403


def test_a_photo_url_is_the_same_all_hour_and_tells_the_browser_to_keep_it(aws, monkeypatch):
    import chalicelib.adapters.media_store as ms

    media_store.write("derived/u/i/thumbnail.jpg", b"x", content_type="image/jpeg")
    monkeypatch.setattr(ms.time, "time", lambda: 1_800_000_000 + 10)
    first = media_store.presigned_get_cached("derived/u/i/thumbnail.jpg")
    monkeypatch.setattr(ms.time, "time", lambda: 1_800_000_000 + 3000)
    again = media_store.presigned_get_cached("derived/u/i/thumbnail.jpg")
    monkeypatch.setattr(ms.time, "time", lambda: 1_800_000_000 + 3700)
    next_hour = media_store.presigned_get_cached("derived/u/i/thumbnail.jpg")

    assert first == again != next_hour
    query = parse_qs(urlsplit(first).query)
    assert query["X-Amz-Date"] == ["20270115T080000Z"]
    assert int(query["X-Amz-Expires"][0]) == 3600 + settings().download_url_seconds
    assert query["response-cache-control"][0].startswith("private, max-age=")
