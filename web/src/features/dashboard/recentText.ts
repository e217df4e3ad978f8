import type { RecentEvent } from "../../api/types";

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/** One line of words for an item of the dashboard's "recent" list; unknown kinds still read well. */
export function describeRecent(e: RecentEvent): string {
  const who = str(e.senderName) ?? str(e.fromName) ?? str(e.userName) ?? str(e.displayName) ?? str(e.friendName) ?? "Someone";
  const frame = str(e.frameName) ?? "a frame";
  switch (e.type) {
    case "share_sent":
    case "sent":
      return `You sent a photo to ${frame}`;
    case "photo_received":
    case "share_received":
    case "received":
      return e.frameName ? `${who} sent a photo to ${frame}` : `${who} sent you a photo`;
    case "photo_displayed":
    case "displayed":
    case "share_displayed":
      return `A photo is now showing on ${frame}`;
    case "delivered":
    case "share_delivered":
      return `A photo reached ${frame}`;
    case "friend_request":
      return `${who} wants to be your friend`;
    case "friend_accepted":
    case "friend_added":
      return `You and ${who} are now friends`;
    case "frame_paired":
      return `You paired ${frame}`;
    case "frame_offline":
      return `${frame} went offline`;
    case "frame_online":
      return `${frame} is back online`;
    case "image_uploaded":
    case "upload":
      return "You added a photo";
    case "image_rejected":
      return "A photo could not be used";
    default: {
      const words = String(e.type || "activity").replace(/[_.]/g, " ");
      return words[0]!.toUpperCase() + words.slice(1);
    }
  }
}
