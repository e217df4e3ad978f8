import { describe, expect, it } from "vitest";
import type { FirmwareInfo, Frame, Release } from "../../api/types";
import { formatPairingCode, pairingCodeProblem } from "./pairingCode";
import { formFromFrame, framePatch } from "./frameSettings";
import { availableRelease, installedVersion, isCritical, updateStateText } from "./FirmwarePanel";

describe("pairing codes", () => {
  it("normalises what people type", () => {
    expect(formatPairingCode("k7qm t4zp")).toBe("K7QM-T4ZP");
    expect(formatPairingCode("K7QM-T4ZP")).toBe("K7QM-T4ZP");
    expect(formatPairingCode("k7q")).toBe("K7Q");
    expect(formatPairingCode("k7qmt4zpxx")).toBe("K7QM-T4ZP");
  });
  it("explains codes that can't be right", () => {
    expect(pairingCodeProblem("K7QM-T4ZP")).toBeNull();
    expect(pairingCodeProblem("K7QM")).toMatch(/8 letters/);
    expect(pairingCodeProblem("K7QM-T4Z0")).toMatch(/never contain 0/);
    expect(pairingCodeProblem("O7QM-T4ZP")).toMatch(/never contain O/);
  });
});

const frame: Frame = {
  frameId: "frm_1",
  name: "Kitchen",
  ownerId: "usr_1",
  panel: "waveshare_7in5_v2",
  orientation: "landscape",
  intervalSeconds: 900,
  order: "newest_first",
  quietHours: null,
  timeZone: "Europe/Berlin",
  showStatus: false,
  sendPolicy: "friends",
  allowedSenders: ["usr_2"],
  status: { online: true, lastSeenAt: null, firmware: "0.1.0", freeBytes: 1, battery: null, nextWakeAt: null, showing: null },
  createdAt: "2026-11-25T12:00:00Z",
};

describe("frame settings", () => {
  it("sends nothing when nothing changed", () => {
    expect(framePatch(frame, formFromFrame(frame))).toEqual({});
  });
  it("sends only the fields that changed", () => {
    const form = { ...formFromFrame(frame), name: " Hall ", intervalSeconds: 3600 };
    expect(framePatch(frame, form)).toEqual({ name: "Hall", intervalSeconds: 3600 });
  });
  it("turns quiet hours on and off as an object or null", () => {
    const on = { ...formFromFrame(frame), quietEnabled: true, quietStart: "21:00", quietEnd: "06:30", quietMode: "clear" as const };
    expect(framePatch(frame, on)).toEqual({ quietHours: { start: "21:00", end: "06:30", mode: "clear" } });
    const withQuiet = { ...frame, quietHours: { start: "22:00", end: "07:00", mode: "keep" as const } };
    expect(framePatch(withQuiet, { ...formFromFrame(withQuiet), quietEnabled: false })).toEqual({ quietHours: null });
  });
  it("sends the owner's default expiry only when it changed", () => {
    expect(formFromFrame(frame).defaultDuration).toBe("24h");
    expect(framePatch(frame, { ...formFromFrame(frame), defaultDuration: "forever" })).toEqual({ defaultDuration: "forever" });
    const weekly = { ...frame, defaultDuration: "7d" as const };
    expect(framePatch(weekly, formFromFrame(weekly))).toEqual({});
  });
  it("compares chosen senders as a set", () => {
    const f2 = { ...frame, allowedSenders: ["usr_2", "usr_3"] };
    expect(framePatch(f2, { ...formFromFrame(f2), allowedSenders: ["usr_3", "usr_2"] })).toEqual({});
    expect(framePatch(f2, { ...formFromFrame(f2), allowedSenders: ["usr_3"] })).toEqual({ allowedSenders: ["usr_3"] });
  });
});

describe("firmware", () => {
  const release = (version: string, criticality = "minor"): Release => ({ version, channel: "stable", criticality, notes: null, releasedAt: "2026-11-20T10:00:00Z" });
  const info = (over: Partial<FirmwareInfo> = {}): FirmwareInfo => ({ version: "0.1.0", channel: "stable", available: null, whatsNew: [], history: [], ...over });
  it("offers a newer release, not the one already installed", () => {
    expect(availableRelease(info({ available: release("0.2.0") }), "0.1.0")?.version).toBe("0.2.0");
    expect(availableRelease(info({ available: release("0.1.0") }), "0.1.0")).toBeNull();
    expect(availableRelease(info(), "0.1.0")).toBeNull();
    expect(availableRelease(undefined, "0.1.0")).toBeNull();
  });
  it("reads the installed version and the last update report", () => {
    expect(installedVersion(info({ version: "0.3.0" }), "0.1.0")).toBe("0.3.0");
    expect(installedVersion(info({ version: null }), "0.1.0")).toBe("0.1.0");
    expect(installedVersion(undefined, "0.1.0")).toBe("0.1.0");
    expect(updateStateText(info({ update: { version: "0.3.0", state: "downloading", reason: null, at: "2026-11-20T10:00:00Z" } }))).toBe("Downloading the update (0.3.0)");
    expect(updateStateText(info({ update: { version: "0.3.0", state: "rolled_back" } }))).toBe("The last update failed; the frame went back to its old version (0.3.0)");
    expect(updateStateText(info({ update: { version: "0.3.0", state: "confirmed" } }))).toBeNull();
    expect(updateStateText(info({ update: null }))).toBeNull();
    expect(updateStateText(info({ update: "garbage" }))).toBeNull();
    expect(isCritical(release("1.0.0", "critical"))).toBe(true);
    expect(isCritical(release("1.0.0", "minor"))).toBe(false);
  });
});
