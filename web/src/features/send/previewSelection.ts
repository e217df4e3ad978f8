// Sizes of the e-paper previews shown before sending, and how often a sent photo's status is polled.

import type { Delivery, Orientation, Share } from "../../api/types";
import { panelInfo } from "../../lib/panels";

export function normaliseOrientation(o: string | null | undefined): Orientation {
  return o === "portrait" ? "portrait" : "landscape";
}

/** The panel's pixel size held in `orientation` (panels are specified landscape). */
export function panelSize(panel: string, orientation: Orientation): { width: number; height: number } {
  const p = panelInfo(panel);
  const long = Math.max(p.width, p.height);
  const short = Math.min(p.width, p.height);
  return orientation === "portrait" ? { width: short, height: long } : { width: long, height: short };
}

const FINAL = new Set(["displayed", "removed", "expired"]);

export function isFinal(d: Pick<Delivery, "state">): boolean {
  return FINAL.has(d.state);
}

/**
 * How often to re-read a share while watching it: every 2 s until each frame has shown it (or it
 * was removed or expired), slower after five minutes (an offline frame may take hours), never
 * once everything is final.
 */
export function sharePollInterval(share: Pick<Share, "deliveries"> | undefined, watchedMs: number): number | false {
  if (!share) return 2000;
  if (share.deliveries.length > 0 && share.deliveries.every(isFinal)) return false;
  return watchedMs < 5 * 60_000 ? 2000 : 15_000;
}
