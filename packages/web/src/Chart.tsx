/**
 * Transfers per second and their outcomes over the last few minutes, drawn from the
 * transfers this dashboard has seen (hand-written SVG, no chart library).
 */
import { useEffect, useRef, useState, type RefObject } from "react";
import { useNow } from "./hooks.ts";
import { useSeen } from "./seen.ts";

const WINDOW_MS = 5 * 60_000;
const BUCKET_MS = 5_000;
const BUCKETS = WINDOW_MS / BUCKET_MS;
const HEIGHT = 150;
const PAD = { top: 12, right: 8, bottom: 22, left: 40 };

type Outcome = "succeeded" | "failed" | "inflight";
const ORDER: Outcome[] = ["succeeded", "failed", "inflight"];

function outcomeOf(status: string): Outcome {
  if (status === "SUCCEEDED") return "succeeded";
  if (status === "FAILED" || status === "REQUIRES_ATTENTION") return "failed";
  return "inflight";
}

function useWidth<T extends HTMLElement>(): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(Math.max(240, Math.floor(entry.contentRect.width))));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/** A round upper bound for the y axis (transfers per second). */
function niceMax(value: number): number {
  if (value <= 0.2) return 0.2;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

const rateLabel = (r: number) => (r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2).replace(/0$/, ""));

export function ActivityChart() {
  const now = useNow(1000);
  const { all } = useSeen();
  const [ref, width] = useWidth<HTMLDivElement>();

  const end = Math.ceil(now / BUCKET_MS) * BUCKET_MS;
  const start = end - WINDOW_MS;
  const buckets = Array.from({ length: BUCKETS }, () => ({ succeeded: 0, failed: 0, inflight: 0 }));
  const totals = { succeeded: 0, failed: 0, inflight: 0 };
  for (const t of all()) {
    const created = Date.parse(t.createdAt);
    const outcome = outcomeOf(t.status);
    if (created < start || created >= end) continue;
    const bucket = buckets[Math.floor((created - start) / BUCKET_MS)];
    if (!bucket) continue;
    bucket[outcome]++;
    totals[outcome]++;
  }
  const perSecond = (n: number) => n / (BUCKET_MS / 1000);
  const peak = Math.max(0, ...buckets.map((b) => perSecond(b.succeeded + b.failed + b.inflight)));
  const yMax = niceMax(peak);
  const total = totals.succeeded + totals.failed + totals.inflight;
  const last = buckets.slice(-2).reduce((sum, b) => sum + b.succeeded + b.failed + b.inflight, 0);
  const currentRate = perSecond(last) / 2;

  const innerW = width - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const slot = innerW / BUCKETS;
  const barW = Math.max(1, slot - Math.min(3, slot * 0.25));
  const y = (rate: number) => PAD.top + innerH - (rate / yMax) * innerH;
  const ticks = [0, yMax / 2, yMax];

  return (
    <div className="chart" data-testid="activity-chart">
      <div className="chart-stats">
        <div className="stat">
          <span className="stat-label">Rate now</span>
          <span className="stat-value">
            {rateLabel(currentRate)}
            <small>/s</small>
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Peak</span>
          <span className="stat-value">
            {rateLabel(peak)}
            <small>/s</small>
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Seen · 5 min</span>
          <span className="stat-value">{total}</span>
        </div>
        <div className="legend">
          <span className="legend-item succeeded" data-testid="count-succeeded">
            <i /> Succeeded <b>{totals.succeeded}</b>
          </span>
          <span className="legend-item failed" data-testid="count-failed">
            <i /> Failed <b>{totals.failed}</b>
          </span>
          <span className="legend-item inflight" data-testid="count-inflight">
            <i /> In flight <b>{totals.inflight}</b>
          </span>
        </div>
      </div>
      <div ref={ref} className="chart-canvas">
        <svg width={width} height={HEIGHT} role="img" aria-label={`Transfers per second over the last 5 minutes: ${total} seen`}>
          {ticks.map((tick) => (
            <g key={tick}>
              <line x1={PAD.left} x2={width - PAD.right} y1={y(tick)} y2={y(tick)} className={tick === 0 ? "axis" : "grid"} />
              <text x={PAD.left - 8} y={y(tick)} className="tick" textAnchor="end" dominantBaseline="middle">
                {rateLabel(tick)}
              </text>
            </g>
          ))}
          {buckets.map((bucket, i) => {
            let top = y(0);
            const x = PAD.left + i * slot + (slot - barW) / 2;
            return (
              <g key={i}>
                {ORDER.map((outcome) => {
                  const n = bucket[outcome];
                  if (!n) return null;
                  const h = (perSecond(n) / yMax) * innerH;
                  top -= h;
                  return <rect key={outcome} x={x} y={top} width={barW} height={Math.max(h, 1)} rx={Math.min(2, barW / 3)} className={`bar ${outcome}`} />;
                })}
              </g>
            );
          })}
          {[5, 4, 3, 2, 1, 0].map((minutes) => {
            const x = PAD.left + ((WINDOW_MS - minutes * 60_000) / WINDOW_MS) * innerW;
            return (
              <text key={minutes} x={x} y={HEIGHT - 6} className="tick" textAnchor={minutes === 5 ? "start" : minutes === 0 ? "end" : "middle"}>
                {minutes === 0 ? "now" : `−${minutes} min`}
              </text>
            );
          })}
        </svg>
      </div>
    </div>
  );
}
