import { describe, expect, it, vi } from "vitest";
import { UploadQueue, aggregateProgress, contentTypeOf, validateFile, type FileLike, type UploadItem } from "./uploadQueue";
import { userMessage } from "../../api/errors";

const f = (name: string, size = 1000, type = "image/jpeg"): FileLike => ({ name, size, type });

/** An uploader whose uploads the test finishes by hand. */
function controlledUploader() {
  const calls: {
    file: FileLike;
    progress: (l: number, t: number) => void;
    resolve: (id: string) => void;
    reject: (e: unknown) => void;
    signal: AbortSignal;
  }[] = [];
  const uploader = vi.fn(
    (file: FileLike, progress: (l: number, t: number) => void, signal: AbortSignal) =>
      new Promise<{ imageId: string }>((res, rej) => {
        calls.push({ file, progress, signal, resolve: (id) => res({ imageId: id }), reject: rej });
      }),
  );
  return { uploader, calls };
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const statuses = (q: UploadQueue) => q.getSnapshot().items.map((i) => i.status);

describe("UploadQueue", () => {
  it("runs at most `concurrency` uploads at once and starts the next as one finishes", async () => {
    const { uploader, calls } = controlledUploader();
    const q = new UploadQueue({ uploader, concurrency: 2 });
    q.add([f("a.jpg"), f("b.jpg"), f("c.jpg"), f("d.jpg")]);
    expect(uploader).toHaveBeenCalledTimes(2);
    expect(statuses(q)).toEqual(["uploading", "uploading", "waiting", "waiting"]);
    calls[0]!.resolve("img_a");
    await flush();
    expect(uploader).toHaveBeenCalledTimes(3);
    expect(statuses(q)).toEqual(["uploaded", "uploading", "uploading", "waiting"]);
    expect(q.getSnapshot().items[0]!.imageId).toBe("img_a");
  });

  it("keeps going when one file fails, and reports the failure on that file only", async () => {
    const { uploader, calls } = controlledUploader();
    const onUploaded = vi.fn();
    const q = new UploadQueue({ uploader, concurrency: 1, onUploaded });
    q.add([f("a.jpg"), f("b.jpg"), f("c.jpg")]);
    calls[0]!.reject(new Error("boom"));
    await flush();
    calls[1]!.resolve("img_b");
    await flush();
    calls[2]!.resolve("img_c");
    await flush();
    expect(statuses(q)).toEqual(["failed", "uploaded", "uploaded"]);
    expect(onUploaded).toHaveBeenCalledTimes(2);
    const o = q.getSnapshot().overall;
    expect(o.failed).toBe(1);
    expect(o.uploaded).toBe(2);
    expect(o.idle).toBe(true);
    expect(o.fraction).toBe(1);
  });

  it("aggregates per-file progress into an overall fraction by bytes", async () => {
    const { uploader, calls } = controlledUploader();
    const q = new UploadQueue({ uploader, concurrency: 3 });
    q.add([f("a.jpg", 1000), f("b.jpg", 3000)]);
    calls[0]!.progress(500, 1000);
    calls[1]!.progress(1500, 3000);
    const o = q.getSnapshot().overall;
    expect(o.loaded).toBe(2000);
    expect(o.total).toBe(4000);
    expect(o.fraction).toBeCloseTo(0.5);
    const items = q.getSnapshot().items;
    expect(items[0]!.loaded / items[0]!.total).toBeCloseTo(0.5);
  });

  it("marks files it can't take as failed at once, with a reason, and uploads the rest", () => {
    const { uploader } = controlledUploader();
    const q = new UploadQueue({ uploader });
    q.add([f("notes.txt", 10, "text/plain"), f("huge.jpg", 30 * 1024 * 1024), f("ok.png", 10, "image/png")]);
    expect(statuses(q)).toEqual(["failed", "failed", "uploading"]);
    expect(userMessage(q.getSnapshot().items[0]!.error)).toMatch(/isn't a photo/);
    expect(userMessage(q.getSnapshot().items[1]!.error)).toMatch(/too large/);
    expect(uploader).toHaveBeenCalledTimes(1);
  });

  it("cancels an upload (aborting it) and lets the next one start; retry queues it again", async () => {
    const { uploader, calls } = controlledUploader();
    const q = new UploadQueue({ uploader, concurrency: 1 });
    const [a] = q.add([f("a.jpg"), f("b.jpg")]);
    q.cancel(a!.id);
    expect(calls[0]!.signal.aborted).toBe(true);
    calls[0]!.reject(new DOMException("x", "AbortError"));
    await flush();
    expect(statuses(q)).toEqual(["cancelled", "uploading"]);
    q.retry(a!.id);
    expect(statuses(q)).toEqual(["waiting", "uploading"]);
    calls[1]!.resolve("img_b");
    await flush();
    expect(statuses(q)).toEqual(["uploading", "uploaded"]);
  });

  it("notifies subscribers with a new snapshot object on every change", () => {
    const { uploader } = controlledUploader();
    const q = new UploadQueue({ uploader });
    const l = vi.fn();
    q.subscribe(l);
    const before = q.getSnapshot();
    q.add([f("a.jpg")]);
    expect(l).toHaveBeenCalled();
    expect(q.getSnapshot()).not.toBe(before);
  });

  it("clearFinished keeps only the uploads still running", async () => {
    const { uploader, calls } = controlledUploader();
    const q = new UploadQueue({ uploader, concurrency: 1 });
    q.add([f("a.jpg"), f("b.jpg")]);
    calls[0]!.resolve("img_a");
    await flush();
    q.clearFinished();
    expect(q.getSnapshot().items.map((i) => i.file.name)).toEqual(["b.jpg"]);
  });
});

describe("aggregateProgress", () => {
  const item = (status: UploadItem["status"], loaded: number, total: number): UploadItem => ({
    id: status + loaded,
    file: f("x.jpg", total),
    status,
    loaded,
    total,
  });
  it("is zero for an empty list and leaves failed and cancelled files out", () => {
    expect(aggregateProgress([]).fraction).toBe(0);
    const o = aggregateProgress([item("uploaded", 0, 100), item("failed", 10, 100), item("cancelled", 0, 100), item("uploading", 50, 100)]);
    expect(o.total).toBe(200);
    expect(o.loaded).toBe(150);
    expect(o.fraction).toBe(0.75);
  });
  it("never counts more than a file's size", () => {
    expect(aggregateProgress([item("uploading", 150, 100)]).fraction).toBe(1);
  });
});

describe("file checks", () => {
  it("accepts HEIC files that the browser gives no type", () => {
    expect(contentTypeOf({ name: "IMG_0001.HEIC", size: 1, type: "" })).toBe("image/heic");
    expect(contentTypeOf({ name: "a.jpg", size: 1, type: "image/jpeg" })).toBe("image/jpeg");
    expect(contentTypeOf({ name: "a.gif", size: 1, type: "image/gif" })).toBeNull();
  });
  it("rejects empty and too-large files", () => {
    expect(validateFile(f("a.jpg", 0))).toMatch(/empty/);
    expect(validateFile(f("a.jpg", 25 * 1024 * 1024))).toBeNull();
    expect(validateFile(f("a.jpg", 25 * 1024 * 1024 + 1))).toMatch(/too large/);
  });
});
