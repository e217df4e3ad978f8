import type { DeliveryState, ImageState } from "../api/types";

export type BadgeTone = "neutral" | "progress" | "good" | "bad" | "muted";

export interface BadgeInfo {
  label: string;
  tone: BadgeTone;
  /** A symbol that carries the meaning without colour. */
  symbol: string;
  description: string;
}

const DELIVERY: Record<DeliveryState, BadgeInfo> = {
  queued: { label: "Queued", tone: "progress", symbol: "…", description: "Waiting for the frame to pick it up" },
  delivered: { label: "Delivered", tone: "progress", symbol: "↓", description: "On the frame, waiting for its turn" },
  displayed: { label: "Displayed", tone: "good", symbol: "✓", description: "Shown on the frame" },
  removed: { label: "Removed", tone: "muted", symbol: "–", description: "Taken off the frame" },
  expired: { label: "Expired", tone: "muted", symbol: "⌛", description: "Its time on the frame is over" },
};

const IMAGE: Record<ImageState, BadgeInfo> = {
  pending: { label: "Processing", tone: "progress", symbol: "…", description: "Preparing the photo for frames" },
  ready: { label: "Ready", tone: "good", symbol: "✓", description: "Ready to send" },
  rejected: { label: "Rejected", tone: "bad", symbol: "✕", description: "This photo could not be used" },
};

export function deliveryBadge(state: string): BadgeInfo {
  return (
    DELIVERY[state as DeliveryState] ?? {
      label: state ? state[0]!.toUpperCase() + state.slice(1) : "Unknown",
      tone: "neutral",
      symbol: "?",
      description: "",
    }
  );
}

export function imageBadge(state: string): BadgeInfo {
  return IMAGE[state as ImageState] ?? { label: "Unknown", tone: "neutral", symbol: "?", description: "" };
}

export function onlineBadge(online: boolean | null | undefined): BadgeInfo {
  return online
    ? { label: "Online", tone: "good", symbol: "●", description: "The frame is connected" }
    : { label: "Offline", tone: "bad", symbol: "○", description: "The frame is not connected right now" };
}

/** Delivery progress as a number, so the UI can tell how far a share has come. */
export const DELIVERY_STEPS: DeliveryState[] = ["queued", "delivered", "displayed"];
export function deliveryStep(state: string): number {
  return DELIVERY_STEPS.indexOf(state as DeliveryState);
}

export function Badge({ info, className = "" }: { info: BadgeInfo; className?: string }) {
  return (
    <span className={`badge badge-${info.tone} ${className}`} title={info.description || undefined}>
      <span aria-hidden="true" className="badge-symbol">
        {info.symbol}
      </span>
      {info.label}
    </span>
  );
}

export function DeliveryBadge({ state }: { state: string }) {
  return <Badge info={deliveryBadge(state)} />;
}
export function ImageBadge({ state }: { state: string }) {
  return <Badge info={imageBadge(state)} />;
}
export function OnlineBadge({ online }: { online: boolean | null | undefined }) {
  return <Badge info={onlineBadge(online)} />;
}
