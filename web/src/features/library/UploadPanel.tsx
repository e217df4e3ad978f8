import { useCallback, useEffect, useId, useRef, useState, type DragEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { images, qk } from "../../api/endpoints";
import { userMessage } from "../../api/errors";
import { ErrorAlert } from "../../components/Alert";
import { formatBytes } from "../../lib/format";
import { ImageBadge } from "../../components/StateBadge";
import { useImage, useUploadQueue } from "./hooks";
import { ACCEPT_ATTR, validateFile, type UploadItem } from "./uploadQueue";

function Percent({ fraction }: { fraction: number }) {
  return <>{Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%</>;
}

function ProcessingState({ imageId, onRejected }: { imageId: string; onRejected: (rejected: boolean) => void }) {
  const q = useImage(imageId);
  const rejected = q.data?.state === "rejected";
  useEffect(() => onRejected(rejected), [rejected, onRejected]);
  if (!q.data) return <span className="badge badge-progress">Uploaded</span>;
  return (
    <>
      <ImageBadge state={q.data.state} />
      {q.data.duplicateOf && <span className="upload-reason"> You already have this photo.</span>}
    </>
  );
}

/** Why a photo could not be used, and a way to clear it away (its library entry goes too). */
function Rejection({ imageId, name, onDismissed }: { imageId: string; name: string; onDismissed: () => void }) {
  const q = useImage(imageId);
  const qc = useQueryClient();
  const dismiss = useMutation({
    mutationFn: () => images.delete(imageId),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: qk.images });
      onDismissed();
    },
  });
  return (
    <div className="upload-rejection" role="alert">
      <p>{q.data?.reason || "We could not use this file."}</p>
      <ErrorAlert error={dismiss.error} />
      <button type="button" className="button-small button-secondary" onClick={() => dismiss.mutate()} disabled={dismiss.isPending}>
        Dismiss<span className="visually-hidden"> {name}</span>
      </button>
    </div>
  );
}

function UploadRow({
  item,
  rejected,
  onRejected,
  onCancel,
  onRetry,
  onDismiss,
}: {
  item: UploadItem<File>;
  rejected: boolean;
  onRejected: (id: string, rejected: boolean) => void;
  onCancel: () => void;
  onRetry: () => void;
  onDismiss: () => void;
}) {
  const fraction = item.total ? item.loaded / item.total : 0;
  const labelId = useId();
  const report = useCallback((r: boolean) => onRejected(item.id, r), [onRejected, item.id]);
  return (
    <li className={`upload-row upload-${rejected ? "rejected" : item.status}`}>
      <div className="upload-name" id={labelId}>
        {item.file.name} <span className="hint">({formatBytes(item.file.size)})</span>
      </div>
      <div className="upload-state">
        {item.status === "waiting" && <span className="badge badge-neutral">Waiting</span>}
        {item.status === "uploading" && (
          <>
            <progress max={1} value={fraction} aria-labelledby={labelId} />
            <span className="upload-percent">
              <Percent fraction={fraction} />
            </span>
          </>
        )}
        {item.status === "uploaded" && item.imageId && <ProcessingState imageId={item.imageId} onRejected={report} />}
        {item.status === "failed" && (
          <span className="upload-error" role="alert">
            <span className="badge badge-bad">
              <span aria-hidden="true">✕</span> Failed
            </span>{" "}
            {userMessage(item.error)}
          </span>
        )}
        {item.status === "cancelled" && <span className="badge badge-muted">Cancelled</span>}
      </div>
      <div className="upload-actions">
        {(item.status === "waiting" || item.status === "uploading") && (
          <button type="button" className="button-small button-secondary" onClick={onCancel}>
            Cancel<span className="visually-hidden"> {item.file.name}</span>
          </button>
        )}
        {(item.status === "failed" || item.status === "cancelled") && !validateFile(item.file) && (
          <button type="button" className="button-small button-secondary" onClick={onRetry}>
            Try again<span className="visually-hidden"> {item.file.name}</span>
          </button>
        )}
      </div>
      {rejected && item.imageId && <Rejection imageId={item.imageId} name={item.file.name} onDismissed={onDismiss} />}
    </li>
  );
}

export function UploadPanel() {
  const { queue, snapshot } = useUploadQueue();
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const inputId = useId();
  const { overall, items } = snapshot;
  // Uploaded files the server then refused: not counted as added, shown with their reason.
  const [rejectedIds, setRejectedIds] = useState<ReadonlySet<string>>(new Set());
  const onRejected = useCallback((id: string, rejected: boolean) => {
    setRejectedIds((prev) => {
      if (prev.has(id) === rejected) return prev;
      const next = new Set(prev);
      if (rejected) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);
  const rejectedNow = items.filter((i) => rejectedIds.has(i.id)).length;
  const added = overall.uploaded - rejectedNow;

  function addFiles(list: FileList | null) {
    if (!list || list.length === 0) return;
    queue.add(Array.from(list));
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    addFiles(e.dataTransfer.files);
  }

  return (
    <section aria-labelledby="upload-title" className="card upload-panel">
      <h2 id="upload-title">Add photos</h2>
      <div
        className={`dropzone${dragging ? " dragging" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>
          <span className="drop-hint">Drag photos here, or </span>
          <label htmlFor={inputId} className="button button-primary">
            Choose photos
          </label>
        </p>
        <input
          ref={inputRef}
          id={inputId}
          className="visually-hidden-input"
          type="file"
          multiple
          accept={ACCEPT_ATTR}
          onChange={(e) => {
            addFiles(e.target.files);
            e.target.value = "";
          }}
        />
        <p className="hint">JPEG (also a camera's .mpo), PNG, WebP or HEIC, up to 25 MB each.</p>
      </div>

      {items.length > 0 && (
        <div className="upload-list">
          <div className="upload-overall">
            <label htmlFor={`${inputId}-overall`}>
              {overall.idle
                ? `Done: ${added} added${overall.failed + rejectedNow ? `, ${overall.failed + rejectedNow} could not be used` : ""}`
                : `Uploading ${overall.uploaded + overall.active} of ${overall.count - overall.failed}…`}
            </label>
            <progress id={`${inputId}-overall`} max={1} value={overall.fraction} />
            <span className="upload-percent">
              <Percent fraction={overall.fraction} />
            </span>
            {overall.idle && (
              <button type="button" className="button-small button-secondary" onClick={() => queue.clearFinished()}>
                Clear list
              </button>
            )}
          </div>
          <ul aria-label="Uploads">
            {items.map((it) => (
              <UploadRow
                key={it.id}
                item={it}
                rejected={rejectedIds.has(it.id)}
                onRejected={onRejected}
                onCancel={() => queue.cancel(it.id)}
                onRetry={() => queue.retry(it.id)}
                onDismiss={() => queue.dismiss(it.id)}
              />
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
