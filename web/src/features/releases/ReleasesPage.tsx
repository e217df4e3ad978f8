import { useQuery } from "@tanstack/react-query";
import { qk, releases } from "../../api/endpoints";
import { ErrorAlert, Loading } from "../../components/Alert";
import { PageHeader } from "../../components/PageHeader";
import { formatDate } from "../../lib/format";
import { isCritical } from "../frames/FirmwarePanel";

export default function ReleasesPage() {
  const q = useQuery({ queryKey: qk.releases("stable"), queryFn: () => releases.list("stable") });
  return (
    <section className="narrow">
      <PageHeader title="Release notes" />
      <p>What changed in the software of Shareframe frames. Frames check for updates every few hours.</p>
      {q.isPending && <Loading />}
      <ErrorAlert error={q.error} />
      {q.isSuccess && q.data.items.length === 0 && <p>No releases yet.</p>}
      <ol className="plain-list">
        {q.data?.items.map((r) => (
          <li key={r.version} className="card">
            <h2>
              Version {r.version}
              {isCritical(r) && (
                <span className="badge badge-bad">
                  <span aria-hidden="true">!</span> Important fix
                </span>
              )}
            </h2>
            <p className="hint">{formatDate(r.releasedAt)}</p>
            {r.notes && <div className="release-notes">{r.notes}</div>}
          </li>
        ))}
      </ol>
    </section>
  );
}
