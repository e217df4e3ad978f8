import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { frames as framesApi, images, me as meApi, qk, shares } from "../../api/endpoints";
import type { Duration, FocalPoint, FrameTarget, Image } from "../../api/types";
import { ErrorAlert, Loading } from "../../components/Alert";
import { SelectField, TextAreaField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { OnlineBadge } from "../../components/StateBadge";
import { DURATIONS, defaultMeaning, durationLabel, endOf } from "../../lib/expiry";
import { formatDateTime } from "../../lib/format";
import { panelLabel } from "../../lib/panels";
import { useImageList } from "../library/hooks";
import { normaliseOrientation, panelSize } from "./previewSelection";

/** "default": the sender leaves it to each frame's owner (the frame's defaultDuration). */
type Choice = Duration | "default";
const CHOICES: { value: Choice; label: string }[] = [{ value: "default", label: "Each frame's default" }, ...DURATIONS];

/** The caption as typed, once the typing has paused: one preview per pause, not per key. */
function useSettled<T>(value: T, ms = 600): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/** The share of the photo's width and height a panel of this shape keeps (the crop). */
function cropShare(image: Image, w: number, h: number): { x: number; y: number } {
  const src = (image.width ?? w) / (image.height ?? h);
  const target = w / h;
  return src > target ? { x: target / src, y: 1 } : { x: 1, y: src / target };
}

const clamp = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;

/** What the chosen time means, said before sending: when the photo leaves the frame. */
function leavesAt(d: Duration): string {
  const end = endOf(d);
  if (end === null) return "It stays on the frame until you or the frame's owner remove it.";
  return `It leaves the frame on ${formatDateTime(end)}, then stays in your history for 14 days. Choose "Until removed" to keep it up.`;
}

/** With "Each frame's default": what that means on each frame picked, before sending. */
function DefaultsExplained({ picked }: { picked: FrameTarget[] }) {
  if (picked.length === 0) return <p className="hint">Each frame's owner chooses how long photos stay on it. Pick frames to see what that means.</p>;
  return (
    <ul className="hint defaults-list" aria-label="How long the photo stays on each frame">
      {picked.map((t) => (
        <li key={t.frameId}>
          <strong>{t.name}</strong>: {defaultMeaning(t.defaultDuration)}
        </li>
      ))}
    </ul>
  );
}

function Preview({ image, target, caption, onFocus }: { image: Image; target: FrameTarget; caption: string; onFocus: (p: FocalPoint) => void }) {
  const orientation = normaliseOrientation(target.orientation);
  const focal = image.focalPoint;
  const q = useQuery({
    queryKey: [...qk.framePreview(image.imageId, target.frameId, caption), focal.x, focal.y],
    queryFn: () => images.framePreview(image.imageId, target.frameId, caption),
    staleTime: 5 * 60_000,
    placeholderData: keepPreviousData,
  });
  const size = panelSize(target.panel, orientation);
  const w = q.data?.width ?? size.width;
  const h = q.data?.height ?? size.height;
  const drag = useRef<{ x: number; y: number; id: number } | null>(null);
  const [offset, setOffset] = useState({ x: 0, y: 0 });
  const share = cropShare(image, w, h);
  // Dragging the picture by a fraction of the preview moves the crop the other way.
  const moveBy = (fx: number, fy: number) => onFocus({ x: clamp(focal.x - fx * share.x), y: clamp(focal.y - fy * share.y) });
  const hintId = `drag-hint-${target.frameId}`;
  return (
    <figure className="preview">
      <div
        className={`preview-bezel preview-drag ${orientation}`}
        style={{ aspectRatio: `${w} / ${h}` }}
        role="group"
        tabIndex={0}
        aria-label={`Crop for ${target.name}`}
        aria-describedby={hintId}
        onPointerDown={(e) => {
          drag.current = { x: e.clientX, y: e.clientY, id: e.pointerId };
          e.currentTarget.setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          if (drag.current) setOffset({ x: e.clientX - drag.current.x, y: e.clientY - drag.current.y });
        }}
        onPointerUp={(e) => {
          const start = drag.current;
          drag.current = null;
          setOffset({ x: 0, y: 0 });
          const box = e.currentTarget.getBoundingClientRect();
          if (start && (e.clientX !== start.x || e.clientY !== start.y)) moveBy((e.clientX - start.x) / box.width, (e.clientY - start.y) / box.height);
        }}
        onKeyDown={(e) => {
          const steps: Record<string, [number, number]> = { ArrowLeft: [-0.1, 0], ArrowRight: [0.1, 0], ArrowUp: [0, -0.1], ArrowDown: [0, 0.1] };
          const step = steps[e.key];
          if (step) {
            e.preventDefault();
            moveBy(step[0], step[1]);
          }
        }}
      >
        {q.data ? (
          <img
            src={q.data.previewUrl}
            alt={`How the photo will look on ${target.name}`}
            width={w}
            height={h}
            draggable={false}
            data-frame-id={target.frameId}
            aria-busy={q.isPlaceholderData}
            style={offset.x || offset.y ? { transform: `translate(${offset.x}px, ${offset.y}px)` } : undefined}
          />
        ) : q.isError ? (
          <span className="preview-msg">
            <ErrorAlert error={q.error} />
          </span>
        ) : (
          <span className="preview-msg">Drawing the preview…</span>
        )}
      </div>
      <figcaption>
        <strong>{target.name}</strong>
        <br />
        <span className="hint">
          {panelLabel(target.panel)}, {orientation}
        </span>
        <br />
        <span className="hint" id={hintId}>
          Drag the picture (or use the arrow keys) to choose what stays in view.
        </span>
        {q.data && (
          <>
            <br />
            <a href={q.data.previewUrl} target="_blank" rel="noreferrer">
              See it at full size<span className="visually-hidden"> for {target.name} (opens a new tab)</span>
            </a>
          </>
        )}
      </figcaption>
    </figure>
  );
}

function FrameChoice({ t, checked, onChange, mine }: { t: FrameTarget; checked: boolean; onChange: (v: boolean) => void; mine: boolean }) {
  const id = `target-${t.frameId}`;
  return (
    <li className="choice">
      <input type="checkbox" id={id} checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>
        <span className="choice-title">{t.name}</span>
        <span className="hint">
          {mine ? "Your frame" : `${t.ownerName}'s frame`} · {panelLabel(t.panel)} · keeps photos{" "}
          {t.defaultDuration === "forever" ? "until removed" : durationLabel(t.defaultDuration).toLowerCase()}
        </span>
      </label>
      <OnlineBadge online={t.online} />
    </li>
  );
}

export default function SendPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const list = useImageList();
  const targets = useQuery({ queryKey: qk.targets, queryFn: framesApi.targets });
  const me = useQuery({ queryKey: qk.me, queryFn: meApi.get });
  const [imageId, setImageId] = useState<string | null>(params.get("image"));
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(params.getAll("frame")));
  const [caption, setCaption] = useState("");
  const [duration, setDuration] = useState<Choice>("default");

  const ready = (list.data?.pages.flatMap((p) => p.items) ?? []).filter((i) => i.state === "ready");
  const allTargets = targets.data?.items ?? [];
  const previews = allTargets.filter((t) => chosen.has(t.frameId));
  const settledCaption = useSettled(caption.trim());
  const myId = me.data?.userId;
  const mine = allTargets.filter((t) => t.ownerId === myId);
  const theirs = allTargets.filter((t) => t.ownerId !== myId);

  const picked = ready.find((i) => i.imageId === imageId);
  const focus = useMutation({
    mutationFn: (focalPoint: FocalPoint) => images.update(imageId!, { focalPoint }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: qk.images }),
  });

  const send = useMutation({
    mutationFn: () =>
      shares.create({
        imageId: imageId!,
        frameIds: [...chosen],
        duration: duration === "default" ? undefined : duration,
        caption: caption.trim() || undefined,
      }),
    onSuccess: (share) => {
      qc.setQueryData(qk.share(share.shareId), share);
      void qc.invalidateQueries({ queryKey: ["shares"] });
      void qc.invalidateQueries({ queryKey: qk.dashboard });
      navigate(`/shares/${share.shareId}`);
    },
  });

  function toggle(id: string, on: boolean) {
    setChosen((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    if (imageId && chosen.size) send.mutate();
  }

  return (
    <section>
      <PageHeader title="Send a photo" />
      <form onSubmit={submit} className="send-form">
        <fieldset className="card">
          <legend>1. Pick a photo</legend>
          {list.isPending && <Loading label="Loading your photos…" />}
          <ErrorAlert error={list.error} />
          {list.isSuccess && ready.length === 0 && (
            <p>
              You have no photos ready to send. <Link to="/library">Add some photos</Link> first.
            </p>
          )}
          <ul className="photo-grid photo-pick">
            {ready.map((img) => (
              <li key={img.imageId}>
                <input
                  type="radio"
                  name="photo"
                  id={`pick-${img.imageId}`}
                  className="visually-hidden-input"
                  checked={imageId === img.imageId}
                  onChange={() => setImageId(img.imageId)}
                />
                <label htmlFor={`pick-${img.imageId}`} className="photo-pick-label">
                  {img.thumbnailUrl ? <img src={img.thumbnailUrl} alt="" loading="lazy" /> : <span className="photo-placeholder" />}
                  <span className="photo-title">{img.title || "Untitled photo"}</span>
                </label>
              </li>
            ))}
          </ul>
          {list.hasNextPage && (
            <button type="button" className="button-secondary" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
              Show more photos
            </button>
          )}
        </fieldset>

        <fieldset className="card">
          <legend>2. Pick frames</legend>
          {targets.isPending && <Loading label="Loading frames…" />}
          <ErrorAlert error={targets.error} />
          {targets.isSuccess && allTargets.length === 0 && (
            <p>
              There are no frames to send to yet. <Link to="/frames">Pair a frame</Link> or{" "}
              <Link to="/friends">add a friend</Link>.
            </p>
          )}
          {mine.length > 0 && (
            <>
              <h3>Your frames</h3>
              <ul className="choice-list">
                {mine.map((t) => (
                  <FrameChoice key={t.frameId} t={t} mine checked={chosen.has(t.frameId)} onChange={(v) => toggle(t.frameId, v)} />
                ))}
              </ul>
            </>
          )}
          {theirs.length > 0 && (
            <>
              <h3>Friends' frames</h3>
              <ul className="choice-list">
                {theirs.map((t) => (
                  <FrameChoice key={t.frameId} t={t} mine={false} checked={chosen.has(t.frameId)} onChange={(v) => toggle(t.frameId, v)} />
                ))}
              </ul>
            </>
          )}
        </fieldset>

        {picked && previews.length > 0 && (
          <section className="card" aria-labelledby="preview-title">
            <h2 id="preview-title">3. How it will look</h2>
            <p className="hint">This is exactly what each frame will show, caption included: the frame draws these very pixels.</p>
            <div className="preview-list">
              {previews.map((t) => (
                <Preview key={t.frameId} image={picked!} target={t} caption={settledCaption} onFocus={(f) => focus.mutate(f)} />
              ))}
            </div>
            <ErrorAlert error={focus.error} />
          </section>
        )}

        <fieldset className="card">
          <legend>{imageId && previews.length > 0 ? "4." : "3."} Add a note (optional)</legend>
          <TextAreaField
            label="Caption"
            hint="Shown in a white band across the bottom of the photo: see the preview."
            maxLength={140}
            rows={2}
            value={caption}
            onChange={(e) => setCaption(e.target.value)}
          />
          <SelectField
            label="Show it for"
            hint={duration === "default" ? undefined : leavesAt(duration)}
            value={duration}
            onChange={(e) => setDuration(CHOICES.find((c) => c.value === e.target.value)?.value ?? "default")}
            options={CHOICES}
          />
          {duration === "default" && <DefaultsExplained picked={previews} />}
        </fieldset>
        <ErrorAlert error={send.error} />
        <p className="hint" id="send-needs">
          {!imageId ? "Pick a photo to send." : chosen.size === 0 ? "Pick at least one frame." : `Ready to send to ${chosen.size} frame${chosen.size === 1 ? "" : "s"}.`}
        </p>
        <button
          type="submit"
          className="button-primary button-large"
          disabled={!imageId || chosen.size === 0 || send.isPending}
          aria-describedby="send-needs"
        >
          {send.isPending ? "Sending…" : "Send"}
        </button>
      </form>
    </section>
  );
}
