import { toMinor } from "./money.ts";
import type { Totals, TransferStatus } from "./types.ts";

export function age(iso: string, now: number): string {
  const ms = Math.max(0, now - Date.parse(iso));
  if (ms < 1000) return "now";
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

export function clockTime(iso: string, withMs = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${withMs ? `.${pad(d.getMilliseconds(), 3)}` : ""}`;
}

export function dateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 10)} ${clockTime(iso, true)}`;
}

/** "+12 ms", "+1.3 s" from a start. */
export function offset(fromIso: string, toIso: string): string {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms)) return "";
  if (ms < 1000) return `+${Math.max(0, ms)} ms`;
  if (ms < 60_000) return `+${(ms / 1000).toFixed(1)} s`;
  return `+${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The tail of a ULID: its head is the creation time, the same for everything recent. */
export function shortId(id: string): string {
  return id.length > 10 ? `…${id.slice(-8)}` : id;
}

export const STATUS_LABEL: Record<TransferStatus, string> = {
  PENDING: "Pending",
  PROCESSING: "Processing",
  SUCCEEDED: "Succeeded",
  FAILED: "Failed",
  REQUIRES_ATTENTION: "Needs attention",
};

export interface Conservation {
  ok: boolean;
  /** sumOfBalances + inTransit, in minor units. */
  drift: bigint;
  problems: string[];
}

/** The verdict is the API's (core's `Wallet.totals`); the dashboard only explains it. */
export function conservation(totals: Totals): Conservation {
  const problems: string[] = [];
  let drift = 0n;
  try {
    drift = toMinor(totals.drift);
  } catch {
    problems.push("totals are not decimal amounts");
  }
  if (drift !== 0n) problems.push("sum of balances + in transit ≠ 0");
  if (totals.accountsWithLedgerMismatch !== 0) problems.push(`${totals.accountsWithLedgerMismatch} account(s) differ from their ledger`);
  if (totals.negativeUserBalances !== 0) problems.push(`${totals.negativeUserBalances} negative user balance(s)`);
  if (!totals.conserved && problems.length === 0) problems.push("the API reports an invariant broken");
  return { ok: totals.conserved && problems.length === 0, drift, problems };
}
