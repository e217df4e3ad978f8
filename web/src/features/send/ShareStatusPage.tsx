import { useRef } from "react";
import { Link, useParams } from "react-router-dom";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { qk, shares } from "../../api/endpoints";
import type { Delivery, Share } from "../../api/types";
import { ErrorAlert, Loading } from "../../components/Alert";
import { PageHeader } from "../../components/PageHeader";
import { PhotoThumb } from "../../components/PhotoThumb";
import { UndoableRemove } from "../../components/UndoableRemove";
import { DELIVERY_STEPS, DeliveryBadge, deliveryStep } from "../../components/StateBadge";
import { expiryText, shareEndText } from "../../lib/expiry";
import { formatDateTime, relativeTime } from "../../lib/format";
import { isFinal, sharePollInterval } from "./previewSelection";

const STEP_LABEL: Record<string, string> = { queued: "Queued", delivered: "Delivered", displayed: "Displayed" };

function Steps({ d }: { d: Delivery }) {
  const at = deliveryStep(d.state);
  if (at < 0) return null; // removed or expired: the badge beside the frame's name says so
  return (
    <ol className="steps-inline" aria-label={`Progress: ${STEP_LABEL[d.state] ?? d.state}`}>
      {DELIVERY_STEPS.map((s, i) => (
        <li key={s} className={i < at ? "step-done" : i === at ? "step-current" : "step-todo"} aria-current={i === at ? "step" : undefined}>
          <span aria-hidden="true">{i <= at ? "✓" : "○"}</span> {STEP_LABEL[s]}
        </li>
      ))}
    </ol>
  );
}

export function DeliveryRow({ share, d, canRemove }: { share: Share; d: Delivery; canRemove: boolean }) {
  const qc = useQueryClient();
  const remove = useMutation({
    mutationFn: () => shares.removeFromFrame(share.shareId, d.frameId),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: qk.share(share.shareId) });
      void qc.invalidateQueries({ queryKey: ["shares"] });
      void qc.invalidateQueries({ queryKey: qk.frameItems(d.frameId) });
    },
  });
  return (
    <li className="delivery">
      <div className="delivery-head">
        <strong>{d.frameName}</strong> <DeliveryBadge state={d.state} />
      </div>
      <Steps d={d} />
      <p className="hint">
        {d.state === "displayed" && d.displayedAt && `Shown ${relativeTime(d.displayedAt)}.`}
        {d.state === "delivered" && (d.expectedAt ? `On the frame; expected on screen ${relativeTime(d.expectedAt)}.` : "On the frame, waiting for its turn.")}
        {d.state === "queued" &&
          (!d.previewUrl
            ? "Preparing the picture for this frame's screen…"
            : d.expectedAt
              ? `The frame should pick it up ${relativeTime(d.expectedAt)}.`
              : "Waiting for the frame to pick it up.")}
        {d.state !== "removed" && d.state !== "expired" && <> {expiryText(d.expiresAt)}.</>}
      </p>
      {canRemove && d.state !== "removed" && d.state !== "expired" ? (
        <>
          <UndoableRemove label={`Remove from ${d.frameName}`} removing={`Taking it off ${d.frameName}.`} onRemove={() => remove.mutate()} pending={remove.isPending} />
          <ErrorAlert error={remove.error} />
        </>
      ) : null}
    </li>
  );
}

export default function ShareStatusPage() {
  const { shareId = "" } = useParams();
  const started = useRef(Date.now());
  const q = useQuery({
    queryKey: qk.share(shareId),
    queryFn: () => shares.get(shareId),
    refetchInterval: (query) => sharePollInterval(query.state.data, Date.now() - started.current),
    refetchIntervalInBackground: false,
  });
  if (q.isPending) return <Loading label="Loading…" />;
  if (!q.data) return <ErrorAlert error={q.error} />;
  const share = q.data;
  const done = share.deliveries.filter((d) => d.state === "displayed").length;
  const allFinal = share.deliveries.every(isFinal);
  return (
    <section>
      <PageHeader title="Sent">
        <Link to="/send" className="button">
          Send another
        </Link>
      </PageHeader>
      <div className="card">
        <p aria-live="polite" className="lead">
          {done === share.deliveries.length
            ? `Displayed on ${done === 1 ? "the frame" : done === 2 ? "both frames" : `all ${done} frames`}.`
            : `Displayed on ${done} of ${share.deliveries.length} frame${share.deliveries.length === 1 ? "" : "s"}.`}
          {!allFinal && <span className="hint"> This page updates by itself.</span>}
        </p>
        <div className="share-head">
          <PhotoThumb thumbnailUrl={share.thumbnailUrl} previewUrl={share.previewUrl} label={share.caption || "The photo you sent"} />
          <div>{share.caption && <p>“{share.caption}”</p>}</div>
        </div>
        <p className="hint">
          Sent {formatDateTime(share.createdAt)}, shown {shareEndText(share)}.
        </p>
        <ErrorAlert error={q.error} />
        <ul className="delivery-list">
          {share.deliveries.map((d) => (
            <DeliveryRow key={d.frameId} share={share} d={d} canRemove />
          ))}
        </ul>
      </div>
      <p>
        <Link to="/history">See everything you've sent</Link>
      </p>
    </section>
  );
}
