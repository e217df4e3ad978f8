import { Link } from "react-router-dom";
import { useQuery } from "@tanstack/react-query";
import { dashboard, frames, qk } from "../../api/endpoints";
import { ErrorAlert, Loading } from "../../components/Alert";
import { PageHeader } from "../../components/PageHeader";
import { PhotoThumb } from "../../components/PhotoThumb";
import { FrameSummary } from "../frames/FramesPage";
import { relativeTime } from "../../lib/format";
import { ActivityChart } from "./ActivityChart";
import { describeRecent } from "./recentText";

function Stat({ label, value, to }: { label: string; value: number | undefined; to: string }) {
  return (
    <li className="stat card">
      <Link to={to}>
        <span className="stat-value">{value ?? "–"}</span>
        <span className="stat-label">{label}</span>
      </Link>
    </li>
  );
}

export default function DashboardPage() {
  const q = useQuery({ queryKey: qk.dashboard, queryFn: dashboard.get, refetchInterval: 60_000 });
  const f = useQuery({ queryKey: qk.frames, queryFn: frames.list, refetchInterval: 30_000 });
  const d = q.data;
  return (
    <section>
      <PageHeader title="Home">
        <Link to="/library" className="button">
          Add photos
        </Link>
        <Link to="/send" className="button button-primary">
          Send a photo
        </Link>
      </PageHeader>
      {q.isPending && <Loading />}
      <ErrorAlert error={q.error} />
      {d && (
        <>
          <ul className="stats" aria-label="Your numbers">
            <Stat label="Photos in your library" value={d.photos} to="/library" />
            <Stat label="Photos on your frames" value={d.activeOnMyFrames} to="/frames" />
            <Stat label="Sent this week" value={d.sentThisWeek} to="/history" />
            <Stat label="Frames online" value={d.framesOnline} to="/frames" />
            <Stat label="Frames offline" value={d.framesOffline} to="/frames" />
          </ul>
          <div className="two-col">
            <section className="card" aria-labelledby="activity-title">
              <h2 id="activity-title">Last 30 days</h2>
              <ActivityChart days={d.activity ?? []} />
            </section>
            <section className="card" aria-labelledby="recent-title">
              <h2 id="recent-title">Recent activity</h2>
              {(d.recent ?? []).length === 0 ? (
                <p className="hint">Nothing yet. Send a photo to get started.</p>
              ) : (
                <ul className="plain-list recent">
                  {d.recent.slice(0, 10).map((e, i) => (
                    <li key={`${e.type}-${e.at}-${i}`} className="recent-item">
                      {typeof e.thumbnailUrl === "string" && <PhotoThumb thumbnailUrl={e.thumbnailUrl} label={describeRecent(e)} />}
                      <span>
                        {describeRecent(e)} <span className="hint">· {relativeTime(e.at)}</span>
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
        </>
      )}
      <section aria-labelledby="frames-title">
        <h2 id="frames-title">Your frames</h2>
        <ErrorAlert error={f.error} />
        {f.data?.items.length === 0 && (
          <p>
            No frames yet. <Link to="/frames">Pair your first frame</Link>.
          </p>
        )}
        <ul className="card-grid">
          {f.data?.items.map((fr) => (
            <FrameSummary key={fr.frameId} f={fr} />
          ))}
        </ul>
      </section>
    </section>
  );
}
