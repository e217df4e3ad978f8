import { describe, expect, it } from "vitest";
import type { Notification } from "../../api/types";
import { newestUnseen, notificationLink, unseenLabel } from "./notificationLink";

const entry = (n: Partial<Notification>): Notification => ({ type: "photo_received", at: "2026-11-30T10:00:00Z", id: "x", new: false, ...n });

describe("notifications", () => {
  it("lead where the user can act on them", () => {
    expect(notificationLink(entry({ type: "photo_displayed", shareId: "shr_1" }))?.to).toBe("/shares/shr_1");
    expect(notificationLink(entry({ type: "frame_offline", frameId: "frm_1" }))?.to).toBe("/frames/frm_1");
    expect(notificationLink(entry({ type: "friend_request", userId: "usr_1" }))?.label).toBe("Answer");
    expect(notificationLink(entry({ type: "photo_received" }))?.to).toBe("/history?direction=received");
    expect(notificationLink(entry({ type: "photo_displayed" }))).toBeNull();
  });
  it("stop asking for an answer once the request was accepted", () => {
    const request = entry({ type: "friend_request", userId: "usr_1" });
    expect(notificationLink(request, new Set(["usr_1"]))?.label).toBe("See your friends");
    expect(notificationLink(request, new Set(["usr_2"]))?.label).toBe("Answer");
  });
  it("mark the newest new entry as seen, or nothing when none is new", () => {
    const items = [
      entry({ id: "2026-11-30T10:00:02Z#aa", new: true }),
      entry({ id: "2026-11-30T10:00:09Z#bb", new: true }),
      entry({ id: "2026-11-30T10:00:05Z#cc", new: false }),
    ];
    expect(newestUnseen(items)).toBe("2026-11-30T10:00:09Z#bb");
    expect(newestUnseen(items.map((n) => ({ ...n, new: false })))).toBeNull();
  });
  it("cap the badge at 99+", () => {
    expect([unseenLabel(1), unseenLabel(99), unseenLabel(100)]).toEqual(["1", "99", "99+"]);
  });
});
