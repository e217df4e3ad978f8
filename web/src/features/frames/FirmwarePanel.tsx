import { Link } from "react-router-dom";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { frames, qk } from "../../api/endpoints";
import type { FirmwareInfo, Frame, Release } from "../../api/types";
import { ErrorAlert, Loading } from "../../components/Alert";
import { formatDate } from "../../lib/format";

/** The release the frame could move to, or null when it runs it already. */
export function availableRelease(info: FirmwareInfo | undefined, current: string | null | undefined): Release | null {
  const r = info?.available ?? null;
  if (!r || (current && r.version === current)) return null;
  return r;
}

export function installedVersion(info: FirmwareInfo | undefined, fallback: string | null | undefined): string | null {
  return info?.version ?? fallback ?? null;
}

export function isCritical(r: Release): boolean {
  return r.criticality === "critical";
}

/** The frame's last update report; the document leaves `update` untyped, so check its shape. */
function lastReport(info: FirmwareInfo | undefined): { state: string; version?: string } | null {
  const u: unknown = info?.update;
  if (typeof u !== "object" || u === null || !("state" in u) || typeof u.state !== "string") return null;
  return { state: u.state, version: "version" in u && typeof u.version === "string" ? u.version : undefined };
}

/** Words for the state of an update in progress, or null when there is none to tell. */
export function updateStateText(info: FirmwareInfo | undefined): string | null {
  const report = lastReport(info);
  if (!report || report.state === "confirmed") return null;
  const words: Record<string, string> = {
    downloading: "Downloading the update",
    installing: "Installing the update",
    failed: "The last update failed; the frame kept its old version",
    rolled_back: "The last update failed; the frame went back to its old version",
  };
  const text = words[report.state] ?? report.state.replace(/_/g, " ");
  return report.version ? `${text} (${report.version})` : text;
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
  const notes = (q.data?.whatsNew.length ? q.data.whatsNew : next ? [next] : []).filter((r) => r.notes);
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
            {` (${formatDate(next.releasedAt)})`}
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
