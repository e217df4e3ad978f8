import { Link } from "react-router-dom";
import { useQuery } from "@tanstack/react-query";
import { dashboard, frames, friends, qk } from "../../api/endpoints";
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

interface Step {
  key: string;
  done: boolean;
  title: string;
  text: string;
  to: string;
  action: string;
}

/** The first-run steps, in order; the page's main button is the first one not done. */
function firstRunSteps(hasFrame: boolean, hasPhotos: boolean, hasFriend: boolean): Step[] {
  return [
    { key: "frame", done: hasFrame, title: "Pair a frame", text: "Enter the code your frame shows, or scan its QR code.", to: "/frames", action: "Pair your frame" },
    { key: "photos", done: hasPhotos, title: "Add photos", text: "Upload a few favourites to your library.", to: "/library", action: "Add photos" },
    { key: "friend", done: hasFriend, title: "Invite a friend", text: "Share your friend code so family can send you photos.", to: "/friends", action: "Invite a friend" },
  ];
}

function Checklist({ steps }: { steps: Step[] }) {
  const left = steps.filter((s) => !s.done).length;
  return (
    <section className="card checklist" aria-labelledby="checklist-title">
      <h2 id="checklist-title">Get started</h2>
      <p className="hint">
        {steps.length - left} of {steps.length} done
      </p>
      <ol>
        {steps.map((s) => (
          <li key={s.key} className={s.done ? "step-done" : "step-todo"}>
            <span className="check" aria-hidden="true">
              {s.done ? "✓" : ""}
            </span>
            <span>
              {s.done ? (
                <strong>
                  {s.title}
                  <span className="visually-hidden"> (done)</span>
                </strong>
              ) : (
                <Link to={s.to}>
                  <strong>{s.title}</strong>
                </Link>
              )}
              <br />
              <span className="hint">{s.text}</span>
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

export default function DashboardPage() {
  const q = useQuery({ queryKey: qk.dashboard, queryFn: dashboard.get, refetchInterval: 60_000 });
  const f = useQuery({ queryKey: qk.frames, queryFn: frames.list, refetchInterval: 30_000 });
  const fr = useQuery({ queryKey: qk.friends, queryFn: friends.list });
  const d = q.data;
  const steps = d && f.data && fr.data ? firstRunSteps(f.data.items.length > 0, d.photos > 0, fr.data.items.length > 0) : null;
  const next = steps?.find((s) => !s.done);
  const friendIds = new Set((fr.data?.items ?? []).map((x) => x.userId));
  const quiet = (d?.activity ?? []).every((day) => !day.sent && !day.received && !day.displayed);
  return (
    <section>
      <PageHeader title="Home">
        {next ? (
          <Link to={next.to} className="button button-primary">
            {next.action}
          </Link>
        ) : (
          steps && (
            <>
              <Link to="/library" className="button">
                Add photos
              </Link>
              <Link to="/send" className="button button-primary">
                Send a photo
              </Link>
            </>
          )
        )}
      </PageHeader>
      {q.isPending && <Loading />}
      <ErrorAlert error={q.error} />
      {steps && next && <Checklist steps={steps} />}
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
              {quiet ? <p className="hint">Your chart of photos sent, received and shown starts with your first photo.</p> : <ActivityChart days={d.activity ?? []} />}
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
                        {e.type === "friend_request" && typeof e.userId === "string" && friendIds.has(e.userId)
                          ? `${describeRecent(e).replace(/ wants to be your friend$/, "")} and you are now friends`
                          : describeRecent(e)}{" "}
                        {e.type === "friend_request" && typeof e.userId === "string" && !friendIds.has(e.userId) && <Link to="/friends">Answer</Link>}
                        <span className="hint">· {relativeTime(e.at)}</span>
                      </span>
                    </li>
                  ))}
                </ul>
              )}
              <p>
                <Link to="/notifications">See all notifications</Link>
              </p>
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
