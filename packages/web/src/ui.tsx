import type { ReactNode } from "react";
import { ApiError } from "./api.ts";
import { conservation } from "./format.ts";
import { STATUS_LABEL } from "./format.ts";
import { formatAmount, signOf } from "./money.ts";
import type { Totals, TransferStatus } from "./types.ts";

export function StatusBadge({ status }: { status: TransferStatus }) {
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-status={status} key={status}>
      <span className="badge-dot" aria-hidden />
      {STATUS_LABEL[status]}
    </span>
  );
}

export function Money({ value, currency, signed = false, className = "" }: { value: string; currency?: string; signed?: boolean; className?: string }) {
  const sign = signOf(value);
  const tone = signed ? (sign < 0 ? "neg" : sign > 0 ? "pos" : "") : "";
  return (
    <span className={`money ${tone} ${className}`}>
      {formatAmount(value, { sign: signed })}
      {currency ? <span className="currency">{currency}</span> : null}
    </span>
  );
}

export function Parties({ from, to }: { from: string; to: string }) {
  return (
    <span className="parties">
      <span className="party">{from}</span>
      <svg className="arrow" viewBox="0 0 16 16" aria-label="to">
        <path d="M2 8h11M9 4l4 4-4 4" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      <span className="party">{to}</span>
    </span>
  );
}

export function ErrorNote({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : undefined;
  return (
    <div className="note note-error" role="alert">
      <strong>{title ?? "Request failed"}</strong>
      {api ? <code className="code">{api.code}</code> : null}
      <span>{api ? api.message : error instanceof Error ? error.message : String(error)}</span>
    </div>
  );
}

export function Card({ title, actions, children, className = "", testId }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; testId?: string }) {
  return (
    <section className={`card ${className}`} data-testid={testId}>
      {title || actions ? (
        <header className="card-head">
          <h2>{title}</h2>
          <div className="card-actions">{actions}</div>
        </header>
      ) : null}
      {children}
    </section>
  );
}

export function LiveDot({ fast, everyMs }: { fast: boolean; everyMs?: number }) {
  const ms = everyMs ?? (fast ? 1000 : 5000);
  const label = ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
  return (
    <span className={`live ${fast ? "fast" : ""}`} title={`Refreshing every ${label}`} data-testid="live">
      <span className="live-dot" />
      Live · {label}
    </span>
  );
}

export function ConservationBadge({ totals, large = false }: { totals: Totals | undefined; large?: boolean }) {
  if (!totals) return <span className={`conservation unknown ${large ? "large" : ""}`}>Conservation …</span>;
  const c = conservation(totals);
  return (
    <span
      className={`conservation ${c.ok ? "ok" : "bad"} ${large ? "large" : ""}`}
      data-testid={large ? "conservation-badge" : "conservation-pill"}
      data-ok={c.ok}
      title={c.ok ? "Sum of balances + in transit = 0.00; every balance matches its ledger; no negative balance" : c.problems.join("; ")}
    >
      <svg viewBox="0 0 16 16" aria-hidden>
        {c.ok ? (
          <path d="M3.5 8.5l3 3 6-7" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
        ) : (
          <path d="M8 3.5v5.5M8 12v.5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
        )}
      </svg>
      {c.ok ? "Money conserved" : large ? `Conservation broken: ${c.problems.join("; ")}` : "Conservation broken"}
    </span>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}
