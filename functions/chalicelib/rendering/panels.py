"""Panel profiles: what each e-paper panel can show and how it wants its pixels.

A panel is data, not code. Each ink carries two colours:

- ``nominal``: the RGB the vendor's driver and the frame-ready PNG use as the ink's name
  (pure black, pure red, ...). The frame maps a palette index to a device code, never a colour.
- ``measured``: the sRGB colour the ink really shows on the wall under ordinary room light.
  Real panels are far darker and duller than nominal: white is about 30 % darker and the
  dynamic range is about 90:1. Dithering against the measured colours is what makes
  photos look right. docs/rendering.md says where each measured palette comes from.

Example::

    panel = PANELS["spectra6_7in3"]
    panel.device_codes   # (0, 1, 2, 3, 5, 6): code 4 is unused by Spectra 6
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class PanelInk:
    """One colour a panel can show, and the code the panel controller expects for it.

    ``source`` says where ``measured`` comes from (a measurement, a vendor's table, an
    estimate): every colour the preview shows can be traced.
    """

    name: str
    code: int
    nominal: RGB
    measured: RGB
    source: str = ""


@dataclass(frozen=True)
class PanelProfile:
    """Everything the rendering engine and the frame need to know about one panel model.

    ``width`` x ``height`` is the native landscape resolution. ``lightness_strength`` (0..1)
    says how strongly the photo's lightness is compressed into the panel's measured range
    before dithering: 0 leaves it alone (highlights clip to paper white), 1 maps the whole
    range of the photo onto the panel's black..white. ``saturation`` scales chroma before
    dithering (1 = unchanged).
    ``lightness_strength`` is the starting point: tone.choose_strength raises it per photo,
    up to ``highlight_strength``, when much of the photo lies above L* 85. ``gamut_map`` is
    the distance (CIELAB) outside the inks' hull from which a colour is moved fully onto the
    hull before dithering, nearer ones a share of the way (tone.ColourMap); 0 = off.
    ``shadow_toe`` is the L* below which shadows are rolled off into the panel's black
    instead of clipped at it (tone.map_lightness); 0 = clip. ``dither_noise`` is the
    standard deviation (sRGB units) of a fixed noise pattern added to the target before
    error diffusion, which breaks up its streaks in smooth areas (dither.py); 0 = none.
    ``tone_deviation`` (L*) raises a photo's strength until its mean tone lies within that
    distance of the fully compressed one (tone.strength_within); 0 = off.

    Colour panels are dithered by error diffusion between 2x2 mixes of their inks, all-grey
    panels by error diffusion along their ladder of inks (dither.py), so a profile names no
    kernel.
    """

    id: str
    name: str
    width: int
    height: int
    inks: tuple[PanelInk, ...]
    bits_per_pixel: int
    byte_format: str
    refresh_seconds: int
    min_refresh_seconds: int
    lightness_strength: float
    palette_source: str
    saturation: float = 1.0
    highlight_strength: float = 1.0
    gamut_map: float = 0.0
    shadow_toe: float = 0.0
    dither_noise: float = 0.0
    tone_deviation: float = 0.0

    @property
    def achromatic(self) -> bool:
        """True when every ink is a grey: the photo is turned into lightness first."""
        return all(len(set(ink.nominal)) == 1 for ink in self.inks)

    @property
    def colours(self) -> tuple[str, ...]:
        """Ink names, in ink order (not code order)."""
        return tuple(ink.name for ink in self.inks)

    @property
    def device_codes(self) -> tuple[int, ...]:
        return tuple(ink.code for ink in self.inks)

    @property
    def measured_palette(self) -> tuple[RGB, ...]:
        return tuple(ink.measured for ink in self.inks)

    @property
    def nominal_palette(self) -> tuple[RGB, ...]:
        return tuple(ink.nominal for ink in self.inks)

    @property
    def palette_size(self) -> int:
        """Entries in the frame PNG's palette: one per device code up to the highest used."""
        return max(self.device_codes) + 1

    def with_measured(self, measured: Mapping[str, RGB], source: str) -> PanelProfile:
        """The same panel with some or all inks' measured colours replaced, e.g. by the
        palette a frame's own calibration photo gave (rendering.calibration).

        Unknown ink names are an error; inks not named keep their colour and source.
        """
        unknown = sorted(set(measured) - set(self.colours))
        if unknown:
            raise ValueError(f"{self.id} has no ink named {unknown[0]!r}")
        for name, rgb in measured.items():
            if len(rgb) != 3 or not all(isinstance(c, int) and 0 <= c <= 255 for c in rgb):
                raise ValueError(f"measured colour of {name!r} must be three integers 0..255")
        inks = tuple(
            replace(ink, measured=tuple(measured[ink.name]), source=source)  # type: ignore[arg-type]
            if ink.name in measured
            else ink
            for ink in self.inks
        )
        return replace(self, inks=inks, palette_source=source)

    def size(self, orientation: str = "landscape") -> tuple[int, int]:
        """Pixel size of a rendition in the given orientation (portrait swaps the sides)."""
        if orientation == "landscape":
            return self.width, self.height
        if orientation == "portrait":
            return self.height, self.width
        raise ValueError(f"orientation must be 'landscape' or 'portrait', not {orientation!r}")

    def code_palette(self, *, measured: bool) -> list[int]:
        """Flat RGB palette indexed by device code; unused codes repeat the white ink."""
        white = next(ink for ink in self.inks if ink.name == "white")
        table: list[RGB] = [white.measured if measured else white.nominal] * self.palette_size
        for ink in self.inks:
            table[ink.code] = ink.measured if measured else ink.nominal
        return [channel for rgb in table for channel in rgb]


