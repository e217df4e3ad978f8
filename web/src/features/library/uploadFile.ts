// One file's upload: ask the API for a presigned POST, then send the file straight to storage
// with XMLHttpRequest (fetch cannot report upload progress).

import { images } from "../../api/endpoints";
import { NetworkError, UserError } from "../../api/errors";
import { contentTypeOf, type Uploader } from "./uploadQueue";

type XhrFactory = () => XMLHttpRequest;

/** Multipart POST of `fields` (in order) and then `file` as "file", reporting progress. */
export function postMultipart(
  url: string,
  fields: Record<string, string>,
  file: Blob,
  onProgress: (loaded: number, total: number) => void,
  signal?: AbortSignal,
  makeXhr: XhrFactory = () => new XMLHttpRequest(),
): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append("file", file);
    const xhr = makeXhr();
    xhr.open("POST", url);
    xhr.upload.onprogress = (e: ProgressEvent) => {
      onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else {
        reject(storageError(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(new NetworkError());
    xhr.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
    if (signal) {
      if (signal.aborted) {
        reject(new DOMException("Upload cancelled", "AbortError"));
        return;
      }
      signal.addEventListener("abort", () => xhr.abort(), { once: true });
    }
    xhr.send(form);
  });
}

/** S3 answers errors in XML: pick out the few a user can act on. */
export function storageError(status: number, body: string): UserError {
  const code = /<Code>([^<]+)<\/Code>/.exec(body ?? "")?.[1] ?? "";
  if (code === "EntityTooLarge" || status === 413) return new UserError("This photo is too large. Photos can be up to 25 MB.");
  if (code === "AccessDenied" && /expired/i.test(body)) return new UserError("The upload took too long and its permission ran out. Try again.");
  return new UserError(`The photo could not be stored (error ${status || "unknown"}). Try again.`);
}

export const uploadImage: Uploader<File> = async (file, onProgress, signal) => {
  const contentType = contentTypeOf(file);
  if (!contentType) throw new UserError(`${file.name} isn't a photo we can use.`);
  const created = await images.create({ contentType, bytes: file.size, filename: file.name });
  if (created.maxBytes && file.size > created.maxBytes) {
    throw new UserError(`This photo is too large. Photos can be up to ${Math.round(created.maxBytes / 1048576)} MB.`);
  }
  // The declared type must match what the upload policy expects.
  const blob = file.type === contentType ? file : new File([file], file.name, { type: contentType });
  await postMultipart(created.upload.url, created.upload.fields, blob, onProgress, signal);
  return { imageId: created.imageId };
};
