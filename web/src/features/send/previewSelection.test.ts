import { describe, expect, it } from "vitest";
import { panelSize, sharePollInterval } from "./previewSelection";

describe("panelSize", () => {
  it("turns the panel for portrait", () => {
    expect(panelSize("spectra6_13in3", "portrait")).toEqual({ width: 1200, height: 1600 });
    expect(panelSize("spectra6_13in3", "landscape")).toEqual({ width: 1600, height: 1200 });
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
