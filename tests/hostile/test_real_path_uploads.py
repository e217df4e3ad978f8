"""A few corpus files through the real local cloud: presigned POST to moto's S3, S3 -> SQS,
the event runtime's queue trigger, the handler. None crashes a handler."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.journeys import Person, wait_for
from tests.hostile.corpus import specimens
from tests.hostile.localcloud_world import RuntimeLog

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("localcloud")]

CHOSEN = {
    "valid.jpg",
    "truncated.jpg",
    "bomb.png",
    "svg-named.jpg",
    "cmyk.jpg",
    "polyglot-zip.jpg",
    "animated.webp",
}


def test_hostile_files_through_the_presigned_post_end_ready_or_rejected(local_cloud):
    person = Person(local_cloud, "real-path@example.com").sign_up("Real")
    log = RuntimeLog(local_cloud)
    pending = {}
    for specimen in specimens():
        if specimen.name not in CHOSEN:
            continue
        created = person.request(
            "POST",
            "/images",
            {
                "contentType": specimen.content_type,
                "bytes": len(specimen.data),
                "filename": specimen.name,
            },
            201,
        )
        post = created["upload"]
        response = requests.post(
            post["url"],
            data=post["fields"],
            files={"file": (specimen.name, specimen.data, specimen.content_type)},
            timeout=30,
        )
        assert response.status_code in (200, 201, 204), response.text
        pending[created["imageId"]] = specimen

    def settled() -> dict | None:
        found = {i: person.request("GET", f"/images/{i}", expect=200) for i in pending}
        return found if all(img["state"] != "pending" for img in found.values()) else None

    images = wait_for(settled, timeout=60, what="every upload processed")
    for image_id, specimen in pending.items():
        image = images[image_id]
        assert image["state"] == specimen.expect, (specimen.name, image)
        if image["state"] == "rejected":
            assert image["reason"], image
    assert log.failures() == []
    assert any(r.get("kind") == "sqs" for r in log.records())
