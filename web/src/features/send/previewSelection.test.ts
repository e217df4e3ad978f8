import { describe, expect, it } from "vitest";
import type { FrameTarget } from "../../api/types";
import { panelSize, previewRequests, sharePollInterval } from "./previewSelection";

const t = (frameId: string, panel: string, orientation: string, ownerName = "Ana"): FrameTarget => ({
  frameId,
  name: frameId,
  ownerId: "usr_" + ownerName,
  ownerName,
  panel,
  orientation: orientation as FrameTarget["orientation"],
  online: true,
});

describe("previewRequests", () => {
  const targets = [
    t("kitchen", "waveshare_7in5_v2", "landscape"),
    t("hall", "spectra6_7in3", "portrait"),
    t("gran", "waveshare_7in5_v2", "landscape", "Gran"),
    t("office", "waveshare_7in5_v2", "portrait"),
  ];

  it("asks for one rendition per distinct panel and orientation among the chosen frames", () => {
    const r = previewRequests(targets, new Set(["kitchen", "hall", "gran", "office"]));
    expect(r.map((x) => [x.panel, x.orientation])).toEqual([
      ["waveshare_7in5_v2", "landscape"],
      ["spectra6_7in3", "portrait"],
      ["waveshare_7in5_v2", "portrait"],
    ]);
    expect(r[0]!.frames.map((f) => f.frameId)).toEqual(["kitchen", "gran"]);
  });

  it("ignores frames that are not chosen, and gives nothing when none are", () => {
    expect(previewRequests(targets, [])).toEqual([]);
    const r = previewRequests(targets, ["hall"]);
    expect(r).toHaveLength(1);
    expect(r[0]!.frames[0]!.frameId).toBe("hall");
  });

  it("treats a missing or unknown orientation as landscape", () => {
    const r = previewRequests([t("x", "acep_7in3", ""), t("y", "acep_7in3", "sideways")], ["x", "y"]);
    expect(r).toHaveLength(1);
    expect(r[0]!.orientation).toBe("landscape");
  });

  it("gives the panel's pixel size, turned for portrait", () => {
    expect(panelSize("waveshare_7in5_v2", "landscape")).toEqual({ width: 800, height: 480 });
    expect(panelSize("waveshare_7in5_v2", "portrait")).toEqual({ width: 480, height: 800 });
    expect(panelSize("spectra6_13in3", "portrait")).toEqual({ width: 1200, height: 1600 });
    const [r] = previewRequests([t("h", "spectra6_13in3", "portrait")], ["h"]);
    expect([r!.width, r!.height]).toEqual([1200, 1600]);
  });
});

describe("sharePollInterval", () => {
  const share = (...states: string[]) => ({
    deliveries: states.map((state, i) => ({ frameId: `f${i}`, frameName: "", ownerId: "", state: state as "queued" })),
  });
  it("polls every 2 s while any frame has not displayed it", () => {
    expect(sharePollInterval(undefined, 0)).toBe(2000);
    expect(sharePollInterval(share("queued", "displayed"), 1000)).toBe(2000);
    expect(sharePollInterval(share("delivered"), 1000)).toBe(2000);
  });
  it("stops once every delivery is displayed, removed or expired", () => {
    expect(sharePollInterval(share("displayed", "removed", "expired"), 1000)).toBe(false);
  });
  it("slows down after five minutes", () => {
    expect(sharePollInterval(share("queued"), 6 * 60_000)).toBe(15_000);
  });
});
