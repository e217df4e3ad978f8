import { Link } from "react-router-dom";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { frames, qk } from "../../api/endpoints";
import type { FirmwareInfo, Frame, Release } from "../../api/types";
import { ErrorAlert, Loading } from "../../components/Alert";
import { formatDate } from "../../lib/format";

/** The release the frame could move to, whatever the server calls it. */
export function availableRelease(info: FirmwareInfo | undefined, current: string | null | undefined): Release | null {
  if (!info) return null;
  const r = (info.available ?? info.latest ?? null) as Release | null;
  if (!r || !r.version) return null;
  if (info.updateAvailable === false) return null;
  if (current && r.version === current) return null;
  return r;
}

export function installedVersion(info: FirmwareInfo | undefined, fallback: string | null | undefined): string | null {
  return info?.current ?? info?.version ?? fallback ?? null;
}

export function isCritical(r: Release): boolean {
  return r.critical === true || r.criticality === "critical";
}

/** Words for the state of an update in progress, or null when there is none to tell. */
export function updateStateText(info: FirmwareInfo | undefined): string | null {
  const u = info?.update ?? info?.state ?? null;
  const state = typeof u === "string" ? u : u?.state;
  const version = typeof u === "object" && u ? u.version : undefined;
  if (!state || state === "idle" || state === "confirmed") return null;
  const words: Record<string, string> = {
    requested: "Update requested",
    update_requested: "Update requested",
    downloading: "Downloading the update",
    installing: "Installing the update",
    installed: "Installed, restarting",
    failed: "The last update failed; the frame kept its old version",
    rolled_back: "The last update failed; the frame went back to its old version",
  };
  const text = words[state] ?? state.replace(/_/g, " ");
  return version ? `${text} (${version})` : text;
}

export function releaseDate(r: Release): string | undefined {
  return r.publishedAt ?? r.releasedAt;
}

export function FirmwarePanel({ frame }: { frame: Frame }) {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: qk.firmware(frame.frameId), queryFn: () => frames.firmware(frame.frameId) });
  const update = useMutation({
    mutationFn: () => frames.updateFirmware(frame.frameId),
    onSuccess: () => void qc.invalidateQueries({ queryKey: qk.firmware(frame.frameId) }),
  });
  const current = installedVersion(q.data, frame.status?.firmware);
  const next = availableRelease(q.data, current);
  const progress = updateStateText(q.data);
  const notes = (q.data?.whatsNew?.length ? q.data.whatsNew : next ? [next] : []).filter((r) => r.notes);
  return (
    <section className="card" aria-labelledby="fw-title">
      <h2 id="fw-title">Frame software</h2>
      {q.isPending && <Loading />}
      <p>
        Version <strong>{current ?? "unknown"}</strong>
        {q.data?.autoUpdate && <span className="hint"> · updates itself</span>}
      </p>
      {progress && (
        <p>
          <span className="badge badge-progress">
            <span aria-hidden="true">…</span> {progress}
          </span>
        </p>
      )}
      <ErrorAlert error={q.error ?? update.error} />
      {next ? (
        <div>
          <p>
            Version <strong>{next.version}</strong> is available
            {releaseDate(next) ? ` (${formatDate(releaseDate(next))})` : ""}
            {isCritical(next) ? ". It fixes an important problem and installs by itself." : "."}
          </p>
          {notes.map((r) => (
            <div className="release-notes" key={r.version}>
              <strong>{r.version}</strong>
              {"\n"}
              {r.notes}
            </div>
          ))}
          <button type="button" className="button-primary" onClick={() => update.mutate()} disabled={update.isPending || update.isSuccess}>
            {update.isSuccess ? "Update requested" : `Update to ${next.version}`}
          </button>
          {update.isSuccess && <p role="status">The frame installs it at its next check-in and restarts.</p>}
        </div>
      ) : (
        q.isSuccess && <p>This frame is up to date.</p>
      )}
      <p>
        <Link to="/releases">All release notes</Link>
      </p>
    </section>
  );
}
