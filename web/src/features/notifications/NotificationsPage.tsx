import { useEffect, useRef } from "react";
import { Link } from "react-router-dom";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { friends as friendsApi, notifications, qk } from "../../api/endpoints";
import type { Notification } from "../../api/types";
import { ErrorAlert, Loading } from "../../components/Alert";
import { PageHeader } from "../../components/PageHeader";
import { PhotoThumb } from "../../components/PhotoThumb";
import { formatDateTime, relativeTime } from "../../lib/format";
import { describeRecent } from "../dashboard/recentText";
import { answered, newestUnseen, notificationLink } from "./notificationLink";

function Entry({ n, friendIds }: { n: Notification; friendIds: ReadonlySet<string> }) {
  const text = answered(n, friendIds) ? `${describeRecent(n).replace(/ wants to be your friend$/, "")} and you are now friends` : describeRecent(n);
  const link = notificationLink(n, friendIds);
  return (
    <li className={`card notification${n.new ? " notification-new" : ""}`}>
      {typeof n.thumbnailUrl === "string" ? (
        <PhotoThumb thumbnailUrl={n.thumbnailUrl} label={text} />
      ) : (
        <span className="item-thumb notification-icon" aria-hidden="true">
          {n.type.startsWith("friend") ? "☺" : n.type === "frame_offline" ? "!" : "▣"}
        </span>
      )}
      <div className="item-body">
        <p>
          {n.new && <span className="badge badge-progress">New</span>} <strong>{text}</strong>
        </p>
        <p className="hint">
          <time dateTime={n.at} title={formatDateTime(n.at)}>
            {relativeTime(n.at)}
          </time>
          {link && (
            <>
              {" · "}
              <Link to={link.to}>{link.label}</Link>
            </>
          )}
        </p>
      </div>
    </li>
  );
}

export default function NotificationsPage() {
  const qc = useQueryClient();
  const q = useInfiniteQuery({
    queryKey: qk.notifications,
    queryFn: ({ pageParam }) => notifications.list(pageParam, 20),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  // A request accepted since (here or elsewhere) says so instead of asking for an answer.
  const friendList = useQuery({ queryKey: qk.friends, queryFn: friendsApi.list });
  const friendIds = new Set((friendList.data?.items ?? []).map((f) => f.userId));
  const seen = useMutation({
    mutationFn: (upTo: string) => notifications.markSeen(upTo),
    // A count asked for before the mark (the layout asks on every page load) must not land
    // after it and bring the badge back: cancel it, then set the count the mark made true.
    onSuccess: async () => {
      await qc.cancelQueries({ queryKey: qk.unseen });
      qc.setQueryData(qk.unseen, { unseen: 0 });
    },
  });
  // Seeing the page marks what it shows as seen (the "New" labels stay until the next visit).
  const marked = useRef<string | null>(null);
  const newest = newestUnseen(q.data?.pages[0]?.items ?? []);
  useEffect(() => {
    if (newest && marked.current !== newest) {
      marked.current = newest;
      seen.mutate(newest);
    }
  }, [newest, seen]);

  return (
    <section>
      <PageHeader title="Notifications" />
      <p className="hint">Photos that arrived on your frames, photos of yours now on a wall, friend requests and frames that went offline, from the last 30 days.</p>
      {q.isPending && <Loading />}
      <ErrorAlert error={q.error ?? seen.error} />
      {q.isSuccess && items.length === 0 && (
        <p>
          Nothing has happened yet. When a friend sends you a photo or a frame shows one of yours, it appears here. <Link to="/send">Send a photo</Link>.
        </p>
      )}
      <ul className="plain-list notification-list">
        {items.map((n) => (
          <Entry key={n.id} n={n} friendIds={friendIds} />
        ))}
      </ul>
      {q.hasNextPage && (
        <button type="button" className="button-secondary" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>
          {q.isFetchingNextPage ? "Loading…" : "Show older"}
        </button>
      )}
    </section>
  );
}
