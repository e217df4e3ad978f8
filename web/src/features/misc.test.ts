import type { RecentEvent } from "../api/types";
import { describe, expect, it, vi } from "vitest";
import { safeNext, loginPathFor, isPublicPath } from "./auth/session";
import { describeRecent } from "./dashboard/recentText";
import { niceMax } from "./dashboard/ActivityChart";
import { focalFromClick, deletedNotice } from "./library/PhotoDetailPage";
import { postMultipart, storageError } from "./library/uploadFile";
import { inviteLink, normaliseFriendCode } from "./friends/FriendsPage";
import { relativeTime, formatBytes, formatInterval } from "../lib/format";

describe("returning to the page after log in", () => {
  it("only follows paths inside the app", () => {
    expect(safeNext("/frames/claim?code=K7QM-T4ZP")).toBe("/frames/claim?code=K7QM-T4ZP");
    expect(safeNext(null)).toBe("/dashboard");
    expect(safeNext("https://evil.example")).toBe("/dashboard");
    expect(safeNext("//evil.example")).toBe("/dashboard");
    expect(safeNext("/login?next=/x")).toBe("/dashboard");
  });
  it("knows which pages need no session", () => {
    expect(["/", "/login", "/signup", "/verify", "/reset", "/forgot-password", "/releases"].every(isPublicPath)).toBe(true);
    expect(["/dashboard", "/library", "/frames/claim", "/account", "/loginx"].some(isPublicPath)).toBe(false);
  });
  it("remembers path and query", () => {
    expect(loginPathFor({ pathname: "/friends/add", search: "?code=ABC" })).toBe("/login?next=%2Ffriends%2Fadd%3Fcode%3DABC");
  });
});

describe("dashboard helpers", () => {
  it("words recent activity, including kinds it doesn't know", () => {
    // The kinds and details the backend records (services/activity.py callers).
    expect(describeRecent({ type: "photo_received", at: "", shareId: "shr_1", userId: "usr_2", fromName: "Ana" })).toBe("Ana sent you a photo");
    expect(describeRecent({ type: "photo_displayed", at: "", shareId: "shr_1", frameName: "Kitchen" })).toBe("A photo you sent is now showing on Kitchen");
    expect(describeRecent({ type: "friend_request", at: "", userId: "usr_2", displayName: "Ben" })).toBe("Ben wants to be your friend");
    expect(describeRecent({ type: "friend_accepted", at: "", userId: "usr_2", displayName: "Ben" })).toBe("You and Ben are now friends");
    expect(describeRecent({ type: "frame_offline", at: "", frameId: "frm_1", frameName: "Hall" })).toBe("Hall went offline");
    // A newer backend may record a kind this build does not know yet.
    expect(describeRecent({ type: "something_new" as RecentEvent["type"], at: "" })).toBe("Something new");
  });
  it("rounds the chart scale", () => {
    expect(niceMax(0)).toBe(4);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(13)).toBe(20);
    expect(niceMax(51)).toBe(100);
  });
});

describe("photo helpers", () => {
  it("turns a click into a focal point in 0..1", () => {
    expect(focalFromClick(150, 75, { left: 100, top: 50, width: 200, height: 100 })).toEqual({ x: 0.25, y: 0.25 });
    expect(focalFromClick(500, -10, { left: 100, top: 50, width: 200, height: 100 })).toEqual({ x: 1, y: 0 });
  });
  it("warns when a deleted photo is still on frames", () => {
    expect(deletedNotice(false)).toBe("The photo was deleted.");
    expect(deletedNotice(true)).toMatch(/keep showing it until it expires/);
  });
});

class FakeXhr {
  static last: FakeXhr;
  upload: { onprogress: ((e: Partial<ProgressEvent>) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  status = 0;
  responseText = "";
  method = "";
  url = "";
  body: FormData | null = null;
  constructor() {
    FakeXhr.last = this;
  }
  open(m: string, u: string) {
    this.method = m;
    this.url = u;
  }
  send(b: FormData) {
    this.body = b;
  }
  abort() {
    this.onabort?.();
  }
}

describe("postMultipart", () => {
  const make = () => new FakeXhr() as unknown as XMLHttpRequest;
  it("puts the policy fields first and the file last, and reports progress", async () => {
    const progress = vi.fn();
    const file = new File(["12345678"], "a.jpg", { type: "image/jpeg" });
    const p = postMultipart("https://s3.test/bucket", { key: "u/img/original", policy: "P", "x-amz-signature": "S" }, file, progress, undefined, make);
    const x = FakeXhr.last;
    expect([x.method, x.url]).toEqual(["POST", "https://s3.test/bucket"]);
    expect([...x.body!.keys()]).toEqual(["key", "policy", "x-amz-signature", "file"]);
    x.upload.onprogress!({ loaded: 4, total: 8, lengthComputable: true });
    expect(progress).toHaveBeenLastCalledWith(4, 8);
    x.status = 204;
    x.onload!();
    await expect(p).resolves.toBeUndefined();
    expect(progress).toHaveBeenLastCalledWith(8, 8);
  });
  it("turns storage errors into words", async () => {
    const p = postMultipart("u", {}, new Blob(["x"]), () => {}, undefined, make);
    FakeXhr.last.status = 400;
    FakeXhr.last.responseText = "<Error><Code>EntityTooLarge</Code></Error>";
    FakeXhr.last.onload!();
    await expect(p).rejects.toThrow(/too large/);
    expect(storageError(403, "<Code>AccessDenied</Code><Message>Policy expired</Message>").message).toMatch(/ran out/);
  });
  it("aborts with the signal", async () => {
    const ctl = new AbortController();
    const p = postMultipart("u", {}, new Blob(["x"]), () => {}, ctl.signal, make);
    ctl.abort();
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("friends and formatting", () => {
  it("builds the invite link the QR code encodes", () => {
    expect(inviteLink("AB12 CD", "https://app.test")).toBe("https://app.test/friends/add?code=AB12%20CD");
    expect(normaliseFriendCode(" ab12 cd ")).toBe("AB12CD");
  });
  it("formats times and sizes", () => {
    const now = Date.parse("2026-11-25T12:00:00Z");
    expect(relativeTime("2026-11-25T11:59:50Z", now)).toBe("just now");
    expect(relativeTime("2026-11-25T11:55:00Z", now)).toBe("5 minutes ago");
    expect(relativeTime("2026-11-25T15:00:00Z", now)).toBe("in 3 hours");
    expect(relativeTime(null, now)).toBe("never");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatInterval(900)).toBe("15 minutes");
    expect(formatInterval(3600)).toBe("1 hour");
  });
});
