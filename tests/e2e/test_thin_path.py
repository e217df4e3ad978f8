"""The spine, end to end through the real processes: moto server, mosquitto, the iot-data
adapter, the event runtime, chalice local and a virtual frame process."""

from PIL import ImageChops

from tests.e2e.journeys import Person, photo, rgb, screen, wait_for


def test_a_photo_sent_to_a_paired_frame_appears_on_its_screen_with_a_receipt(local_cloud):
    ana = Person(local_cloud, "thin-path@example.com").sign_up("Ana")
    frame_process = local_cloud.start_frame("kitchen")
    frame = ana.pair(frame_process, "Kitchen")
    assert frame["name"] == "Kitchen" and frame["panel"] == "waveshare_7in5_v2"
    # the frame picks up its certificate and connects; the pixel check wants no status corner
    ana.request("PATCH", f"/frames/{frame['frameId']}", {"showStatus": False}, 200)
    wait_for(
        lambda: ana.request("GET", f"/frames/{frame['frameId']}")["status"]["online"],
        what="frame online",
    )

    image = ana.upload(photo())
    assert image["state"] == "ready", image
    share = ana.send(image["imageId"], [frame["frameId"]])

    delivery = wait_for(
        lambda: (
            (d := ana.share_state(share["shareId"], frame["frameId"]))["state"] == "displayed" and d
        ),
        timeout=60,
        what="displayed receipt",
    )
    assert delivery["deliveredAt"] and delivery["displayedAt"]
    assert screen(frame_process).get("shareId") == share["shareId"]

    # The screen shows exactly the rendition the backend made for this panel.
    s3 = local_cloud.aws_client("s3")
    keys = [
        o["Key"]
        for o in s3.list_objects_v2(
            Bucket="shareframe-local-media", Prefix=f"renditions/{ana.user_id}/{image['imageId']}/"
        )["Contents"]
        # Beside the frame file: its preview, thumbnail (and a caption's band cache).
        if o["Key"].endswith(".png") and not o["Key"].endswith("-preview.png")
    ]
    assert len(keys) == 1
    rendition = rgb(s3.get_object(Bucket="shareframe-local-media", Key=keys[0])["Body"].read())
    shown = rgb(frame_process.screen_png.read_bytes())
    assert shown.size == rendition.size == (800, 480)
    assert ImageChops.difference(shown, rendition).getbbox() is None
