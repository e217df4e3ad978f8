// The upload queue: many files, a few at a time, each with its own progress, none able to stop
// the others. It knows nothing of HTTP: the `uploader` does the work (see uploadFile.ts).

import { UserError } from "../../api/errors";
import type { CreateImageBody } from "../../api/types";

/** The content types the API takes for an upload (the document's enum). */
export type UploadType = CreateImageBody["contentType"];

export interface FileLike {
  name: string;
  size: number;
  type: string;
}

export type UploadStatus = "waiting" | "uploading" | "uploaded" | "failed" | "cancelled";

export interface UploadItem<F extends FileLike = FileLike> {
  id: string;
  file: F;
  status: UploadStatus;
  loaded: number;
  total: number;
  imageId?: string;
  error?: unknown;
}

export type Uploader<F extends FileLike = FileLike> = (
  file: F,
  onProgress: (loaded: number, total: number) => void,
  signal: AbortSignal,
) => Promise<{ imageId: string }>;

export interface OverallProgress {
  /** Bytes sent, over the files that have not failed or been cancelled. */
  loaded: number;
  total: number;
  /** 0..1 */
  fraction: number;
  count: number;
  waiting: number;
  active: number;
  uploaded: number;
  failed: number;
  /** Nothing is waiting or uploading. */
  idle: boolean;
}

export interface QueueSnapshot<F extends FileLike = FileLike> {
  items: UploadItem<F>[];
  overall: OverallProgress;
}

export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

