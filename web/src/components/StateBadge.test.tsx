import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/react";
import { DeliveryBadge, ImageBadge, OnlineBadge, deliveryBadge, deliveryStep, imageBadge } from "./StateBadge";

describe("state badges", () => {
  it("names every delivery state in words, with a tone and a symbol", () => {
    const expected: Record<string, [string, string]> = {
      queued: ["Queued", "progress"],
      delivered: ["Delivered", "progress"],
      displayed: ["Displayed", "good"],
      removed: ["Removed", "muted"],
      expired: ["Expired", "muted"],
    };
    for (const [state, [label, tone]] of Object.entries(expected)) {
      const b = deliveryBadge(state);
      expect(b.label).toBe(label);
      expect(b.tone).toBe(tone);
      expect(b.symbol).not.toBe("");
    }
  });

  it("shows an unknown state as text rather than breaking", () => {
    expect(deliveryBadge("rerouted").label).toBe("Rerouted");
    expect(imageBadge("weird").label).toBe("Unknown");
  });

  it("orders the delivery steps", () => {
    expect(deliveryStep("queued")).toBe(0);
    expect(deliveryStep("delivered")).toBe(1);
    expect(deliveryStep("displayed")).toBe(2);
    expect(deliveryStep("removed")).toBe(-1);
  });

  it("renders the label as text (not colour alone) and hides the symbol from screen readers", () => {
    render(
      <>
        <DeliveryBadge state="displayed" />
        <ImageBadge state="pending" />
        <OnlineBadge online={false} />
      </>,
    );
    expect(screen.getByText("Displayed")).toBeTruthy();
    expect(screen.getByText("Processing")).toBeTruthy();
    const off = screen.getByText("Offline");
    expect(off.className).toContain("badge-bad");
    expect(off.querySelector("[aria-hidden='true']")?.textContent).toBe("○");
  });
});
