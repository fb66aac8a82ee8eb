import { SAGA_STEPS, stepOfHistory, type StepSpec } from "@ewallet/core/saga/registry";
import type { Api } from "./api.ts";
import { ApiError } from "./api.ts";
import { clockTime, dateTime, offset, shortId } from "./format.ts";
import { usePolling } from "./hooks.ts";
import { remember } from "./seen.ts";
import { isInFlight, type HistoryEntry, type LedgerEntry, type TransferDetail } from "./types.ts";
import { Empty, ErrorNote, LiveDot, Money, Parties, StatusBadge } from "./ui.tsx";

/** The saga step a history entry names (core's registry), with its label. */
function sagaStep(entry: HistoryEntry): StepSpec | undefined {
  const name = stepOfHistory(entry.step);
  return name ? SAGA_STEPS[name] : undefined;
}
const isCompensation = (entry: HistoryEntry) => sagaStep(entry)?.compensation === true;

function stepLabel(entry: HistoryEntry, t: TransferDetail): string {
  if (entry.step === "created") return "Transfer accepted";
  if (entry.step === "fail" && entry.outcome === "requires attention") return "Stopped: needs a person";
  const step = sagaStep(entry);
  if (!step) return entry.step;
  if (!step.party) return step.label;
  return `${step.label} · ${step.party === "sender" ? t.senderUserId : t.receiverUserId}`;
}

function tone(entry: HistoryEntry): "ok" | "info" | "bad" | "warn" | "muted" {
  switch (entry.outcome) {
    case "applied":
    case "succeeded":
      return isCompensation(entry) ? "warn" : "ok";
    case "error":
    case "failed":
      return "bad";
    case "requires attention":
      return "warn";
    case "skipped":
      return "muted";
    default:
      return "info";
  }
}

