// The e-paper panels a frame can have (the same list as the frame firmware's panel profiles).

export interface PanelInfo {
  id: string;
  label: string;
  width: number;
  height: number;
  colours: string;
}

export const PANELS: PanelInfo[] = [
  { id: "waveshare_7in5_v2", label: '7.5" black & white', width: 800, height: 480, colours: "black and white" },
  { id: "grey4_7in5", label: '7.5" four greys', width: 800, height: 480, colours: "four greys" },
  { id: "spectra6_7in3", label: '7.3" Spectra 6 colour', width: 800, height: 480, colours: "six colours" },
  { id: "spectra6_13in3", label: '13.3" Spectra 6 colour', width: 1600, height: 1200, colours: "six colours" },
  { id: "acep_7in3", label: '7.3" ACeP colour', width: 800, height: 480, colours: "seven colours" },
];

export function panelInfo(id: string): PanelInfo {
  return PANELS.find((p) => p.id === id) ?? { id, label: id, width: 800, height: 480, colours: "" };
}

export function panelLabel(id: string): string {
  return panelInfo(id).label;
}
