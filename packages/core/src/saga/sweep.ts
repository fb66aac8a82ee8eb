/**
 * The stuck-transfer sweep. The pipe only dead-letters a failed *start*; a saga that
 * fails inside Step Functions never reaches it. So, on a schedule:
 *  - PROCESSING for too long: look at its execution. Still running → leave it; failed,
 *    timed out or aborted → redrive it (every step is idempotent, so re-running the
 *    failed step is safe); anything else (unknown, not redrivable) → REQUIRES_ATTENTION.
 *  - PENDING for too long: its saga never started (pipe DLQ). Start one now: the first
 *    step's conditional PENDING → PROCESSING makes a late duplicate harmless.
 */
import { Log } from "../log.ts";
// What the sweep uses, not the `Transfer` barrel (which would add create and its schemas to its bundle).
import type { TransferInfo } from "../transfer/record.ts";
import { get } from "../transfer/item.ts";
import { listStuckPage } from "../transfer/list.ts";
import { note, requireAttention } from "../transfer/transitions.ts";
import { executionInput, type ExecutionInput } from "./document.ts";
export { DEFAULT_STUCK_AFTER_MINUTES } from "./document.ts";

const Transfer = { get, listStuckPage, note, requireAttention };

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | "PENDING_REDRIVE";

/** The slice of Step Functions the sweep needs (AWS SDK in the cloud, the local runtime offline). */
export interface ExecutionControl {
  describe(executionId: string): Promise<{ status: ExecutionStatus; redrivable: boolean } | undefined>;
  redrive(executionId: string): Promise<void>;
  /** StartExecution with the state machine's one input contract (what the pipe sends too). */
  start(input: ExecutionInput): Promise<string>;
}

/**
 * Pages of the stuck scan per status per run: each page is bounded in work (Transfer.listStuckPage),
 * so a run is too, whatever the table holds; what a run leaves unread the next run reads.
 */
export const MAX_SWEEP_PAGES = 20;

/** Stuck transfers in `status`, page by page, at most MAX_SWEEP_PAGES pages. */
async function* stuck(status: "PENDING" | "PROCESSING", olderThanMs: number, limit?: number) {
  let cursor: string | undefined;
  for (let page = 0; page < MAX_SWEEP_PAGES; page++) {
    const result = await Transfer.listStuckPage({ status, olderThanMs, limit, cursor });
    yield* result.items;
    cursor = result.cursor;
    if (!cursor) return;
  }
}

/** A saga that fails again after this many redrives needs a person, not another redrive. */
export const MAX_REDRIVES = 3;

export type SweepAction = "running" | "redriven" | "started" | "flagged";
export interface SweepReport {
  checked: number;
  actions: { transferId: string; status: string; action: SweepAction; detail?: string }[];
  /** Transfers the sweep could not handle this time (the next run tries again). */
  errors: { transferId: string; error: string }[];
}

export async function sweepStuckTransfers(input: { olderThanMs: number; control: ExecutionControl; limit?: number }): Promise<SweepReport> {
  const report: SweepReport = { checked: 0, actions: [], errors: [] };
  // One transfer's trouble (a throttled call, a stale read) must not stop the sweep of the others.
  const guarded = async (transfer: TransferInfo, body: () => Promise<void>) => {
    try {
      await body();
    } catch (error) {
      report.errors.push({ transferId: transfer.transferId, error: String(error) });
      Log.scope({ transferId: transfer.transferId }, () => Log.error("sweep could not handle a stuck transfer", { error }));
    }
  };
  const record = (transfer: TransferInfo, action: SweepAction, detail?: string) => {
    report.actions.push({ transferId: transfer.transferId, status: transfer.status, action, detail });
    Log.scope({ transferId: transfer.transferId }, () => Log.warn("stuck transfer", { status: transfer.status, action, detail }));
  };

  // The index is eventually consistent: re-read each candidate (strongly) before acting on it.
  const reread = async (listed: TransferInfo) => {
    const current = await Transfer.get(listed.transferId);
    return current?.status === listed.status ? current : undefined;
  };

  for await (const listed of stuck("PENDING", input.olderThanMs, input.limit)) {
    report.checked += 1;
    await guarded(listed, async () => {
      const transfer = await reread(listed);
      if (!transfer) return;
      const executionId = await input.control.start(executionInput(transfer));
      record(transfer, "started", executionId);
    });
  }

  for await (const listed of stuck("PROCESSING", input.olderThanMs, input.limit)) {
    report.checked += 1;
    await guarded(listed, async () => {
      const transfer = await reread(listed);
      if (!transfer) return;
      const execution = transfer.executionId ? await input.control.describe(transfer.executionId) : undefined;
      if (execution?.status === "RUNNING" || execution?.status === "PENDING_REDRIVE") {
        record(transfer, "running");
        return;
      }
      const redrives = transfer.history.filter((entry) => entry.step === "sweep" && entry.outcome === "redriven").length;
      if (execution && execution.status !== "SUCCEEDED" && execution.redrivable && redrives < MAX_REDRIVES) {
        await Transfer.note({
          transferId: transfer.transferId,
          history: [{ step: "sweep", outcome: "redriven", at: new Date().toISOString(), detail: `execution ${execution.status}` }],
        });
        await input.control.redrive(transfer.executionId!);
        record(transfer, "redriven", execution.status);
      } else {
        const detail = !execution
          ? "no execution found"
          : redrives >= MAX_REDRIVES
            ? `execution ${execution.status} after ${redrives} redrives`
            : `execution ${execution.status}, not redrivable`;
        await Transfer.requireAttention({
          transferId: transfer.transferId,
          reason: "STUCK_SAGA",
          message: `Still PROCESSING after ${Math.round(input.olderThanMs / 60_000)} min: ${detail}`,
          history: [{ step: "sweep", outcome: "requires attention", at: new Date().toISOString(), detail }],
        });
        record(transfer, "flagged", detail);
      }
    });
  }
  return report;
}
