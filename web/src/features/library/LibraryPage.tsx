import { useEffect, useRef } from "react";
import { Link, useLocation } from "react-router-dom";
import type { Image } from "../../api/types";
import { ErrorAlert, Loading, Notice } from "../../components/Alert";
import { PageHeader } from "../../components/PageHeader";
import { ImageBadge } from "../../components/StateBadge";
import { formatDate } from "../../lib/format";
import { useImage, useImageList } from "./hooks";
import { UploadPanel } from "./UploadPanel";

function PhotoCard({ image }: { image: Image }) {
  const q = useImage(image.imageId, image);
  const img = q.data ?? image;
  const name = img.title || "Untitled photo";
  return (
    <li className="photo-card">
      <Link to={`/library/${img.imageId}`} className="photo-link">
        <div className="photo-thumb">
          {img.state === "ready" && img.thumbnailUrl ? (
            <img src={img.thumbnailUrl} alt="" loading="lazy" />
          ) : (
            <div className="photo-placeholder" aria-hidden="true">
              {img.state === "rejected" ? "✕" : "…"}
            </div>
          )}
        </div>
        <span className="photo-title">{name}</span>
      </Link>
      <div className="photo-meta">
        {img.state !== "ready" && <ImageBadge state={img.state} />}
        <span className="hint">{formatDate(img.capturedAt ?? img.createdAt)}</span>
      </div>
    </li>
  );
}

export default function LibraryPage() {
  const list = useImageList();
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;

  // Infinite scroll: load the next page when the end of the grid comes into view.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || typeof IntersectionObserver === "undefined") return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting) && hasNextPage && !isFetchingNextPage) void fetchNextPage();
      },
      { rootMargin: "400px" },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  // A photo we could not use is explained (and dismissed) in the upload list, not kept here.
  const all = (list.data?.pages.flatMap((p) => p.items) ?? []).filter((i) => i.state !== "rejected");

  return (
    <section>
      <PageHeader title="Photos">
        <Link to="/send" className="button">
          Send a photo
        </Link>
      </PageHeader>
      {notice && <Notice tone="success">{notice}</Notice>}
      <UploadPanel />
      <section aria-labelledby="library-title" className="library">
        <h2 id="library-title">Your library</h2>
        {list.isPending && <Loading label="Loading your photos…" />}
        <ErrorAlert error={list.error} />
        {list.isSuccess && all.length === 0 && <p>No photos yet. Add some above to get started.</p>}
        {all.length > 0 && (
          <ul className="photo-grid" aria-label="Photos in your library">
            {all.map((img) => (
              <PhotoCard key={img.imageId} image={img} />
            ))}
          </ul>
        )}
        <div ref={sentinel} />
        {hasNextPage && (
          <p className="center">
            <button type="button" className="button-secondary" onClick={() => fetchNextPage()} disabled={isFetchingNextPage}>
              {isFetchingNextPage ? "Loading more…" : "Show more photos"}
            </button>
          </p>
        )}
      </section>
    </section>
  );
}
