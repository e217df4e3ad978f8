import { Link, useSearchParams } from "react-router-dom";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { me as meApi, qk, shares } from "../../api/endpoints";
import type { Share } from "../../api/types";
import { ErrorAlert, Loading } from "../../components/Alert";
import { PageHeader } from "../../components/PageHeader";
import { PhotoThumb } from "../../components/PhotoThumb";
import { shareEndText } from "../../lib/expiry";
import { formatDateTime } from "../../lib/format";
import { DeliveryRow } from "../send/ShareStatusPage";

function ShareCard({ share, direction, myId }: { share: Share; direction: "sent" | "received"; myId?: string }) {
  return (
    <li className="card share-card">
      <div className="share-head">
        <PhotoThumb thumbnailUrl={share.thumbnailUrl} previewUrl={share.previewUrl} label={share.caption || `Photo sent ${formatDateTime(share.createdAt)}`} />
        <div>
          <p>
            <strong>
              {direction === "sent"
                ? "You sent a photo"
                : share.senderId === myId
                  ? `You put this photo on ${share.deliveries[0]?.frameName ?? "your frame"}`
                  : `${share.senderName} sent you a photo`}
            </strong>
            {share.caption && <> “{share.caption}”</>}
          </p>
          <p className="hint">
            {formatDateTime(share.createdAt)}
            {` · ${shareEndText(share)}`}
          </p>
        </div>
        {direction === "sent" && (
          <Link to={`/shares/${share.shareId}`} className="button button-small button-secondary">
            Details<span className="visually-hidden"> of the photo sent {formatDateTime(share.createdAt)}</span>
          </Link>
        )}
      </div>
      <ul className="delivery-list">
        {share.deliveries.map((d) => (
          <DeliveryRow key={d.frameId} share={share} d={d} canRemove={direction === "sent" || d.ownerId === myId} />
        ))}
      </ul>
    </li>
  );
}

export default function HistoryPage() {
  const [params, setParams] = useSearchParams();
  const direction = params.get("direction") === "received" ? "received" : "sent";
  const me = useQuery({ queryKey: qk.me, queryFn: meApi.get });
  const q = useInfiniteQuery({
    queryKey: [...qk.shares(direction), "list"],
    queryFn: ({ pageParam }) => shares.list({ direction, cursor: pageParam ?? undefined, limit: 20 }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 20_000,
  });
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section>
      <PageHeader title="History" />
      <nav aria-label="Sent or received" className="tabs">
        {(["sent", "received"] as const).map((d) => (
          <button
            key={d}
            type="button"
            className={`tab${d === direction ? " active" : ""}`}
            aria-pressed={d === direction}
            onClick={() => setParams(d === "sent" ? {} : { direction: d }, { replace: true })}
          >
            {d === "sent" ? "Sent" : "Received"}
          </button>
        ))}
      </nav>
      {q.isPending && <Loading />}
      <ErrorAlert error={q.error} />
      {q.isSuccess && items.length === 0 && (
        <p>{direction === "sent" ? "You haven't sent any photos yet." : "No photos have arrived on your frames yet."}</p>
      )}
      <ul className="plain-list">
        {items.map((s) => (
          <ShareCard key={s.shareId} share={s} direction={direction} myId={me.data?.userId} />
        ))}
      </ul>
      {q.hasNextPage && (
        <p className="center">
          <button type="button" className="button-secondary" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>
            Show older
          </button>
        </p>
      )}
    </section>
  );
}
