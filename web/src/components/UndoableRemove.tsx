import { useEffect, useRef, useState, type ReactNode } from "react";

/** How long a removal waits for "Undo" before it is sent. */
export const UNDO_SECONDS = 8;

/**
 * Take a photo off a frame with an undo window instead of a question, as mail apps "undo send":
 * the removal is sent when the window ends, or at once when the user leaves the page (in the
 * app or by closing the tab), so leaving never silently keeps a photo the user removed.
 */
export function UndoableRemove({
  label,
  removing,
  onRemove,
  pending,
  seconds = UNDO_SECONDS,
}: {
  label: ReactNode;
  /** What is happening, said once to screen readers: "Taking it off Hallway." */
  removing: string;
  onRemove: () => void;
  pending: boolean;
  seconds?: number;
}) {
  const [left, setLeft] = useState<number | null>(null);
  const armed = useRef(false);
  const remove = useRef(onRemove);
  remove.current = onRemove;
  const waiting = left !== null;

  useEffect(() => {
    if (!waiting) return;
    const fire = () => {
      if (!armed.current) return;
      armed.current = false;
      remove.current();
    };
    const started = Date.now();
    const tick = window.setInterval(() => setLeft(Math.max(1, seconds - Math.floor((Date.now() - started) / 1000))), 1000);
    const done = window.setTimeout(() => {
      fire();
      setLeft(null);
    }, seconds * 1000);
    window.addEventListener("pagehide", fire);
    return () => {
      window.clearInterval(tick);
      window.clearTimeout(done);
      window.removeEventListener("pagehide", fire);
      fire(); // unmounted while waiting: the user moved on, the removal goes through
    };
  }, [waiting, seconds]);

  if (!waiting)
    return (
      <button
        type="button"
        className="button-small button-secondary"
        disabled={pending}
        onClick={() => {
          armed.current = true;
          setLeft(seconds);
        }}
      >
        {label}
      </button>
    );
  return (
    <span className="inline-actions undo-bar">
      <span role="status">{removing}</span>
      <span className="hint" aria-hidden="true">
        {left} s
      </span>
      <button
        type="button"
        className="button-small button-primary"
        onClick={() => {
          armed.current = false;
          setLeft(null);
        }}
      >
        Undo
      </button>
    </span>
  );
}
