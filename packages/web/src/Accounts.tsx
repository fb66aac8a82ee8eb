import type { Api } from "./api.ts";
import { ApiError } from "./api.ts";
import { conservation, dateTime } from "./format.ts";
import { usePolling, type Polled } from "./hooks.ts";
import { fromMinor, toMinor } from "./money.ts";
import { LedgerTable } from "./TransferDetail.tsx";
import type { AccountsResponse } from "./types.ts";
import { Card, ConservationBadge, Empty, ErrorNote, LiveDot, Money } from "./ui.tsx";

/** How often the accounts view refreshes while it is open. */
export const ACCOUNTS_FAST_MS = 2000;

export function AccountsView({ accounts, selectedUser, onSelect }: { accounts: Polled<AccountsResponse>; selectedUser: string | undefined; onSelect: (userId: string) => void }) {
  const data = accounts.data;
  const totals = data?.totals;
  const c = totals ? conservation(totals) : undefined;
  const items = [...(data?.items ?? [])].sort((a, b) => (a.kind === b.kind ? a.userId.localeCompare(b.userId) : a.kind === "treasury" ? 1 : -1));
  const userTotal = items.filter((a) => a.kind === "user").reduce((sum, a) => sum + toMinor(a.balance), 0n);
  const inTransitMinor = totals ? toMinor(totals.inTransit) : 0n;

  return (
    <div className="stack">
      <Card title="Conservation" actions={<LiveDot fast={inTransitMinor !== 0n} everyMs={ACCOUNTS_FAST_MS} />} testId="conservation">
        <div className="conservation-row">
          <ConservationBadge totals={totals} large />
          <p className="muted small explain">
            Deposits come from the treasury, so the sum of every balance plus the money in transit is always exactly 0.00, every
            balance equals the sum of its ledger entries, and no user balance is negative. Computed here in integer cents.
          </p>
        </div>
        {totals ? (
          <div className="tiles">
            <div className={`tile ${c && c.drift !== 0n ? "tile-bad" : ""}`}>
              <span className="tile-label">Sum of balances</span>
              <Money value={totals.sumOfBalances} className="tile-value" />
            </div>
            <div className={`tile ${inTransitMinor !== 0n ? "tile-warn" : ""}`}>
              <span className="tile-label">In transit</span>
              <Money value={totals.inTransit} className="tile-value" />
            </div>
            <div className={`tile ${c && c.drift !== 0n ? "tile-bad" : "tile-ok"}`}>
              <span className="tile-label">Sum + in transit</span>
              <span className="money tile-value" data-testid="drift">
                {fromMinor(c?.drift ?? 0n, { group: true })}
              </span>
            </div>
            <div className={`tile ${totals.accountsWithLedgerMismatch ? "tile-bad" : ""}`}>
              <span className="tile-label">Ledger mismatches</span>
              <span className="tile-value">{totals.accountsWithLedgerMismatch}</span>
            </div>
            <div className={`tile ${totals.negativeUserBalances ? "tile-bad" : ""}`}>
              <span className="tile-label">Negative balances</span>
              <span className="tile-value">{totals.negativeUserBalances}</span>
            </div>
          </div>
        ) : null}
      </Card>

      <Card
        title={
          <>
            Accounts <span className="muted count">{items.length || ""}</span>
          </>
        }
        actions={items.length ? <span className="muted small">users hold <Money value={fromMinor(userTotal)} /></span> : null}
        testId="accounts"
      >
        <ErrorNote error={accounts.error} title="Could not load accounts" />
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Account</th>
                <th>Kind</th>
                <th>Status</th>
                <th className="num">Balance</th>
                <th className="num">Opened</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr
                  key={a.userId}
                  data-user-id={a.userId}
                  className={`clickable ${a.userId === selectedUser ? "selected" : ""}`}
                  onClick={() => onSelect(a.userId)}
                  tabIndex={0}
                  onKeyDown={(e) => e.key === "Enter" && onSelect(a.userId)}
                >
                  <td>
                    <span className="avatar" aria-hidden>
                      {(a.userId.replace(/[^A-Za-z0-9]/g, "")[0] ?? "?").toUpperCase()}
                    </span>
                    <span className="account-name">{a.userId}</span>
                  </td>
                  <td>
                    <span className={`tag ${a.kind === "treasury" ? "tag-info" : "tag-muted"}`}>{a.kind}</span>
                  </td>
                  <td>
                    <span className={`tag ${a.status === "open" ? "tag-ok" : "tag-muted"}`}>{a.status}</span>
                  </td>
                  <td className="num">
                    <Money value={a.balance} className={a.kind === "user" && toMinor(a.balance) < 0n ? "neg" : ""} />
                  </td>
                  <td className="num muted mono small">{dateTime(a.createdAt).slice(0, 19)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data && !items.length ? <Empty>No accounts yet.</Empty> : null}
          {!data && accounts.loading ? <Empty>Loading…</Empty> : null}
        </div>
      </Card>
    </div>
  );
}

export function AccountPanel({ api, userId, onClose, onTransfer }: { api: Api; userId: string; onClose: () => void; onTransfer: (transferId: string) => void }) {
  const account = usePolling(`account:${userId}`, () => api.getAccount(userId, 100), () => 3000);
  const a = account.data;
  const notFound = account.error instanceof ApiError && account.error.status === 404;
  return (
    <aside className="panel" data-testid="account-detail">
      <header className="panel-head">
        <div>
          <div className="eyebrow">Account</div>
          <div className="panel-id">{userId}</div>
        </div>
        <button className="icon-btn" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {notFound ? <Empty>No account for {userId}.</Empty> : <ErrorNote error={account.error} title="Could not load the account" />}
      {a ? (
        <div className="panel-body">
          <div className="hero">
            <div className="eyebrow">Balance</div>
            <Money value={a.balance} currency="EUR" className="hero-amount" />
            <div className="hero-line">
              <span className={`tag ${a.kind === "treasury" ? "tag-info" : "tag-muted"}`}>{a.kind}</span>
              <span className={`tag ${a.status === "open" ? "tag-ok" : "tag-muted"}`}>{a.status}</span>
              <span className="muted small">opened {dateTime(a.createdAt).slice(0, 19)}</span>
            </div>
          </div>
          <h3 className="section-title">
            Ledger <span className="muted count">latest {a.ledger.length}</span>
          </h3>
          <LedgerTable entries={a.ledger} onTransfer={onTransfer} />
        </div>
      ) : !account.error ? (
        <Empty>Loading…</Empty>
      ) : null}
    </aside>
  );
}
