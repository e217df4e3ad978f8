// Which e-paper previews to show before sending: one per distinct (panel, orientation) among the
// chosen frames, since frames with the same panel held the same way draw the photo identically.

import type { Delivery, FrameTarget, Orientation, Share } from "../../api/types";
import { panelInfo } from "../../lib/panels";

export interface PreviewRequest {
  key: string;
  panel: string;
  orientation: Orientation;
  /** The chosen frames this preview stands for, in the order they were listed. */
  frames: FrameTarget[];
  /** Pixel size of the panel held this way. */
  width: number;
  height: number;
}

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

export function previewRequests(targets: readonly FrameTarget[], selected: ReadonlySet<string> | readonly string[]): PreviewRequest[] {
  const chosen = selected instanceof Set ? selected : new Set(selected as readonly string[]);
  const byKey = new Map<string, PreviewRequest>();
  for (const t of targets) {
    if (!chosen.has(t.frameId)) continue;
    const orientation = normaliseOrientation(t.orientation);
    const key = `${t.panel}|${orientation}`;
    let req = byKey.get(key);
    if (!req) {
      req = { key, panel: t.panel, orientation, frames: [], ...panelSize(t.panel, orientation) };
      byKey.set(key, req);
    }
    req.frames.push(t);
  }
  return [...byKey.values()];
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