function Timeline({ transfer }: { transfer: TransferDetail }) {
  const started = transfer.history[0]?.at ?? transfer.createdAt;
  return (
    <ol className="timeline" data-testid="timeline">
      {transfer.history.map((entry, i) => {
        const compensation = isCompensation(entry);
        return (
          <li key={`${entry.step}-${entry.at}-${i}`} className={`tl-item tone-${tone(entry)} ${compensation ? "compensation" : ""}`} data-step={entry.step} data-outcome={entry.outcome}>
            <span className="tl-dot" aria-hidden />
            <div className="tl-body">
              <div className="tl-line">
                <span className="tl-title">{stepLabel(entry, transfer)}</span>
                <span className={`outcome outcome-${tone(entry)}`}>{entry.outcome}</span>
                {compensation ? <span className="tag tag-warn">compensation</span> : null}
                {entry.replayed ? (
                  <span className="tag tag-info" title="A retry found this step already recorded in the inbox and moved nothing again">
                    ↻ replayed from inbox
                  </span>
                ) : null}
                <span className="tl-time mono" title={dateTime(entry.at)}>
                  {i === 0 ? clockTime(entry.at, true) : offset(started, entry.at)}
                </span>
              </div>
              {entry.outcome === "skipped" ? (
                <div className="tl-detail muted">Nothing to undo: the effect it compensates never happened.</div>
              ) : entry.amount ? (
                <div className="tl-detail">
                  <Money value={entry.amount} currency={transfer.currency} />
                </div>
              ) : null}
              {entry.errorCode || entry.errorMessage ? (
                <div className="tl-detail tl-error">
                  {entry.errorCode ? <code className="code">{entry.errorCode}</code> : null} {entry.errorMessage}
                </div>
              ) : null}
              {/* Words for people (the sweep's notes; older items wrote every detail this way), shown as they are. */}
              {entry.detail ? <div className={`tl-detail ${entry.outcome === "error" ? "tl-error" : ""}`}>{entry.detail}</div> : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

export function LedgerTable({ entries, showAccount, onTransfer, onAccount }: { entries: LedgerEntry[]; showAccount?: boolean; onTransfer?: (id: string) => void; onAccount?: (userId: string) => void }) {
  if (!entries.length) return <Empty>No ledger entries.</Empty>;
  return (
    <table className="table ledger-table" data-testid="ledger">
      <thead>
        <tr>
          {showAccount ? <th>Account</th> : <th>Transfer</th>}
          <th>Kind</th>
          <th className="num">Amount</th>
          <th className="num">Balance after</th>
          <th className="num">At</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={`${e.userId}-${e.id}`} data-kind={e.kind}>
            <td>
              {showAccount ? (
                onAccount ? (
                  <button className="link" onClick={() => onAccount(e.userId)}>
                    {e.userId}
                  </button>
                ) : (
                  e.userId
                )
              ) : onTransfer && e.kind !== "DEPOSIT" ? (
                <button className="link mono" title={e.transferId} onClick={() => onTransfer(e.transferId)}>
                  {shortId(e.transferId)}
                </button>
              ) : (
                <span className="mono muted" title={e.transferId}>
                  {e.transferId.length > 18 ? `${e.transferId.slice(0, 16)}…` : e.transferId}
                </span>
              )}
            </td>
            <td>
              <span className={`kind kind-${e.kind.toLowerCase()}`}>{e.kind}</span>
            </td>
            <td className="num">
              <Money value={e.amount} signed />
            </td>
            <td className="num">
              <Money value={e.balanceAfter} />
            </td>
            <td className="num muted mono" title={dateTime(e.at)}>
              {clockTime(e.at)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function TransferDetailPanel({ api, transferId, onClose, onAccount }: { api: Api; transferId: string; onClose: () => void; onAccount: (userId: string) => void }) {
  const detail = usePolling(
    `transfer:${transferId}`,
    async () => {
      const t = await api.getTransfer(transferId);
      remember([t]);
      return t;
    },
    // Fast while the saga runs; a settled transfer only changes if an operator acts on it.
    (t) => (t && !isInFlight(t.status) ? 15_000 : 1000),
  );
  const t = detail.data;
  const notFound = detail.error instanceof ApiError && detail.error.status === 404;

  return (
    <aside className="panel" data-testid="transfer-detail" data-status={t?.status}>
      <header className="panel-head">
        <div>
          <div className="eyebrow">Transfer</div>
          <div className="mono panel-id" title={transferId}>
            {transferId}
          </div>
        </div>
        <button className="icon-btn" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {notFound ? <Empty>No transfer {transferId}.</Empty> : <ErrorNote error={detail.error} title="Could not load the transfer" />}
      {t ? (
        <div className="panel-body">
          <div className="hero">
            <Money value={t.amount} currency={t.currency} className="hero-amount" />
            <div className="hero-line">
              <Parties from={t.senderUserId} to={t.receiverUserId} />
              <StatusBadge status={t.status} />
              {isInFlight(t.status) ? <LiveDot fast /> : null}
            </div>
          </div>

          {(t.status === "FAILED" || t.status === "REQUIRES_ATTENTION") && (t.failureReason || t.failureMessage) ? (
            <div className={`callout ${t.status === "FAILED" ? "callout-bad" : "callout-warn"}`} data-testid="failure">
              <div className="callout-title">
                {t.status === "FAILED" ? "Failed" : "Requires attention"}
                {t.failureReason ? <code className="code big" data-testid="failure-reason">{t.failureReason}</code> : null}
              </div>
              {t.failureMessage ? <p>{t.failureMessage}</p> : null}
              {t.status === "REQUIRES_ATTENTION" ? <p className="small">A compensation could not be applied: money may be in transit. Investigate before redriving.</p> : null}
            </div>
          ) : t.compensating && isInFlight(t.status) ? (
            <div className="callout callout-warn">
              <div className="callout-title">Compensating{t.failureReason ? <code className="code">{t.failureReason}</code> : null}</div>
              {t.failureMessage ? <p>{t.failureMessage}</p> : null}
            </div>
          ) : null}

          <dl className="facts">
            <div>
              <dt>Created</dt>
              <dd className="mono">{dateTime(t.createdAt)}</dd>
            </div>
            <div>
              <dt>Updated</dt>
              <dd className="mono">{dateTime(t.updatedAt)}</dd>
            </div>
            <div className="wide">
              <dt>Execution</dt>
              <dd className="mono small break">{t.executionId ?? "—"}</dd>
            </div>
          </dl>

          <h3 className="section-title">Saga history</h3>
          <Timeline transfer={t} />

          <h3 className="section-title">
            Ledger entries <span className="muted count">{t.ledger.length}</span>
          </h3>
          <LedgerTable entries={t.ledger} showAccount onAccount={onAccount} />
        </div>
      ) : !detail.error ? (
        <Empty>Loading…</Empty>
      ) : null}
    </aside>
  );
}