_BLACK: RGB = (0, 0, 0)
_WHITE: RGB = (255, 255, 255)

# The colour panels' dither noise: it halves the streaks error diffusion leaves across a
# smooth sky, and no mean score moved the wrong way by more than 0.001 (docs/rendering.md,
# version 9). Not on the grey panels: four greys measured worse with it (version 9).
DITHER_NOISE = 4.0

_MIN_REFRESH = 180  # Waveshare and Good Display: refresh no more often than every 180 s.

# Where each measured colour comes from (docs/rendering.md, "Panel profiles", has the detail).
_MONO_ESTIMATE = (
    "estimate: white about 70 % of nominal, black for about 85:1 (no measurement of a "
    "Waveshare mono panel at hand)"
)
_GREY_ESTIMATE = "estimate: mono end points, greys spaced evenly in L*"
_OPENDISPLAY_V1 = "measured: epaper-dithering 6.1.1 SPECTRA_7_3_6COLOR (OpenDisplay)"
_OPENDISPLAY_V2 = (
    'measured on a second Spectra 6 7.3" sample: epaper-dithering 6.1.1 SPECTRA_7_3_6COLOR_V2'
)
_PIMORONI = "Pimoroni inky inky_uc8159.py SATURATED_PALETTE (chosen to look like the panel)"
_ACEP_WHITE = "estimate: Pimoroni keeps ACeP white at nominal 255"

WAVESHARE_7IN5_V2 = PanelProfile(
    id="waveshare_7in5_v2",
    name='Waveshare 7.5" V2 (black/white, 800x480)',
    width=800,
    height=480,
    inks=(
        PanelInk("black", 0, _BLACK, (18, 18, 20), _MONO_ESTIMATE),
        PanelInk("white", 1, _WHITE, (190, 190, 184), _MONO_ESTIMATE),
    ),
    bits_per_pixel=1,
    byte_format=(
        "1 bit per pixel, rows top to bottom, most significant bit first, each row padded "
        "to a whole byte; bit 1 = white (code 1), bit 0 = black (code 0). The Waveshare V2 "
        "driver inverts the bits before sending them with command 0x13."
    ),
    refresh_seconds=5,
    min_refresh_seconds=_MIN_REFRESH,
    lightness_strength=0.25,
    palette_source=_MONO_ESTIMATE,
    shadow_toe=12.0,
)

# Spectra 6 (E6) device codes follow the Waveshare 7in3e / Good Display GDEP073E01 driver:
# 0 black, 1 white, 2 yellow, 3 red, 5 blue, 6 green (4 is not used).
SPECTRA6_7IN3 = PanelProfile(
    id="spectra6_7in3",
    name='Spectra 6 7.3" (6 colours, 800x480)',
    width=800,
    height=480,
    inks=(
        PanelInk("black", 0, _BLACK, (26, 13, 35), _OPENDISPLAY_V1),
        PanelInk("white", 1, _WHITE, (185, 202, 205), _OPENDISPLAY_V1),
        PanelInk("yellow", 2, (255, 255, 0), (202, 184, 0), _OPENDISPLAY_V1),
        PanelInk("red", 3, (255, 0, 0), (121, 9, 0), _OPENDISPLAY_V1),
        PanelInk("blue", 5, (0, 0, 255), (0, 69, 139), _OPENDISPLAY_V1),
        PanelInk("green", 6, (0, 255, 0), (40, 82, 57), _OPENDISPLAY_V1),
    ),
    bits_per_pixel=4,
    byte_format="4 bits per pixel, two pixels per byte, high nibble first (left pixel).",
    refresh_seconds=12,
    min_refresh_seconds=_MIN_REFRESH,
    lightness_strength=0.5,
    highlight_strength=0.4375,
    palette_source=_OPENDISPLAY_V1,
    dither_noise=DITHER_NOISE,
)

