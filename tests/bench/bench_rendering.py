"""Benchmark of the rendering engine: speed, memory and picture quality on this machine.

Run from the repository root:

    .venv/bin/python tests/bench/bench_rendering.py            # everything (about 6 minutes)
    .venv/bin/python tests/bench/bench_rendering.py --quick    # fewer repeats, smaller quality set
    .venv/bin/python tests/bench/bench_rendering.py --images docs/rendering   # also write examples

Speed: every measurement runs in a fresh subprocess, so its peak resident memory (ru_maxrss)
is its own; "over baseline" subtracts the same process's memory right after the imports.
The floor to compare with is the time the same machine needs just to decode the JPEG at
full size.

Quality: mean CIEDE2000 between the source resized to the panel and a rendition seen in the
panel's measured colours, both blurred a little (Gaussian, sigma 1.5 px, in linear light) to
model viewing distance. Lower is better. Compared methods:

- stock: Pillow Floyd-Steinberg against the nominal RGB palette (what vendor converters do).
- inky: Pimoroni's inky library approach: Pillow Floyd-Steinberg against a palette halfway
  between nominal and measured (its default saturation 0.5).
- epaper-dithering: the library with its defaults (Burkes, no tone compression) against the
  measured palette.
- ours: chalicelib.rendering.render_panel.

Needs numpy (a benchmark-only dependency here).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from chalicelib.rendering import (
    PANELS,
    PanelProfile,
    SourceImage,
    focal_point,
    load_upload,
    render_panel,
    render_preview,
    render_thumbnail,
)
from chalicelib.rendering.rendition import _cropped
from chalicelib.rendering.warmup import before_snapshot

ROOT = Path(__file__).resolve().parents[2]

FloatImage = np.ndarray

# --------------------------------------------------------------------------------------------
# Synthetic, photo-like test images (seeded: the same pictures on every machine)
# --------------------------------------------------------------------------------------------


def _fbm(rng: np.random.Generator, size: tuple[int, int], octaves: int = 6, base: int = 3):
    """Fractal noise in 0..1: smooth at large scale, detailed at small scale."""
    width, height = size
    total = np.zeros((height, width), np.float32)
    amplitude, weight = 1.0, 0.0
    for octave in range(octaves):
        cells = base * 2**octave
        grid = rng.random((cells, max(2, cells * width // height))).astype(np.float32)
        layer = Image.fromarray(grid, "F").resize(size, Image.Resampling.BICUBIC)
        total += amplitude * np.asarray(layer)
        weight += amplitude
        amplitude *= 0.55
    total /= weight
    lo, hi = np.percentile(total[:: max(1, height // 200), :: max(1, width // 200)], (1, 99))
    return np.clip((total - lo) / max(hi - lo, 1e-6), 0, 1)


def _finish(rgb: np.ndarray, rng: np.random.Generator, noise: float = 3.0) -> Image.Image:
    """Add sensor-like noise and return an 8-bit image."""
    rgb = rgb + rng.normal(0, noise, rgb.shape[:2])[..., None].astype(np.float32)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def _mix(a, b, t):
    t = np.asarray(t, np.float32)[..., None]
    return np.asarray(a, np.float32) * (1 - t) + np.asarray(b, np.float32) * t


def scene_landscape(size: tuple[int, int], seed: int = 1) -> Image.Image:
    rng = np.random.default_rng(seed)
    width, height = size
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None] * np.ones((1, width), np.float32)
    sky = _mix((60, 115, 190), (200, 220, 235), y / 0.5)
    clouds = np.clip((_fbm(rng, size, 5) - 0.55) * 3, 0, 1)
    sky = _mix(sky, (245, 245, 248), clouds * 0.9)
    ridge = 0.45 + 0.12 * (_fbm(rng, (width, 8), 4)[4][None, :] - 0.5)
    texture = _fbm(rng, size, 7, base=6)
    grass = _mix((35, 85, 30), (150, 170, 60), texture)
    grass = _mix(grass, (20, 45, 20), np.clip((y - 0.5) * 1.2, 0, 0.6))
    img = np.where((y > ridge)[..., None], grass, sky)
    im = _finish(img, rng)
    draw = ImageDraw.Draw(im)
    for _ in range(400):
        x, yy = rng.integers(0, width), rng.integers(int(height * 0.6), height)
        r = max(2, int(width * rng.uniform(0.002, 0.006)))
        colour = [(220, 40, 40), (245, 210, 40), (240, 240, 240), (200, 80, 160)][_ % 4]
        draw.ellipse((x - r, yy - r, x + r, yy + r), fill=colour)
    house = (int(width * 0.62), int(height * 0.42), int(width * 0.78), int(height * 0.6))
    draw.rectangle(house, fill=(190, 50, 40))
    roof = [(house[0] - width // 60, house[1]), (house[2] + width // 60, house[1])]
    draw.polygon([*roof, ((house[0] + house[2]) // 2, house[1] - height // 10)], fill=(70, 45, 40))
    draw.rectangle(
        (house[0] + width // 50, house[1] + height // 30, house[0] + width // 25, house[3]),
        fill=(245, 235, 200),
    )
    return im.filter(ImageFilter.GaussianBlur(width / 3000))


def scene_portrait(size: tuple[int, int], seed: int = 2) -> Image.Image:
    rng = np.random.default_rng(seed)
    width, height = size
    small = Image.new("RGB", (width // 8, height // 8), (40, 70, 60))
    draw = ImageDraw.Draw(small)
    for _ in range(60):
        x, y = rng.integers(0, small.width), rng.integers(0, small.height)
        r = int(rng.integers(small.width // 40, small.width // 12))
        colour = tuple(int(c) for c in rng.integers(30, 255, 3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    bokeh = small.filter(ImageFilter.GaussianBlur(small.width / 60)).resize(size)
    base = np.asarray(bokeh, np.float32)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy, rx, ry = width * 0.5, height * 0.5, width * 0.17, height * 0.3
    d = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
    hair = ((xx - cx) / (rx * 1.25)) ** 2 + ((yy - cy + ry * 0.15) / (ry * 1.15)) ** 2
    skin = _mix((238, 196, 170), (150, 95, 70), np.clip(d, 0, 1) ** 1.5)
    skin = _mix(skin, (120, 70, 55), np.clip((xx - cx) / rx, 0, 1) * 0.35)
    img = np.where(
        (hair < 1)[..., None], _mix((75, 50, 35), (25, 15, 10), _fbm(rng, size, 6)), base
    )
    img = np.where((d < 1)[..., None], skin, img)
    body = (yy > cy + ry * 0.9) & (np.abs(xx - cx) < rx * 2.2 - (yy - cy - ry) * 0.0)
    img = np.where(body[..., None], _mix((30, 60, 150), (10, 25, 70), _fbm(rng, size, 5)), img)
    im = _finish(img, rng, 2.5)
    draw = ImageDraw.Draw(im)
    for side in (-1, 1):
        ex, ey, er = cx + side * rx * 0.4, cy - ry * 0.1, rx * 0.1
        draw.ellipse((ex - er * 1.6, ey - er, ex + er * 1.6, ey + er), fill=(245, 245, 240))
        draw.ellipse(
            (ex - er * 0.7, ey - er * 0.7, ex + er * 0.7, ey + er * 0.7), fill=(70, 110, 60)
        )
        draw.ellipse(
            (ex - er * 0.3, ey - er * 0.3, ex + er * 0.3, ey + er * 0.3), fill=(10, 10, 10)
        )
    draw.ellipse(
        (cx - rx * 0.35, cy + ry * 0.45, cx + rx * 0.35, cy + ry * 0.6), fill=(180, 60, 70)
    )
    return im.filter(ImageFilter.GaussianBlur(width / 1500))


def scene_sunset(size: tuple[int, int], seed: int = 3) -> Image.Image:
    rng = np.random.default_rng(seed)
    width, height = size
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None] * np.ones((1, width), np.float32)
    sky = _mix((40, 30, 90), (250, 140, 50), np.clip(y / 0.7, 0, 1) ** 1.3)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    sun = np.exp(-(((xx - width * 0.3) ** 2 + (yy - height * 0.62) ** 2) / (width * 0.05) ** 2))
    sky = _mix(sky, (255, 240, 190), sun)
    im = _finish(sky, rng, 2.0)
    draw = ImageDraw.Draw(im)
    x = 0
    while x < width:
        w = int(rng.integers(width // 40, width // 12))
        top = int(height * rng.uniform(0.45, 0.75))
        draw.rectangle((x, top, x + w, height), fill=(15, 12, 20))
        for wy in range(top + height // 60, height, height // 30):
            for wx in range(x + w // 8, x + w - w // 8, max(4, w // 5)):
                if rng.random() < 0.35:
                    draw.rectangle(
                        (wx, wy, wx + w // 10, wy + height // 80),
                        fill=(255, 200, 80) if rng.random() < 0.8 else (120, 200, 255),
                    )
        x += w + int(rng.integers(0, width // 80))
    return im.filter(ImageFilter.GaussianBlur(width / 3000))


# sRGB values of the 24 ColorChecker Classic patches (BabelColor averages, D65 sRGB).
COLORCHECKER = [
    (115, 82, 68), (194, 150, 130), (98, 122, 157), (87, 108, 67), (133, 128, 177),
    (103, 189, 170), (214, 126, 44), (80, 91, 166), (193, 90, 99), (94, 60, 108),
    (157, 188, 64), (224, 163, 46), (56, 61, 150), (70, 148, 73), (175, 54, 60),
    (231, 199, 31), (187, 86, 149), (8, 133, 161), (243, 243, 242), (200, 200, 200),
    (160, 160, 160), (122, 122, 121), (85, 85, 85), (52, 52, 52),
]  # fmt: skip


def scene_chart(size: tuple[int, int], seed: int = 4) -> Image.Image:
    width, height = size
    im = Image.new("RGB", size, (90, 90, 90))
    draw = ImageDraw.Draw(im)
    pw, ph = width // 6, int(height * 0.8) // 4
    for i, colour in enumerate(COLORCHECKER):
        x, y = (i % 6) * pw, (i // 6) * ph
        draw.rectangle(
            (x + pw // 12, y + ph // 12, x + pw - pw // 12, y + ph - ph // 12), fill=colour
        )
    ramp = Image.linear_gradient("L").rotate(90).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    im.paste(ramp.resize((width, height - 4 * ph)).convert("RGB"), (0, 4 * ph))
    return im


def scene_beach(size: tuple[int, int], seed: int = 5) -> Image.Image:
    rng = np.random.default_rng(seed)
    width, height = size
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None] * np.ones((1, width), np.float32)
    sky = _mix((150, 195, 235), (235, 240, 245), y / 0.4)
    sea = _mix((40, 170, 180), (20, 90, 140), _fbm(rng, size, 6, base=8) * 0.8)
    sand = _mix((240, 225, 190), (200, 175, 130), _fbm(rng, size, 7, base=10))
    shore = 0.62 + 0.04 * (_fbm(rng, (width, 8), 5)[4][None, :] - 0.5)
    img = np.where((y < 0.4)[..., None], sky, np.where((y < shore)[..., None], sea, sand))
    foam = np.clip(1 - np.abs(y - shore) * 60, 0, 1) * _fbm(rng, size, 6, base=12)
    img = _mix(img, (250, 250, 250), foam)
    im = _finish(img, rng, 2.5)
    draw = ImageDraw.Draw(im)
    for i, colour in enumerate([(230, 60, 50), (250, 200, 40), (40, 90, 200)]):
        x = int(width * (0.2 + 0.25 * i))
        draw.pieslice(
            (x - width // 14, int(height * 0.66), x + width // 14, int(height * 0.8)),
            180,
            360,
            fill=colour,
        )
        draw.rectangle((x - 2, int(height * 0.73), x + 2, int(height * 0.9)), fill=(90, 70, 50))
    return im.filter(ImageFilter.GaussianBlur(width / 3000))


SCENES: dict[str, Callable[[tuple[int, int]], Image.Image]] = {
    "landscape": scene_landscape,
    "portrait": scene_portrait,
    "sunset": scene_sunset,
    "chart": scene_chart,
    "beach": scene_beach,
}


def camera_photo(size: tuple[int, int]) -> Image.Image:
    """The landscape scene with per-channel sensor grain added after the optics' blur.

    Grain and fine texture are what make a real photo's JPEG large and slow to decode: a
    12 MP one comes out at about 4-5 MB at quality 90, like a phone's.
    """
    rng = np.random.default_rng(7)
    pixels = np.asarray(scene_landscape(size), np.int16)
    grain = rng.integers(-9, 10, pixels.shape, dtype=np.int16)
    return Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8), "RGB")


def photo_jpeg(size: tuple[int, int], quality: int = 90) -> bytes:
    """A photo-like JPEG of the given size."""
    out = BytesIO()
    camera_photo(size).save(out, "JPEG", quality=quality)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Colour science for the quality figure
# --------------------------------------------------------------------------------------------


def srgb_to_linear(rgb8: np.ndarray) -> FloatImage:
    c = rgb8.astype(np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_lab(lin: FloatImage) -> FloatImage:
    m = np.array(
        [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
         [0.0193339, 0.1191920, 0.9503041]]
    )  # fmt: skip
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1
    )


def ciede2000(lab1: FloatImage, lab2: FloatImage) -> FloatImage:
    """CIEDE2000 colour difference (Sharma, Wu and Dalal 2005), per pixel."""
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dl = l2 - l1
    dc = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0, dh)
    dhh = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_bar = (l1 + l2) / 2
    cp_bar = (c1p + c2p) / 2
    hsum = h1p + h2p
    hp_bar = np.where(
        c1p * c2p == 0,
        hsum,
        np.where(
            np.abs(h1p - h2p) <= 180,
            hsum / 2,
            np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2),
        ),
    )
    t = (
        1
        - 0.17 * np.cos(np.radians(hp_bar - 30))
        + 0.24 * np.cos(np.radians(2 * hp_bar))
        + 0.32 * np.cos(np.radians(3 * hp_bar + 6))
        - 0.20 * np.cos(np.radians(4 * hp_bar - 63))
    )
    d_theta = 30 * np.exp(-(((hp_bar - 275) / 25) ** 2))
    rc = 2 * np.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
    sl = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    sc = 1 + 0.045 * cp_bar
    sh = 1 + 0.015 * cp_bar * t
    rt = -np.sin(np.radians(2 * d_theta)) * rc
    return np.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dhh / sh) ** 2 + rt * (dc / sc) * (dhh / sh))


def _gaussian_blur(lin: FloatImage, sigma: float) -> FloatImage:
    radius = max(1, int(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    out = lin
    for axis in (0, 1):
        padded = np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in range(3)], "edge")
        acc = np.zeros_like(out)
        n = out.shape[axis]
        for k, w in enumerate(kernel):
            acc += w * (padded[k : k + n] if axis == 0 else padded[:, k : k + n])
        out = acc
    return out


BLUR_SIGMA = 1.5


def perceptual_error(source: Image.Image, seen: Image.Image, sigma: float = BLUR_SIGMA) -> float:
    """Mean CIEDE2000 between two same-size sRGB images, both blurred in linear light."""
    a = linear_to_lab(_gaussian_blur(srgb_to_linear(np.asarray(source.convert("RGB"))), sigma))
    b = linear_to_lab(_gaussian_blur(srgb_to_linear(np.asarray(seen.convert("RGB"))), sigma))
    return float(ciede2000(a, b).mean())


# --------------------------------------------------------------------------------------------
# The methods compared
# --------------------------------------------------------------------------------------------


def _palette_image(colours: list[tuple[int, int, int]]) -> Image.Image:
    pal = Image.new("P", (1, 1))
    flat = [c for rgb in colours for c in rgb]
    pal.putpalette(flat + flat[:3] * (256 - len(colours)))
    return pal


def _seen(indices: Image.Image, panel: PanelProfile) -> Image.Image:
    """Ink-order indices shown in the panel's measured colours."""
    shown = Image.frombytes("P", indices.size, indices.tobytes())
    shown.putpalette([c for rgb in panel.measured_palette for c in rgb])
    return shown.convert("RGB")