const TYPE_BY_EXT: Record<string, UploadType> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  // A camera's multi-picture JPEG and an animated PNG: we keep their first picture.
  mpo: "image/jpeg",
  apng: "image/png",
};
/** Types browsers report for files we take as another: the first picture of each. */
const SAME_AS: Record<string, UploadType> = { "image/apng": "image/png", "image/mpo": "image/jpeg", "image/x-mpo": "image/jpeg" };
// Every type of the API's list: the compiler checks this object against the document.
const ACCEPTED: { [T in UploadType]: true } = { "image/jpeg": true, "image/png": true, "image/webp": true, "image/heic": true, "image/heif": true };
export const ACCEPTED_TYPES = Object.keys(ACCEPTED) as UploadType[];
const isAccepted = (t: string): t is UploadType => Object.hasOwn(ACCEPTED, t);
export const ACCEPT_ATTR = [...ACCEPTED_TYPES, "image/apng", ".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".mpo", ".apng"].join(",");

/** The content type to declare: the browser's, or from the extension (HEIC often has none). */
export function contentTypeOf(file: FileLike): UploadType | null {
  const t = (file.type || "").toLowerCase();
  if (isAccepted(t)) return t;
  if (SAME_AS[t]) return SAME_AS[t];
  const ext = file.name.toLowerCase().split(".").pop() ?? "";
  if (!t || t === "application/octet-stream") return TYPE_BY_EXT[ext] ?? null;
  return null;
}

/** A sentence for the user when the file can't be uploaded, or null when it can. */
export function validateFile(file: FileLike, maxBytes = MAX_UPLOAD_BYTES): string | null {
  if (!contentTypeOf(file)) return `${file.name} isn't a photo we can use. Use JPEG, PNG, WebP or HEIC.`;
  if (file.size <= 0) return `${file.name} is empty.`;
  if (file.size > maxBytes) {
    return `${file.name} is too large (${Math.round(file.size / 1024 / 1024)} MB). Photos can be up to ${Math.round(maxBytes / 1024 / 1024)} MB.`;
  }
  return null;
}

export function aggregateProgress(items: readonly UploadItem[]): OverallProgress {
  let loaded = 0;
  let total = 0;
  let waiting = 0;
  let active = 0;
  let uploaded = 0;
  let failed = 0;
  for (const it of items) {
    switch (it.status) {
      case "failed":
      case "cancelled":
        failed += it.status === "failed" ? 1 : 0;
        continue;
      case "waiting":
        waiting++;
        break;
      case "uploading":
        active++;
        break;
      case "uploaded":
        uploaded++;
        break;
    }
    const t = it.total || it.file.size;
    total += t;
    loaded += it.status === "uploaded" ? t : Math.min(it.loaded, t);
  }
  return {
    loaded,
    total,
    fraction: total > 0 ? loaded / total : items.length > 0 && waiting + active === 0 ? 1 : 0,
    count: items.length,
    waiting,
    active,
    uploaded,
    failed,
    idle: waiting + active === 0,
  };
}

export interface UploadQueueOptions<F extends FileLike> {
  uploader: Uploader<F>;
  concurrency?: number;
  maxBytes?: number;
  /** Called once per finished upload (for example to refresh the photo list). */
  onUploaded?: (item: UploadItem<F>) => void;
}

let seq = 0;

export class UploadQueue<F extends FileLike = FileLike> {
  private items: UploadItem<F>[] = [];
  private readonly controllers = new Map<string, AbortController>();
  private readonly listeners = new Set<() => void>();
  private snap: QueueSnapshot<F>;
  readonly concurrency: number;

  constructor(private readonly opts: UploadQueueOptions<F>) {
    this.concurrency = Math.max(1, opts.concurrency ?? 3);
    this.snap = { items: [], overall: aggregateProgress([]) };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): QueueSnapshot<F> => this.snap;

  /** Queue files; ones that can't be uploaded are marked failed at once with the reason. */
  add(files: Iterable<F>): UploadItem<F>[] {
    const added: UploadItem<F>[] = [];
    for (const file of files) {
      const problem = validateFile(file, this.opts.maxBytes);
      const item: UploadItem<F> = {
        id: `up${++seq}`,
        file,
        status: problem ? "failed" : "waiting",
        loaded: 0,
        total: file.size,
        error: problem ? new UserError(problem) : undefined,
      };
      added.push(item);
    }
    this.items = [...this.items, ...added];
    this.emit();
    this.pump();
    return added;
  }

  cancel(id: string): void {
    const it = this.find(id);
    if (!it || (it.status !== "waiting" && it.status !== "uploading")) return;
    this.controllers.get(id)?.abort();
    this.update(id, { status: "cancelled" });
    this.pump();
  }

  retry(id: string): void {
    const it = this.find(id);
    if (!it || (it.status !== "failed" && it.status !== "cancelled")) return;
    if (validateFile(it.file, this.opts.maxBytes)) return;
    this.update(id, { status: "waiting", loaded: 0, error: undefined });
    this.pump();
  }

  /** Forget one finished file (a rejected photo the user dismissed). */
  dismiss(id: string): void {
    this.items = this.items.filter((i) => i.id !== id || i.status === "waiting" || i.status === "uploading");
    this.emit();
  }

  /** Forget files that are finished (uploaded, failed or cancelled). */
  clearFinished(): void {
    this.items = this.items.filter((i) => i.status === "waiting" || i.status === "uploading");
    this.emit();
  }

  private find(id: string) {
    return this.items.find((i) => i.id === id);
  }

  private update(id: string, patch: Partial<UploadItem<F>>) {
    this.items = this.items.map((i) => (i.id === id ? { ...i, ...patch } : i));
    this.emit();
  }

  private emit() {
    this.snap = { items: this.items, overall: aggregateProgress(this.items) };
    this.listeners.forEach((l) => l());
  }

  private pump() {
    let running = this.items.filter((i) => i.status === "uploading").length;
    for (const it of this.items) {
      if (running >= this.concurrency) break;
      if (it.status !== "waiting") continue;
      running++;
      void this.run(it.id);
    }
  }

  private async run(id: string) {
    const item = this.find(id);
    if (!item) return;
    const ctl = new AbortController();
    this.controllers.set(id, ctl);
    this.update(id, { status: "uploading", loaded: 0 });
    try {
      const { imageId } = await this.opts.uploader(
        item.file,
        (loaded, total) => {
          if (ctl.signal.aborted) return;
          this.update(id, { loaded, total: total || item.file.size });
        },
        ctl.signal,
      );
      if (!ctl.signal.aborted) {
        this.update(id, { status: "uploaded", imageId, loaded: this.find(id)?.total ?? item.file.size });
        const done = this.find(id);
        if (done) this.opts.onUploaded?.(done);
      }
    } catch (error) {
      if (!ctl.signal.aborted) this.update(id, { status: "failed", error });
    } finally {
      this.controllers.delete(id);
      this.pump();
    }
  }
}
