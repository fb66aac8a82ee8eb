/**
 * The saga's steps, each under ONE name (its key here). Everything else about a step is
 * derived from that key: its task state in the ASL, the key its result takes in the saga
 * document, the Lambda infra deploys (handler), the store it may touch (which decides its
 * links and VPC), and the dashboard's label for it. No import: infra, the functions, the
 * offline stack and the dashboard all read this module.
 *
 * Adding a step: an entry here, its implementation (wallet-steps.ts or status-steps.ts, both
 * re-exported by packages/functions/src/steps/), and its transitions in definition.ts.
 */
export interface StepSpec {
  /** The ASL task state that invokes it. */
  state: string;
  /** What it may touch: the wallet (Postgres, in the VPC) or the transfers table (DynamoDB, outside it). */
  store: "postgres" | "dynamodb";
  /** The Lambda handler infra deploys, relative to the repository (file without extension, then the export). */
  handler: string;
  /** A compensation undoes (or fences) what a forward step did; the dashboard marks it. */
  compensation?: true;
  /** The dashboard's timeline label; the party's user id follows it when the step moves that party's money. */
  label: string;
  party?: "sender" | "receiver";
  /** The name a transfer's history records it under, when not its own (stored history says "process" for start). */
  history?: string;
  description: string;
}

export const SAGA_STEPS = {
  start: {
    state: "StartTransfer",
    store: "dynamodb",
    handler: "packages/functions/src/steps/status.start",
    label: "Saga started",
    history: "process",
    description: "PENDING → PROCESSING, owned by this execution",
  },
  debit: {
    state: "DebitSender",
    store: "postgres",
    handler: "packages/functions/src/steps/wallet.debit",
    label: "Debit sender",
    party: "sender",
    description: "Debit the sender (inbox DEBIT#id)",
  },
  credit: {
    state: "CreditReceiver",
    store: "postgres",
    handler: "packages/functions/src/steps/wallet.credit",
    label: "Credit receiver",
    party: "receiver",
    description: "Credit the receiver (inbox CREDIT#id)",
  },
  complete: {
    state: "CompleteTransfer",
    store: "dynamodb",
    handler: "packages/functions/src/steps/status.complete",
    label: "Completed",
    description: "PROCESSING → SUCCEEDED unless compensation began",
  },
  compensate: {
    state: "BeginCompensation",
    store: "dynamodb",
    handler: "packages/functions/src/steps/status.compensate",
    compensation: true,
    label: "Compensation begins",
    description: "Fence: no SUCCEEDED after this; records the failure",
  },
  reverseCredit: {
    state: "ReverseCredit",
    store: "postgres",
    handler: "packages/functions/src/steps/wallet.reverseCredit",
    compensation: true,
    label: "Reverse credit",
    party: "receiver",
    description: "Undo the receiver's credit if it happened (inbox REVERSE#id)",
  },
  refund: {
    state: "RefundSender",
    store: "postgres",
    handler: "packages/functions/src/steps/wallet.refund",
    compensation: true,
    label: "Refund sender",
    party: "sender",
    description: "Undo the sender's debit if it happened (inbox REFUND#id)",
  },
  fail: {
    state: "FailTransfer",
    store: "dynamodb",
    handler: "packages/functions/src/steps/status.fail",
    label: "Transfer failed",
    description: "→ FAILED (or REQUIRES_ATTENTION when a compensation failed)",
  },
} as const satisfies Record<string, StepSpec>;

export type StepName = keyof typeof SAGA_STEPS;
export const STEP_NAMES = Object.keys(SAGA_STEPS) as StepName[];

type HistoryNameOf<K extends StepName> = (typeof SAGA_STEPS)[K] extends { history: infer H extends string } ? H : K;
export type StepHistoryName = { [K in StepName]: HistoryNameOf<K> }[StepName];

/** The name a step's entries carry in a transfer's history. */
export function historyName<K extends StepName>(step: K): HistoryNameOf<K> {
  const spec: StepSpec = SAGA_STEPS[step];
  return (spec.history ?? step) as HistoryNameOf<K>;
}

/** Every step's history name, in the registry's order. */
export const STEP_HISTORY_NAMES = STEP_NAMES.map(historyName) as StepHistoryName[];

/** The step a history entry names, if it names one. */
export function stepOfHistory(name: string): StepName | undefined {
  return STEP_NAMES.find((step) => historyName(step) === name);
}

/** A handler string split into the file (repository-relative, no extension) and the export it names. */
export function handlerEntry(step: StepName): { file: string; exportName: string } {
  const handler = SAGA_STEPS[step].handler;
  const dot = handler.lastIndexOf(".");
  return { file: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}
