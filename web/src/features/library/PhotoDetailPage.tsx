import { useEffect, useState, type KeyboardEvent, type MouseEvent } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { images, qk } from "../../api/endpoints";
import type { FocalPoint } from "../../api/types";
import { ErrorAlert, Loading, Notice } from "../../components/Alert";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { ImageBadge } from "../../components/StateBadge";
import { formatDate } from "../../lib/format";
import { useImage } from "./hooks";

const clamp01 = (v: number) => Math.round(Math.max(0, Math.min(1, v)) * 1000) / 1000;

/** Where a click landed on the picture, as 0..1 of its width and height. */
export function focalFromClick(
  clientX: number,
  clientY: number,
  rect: { left: number; top: number; width: number; height: number },
): FocalPoint {
  return {
    x: clamp01(rect.width ? (clientX - rect.left) / rect.width : 0.5),
    y: clamp01(rect.height ? (clientY - rect.top) / rect.height : 0.5),
  };
}

export function deletedNotice(stillOnFrames: boolean): string {
  if (!stillOnFrames) return "The photo was deleted.";
  return "The photo was deleted from your library. Frames you sent it to keep showing it until it expires or you remove it in History.";
}

export default function PhotoDetailPage() {
  const { imageId = "" } = useParams();
  const q = useImage(imageId);
  const qc = useQueryClient();
  const navigate = useNavigate();
  const img = q.data;
  const [focal, setFocal] = useState<FocalPoint | null>(null);
  const [title, setTitle] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  useEffect(() => {
    setFocal(null);
    setTitle(null);
  }, [imageId]);

  const save = useMutation({
    mutationFn: (p: { title?: string; focalPoint?: FocalPoint }) => images.update(imageId, p),
    onSuccess: (updated) => {
      qc.setQueryData(qk.image(imageId), updated);
      void qc.invalidateQueries({ queryKey: [...qk.images, "list"] });
      void qc.invalidateQueries({ queryKey: ["images", "rendition", imageId] });
      setFocal(null);
      setTitle(null);
    },
  });
  const del = useMutation({
    mutationFn: () => images.delete(imageId),
    onSuccess: (r) => {
      qc.removeQueries({ queryKey: qk.image(imageId) });
      void qc.invalidateQueries({ queryKey: qk.images });
      void qc.invalidateQueries({ queryKey: qk.dashboard });
      navigate("/library", { replace: true, state: { notice: deletedNotice(r.stillOnFrames) } });
    },
  });

  if (q.isPending) return <Loading label="Loading the photo…" />;
  if (!img) return <ErrorAlert error={q.error} />;

  const point = focal ?? img.focalPoint ?? { x: 0.5, y: 0.5 };
  const shownTitle = title ?? img.title ?? "";
  const src = img.previewUrl ?? img.thumbnailUrl;

  function pick(e: MouseEvent<HTMLButtonElement>) {
    setFocal(focalFromClick(e.clientX, e.clientY, e.currentTarget.getBoundingClientRect()));
  }
  function nudge(e: KeyboardEvent<HTMLButtonElement>) {
    const step = e.shiftKey ? 0.1 : 0.02;
    const d: Record<string, [number, number]> = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    };
    const m = d[e.key];
    if (!m) return;
    e.preventDefault();
    setFocal({ x: clamp01(point.x + m[0]), y: clamp01(point.y + m[1]) });
  }

  return (
    <section>
      <PageHeader title={img.title || "Photo"}>
        <Link to="/library" className="button button-secondary">
          Back to photos
        </Link>
        {img.state === "ready" && (
          <Link to={`/send?image=${encodeURIComponent(img.imageId)}`} className="button button-primary">
            Send this photo
          </Link>
        )}
      </PageHeader>
      <div className="detail-grid">
        <div>
          {img.state === "ready" && src ? (
            <>
              <p id="focal-help" className="hint">
                Click the most important spot (a face, say). Frames with a different shape keep that spot in view
                when they crop. With the keyboard: focus the photo and use the arrow keys.
              </p>
              <button
                type="button"
                className="focal-picker"
                onClick={pick}
                onKeyDown={nudge}
                aria-describedby="focal-help"
                aria-label={`Focal point at ${Math.round(point.x * 100)}% across, ${Math.round(point.y * 100)}% down. Click or use arrow keys to move it.`}
              >
                <img src={src} alt={img.title || "Your photo"} />
                <span
                  className="focal-marker"
                  aria-hidden="true"
                  style={{ left: `${point.x * 100}%`, top: `${point.y * 100}%` }}
                />
              </button>
              {focal && (
                <div className="inline-actions">
                  <button type="button" className="button-primary" onClick={() => save.mutate({ focalPoint: focal })} disabled={save.isPending}>
                    Save focal point
                  </button>
                  <button type="button" className="button-secondary" onClick={() => setFocal(null)}>
                    Undo
                  </button>
                </div>
              )}
            </>
          ) : (
            <div className="photo-placeholder large">
              <ImageBadge state={img.state} />
              {img.state === "pending" && <p>We're preparing this photo. This takes a few seconds.</p>}
              {img.state === "rejected" && <p>{img.reason ?? "This photo can't be used."}</p>}
            </div>
          )}
        </div>
        <div className="card">
          <ErrorAlert error={save.error ?? del.error} />
          {save.isSuccess && !focal && title === null && <Notice tone="success">Saved.</Notice>}
          <form
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate({ title: shownTitle.trim() });
            }}
          >
            <TextField label="Title" value={shownTitle} maxLength={120} onChange={(e) => setTitle(e.target.value)} />
            <button type="submit" className="button-secondary" disabled={title === null || save.isPending}>
              Save title
            </button>
          </form>
          <dl className="facts">
            <dt>State</dt>
            <dd>
              <ImageBadge state={img.state} />
            </dd>
            <dt>Added</dt>
            <dd>{formatDate(img.createdAt)}</dd>
            {img.capturedAt && (
              <>
                <dt>Taken</dt>
                <dd>{formatDate(img.capturedAt)}</dd>
              </>
            )}
            {img.width && img.height && (
              <>
                <dt>Size</dt>
                <dd>
                  {img.width} × {img.height} pixels
                </dd>
              </>
            )}
            {img.deleteAt && (
              <>
                <dt>Removed automatically</dt>
                <dd>{formatDate(img.deleteAt)}</dd>
              </>
            )}
          </dl>
          <div className="danger-zone">
            {!confirmDelete ? (
              <button type="button" className="button-danger" onClick={() => setConfirmDelete(true)}>
                Delete photo
              </button>
            ) : (
              <div role="group" aria-labelledby="delete-q">
                <p id="delete-q">
                  <strong>Delete this photo from your library?</strong> This can't be undone. Frames that already
                  show it keep it until its time is up, unless you remove it there.
                </p>
                <div className="inline-actions">
                  <button type="button" className="button-danger" onClick={() => del.mutate()} disabled={del.isPending}>
                    Yes, delete it
                  </button>
                  <button type="button" className="button-secondary" onClick={() => setConfirmDelete(false)}>
                    Keep it
                  </button>
                </div>
              </div>
            )}
          </div>
        </div>
      </div>
    </section>
  );
}
