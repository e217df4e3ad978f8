import type { Notification } from "../../api/types";

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/** A friend request that has since been accepted: no longer something to answer. */
export function answered(n: Notification, friendIds: ReadonlySet<string>): boolean {
  const who = str(n.userId);
  return n.type === "friend_request" && who !== undefined && friendIds.has(who);
}

/** Where a notification leads: the share, the frame, or the friends page. */
export function notificationLink(n: Notification, friendIds: ReadonlySet<string> = new Set()): { to: string; label: string } | null {
  const share = str(n.shareId);
  const frame = str(n.frameId);
  switch (n.type) {
    case "photo_received":
      return { to: "/history?direction=received", label: "See it in your history" };
    case "photo_displayed":
      return share ? { to: `/shares/${encodeURIComponent(share)}`, label: "See where it is showing" } : null;
    case "friend_request":
      return answered(n, friendIds) ? { to: "/friends", label: "See your friends" } : { to: "/friends", label: "Answer" };
    case "friend_accepted":
      return { to: "/send", label: "Send them a photo" };
    case "frame_offline":
      return frame ? { to: `/frames/${encodeURIComponent(frame)}`, label: "Check the frame" } : null;
    default:
      return null;
  }
}

/** The id to mark as seen after showing a page: the newest entry shown, if it is new. */
export function newestUnseen(items: Notification[]): string | null {
  const fresh = items.filter((n) => n.new).map((n) => n.id);
  return fresh.length ? fresh.reduce((a, b) => (a > b ? a : b)) : null;
}

/** The badge's text: at most "99+" (the API counts up to 100). */
export function unseenLabel(n: number): string {
  return n > 99 ? "99+" : String(n);
}