SPECTRA6_13IN3 = PanelProfile(
    id="spectra6_13in3",
    name='Spectra 6 13.3" (6 colours, 1600x1200)',
    width=1600,
    height=1200,
    inks=(
        PanelInk("black", 0, _BLACK, (31, 24, 41), _OPENDISPLAY_V2),
        PanelInk("white", 1, _WHITE, (168, 180, 182), _OPENDISPLAY_V2),
        PanelInk("yellow", 2, (255, 255, 0), (180, 173, 0), _OPENDISPLAY_V2),
        PanelInk("red", 3, (255, 0, 0), (113, 24, 19), _OPENDISPLAY_V2),
        PanelInk("blue", 5, (0, 0, 255), (36, 70, 139), _OPENDISPLAY_V2),
        PanelInk("green", 6, (0, 255, 0), (50, 84, 60), _OPENDISPLAY_V2),
    ),
    bits_per_pixel=4,
    byte_format=(
        '4 bits per pixel, two pixels per byte, high nibble first (left pixel); the 13.3" '
        "controller takes the left and right halves of each row on two chip selects."
    ),
    refresh_seconds=20,
    min_refresh_seconds=_MIN_REFRESH,
    lightness_strength=0.5,
    highlight_strength=0.4375,
    palette_source=(
        "measured on a second Spectra 6 sample: epaper-dithering SPECTRA_7_3_6COLOR_V2; "
        'the same E6 film, not a measurement of the 13.3" panel itself'
    ),
    dither_noise=DITHER_NOISE,
)

# 7-colour ACeP device codes follow the UC8159 / Waveshare 7in3f driver:
# 0 black, 1 white, 2 green, 3 blue, 4 red, 5 yellow, 6 orange (7 'clean' is never used).
ACEP_7IN3 = PanelProfile(
    id="acep_7in3",
    name='ACeP 7.3" (7 colours, 800x480)',
    width=800,
    height=480,
    inks=(
        PanelInk("black", 0, _BLACK, (57, 48, 57), _PIMORONI),
        PanelInk("white", 1, _WHITE, (190, 188, 176), _ACEP_WHITE),
        PanelInk("green", 2, (0, 255, 0), (58, 91, 70), _PIMORONI),
        PanelInk("blue", 3, (0, 0, 255), (61, 59, 94), _PIMORONI),
        PanelInk("red", 4, (255, 0, 0), (156, 72, 75), _PIMORONI),
        PanelInk("yellow", 5, (255, 255, 0), (208, 190, 71), _PIMORONI),
        PanelInk("orange", 6, (255, 128, 0), (177, 106, 73), _PIMORONI),
    ),
    bits_per_pixel=4,
    byte_format="4 bits per pixel, two pixels per byte, high nibble first (left pixel).",
    refresh_seconds=30,
    min_refresh_seconds=_MIN_REFRESH,
    lightness_strength=0.125,
    palette_source=f"{_PIMORONI}; white: {_ACEP_WHITE}",
    highlight_strength=0.5,
    gamut_map=40.0,
    # ACeP's black is L* 21: at its low strength everything darker clipped into one flat
    # black (a cat's dark fur, a motorcycle's tyres). L* 0..37.5 now rolls off into 21..37.5.
    shadow_toe=37.5,
    dither_noise=DITHER_NOISE,
)

GREY4_7IN5 = PanelProfile(
    id="grey4_7in5",
    name='4-grey 7.5" (800x480)',
    width=800,
    height=480,
    inks=(
        PanelInk("black", 0, _BLACK, (18, 18, 20), _MONO_ESTIMATE),
        PanelInk("dark grey", 1, (85, 85, 85), (72, 72, 72), _GREY_ESTIMATE),
        PanelInk("light grey", 2, (170, 170, 170), (128, 128, 125), _GREY_ESTIMATE),
        PanelInk("white", 3, _WHITE, (190, 190, 184), _MONO_ESTIMATE),
    ),
    bits_per_pixel=2,
    byte_format="2 bits per pixel, four pixels per byte, most significant bits first (left pixel).",
    refresh_seconds=5,
    min_refresh_seconds=_MIN_REFRESH,
    # The strength is chosen per photo by its distance from the compressed tone (0.8 L* on
    # the mean), and by its highlights as on every panel; docs/rendering.md, version 10.
    lightness_strength=0.5,
    tone_deviation=0.8,
    palette_source="estimated: mono film end points, greys spaced evenly in lightness",
)

DEFAULT_PANEL_ID = WAVESHARE_7IN5_V2.id

PANELS: Mapping[str, PanelProfile] = MappingProxyType(
    {
        panel.id: panel
        for panel in (WAVESHARE_7IN5_V2, SPECTRA6_7IN3, SPECTRA6_13IN3, ACEP_7IN3, GREY4_7IN5)
    }
)
