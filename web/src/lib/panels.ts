// The e-paper panels a frame can have (the same list as the frame firmware's panel profiles).

import type { Panel } from "../api/types";

export interface PanelInfo {
  id: Panel;
  label: string;
  width: number;
  height: number;
  colours: string;
}

// Every panel of the API's list, no more and no fewer (the compiler checks it against the document).
const DESCRIBED: { [P in Panel]: Omit<PanelInfo, "id"> } = {
  waveshare_7in5_v2: { label: '7.5" black & white', width: 800, height: 480, colours: "black and white" },
  grey4_7in5: { label: '7.5" four greys', width: 800, height: 480, colours: "four greys" },
  spectra6_7in3: { label: '7.3" Spectra 6 colour', width: 800, height: 480, colours: "six colours" },
  spectra6_13in3: { label: '13.3" Spectra 6 colour', width: 1600, height: 1200, colours: "six colours" },
  acep_7in3: { label: '7.3" ACeP colour', width: 800, height: 480, colours: "seven colours" },
};

export const PANELS: PanelInfo[] = (Object.keys(DESCRIBED) as Panel[]).map((id) => ({ id, ...DESCRIBED[id] }));

export function panelInfo(id: string): Omit<PanelInfo, "id"> & { id: string } {
  return PANELS.find((p) => p.id === id) ?? { id, label: id, width: 800, height: 480, colours: "" };
}

export function panelLabel(id: string): string {
  return panelInfo(id).label;
}
