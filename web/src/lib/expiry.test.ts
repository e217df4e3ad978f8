import { describe, expect, it } from "vitest";
import { defaultMeaning, durationLabel, endOf, expiryText, shareEndText } from "./expiry";

const NOW = Date.parse("2026-11-30T10:00:00Z");

describe("how long a photo stays, in words", () => {
  it("ends a duration after its span, and never for until removed", () => {
    expect(endOf("24h", NOW)).toBe("2026-12-01T10:00:00.000Z");
    expect(endOf("30d", NOW)).toBe("2026-12-30T10:00:00.000Z");
    expect(endOf("forever", NOW)).toBeNull();
    expect(endOf(undefined, NOW)).toBe("2026-12-01T10:00:00.000Z"); // an older API: a day
  });
  it("says what a frame's default means before sending", () => {
    expect(defaultMeaning("7d", NOW)).toMatch(/^1 week by default: leaves on /);
    expect(defaultMeaning("forever", NOW)).toBe("keeps photos until removed by default");
    expect(durationLabel("forever")).toBe("Until removed");
  });
  it("says when a delivery leaves", () => {
    expect(expiryText(null)).toBe("Stays until removed");
    expect(expiryText("2026-12-01T10:00:00Z")).toMatch(/^Leaves on /);
  });
  it("says when frames keep one share for different times", () => {
    const day = "2026-12-01T10:00:00Z";
    expect(shareEndText({ expiresAt: day, deliveries: [{ expiresAt: day }, { expiresAt: day }] })).toMatch(/^until /);
    expect(shareEndText({ expiresAt: null, deliveries: [{ expiresAt: null }] })).toBe("until removed");
    expect(shareEndText({ expiresAt: null, deliveries: [{ expiresAt: day }, { expiresAt: null }] })).toBe(
      "each frame keeps it for its own time",
    );
    expect(shareEndText({ expiresAt: day, deliveries: [] })).toMatch(/^until /);
  });
});
