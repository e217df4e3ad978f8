import { useId, useRef, useState, type DragEvent } from "react";
import { userMessage } from "../../api/errors";
import { formatBytes } from "../../lib/format";
import { ImageBadge } from "../../components/StateBadge";
import { useImage, useUploadQueue } from "./hooks";
import { ACCEPT_ATTR, validateFile, type UploadItem } from "./uploadQueue";

function Percent({ fraction }: { fraction: number }) {
  return <>{Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%</>;
}

function ProcessingState({ imageId }: { imageId: string }) {
  const q = useImage(imageId);
  if (!q.data) return <span className="badge badge-progress">Uploaded</span>;
  return (
    <>
      <ImageBadge state={q.data.state} />
      {q.data.state === "rejected" && q.data.reason && <span className="upload-reason"> {q.data.reason}</span>}
      {q.data.duplicateOf && <span className="upload-reason"> You already have this photo.</span>}
    </>
  );
}

function UploadRow({ item, onCancel, onRetry }: { item: UploadItem<File>; onCancel: () => void; onRetry: () => void }) {
  const fraction = item.total ? item.loaded / item.total : 0;
  const labelId = useId();
  return (
    <li className={`upload-row upload-${item.status}`}>
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
        {item.status === "uploaded" && item.imageId && <ProcessingState imageId={item.imageId} />}
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
    </li>
  );
}

export function UploadPanel() {
  const { queue, snapshot } = useUploadQueue();
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const inputId = useId();
  const { overall, items } = snapshot;

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
        <p className="hint">JPEG, PNG, WebP or HEIC, up to 25 MB each.</p>
      </div>

      {items.length > 0 && (
        <div className="upload-list">
          <div className="upload-overall">
            <label htmlFor={`${inputId}-overall`}>
              {overall.idle
                ? `Done: ${overall.uploaded} uploaded${overall.failed ? `, ${overall.failed} failed` : ""}`
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
              <UploadRow key={it.id} item={it} onCancel={() => queue.cancel(it.id)} onRetry={() => queue.retry(it.id)} />
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
