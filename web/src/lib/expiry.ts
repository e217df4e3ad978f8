import type { Duration } from "../api/types";
import { formatDateTime } from "./format";

/** The durations a sender (or a frame's owner, as the default) may choose, in the order shown. */
export const DURATIONS: { value: Duration; label: string }[] = [
  { value: "24h", label: "1 day" },
  { value: "7d", label: "1 week" },
  { value: "14d", label: "2 weeks" },
  { value: "30d", label: "30 days" },
  { value: "forever", label: "Until removed" },
];

const HOURS: Record<Duration, number | null> = { "24h": 24, "7d": 168, "14d": 336, "30d": 720, forever: null };

export function durationLabel(d: Duration | undefined): string {
  return DURATIONS.find((o) => o.value === (d ?? "24h"))!.label;
}

/** When a photo sent now with this duration leaves its frame (ISO), or null: until removed. */
export function endOf(d: Duration | undefined, now = Date.now()): string | null {
  const hours = HOURS[d ?? "24h"];
  return hours === null ? null : new Date(now + hours * 3_600_000).toISOString();
}

/** "Leaves on 3 Dec, 14:05" or "Until removed": a share's or a delivery's end, in words. */
export function expiryText(expiresAt: string | null | undefined): string {
  return expiresAt ? `Leaves on ${formatDateTime(expiresAt)}` : "Stays until removed";
}

/** What a frame's default means for a photo sent now, said before sending. */
export function defaultMeaning(d: Duration | undefined, now = Date.now()): string {
  const end = endOf(d, now);
  return end ? `${durationLabel(d).toLowerCase()} by default: leaves on ${formatDateTime(end)}` : "keeps photos until removed by default";
}

/** A share's end in words: one time for all its frames, or each frame's own (owners' defaults). */
export function shareEndText(share: { expiresAt?: string | null; deliveries: { expiresAt?: string | null }[] }): string {
  const ends = new Set(share.deliveries.map((d) => (d.expiresAt !== undefined ? d.expiresAt : share.expiresAt) ?? null));
  if (ends.size > 1) return "each frame keeps it for its own time";
  const end = ends.size ? [...ends][0] : (share.expiresAt ?? null);
  return end ? `until ${formatDateTime(end)}` : "until removed";
}
