import { Link } from "react-router-dom";
import { useQuery } from "@tanstack/react-query";
import { frames, qk } from "../../api/endpoints";
import type { Frame } from "../../api/types";
import { ErrorAlert, Loading } from "../../components/Alert";
import { PageHeader } from "../../components/PageHeader";
import { OnlineBadge } from "../../components/StateBadge";
import { relativeTime } from "../../lib/format";
import { panelLabel } from "../../lib/panels";
import { PairFrameForm } from "./ClaimFramePage";

export function FrameSummary({ f }: { f: Frame }) {
  return (
    <li className="card frame-card">
      <div className="frame-card-head">
        <h3>
          <Link to={`/frames/${f.frameId}`}>{f.name}</Link>
        </h3>
        <OnlineBadge online={f.status?.online} />
      </div>
      <p className="hint">
        {panelLabel(f.panel)} · {f.orientation}
      </p>
      <p>
        {f.status?.online ? "Connected" : `Last seen ${relativeTime(f.status?.lastSeenAt)}`}
        {f.status?.showing ? " · showing a photo" : " · nothing to show yet"}
      </p>
    </li>
  );
}

export default function FramesPage() {
  const q = useQuery({ queryKey: qk.frames, queryFn: frames.list, refetchInterval: 30_000 });
  const list = q.data?.items ?? [];
  return (
    <section>
      <PageHeader title="Frames" />
      {q.isPending && <Loading label="Loading your frames…" />}
      <ErrorAlert error={q.error} />
      {q.isSuccess && list.length === 0 && <p>You have no frames yet. Pair your first one below.</p>}
      {list.length > 0 && (
        <ul className="card-grid" aria-label="Your frames">
          {list.map((f) => (
            <FrameSummary key={f.frameId} f={f} />
          ))}
        </ul>
      )}
      <section aria-labelledby="pair-title">
        <h2 id="pair-title">Pair a frame</h2>
        <PairFrameForm />
      </section>
    </section>
  );
}
