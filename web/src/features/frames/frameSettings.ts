import type { Frame, FramePatch, QuietHours } from "../../api/types";

export interface FrameForm {
  name: string;
  intervalSeconds: number;
  orientation: Frame["orientation"];
  panel: Frame["panel"];
  order: Frame["order"];
  quietEnabled: boolean;
  quietStart: string;
  quietEnd: string;
  quietMode: QuietHours["mode"];
  timeZone: string;
  showStatus: boolean;
  sendPolicy: Frame["sendPolicy"];
  allowedSenders: string[];
  defaultDuration: NonNullable<Frame["defaultDuration"]>;
}

export const INTERVALS = [180, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400];
export const MIN_INTERVAL = 180;
export const MAX_INTERVAL = 86400;

export function formFromFrame(f: Frame): FrameForm {
  return {
    name: f.name,
    intervalSeconds: f.intervalSeconds,
    orientation: f.orientation,
    panel: f.panel,
    order: f.order,
    quietEnabled: f.quietHours !== null && f.quietHours !== undefined,
    quietStart: f.quietHours?.start ?? "22:00",
    quietEnd: f.quietHours?.end ?? "07:00",
    quietMode: f.quietHours?.mode ?? "keep",
    timeZone: f.timeZone,
    showStatus: f.showStatus,
    sendPolicy: f.sendPolicy,
    allowedSenders: [...(f.allowedSenders ?? [])],
    defaultDuration: f.defaultDuration ?? "24h",
  };
}

/** Only what changed, so one PATCH never overwrites a field the user did not touch. */
export function framePatch(f: Frame, form: FrameForm): FramePatch {
  const p: FramePatch = {};
  if (form.name.trim() !== f.name) p.name = form.name.trim();
  if (form.intervalSeconds !== f.intervalSeconds) p.intervalSeconds = form.intervalSeconds;
  if (form.orientation !== f.orientation) p.orientation = form.orientation;
  if (form.panel !== f.panel) p.panel = form.panel;
  if (form.order !== f.order) p.order = form.order;
  const qh: QuietHours | null = form.quietEnabled ? { start: form.quietStart, end: form.quietEnd, mode: form.quietMode } : null;
  const old = f.quietHours ?? null;
  if (
    (qh === null) !== (old === null) ||
    (qh && old && (qh.start !== old.start || qh.end !== old.end || qh.mode !== old.mode))
  ) {
    p.quietHours = qh;
  }
  if (form.timeZone !== f.timeZone) p.timeZone = form.timeZone;
  if (form.showStatus !== f.showStatus) p.showStatus = form.showStatus;
  if (form.sendPolicy !== f.sendPolicy) p.sendPolicy = form.sendPolicy;
  const a = [...form.allowedSenders].sort().join(",");
  const b = [...(f.allowedSenders ?? [])].sort().join(",");
  if (a !== b) p.allowedSenders = form.allowedSenders;
  if (form.defaultDuration !== (f.defaultDuration ?? "24h")) p.defaultDuration = form.defaultDuration;
  return p;
}

export function timeZones(): string[] {
  try {
    const fn = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
    if (fn) return fn("timeZone");
  } catch {
    // older browsers
  }
  return ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo"];
}
