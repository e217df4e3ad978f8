"""The automatic focal point finds the subject, and costs next to nothing."""

from __future__ import annotations

import time
from io import BytesIO

from PIL import Image, ImageDraw

from chalicelib.rendering import focal_point, load_upload


def _upload(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_plain_photo_keeps_the_middle():
    src = load_upload(_upload(Image.new("RGB", (1200, 900), (120, 140, 160))))

    assert focal_point(src) == (0.5, 0.5)


def test_a_face_high_in_a_tall_photo_pulls_the_focal_point_up_to_it():
    # A portrait: sky above, a face (skin tone, eyes) in the upper third, plain ground below.
    image = Image.new("RGB", (900, 1600), (150, 180, 210))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 1100, 900, 1600), fill=(90, 90, 80))
    draw.ellipse((330, 250, 570, 560), fill=(224, 172, 140))
    draw.ellipse((390, 360, 420, 390), fill=(40, 30, 30))
    draw.ellipse((480, 360, 510, 390), fill=(40, 30, 30))

    fx, fy = focal_point(load_upload(_upload(image)))

    assert 0.4 < fx < 0.6
    assert fy < 0.35, fy  # the centre would be 0.5 and crop the head off a landscape panel


def test_a_subject_off_to_one_side_moves_the_focal_point_that_way():
    image = Image.new("RGB", (1600, 900), (200, 200, 200))
    ImageDraw.Draw(image).ellipse((1150, 300, 1450, 650), fill=(200, 40, 40))

    fx, _ = focal_point(load_upload(_upload(image)))

    assert fx > 0.6


def test_it_costs_a_few_milliseconds_on_a_decoded_photo():
    image = Image.effect_noise((4000, 3000), 40).convert("RGB")
    src = load_upload(_upload(image))
    src.decoded(min_scale=0.05)  # processing has decoded it already for the thumbnail
    start = time.perf_counter()
    for _ in range(5):
        focal_point(src)
    each = (time.perf_counter() - start) / 5
    print(f"focal point: {each * 1000:.1f} ms per photo")
    assert each < 0.25  # generous: a shared, noisy machine