def method_stock(photo: Image.Image, panel: PanelProfile) -> Image.Image:
    nominal = _palette_image(list(panel.nominal_palette))
    return _seen(photo.quantize(palette=nominal, dither=Image.Dither.FLOYDSTEINBERG), panel)


def method_inky(photo: Image.Image, panel: PanelProfile, saturation: float = 0.5) -> Image.Image:
    blend = [
        tuple(
            int(m * saturation + n * (1 - saturation))
            for m, n in zip(ink.measured, ink.nominal, strict=True)
        )
        for ink in panel.inks
    ]
    palette = _palette_image(blend)  # type: ignore[arg-type]
    return _seen(photo.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG), panel)


def method_pillow_measured(photo: Image.Image, panel: PanelProfile) -> Image.Image:
    measured = _palette_image(list(panel.measured_palette))
    return _seen(photo.quantize(palette=measured, dither=Image.Dither.FLOYDSTEINBERG), panel)


def method_epaper_defaults(photo: Image.Image, panel: PanelProfile) -> Image.Image:
    from epaper_dithering import ColorPalette, dither_image

    colours = {ink.name: ink.measured for ink in panel.inks}
    accent = next((ink.name for ink in panel.inks if ink.name not in ("black", "white")), "black")
    return _seen(dither_image(photo, ColorPalette(colors=colours, accent=accent)), panel)


