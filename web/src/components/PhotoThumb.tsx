import { useRef, useState } from "react";

/**
 * A small picture of a photo wherever one is named; a click opens it larger in a dialog.
 * `thumbnailUrl` and `previewUrl` are signed per hour by the API, so the browser's cache
 * serves them again on every page that shows the same photo.
 */
export function PhotoThumb({ thumbnailUrl, previewUrl, label }: { thumbnailUrl?: string | null; previewUrl?: string | null; label: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  // Files of ended shares are removed some days before their history: no broken images.
  const [gone, setGone] = useState(false);
  if (!thumbnailUrl || gone) return <span className="item-thumb photo-placeholder" aria-hidden="true" />;
  const large = previewUrl || thumbnailUrl;
  return (
    <>
      <button type="button" className="thumb-button" onClick={() => dialog.current?.showModal()} aria-label={`See larger: ${label}`}>
        <img src={thumbnailUrl} alt="" className="item-thumb" loading="lazy" onError={() => setGone(true)} />
      </button>
      <dialog ref={dialog} className="photo-dialog" aria-label={label} onClick={(e) => e.target === dialog.current && dialog.current?.close()}>
        <img src={large} alt={label} />
        <form method="dialog">
          <button type="submit" className="button-secondary">Close</button>
        </form>
      </dialog>
    </>
  );
}
