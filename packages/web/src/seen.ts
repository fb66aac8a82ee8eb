/**
 * Every transfer the dashboard has seen (lists, details, its own submissions), latest
 * version wins. The activity chart is drawn from this, so it reflects what this
 * operator's screen has observed — not a server-side metric.
 */
import { useSyncExternalStore } from "react";
import type { Transfer, TransferStatus } from "./types.ts";

type Seen = Pick<Transfer, "transferId" | "status" | "createdAt" | "updatedAt">;

const MAX = 5000;
const seen = new Map<string, Seen>();
let version = 0;
const listeners = new Set<() => void>();

export function remember(transfers: readonly Seen[]) {
  let changed = false;
  for (const t of transfers) {
    const known = seen.get(t.transferId);
    if (known && known.status === t.status && known.updatedAt >= t.updatedAt) continue;
    if (known && known.updatedAt > t.updatedAt) continue;
    seen.set(t.transferId, { transferId: t.transferId, status: t.status, createdAt: t.createdAt, updatedAt: t.updatedAt });
    changed = true;
  }
  if (!changed) return;
  if (seen.size > MAX) {
    const oldest = [...seen.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).slice(0, seen.size - MAX);
    for (const t of oldest) seen.delete(t.transferId);
  }
  version++;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Re-renders on every change; returns the version and a snapshot accessor. */
export function useSeen(): { version: number; all: () => Seen[] } {
  const v = useSyncExternalStore(subscribe, () => version);
  return { version: v, all: () => [...seen.values()] };
}

export type { Seen, TransferStatus };
