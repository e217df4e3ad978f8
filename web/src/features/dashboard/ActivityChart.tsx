import type { ActivityDay } from "../../api/types";

const SERIES = [
  { key: "sent", label: "Sent", className: "series-sent" },
  { key: "received", label: "Received", className: "series-received" },
  { key: "displayed", label: "Displayed", className: "series-displayed" },
] as const;

/** Round the top of the scale up to 1, 2 or 5 × 10ⁿ so the gridlines read well. */
export function niceMax(v: number): number {
  if (v <= 4) return 4;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Grouped bars for 30 days, hand-drawn in SVG, with a table for screen readers. */
export function ActivityChart({ days }: { days: ActivityDay[] }) {
  const W = 640;
  const H = 200;
  const pad = { l: 28, r: 8, t: 8, b: 22 };
  const max = niceMax(Math.max(0, ...days.flatMap((d) => [d.sent, d.received, d.displayed])));
  const innerW = W - pad.l - pad.r;
  const innerH = H - pad.t - pad.b;
  const slot = days.length ? innerW / days.length : innerW;
  const bw = Math.max(1, (slot - 2) / 3);
  const y = (v: number) => pad.t + innerH - (v / max) * innerH;
  const ticks = [0, max / 2, max];
  const total = (k: (typeof SERIES)[number]["key"]) => days.reduce((s, d) => s + (d[k] ?? 0), 0);

  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-title chart-desc">
        <title id="chart-title">Activity in the last 30 days</title>
        <desc id="chart-desc">
          {SERIES.map((s) => `${s.label}: ${total(s.key)}`).join(", ")}. The table below has each day.
        </desc>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} className="chart-grid" />
            <text x={pad.l - 4} y={y(t) + 4} textAnchor="end" className="chart-label">
              {t}
            </text>
          </g>
        ))}
        {days.map((d, i) => (
          <g key={d.date} transform={`translate(${pad.l + i * slot + 1},0)`}>
            {SERIES.map((s, j) => {
              const v = d[s.key] ?? 0;
              return <rect key={s.key} x={j * bw} y={y(v)} width={bw} height={Math.max(0, pad.t + innerH - y(v))} className={s.className} />;
            })}
            {(days.length - 1 - i) % 7 === 0 && (
              <text
                x={i === days.length - 1 ? slot : slot / 2}
                y={H - 6}
                textAnchor={i === days.length - 1 ? "end" : "middle"}
                className="chart-label"
              >
                {d.date.slice(5)}
              </text>
            )}
          </g>
        ))}
      </svg>
      <figcaption className="chart-legend">
        {SERIES.map((s) => (
          <span key={s.key}>
            <span className={`legend-swatch ${s.className}`} aria-hidden="true" /> {s.label} ({total(s.key)})
          </span>
        ))}
      </figcaption>
      <details>
        <summary>Show as a table</summary>
        <table className="data-table">
          <caption className="visually-hidden">Activity per day</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {SERIES.map((s) => (
                <th scope="col" key={s.key}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.date}>
                <th scope="row">{d.date}</th>
                <td>{d.sent}</td>
                <td>{d.received}</td>
                <td>{d.displayed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
