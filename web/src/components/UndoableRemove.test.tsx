import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, fireEvent, render, screen } from "@testing-library/react";
import { UndoableRemove } from "./UndoableRemove";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup() {
  const onRemove = vi.fn();
  const view = render(<UndoableRemove label="Remove" removing="Taking it off Hallway." onRemove={onRemove} pending={false} seconds={8} />);
  fireEvent.click(screen.getByRole("button", { name: "Remove" }));
  return { onRemove, view };
}

describe("a removal with an undo window", () => {
  it("is sent once when the window ends, not before", () => {
    const { onRemove } = setup();
    expect(screen.getByRole("status").textContent).toBe("Taking it off Hallway.");
    act(() => vi.advanceTimersByTime(7_900));
    expect(onRemove).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(200));
    expect(onRemove).toHaveBeenCalledTimes(1);
    expect(screen.getByRole("button", { name: "Remove" })).toBeTruthy();
    act(() => vi.advanceTimersByTime(60_000));
    expect(onRemove).toHaveBeenCalledTimes(1);
  });

  it("is never sent after Undo, even when the page is left later", () => {
    const { onRemove, view } = setup();
    act(() => vi.advanceTimersByTime(3_000));
    fireEvent.click(screen.getByRole("button", { name: "Undo" }));
    act(() => vi.advanceTimersByTime(60_000));
    view.unmount();
    window.dispatchEvent(new Event("pagehide"));
    expect(onRemove).not.toHaveBeenCalled();
  });

  it("is sent at once when the user leaves the page during the window", () => {
    const { onRemove, view } = setup();
    view.unmount();
    expect(onRemove).toHaveBeenCalledTimes(1);
    act(() => vi.advanceTimersByTime(60_000));
    expect(onRemove).toHaveBeenCalledTimes(1);
  });

  it("is sent at once when the tab is closed during the window", () => {
    const { onRemove, view } = setup();
    window.dispatchEvent(new Event("pagehide"));
    expect(onRemove).toHaveBeenCalledTimes(1);
    view.unmount();
    act(() => vi.advanceTimersByTime(60_000));
    expect(onRemove).toHaveBeenCalledTimes(1);
  });

  it("counts down the seconds left", () => {
    setup();
    expect(screen.getByText("8 s")).toBeTruthy();
    act(() => vi.advanceTimersByTime(3_000));
    expect(screen.getByText("5 s")).toBeTruthy();
  });
});
