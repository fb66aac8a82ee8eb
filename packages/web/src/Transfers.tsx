import { useEffect, useRef, useState } from "react";
import type { Api } from "./api.ts";
import { ActivityChart } from "./Chart.tsx";
import { age, dateTime, shortId, STATUS_LABEL } from "./format.ts";
import { useNow, usePolling } from "./hooks.ts";
import { remember } from "./seen.ts";
import { STATUSES, isInFlight, type TransferStatus } from "./types.ts";
import { Card, Empty, ErrorNote, LiveDot, Money, Parties, StatusBadge } from "./ui.tsx";

export interface TransferFilters {
  status: TransferStatus | "";
  user: string;
}

const PAGE_SIZE = 25;
export const FAST_MS = 1000;
export const SLOW_MS = 5000;

export function TransfersView(props: {
  api: Api;
  filters: TransferFilters;
  onFilters: (filters: TransferFilters) => void;
  selectedId: string | undefined;
  onSelect: (transferId: string) => void;
  knownUsers: string[];
  /** Changes when this dashboard created a transfer: reload now, and poll fast for a while. */
  refreshToken: number;
}) {
  const { api, filters, onFilters, selectedId, onSelect, knownUsers, refreshToken } = props;
  // A transfer just created may reach the list index a moment later (eventually consistent).
  const fastUntil = useRef(0);
  useEffect(() => {
    if (refreshToken) fastUntil.current = Date.now() + 10_000;
  }, [refreshToken]);
  const now = useNow(1000);
  // Cursors of the pages before the current one; [] = first (newest) page.
  const [cursors, setCursors] = useState<(string | undefined)[]>([]);
  const cursor = cursors.at(-1);
  const [userText, setUserText] = useState(filters.user);

  useEffect(() => setCursors([]), [filters.status, filters.user]);
  useEffect(() => setUserText(filters.user), [filters.user]);
  // The user filter follows the text box after a short pause.
  useEffect(() => {
    const value = userText.trim();
    if (value === filters.user) return;
    const timer = setTimeout(() => onFilters({ ...filters, user: value }), 350);
    return () => clearTimeout(timer);
  }, [userText, filters, onFilters]);

  const key = JSON.stringify({ ...filters, cursor, refreshToken });
  const page = usePolling(
    key,
    async () => {
      const result = await api.listTransfers({ status: filters.status, user: filters.user, cursor, limit: PAGE_SIZE });
      remember(result.items);
      return result;
    },
    (data) => (data?.items.some((t) => isInFlight(t.status)) || Date.now() < fastUntil.current ? FAST_MS : SLOW_MS),
  );
  const items = page.data?.items ?? [];
  const fast = items.some((t) => isInFlight(t.status));

  return (
    <div className="stack">
      <Card title="Activity" className="chart-card" actions={<span className="muted small">from transfers seen by this dashboard</span>}>
        <ActivityChart />
      </Card>
      <Card
        testId="transfers"
        title={
          <>
            Transfers <span className="muted count">{page.data ? `${items.length}${page.data.cursor ? "+" : ""}` : ""}</span>
          </>
        }
        actions={<LiveDot fast={fast} />}
      >
        <div className="toolbar">
          <div className="segmented" role="radiogroup" aria-label="Status filter">
            {(["", ...STATUSES] as const).map((status) => (
              <button
                key={status || "all"}
                role="radio"
                aria-checked={filters.status === status}
                className={filters.status === status ? "active" : ""}
                onClick={() => onFilters({ ...filters, status })}
              >
                {status ? STATUS_LABEL[status] : "All"}
              </button>
            ))}
          </div>
          <label className="search">
            <svg viewBox="0 0 16 16" aria-hidden>
              <circle cx="7" cy="7" r="4.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
              <path d="M10.5 10.5L14 14" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
            </svg>
            <input
              aria-label="Filter by user"
              placeholder="Filter by user"
              list="known-users"
              value={userText}
              onChange={(e) => setUserText(e.target.value)}
              onKeyDown={(e) => e.key === "Enter" && onFilters({ ...filters, user: userText.trim() })}
            />
            {userText ? (
              <button className="clear" aria-label="Clear user filter" onClick={() => { setUserText(""); onFilters({ ...filters, user: "" }); }}>
                ×
              </button>
            ) : null}
          </label>
          <datalist id="known-users">
            {knownUsers.map((u) => (
              <option key={u} value={u} />
            ))}
          </datalist>
        </div>
        <ErrorNote error={page.error} title="Could not load transfers" />
        <div className="table-wrap">
          <table className="table transfers-table">
            <thead>
              <tr>
                <th>Transfer</th>
                <th className="num">Amount</th>
                <th>Parties</th>
                <th>Status</th>
                <th className="num">Age</th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr
                  key={t.transferId}
                  data-transfer-id={t.transferId}
                  data-status={t.status}
                  className={`clickable ${t.transferId === selectedId ? "selected" : ""}`}
                  onClick={() => onSelect(t.transferId)}
                  tabIndex={0}
                  onKeyDown={(e) => e.key === "Enter" && onSelect(t.transferId)}
                >
                  <td>
                    <span className="mono id" title={t.transferId}>
                      {shortId(t.transferId)}
                    </span>
                  </td>
                  <td className="num">
                    <Money value={t.amount} currency={t.currency} />
                  </td>
                  <td>
                    <Parties from={t.senderUserId} to={t.receiverUserId} />
                  </td>
                  <td>
                    <StatusBadge status={t.status} />
                    {t.failureReason ? <span className="reason mono">{t.failureReason}</span> : null}
                  </td>
                  <td className="num muted" title={dateTime(t.createdAt)}>
                    {age(t.createdAt, now)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.data && items.length === 0 ? (
            <Empty>{filters.status || filters.user ? "No transfer matches these filters." : "No transfers yet — create one with “New transfer”."}</Empty>
          ) : null}
          {!page.data && page.loading ? <Empty>Loading…</Empty> : null}
        </div>
        <footer className="pager">
          <span className="muted small">{cursors.length ? `Page ${cursors.length + 1}` : "Newest first"}</span>
          <div className="pager-buttons">
            <button className="btn ghost" disabled={!cursors.length} onClick={() => setCursors([])}>
              Newest
            </button>
            <button className="btn ghost" disabled={!cursors.length} onClick={() => setCursors((c) => c.slice(0, -1))}>
              ← Previous
            </button>
            <button className="btn ghost" data-testid="next-page" disabled={!page.data?.cursor} onClick={() => setCursors((c) => [...c, page.data?.cursor])}>
              Next page →
            </button>
          </div>
        </footer>
      </Card>
    </div>
  );
}
