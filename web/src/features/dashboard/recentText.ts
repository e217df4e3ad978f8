import type { RecentEvent } from "../../api/types";

// Which details an event carries depends on its kind (DashboardRecent in the API document);
// read defensively, since a newer backend may add kinds.
const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/** One line of words for an item of the dashboard's "recent" list; unknown kinds still read well. */
export function describeRecent(e: RecentEvent): string {
  const who = str(e.fromName) ?? str(e.displayName) ?? "Someone";
  const frame = str(e.frameName) ?? "a frame";
  switch (e.type) {
    case "photo_received":
      return `${who} sent you a photo`;
    case "photo_displayed":
      return `A photo you sent is now showing on ${frame}`;
    case "friend_request":
      return `${who} wants to be your friend`;
    case "friend_accepted":
      return `You and ${who} are now friends`;
    case "frame_offline":
      return `${frame} went offline`;
    default: {
      const words = String(e.type || "activity").replace(/[_.]/g, " ");
      return words[0]!.toUpperCase() + words.slice(1);
    }
  }
}
