import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { frames, friends as friendsApi, qk, shares } from "../../api/endpoints";
import type { Frame, FrameItem } from "../../api/types";
import { ErrorAlert, Loading, Notice } from "../../components/Alert";
import { CheckboxField, SelectField, TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { PhotoThumb } from "../../components/PhotoThumb";
import { UndoableRemove } from "../../components/UndoableRemove";
import { DeliveryBadge, OnlineBadge } from "../../components/StateBadge";
import { formatBytes, formatDateTime, formatInterval, relativeTime } from "../../lib/format";
import { PANELS } from "../../lib/panels";
import { DURATIONS, expiryText } from "../../lib/expiry";
import { FirmwarePanel } from "./FirmwarePanel";
import { INTERVALS, formFromFrame, framePatch, timeZones, type FrameForm } from "./frameSettings";

const ORDERS: { value: Frame["order"]; label: string }[] = [
  { value: "newest_first", label: "Newest first" },
  { value: "shuffle", label: "Shuffle" },
];

function StatusCard({ f }: { f: Frame }) {
  const s = f.status ?? ({} as Frame["status"]);
  return (
    <section className="card" aria-labelledby="status-title">
      <h2 id="status-title">Status</h2>
      <dl className="facts">
        <dt>Connection</dt>
        <dd>
          <OnlineBadge online={s.online} />
        </dd>
        <dt>Last seen</dt>
        <dd>{s.online ? "Now" : relativeTime(s.lastSeenAt)}</dd>
        <dt>Software</dt>
        <dd>{s.firmware ?? "—"}</dd>
        <dt>Free space</dt>
        <dd>{formatBytes(s.freeBytes)}</dd>
        {s.battery !== null && s.battery !== undefined && (
          <>
            <dt>Battery</dt>
            <dd>{Math.round(s.battery)}%</dd>
          </>
        )}
        {s.nextWakeAt && (
          <>
            <dt>Next check-in</dt>
            <dd>{formatDateTime(s.nextWakeAt)}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

function ItemRow({ frame, d }: { frame: Frame; d: FrameItem }) {
  const qc = useQueryClient();
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: qk.frameItems(frame.frameId) });
    void qc.invalidateQueries({ queryKey: qk.frame(frame.frameId) });
    void qc.invalidateQueries({ queryKey: ["shares"] });
  };
  const showNow = useMutation({ mutationFn: () => frames.showNow(frame.frameId, d.shareId), onSuccess: refresh });
  const remove = useMutation({ mutationFn: () => shares.removeFromFrame(d.shareId, frame.frameId), onSuccess: refresh });
  const showing = frame.status.showing === d.shareId;
  const label = d.caption || (d.senderName ? `Photo from ${d.senderName}` : "Photo");
  return (
    <li className="item-row">
      <PhotoThumb thumbnailUrl={d.thumbnailUrl} previewUrl={d.previewUrl} label={label} />
      <div className="item-body">
        <strong>{label}</strong>
        {showing && <span className="badge badge-good"><span aria-hidden="true">▶</span> On screen now</span>}
        <DeliveryBadge state={d.state} />
        <p className="hint">
          {d.senderName ? `From ${d.senderName}. ` : ""}
          {expiryText(d.expiresAt)}.
        </p>
        <ErrorAlert error={showNow.error ?? remove.error} />
        {showNow.isSuccess && <p role="status">It will be on screen at the frame's next refresh.</p>}
      </div>
      {d.shareId && (
        <div className="inline-actions">
          <button type="button" className="button-small" onClick={() => showNow.mutate()} disabled={showNow.isPending || !!showing}>
            Show now<span className="visually-hidden">: {label}</span>
          </button>
          <UndoableRemove
            label={
              <>
                Remove<span className="visually-hidden">: {label}</span>
              </>
            }
            removing={`Taking “${label}” off ${frame.name}.`}
            onRemove={() => remove.mutate()}
            pending={remove.isPending}
          />
        </div>
      )}
    </li>
  );
}

function ItemsCard({ frame }: { frame: Frame }) {
  const q = useQuery({ queryKey: qk.frameItems(frame.frameId), queryFn: () => frames.items(frame.frameId), refetchInterval: 15_000 });
  const items = q.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="items-title">
      <h2 id="items-title">On this frame now</h2>
      {q.isPending && <Loading />}
      <ErrorAlert error={q.error} />
      {q.isSuccess && items.length === 0 && (
        <p>
          Nothing yet. <Link to={`/send?frame=${encodeURIComponent(frame.frameId)}`}>Send it a photo</Link>.
        </p>
      )}
      <ul className="item-list">
        {items.map((d) => (
          <ItemRow key={d.shareId} frame={frame} d={d} />
        ))}
      </ul>
    </section>
  );
}

function SettingsCard({ frame }: { frame: Frame }) {
  const qc = useQueryClient();
  const [form, setForm] = useState<FrameForm>(() => formFromFrame(frame));
  // The frame is polled for its status: take new settings from the server only while the user
  // has no unsaved edits, so a poll never throws their changes away.
  const shown = useRef(frame);
  useEffect(() => {
    const before = shown.current;
    shown.current = frame;
    setForm((current) => (Object.keys(framePatch(before, current)).length === 0 ? formFromFrame(frame) : current));
  }, [frame]);
  const friends = useQuery({ queryKey: qk.friends, queryFn: friendsApi.list, enabled: form.sendPolicy === "chosen" });
  const save = useMutation({
    mutationFn: () => frames.update(frame.frameId, framePatch(frame, form)),
    onSuccess: (f) => {
      qc.setQueryData(qk.frame(frame.frameId), f);
      void qc.invalidateQueries({ queryKey: qk.frames });
    },
  });
  const set = <K extends keyof FrameForm>(k: K, v: FrameForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const dirty = Object.keys(framePatch(frame, form)).length > 0;
  const intervals = INTERVALS.includes(form.intervalSeconds) ? INTERVALS : [...INTERVALS, form.intervalSeconds].sort((a, b) => a - b);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (dirty) save.mutate();
  }

  return (
    <section className="card" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <form onSubmit={submit}>
        <ErrorAlert error={save.error} />
        <TextField label="Name" value={form.name} maxLength={40} required onChange={(e) => set("name", e.target.value)} />
        <SelectField
          label="Change photo every"
          value={String(form.intervalSeconds)}
          onChange={(e) => set("intervalSeconds", Number(e.target.value))}
          options={intervals.map((s) => ({ value: String(s), label: formatInterval(s) }))}
        />
        <SelectField
          label="Order"
          value={form.order}
          onChange={(e) => set("order", ORDERS.find((o) => o.value === e.target.value)?.value ?? form.order)}
          options={ORDERS}
        />
        <SelectField
          label="The frame hangs"
          value={form.orientation}
          onChange={(e) => set("orientation", e.target.value as FrameForm["orientation"])}
          options={[
            { value: "landscape", label: "Landscape (wide)" },
            { value: "portrait", label: "Portrait (tall)" },
          ]}
        />
        <SelectField
          label="Screen type"
          hint="Set by the frame when it paired. Change it only if you swapped the screen."
          value={form.panel}
          onChange={(e) => set("panel", PANELS.find((p) => p.id === e.target.value)?.id ?? form.panel)}
          options={PANELS.map((p) => ({ value: p.id, label: p.label }))}
        />
        <fieldset>
          <legend>Quiet hours</legend>
          <CheckboxField label="Don't change the photo at night" checked={form.quietEnabled} onChange={(e) => set("quietEnabled", e.target.checked)} />
          {form.quietEnabled && (
            <div className="row">
              <TextField label="From" type="time" value={form.quietStart} onChange={(e) => set("quietStart", e.target.value)} />
              <TextField label="Until" type="time" value={form.quietEnd} onChange={(e) => set("quietEnd", e.target.value)} />
              <SelectField
                label="During quiet hours"
                value={form.quietMode}
                onChange={(e) => set("quietMode", e.target.value as FrameForm["quietMode"])}
                options={[
                  { value: "keep", label: "Keep the last photo" },
                  { value: "clear", label: "Show a blank screen" },
                ]}
              />
            </div>
          )}
        </fieldset>
        <TextField label="Time zone" list="tz-list" value={form.timeZone} onChange={(e) => set("timeZone", e.target.value)} />
        <datalist id="tz-list">
          {timeZones().map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <CheckboxField
          label="Show a small status line on the frame"
          hint="“from …” under friends' photos (on photos sent from now on), and a warning when the frame is offline."
          checked={form.showStatus}
          onChange={(e) => set("showStatus", e.target.checked)}
        />
        <SelectField
          label="Photos stay for"
          hint="When the sender doesn't choose. Senders see this before they send, and may pick another time or “Until removed”."
          value={form.defaultDuration}
          onChange={(e) => set("defaultDuration", DURATIONS.find((o) => o.value === e.target.value)?.value ?? form.defaultDuration)}
          options={DURATIONS}
        />
        <fieldset>
          <legend>Who may send photos to this frame</legend>
          {(
            [
              ["owner", "Only me"],
              ["friends", "All my friends"],
              ["chosen", "Only the friends I choose"],
            ] as const
          ).map(([v, l]) => (
            <div className="field field-check" key={v}>
              <input type="radio" id={`policy-${v}`} name="sendPolicy" value={v} checked={form.sendPolicy === v} onChange={() => set("sendPolicy", v)} />
              <label htmlFor={`policy-${v}`}>{l}</label>
            </div>
          ))}
          {form.sendPolicy === "chosen" && (
            <div className="indent">
              {friends.isPending && <Loading label="Loading friends…" />}
              {friends.data?.items.length === 0 && <p className="hint">You have no friends on Shareframe yet.</p>}
              {friends.data?.items.map((fr) => (
                <CheckboxField
                  key={fr.userId}
                  label={fr.displayName}
                  checked={form.allowedSenders.includes(fr.userId)}
                  onChange={(e) =>
                    set(
                      "allowedSenders",
                      e.target.checked ? [...form.allowedSenders, fr.userId] : form.allowedSenders.filter((id) => id !== fr.userId),
                    )
                  }
                />
              ))}
            </div>
          )}
        </fieldset>
        <div className="inline-actions">
          <button type="submit" className="button-primary" disabled={!dirty || save.isPending}>
            {save.isPending ? "Saving…" : "Save settings"}
          </button>
          {dirty && (
            <button type="button" className="button-secondary" onClick={() => setForm(formFromFrame(frame))}>
              Undo changes
            </button>
          )}
          {save.isSuccess && !dirty && <span role="status">Saved. The frame picks this up at its next check-in.</span>}
        </div>
      </form>
    </section>
  );
}

function UnpairCard({ frame }: { frame: Frame }) {
  const [confirm, setConfirm] = useState(false);
  const navigate = useNavigate();
  const qc = useQueryClient();
  const unpair = useMutation({
    mutationFn: () => frames.unpair(frame.frameId),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: qk.frames });
      void qc.invalidateQueries({ queryKey: qk.dashboard });
      navigate("/frames", { replace: true });
    },
  });
  return (
    <section className="card danger-zone" aria-labelledby="unpair-title">
      <h2 id="unpair-title">Unpair</h2>
      <p>The frame forgets its photos and your account, and goes back to showing a pairing code.</p>
      <ErrorAlert error={unpair.error} />
      {!confirm ? (
        <button type="button" className="button-danger" onClick={() => setConfirm(true)}>
          Unpair {frame.name}
        </button>
      ) : (
        <div className="inline-actions" role="group" aria-label="Confirm unpairing">
          <button type="button" className="button-danger" onClick={() => unpair.mutate()} disabled={unpair.isPending}>
            Yes, unpair it
          </button>
          <button type="button" className="button-secondary" onClick={() => setConfirm(false)}>
            Cancel
          </button>
        </div>
      )}
    </section>
  );
}

export default function FrameDetailPage() {
  const { frameId = "" } = useParams();
  const location = useLocation();
  const q = useQuery({ queryKey: qk.frame(frameId), queryFn: () => frames.get(frameId), refetchInterval: 15_000 });
  if (q.isPending) return <Loading label="Loading the frame…" />;
  if (!q.data) return <ErrorAlert error={q.error} />;
  const f = q.data;
  const paired = (location.state as { paired?: boolean } | null)?.paired;
  return (
    <section>
      <PageHeader title={f.name}>
        <Link to="/frames" className="button button-secondary">
          All frames
        </Link>
        <Link to={`/send?frame=${encodeURIComponent(f.frameId)}`} className="button button-primary">
          Send a photo here
        </Link>
      </PageHeader>
      {paired && <Notice tone="success">Paired. The frame connects within a few seconds.</Notice>}
      <div className="two-col">
        <div>
          <StatusCard f={f} />
          <ItemsCard frame={f} />
          <FirmwarePanel frame={f} />
        </div>
        <div>
          <SettingsCard frame={f} />
          <UnpairCard frame={f} />
        </div>
      </div>
    </section>
  );
}