def method_ours(src, panel: PanelProfile) -> Image.Image:
    rendition = render_panel(src, panel)
    return Image.open(BytesIO(rendition.preview_png)).convert("RGB")


# --------------------------------------------------------------------------------------------
# Speed and memory, each in a fresh process
# --------------------------------------------------------------------------------------------


def _reset_peak_rss() -> None:
    """Linux keeps a process's peak RSS across exec: start this worker's count afresh."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def upload(data: bytes) -> SourceImage:
    """The image work of services.images.process_upload: one decode, the focal point, the
    thumbnail, the preview and the 2000-pixel master."""
    src = load_upload(data, decode_long_side=2000)
    focal_point(src)
    render_thumbnail(src)
    render_preview(src)
    render_preview(src, max_side=2000)
    return src


def worker(task: str, path: str) -> None:
    _reset_peak_rss()
    data = Path(path).read_bytes()
    # Warm up as a busy Lambda would be: codecs loaded, palettes, fonts and the tone tables
    # this photo needs cached (each tone table is built once per process: ~0.06 s, ACeP's
    # with its gamut map ~0.5 s). "first-acep" measures a fresh process instead.
    if task == "restored-acep":  # a SnapStart copy: the snapshot was taken after this
        before_snapshot()
    elif task not in ("first-acep", "snapshot-tables"):
        warm = load_upload(data)
        render_thumbnail(warm)
        for panel_id in ("waveshare_7in5_v2", "spectra6_7in3", "acep_7in3"):
            render_panel(warm, PANELS[panel_id], caption="warm")
    _reset_peak_rss()
    baseline = _peak_rss_mb()
    start, cpu_start = time.perf_counter(), time.process_time()
    if task == "decode":
        with Image.open(BytesIO(data)) as im:
            im.load()
    elif task == "one":
        render_panel(load_upload(data), PANELS["waveshare_7in5_v2"])
    elif task == "one+thumb":
        src = load_upload(data)
        render_panel(src, PANELS["waveshare_7in5_v2"])
        render_thumbnail(src)
    elif task == "one-spectra":
        render_panel(load_upload(data), PANELS["spectra6_7in3"])
    elif task in ("one-acep", "first-acep", "restored-acep"):
        render_panel(load_upload(data), PANELS["acep_7in3"])
    elif task == "snapshot-tables":
        before_snapshot()
    elif task == "upload":
        upload(data)
    elif task == "upload+spectra":
        render_panel(upload(data), PANELS["spectra6_7in3"])
    elif task == "one-spectra+thumb":
        src = load_upload(data)
        render_panel(src, PANELS["spectra6_7in3"])
        render_thumbnail(src)
    elif task == "all":
        src = load_upload(data)
        render_thumbnail(src)
        render_preview(src)
        for panel in PANELS.values():
            for orientation in ("landscape", "portrait"):
                render_panel(src, panel, orientation=orientation)
    else:
        raise SystemExit(f"unknown task {task}")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak = _peak_rss_mb()
    print(
        json.dumps(
            {"seconds": seconds, "cpu": cpu, "peak_mb": peak, "over_baseline_mb": peak - baseline}
        )
    )


def run_worker(task: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", task, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


SPEED_TASKS = [
    ("decode", "decode at full size (floor)"),
    ("one", "one 800x480 rendition (b/w)"),
    ("one-spectra", "one 800x480 rendition (Spectra 6)"),
    ("one-acep", "one 800x480 rendition (ACeP)"),
    ("first-acep", "first ACeP rendition of a fresh process (tone table built)"),
    ("restored-acep", "first ACeP rendition of a SnapStart copy (tables in the snapshot)"),
    ("snapshot-tables", "every built-in panel's tone tables (before the snapshot)"),
    ("upload", "upload: decode, focal point, thumbnail, preview, master"),
    ("upload+spectra", "upload + one Spectra 6 rendition"),
    ("one+thumb", "b/w 800x480 rendition + thumbnail"),
    ("one-spectra+thumb", "Spectra 6 800x480 rendition + thumbnail"),
    ("all", "thumbnail + preview + 5 panels x 2 orientations"),
]


def speed_section(repeats: int) -> list[str]:
    lines = [
        f"## Speed and memory ({repeats} fresh processes each: fastest and median time; "
        "peak RSS of the process)",
        "",
        "| file | task | time s | median s | x decode | CPU s | CPU x decode | peak MB | over baseline MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for label, size, fmt in (
            ("12 MP JPEG", (4000, 3000), "JPEG"),
            ("24 MP JPEG", (6000, 4000), "JPEG"),
            ("12 MP PNG", (4000, 3000), "PNG"),
        ):
            path = Path(tmp) / f"{label.replace(' ', '_')}.{fmt.lower()}"
            image = camera_photo(size)
            image.save(path, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
            files.append((f"{label} ({path.stat().st_size / 1e6:.1f} MB)", path))
        for label, path in files:
            # Interleaved rounds: a burst of load on a shared machine hits every task alike.
            runs: dict[str, list[dict[str, float]]] = {task: [] for task, _ in SPEED_TASKS}
            for _ in range(repeats):
                for task, _description in SPEED_TASKS:
                    runs[task].append(run_worker(task, path))
            floor = min(r["seconds"] for r in runs["decode"])
            cpu_floor = min(r["cpu"] for r in runs["decode"])
            for task, description in SPEED_TASKS:
                fastest = min(r["seconds"] for r in runs[task])
                cpu = min(r["cpu"] for r in runs[task])
                median = statistics.median(r["seconds"] for r in runs[task])
                peak = max(r["peak_mb"] for r in runs[task])
                over = max(r["over_baseline_mb"] for r in runs[task])
                lines.append(
                    f"| {label} | {description} | {fastest:.3f} | {median:.3f} | "
                    f"{fastest / floor:.2f} | {cpu:.3f} | {cpu / cpu_floor:.2f} | {peak:.0f} | "
                    f"{over:.0f} |"
                )
                print(lines[-1], flush=True)
    return lines


# --------------------------------------------------------------------------------------------
# Quality
# --------------------------------------------------------------------------------------------

QUALITY_PANELS = ["spectra6_7in3", "acep_7in3", "waveshare_7in5_v2", "grey4_7in5", "spectra6_13in3"]


EXAMPLE_PANELS = ("spectra6_7in3", "acep_7in3", "waveshare_7in5_v2")
EXAMPLE_SCENES = ("landscape", "portrait")
EXAMPLE_BOX = (250, 110, 550, 290)  # a 300x180 crop of the 800x480 rendition, shown 1:1


def _write_examples(images_dir: Path, examples: dict[tuple[str, str], list[Image.Image]]) -> None:
    """One sheet per panel: a row per scene with source | stock | ours at 1:1."""
    width, height = EXAMPLE_BOX[2] - EXAMPLE_BOX[0], EXAMPLE_BOX[3] - EXAMPLE_BOX[1]
    for panel_id in EXAMPLE_PANELS:
        sheet = Image.new("RGB", (3 * width + 8, len(EXAMPLE_SCENES) * (height + 4) - 4), "white")
        for row, scene in enumerate(EXAMPLE_SCENES):
            for column, image in enumerate(examples.get((panel_id, scene), [])):
                sheet.paste(image.crop(EXAMPLE_BOX), (column * (width + 4), row * (height + 4)))
        sheet.save(images_dir / f"{panel_id}.png", optimize=True)


def quality_section(scene_names: list[str], images_dir: Path | None) -> list[str]:
    methods = {
        "stock": lambda src, photo, panel: method_stock(photo, panel),
        "inky": lambda src, photo, panel: method_inky(photo, panel),
        "epaper-dithering": lambda src, photo, panel: method_epaper_defaults(photo, panel),
        "ours": lambda src, photo, panel: method_ours(src, panel),
    }
    lines = [
        f"## Picture quality: mean CIEDE2000 after a sigma {BLUR_SIGMA} px blur (lower is better)",
        "",
        "| panel | scene | " + " | ".join(methods) + " | ours vs stock |",
        "| --- | --- | " + " | ".join("---:" for _ in methods) + " | ---: |",
    ]
    print("\n".join(lines), flush=True)
    sources = {}
    for name in scene_names:
        out = BytesIO()
        SCENES[name]((2400, 1800)).save(out, "PNG")
        sources[name] = load_upload(out.getvalue())
    examples: dict[tuple[str, str], list[Image.Image]] = {}
    for panel_id in QUALITY_PANELS:
        panel = PANELS[panel_id]
        totals = dict.fromkeys(methods, 0.0)
        for name, src in sources.items():
            photo = _cropped(src, (panel.width, panel.height), (0.5, 0.5))
            errors, seen = {}, {}
            for method, run in methods.items():
                seen[method] = run(src, photo, panel)
                errors[method] = perceptual_error(photo, seen[method])
                totals[method] += errors[method]
            examples[panel_id, name] = [photo, seen["stock"], seen["ours"]]
            gain = 1 - errors["ours"] / errors["stock"]
            lines.append(
                f"| {panel_id} | {name} | "
                + " | ".join(f"{errors[m]:.2f}" for m in methods)
                + f" | {gain:+.0%} |"
            )
            print(lines[-1], flush=True)
        n = len(sources)
        gain = 1 - totals["ours"] / totals["stock"]
        lines.append(
            f"| **{panel_id}** | **mean** | "
            + " | ".join(f"**{totals[m] / n:.2f}**" for m in methods)
            + f" | **{gain:+.0%}** |"
        )
        print(lines[-1], flush=True)
    if images_dir is not None:
        _write_examples(images_dir, examples)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", nargs=2, metavar=("TASK", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="one repeat, three scenes")
    parser.add_argument("--images", type=Path, help="write before/after crops to this folder")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    print(f"# Rendering benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    machine = platform.processor() or platform.machine()
    print(f"{_cpu_name()} ({machine}, {os.cpu_count()} cores), Python {platform.python_version()}")
    print(
        f"load average at start: {os.getloadavg()[0]:.1f} (other work on the machine skews times)"
    )
    print()
    if not args.skip_quality:
        scenes = list(SCENES)[:3] if args.quick else list(SCENES)
        if args.images:
            args.images.mkdir(parents=True, exist_ok=True)
        quality_section(scenes, args.images)
        print()
    if not args.skip_speed:
        speed_section(1 if args.quick else 5)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
