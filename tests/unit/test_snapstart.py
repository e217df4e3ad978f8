"""SnapStart hooks: what a restored copy of the API or the authorizer refreshes, and what the
snapshot holds (chalicelib/snapstart.py; the runtime calls the hooks through
``snapshot_restore_py``)."""

import random
import sys

import snapshot_restore_py
from PIL import Image

from chalicelib import snapstart
from chalicelib.adapters import aws, tables


def test_importing_the_api_registers_one_hook_each_side():
    import app  # noqa: F401 - registers the hooks, as on Lambda

    before = [f for f, _, _ in snapshot_restore_py.get_before_snapshot()]
    after = [f for f, _, _ in snapshot_restore_py.get_after_restore()]
    assert before.count(snapstart.prime) == 1
    assert after.count(snapstart.refresh_after_restore) == 1
    assert "chalicelib.rendering.rendition" in snapstart._to_prime
    # The upload function's module (imported by app.py for its blueprint) asks for pillow-heif,
    # which only its layers hold: the API's own list, registered last, replaces it.
    assert "pillow_heif" not in snapstart._to_prime
    # Nor does it build the panels' tone tables: ~9 s at its 512 MB (docs/deploy.md).
    assert "chalicelib.rendering.warmup" not in snapstart._to_prime


def test_before_the_snapshot_the_lazy_heavy_modules_are_imported(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # as Lambda sets it
    assert snapstart.register(prime_modules=("chalicelib.rendering.rendition", "argon2"))
    sys.modules.pop("argon2", None)
    snapstart.prime()
    assert "argon2" in sys.modules
    assert "PIL.Image" in sys.modules


def test_after_a_restore_random_and_connections_are_the_copys_own(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # Credentials in the environment: otherwise botocore asks the instance metadata service.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    first = aws.client("sqs")
    model = tables.ALL_MODELS[0]
    model._connection = object()  # as a warm function holds it
    random.seed(1)
    snapshot_state = random.getstate()
    snapstart.refresh_after_restore()
    assert random.getstate() != snapshot_state
    assert model._connection is None
    assert aws.client("sqs") is not first


def test_a_rendering_function_snapshot_holds_every_panels_tone_tables(monkeypatch):
    """A restored copy's first photo for an ACeP frame built its gamut-mapped tone table
    (about 0.5 s of CPU) before; the rendition worker builds every table before the
    snapshot, and renders a small photo for each panel. A function that does not prime the
    warm-up module builds none."""
    from chalicelib.rendering import PANELS, dither, tone

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    tone.colour_lut.cache_clear()
    tone.grey_table.cache_clear()
    assert snapstart.register(prime_modules=("chalicelib.rendering.source",))
    snapstart.prime()
    assert tone.colour_lut.cache_info().currsize == 0

    assert snapstart.register(prime_modules=("chalicelib.rendering.warmup",))
    snapstart.prime()
    colour = [p for p in PANELS.values() if not p.achromatic]
    grey = [p for p in PANELS.values() if p.achromatic]
    assert tone.colour_lut.cache_info().currsize == sum(
        len(dither.strength_steps(p)) for p in colour
    )
    assert tone.grey_table.cache_info().currsize == sum(len(dither.strength_steps(p)) for p in grey)
    tables_built = tone.colour_lut.cache_info().misses, tone.grey_table.cache_info().misses
    for panel in PANELS.values():  # whatever the photo, its table is among them
        for dark in range(0, 101, 10):
            for above in range(0, 101 - dark, 5):
                histogram = [0] * 256
                histogram[250], histogram[30], histogram[150] = above, dark, 100 - above - dark
                # The lookup a photo makes (to_panel_colours, to_greys), not a copy of it.
                step = dither._strength_step(histogram, panel)
                if panel.achromatic:
                    dither._grey_table(panel, step)
                else:
                    dither._colour_lut(panel, step)
    assert (tone.colour_lut.cache_info().misses, tone.grey_table.cache_info().misses) == (
        tables_built
    )
    # Beyond the tables, what a first landscape photo on any panel builds is built too.
    patterns = (
        dither.mixes,
        dither._mix_palette,
        dither._phase_tables,
        dither._phase_masks,
        dither._noise,
        dither._grey_tables,
        dither._blue_noise,
    )
    built = [f.cache_info().misses for f in patterns]
    for panel in PANELS.values():
        dither.dither_to_codes(Image.new("RGB", panel.size(), (120, 140, 160)), panel)
    assert [f.cache_info().misses for f in patterns] == built
