/**
 * Property tests of the saga's orderings (issue 14), in TigerBeetle's habit: generated histories
 * attack the real step handlers on the real engines (this file's DynamoDB table and Postgres
 * database). One transfer per history; one to three executions of it (duplicate stream
 * deliveries), each following the state machine's own Retry/Catch routes, interleaved in any
 * order, each step invocation failing before or after its commit as generated, and earlier
 * invocations replayed late (a Lambda whose first attempt commits after its retry). After every
 * history: the four invariants, and the final status agreeing with the money.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { randomUUID } from "node:crypto";
import { stepHandlers } from "@ewallet/functions/steps/index";
import { STEP_NAMES, type StepName } from "@ewallet/core/saga/registry";
import { buildSagaDefinition, TASK_STEP } from "@ewallet/core/saga/definition";
import { Transfer } from "@ewallet/core/transfer/transfer";
import { Wallet } from "@ewallet/core/wallet/wallet";
import { toMinor } from "@ewallet/core/money";

/** Attempts per task before its Catch applies (the definition's are larger; fewer reach the Catch routes more often). */
const ATTEMPTS = 3;
type Fault = "none" | "before" | "after";
type Doc = Record<string, unknown> & { transferId: string; senderUserId: string; receiverUserId: string; amount: string };

/** One execution walking the state machine's routes (core's definition.ts), one task invocation at a time. */
class Execution {
  state: string = "StartTransfer";
  attempts = 0;
  done = false;
  constructor(
    readonly executionId: string,
    public doc: Doc,
  ) {}
}

// Which step each task state invokes: core's own table (the definition the runtime runs); each
// task's result goes into the document under its step's name.
const STEP_OF: Record<string, StepName> = TASK_STEP;
// The routes are read from the definition itself: a change there is a change here.
const definition = buildSagaDefinition({ functions: Object.fromEntries(STEP_NAMES.map((name) => [name, name])) as Record<StepName, string> });
interface Route {
  ErrorEquals: string[];
  Next?: string;
  ResultPath?: string;
  MaxAttempts?: number;
}
const field = (state: string, name: "Catch" | "Retry") => (definition.States[state]![name] ?? []) as Route[];
/** The first retrier or catcher of `state` that matches the error `name`, as Step Functions picks it. */
const matching = (routes: Route[], name: string) => routes.find((r) => r.ErrorEquals.includes(name) || r.ErrorEquals.includes("States.ALL"));
/** Past the last task (a Succeed or Fail state) is "Done" here. */
const taskOrDone = (state: string | undefined) => (state && definition.States[state]?.Type === "Task" ? state : "Done");

const FORWARD = new Set(["StartTransfer", "DebitSender", "CreditReceiver", "CompleteTransfer"]);

/** Where a Catch of `state` sends the error `name`, and under which key it records it; none: the execution fails ("Done"). */
function caught(state: string, name: string): { next: string; path: string } {
  const route = matching(field(state, "Catch"), name);
  return { next: taskOrDone(route?.Next), path: (route?.ResultPath ?? "$.error").slice("$.".length) };
}
/** Whether `state`'s retriers retry the error `name` at all (business errors: MaxAttempts 0). */
const retried = (state: string, name: string) => (matching(field(state, "Retry"), name)?.MaxAttempts ?? 0) > 0;

interface Invocation {
  step: StepName;
  event: unknown;
}

async function invoke(step: StepName, event: unknown) {
  return stepHandlers[step](JSON.parse(JSON.stringify(event)));
}

/** One invocation of the execution's current task, with a generated fault; moves the execution on. */
async function advance(execution: Execution, fault: Fault, past: Invocation[]) {
  const state = execution.state;
  const step = STEP_OF[state]!;
  const event = { saga: execution.doc, executionId: execution.executionId, ...(state === "FlagForAttention" ? { attention: true } : {}) };
  past.push({ step, event: structuredClone(event) });
  let error: { name: string; message: string } | undefined;
  let output: unknown;
  // Forward steps may fail every attempt (their Catch routes are then taken); compensations and the
  // final status write succeed on their last attempt (the definition gives them 15 retries).
  const injected = execution.attempts + 1 < ATTEMPTS || FORWARD.has(state) ? fault : "none";
  if (injected === "before") error = { name: "Sandbox.Timedout", message: "injected before" };
  else {
    try {
      output = await invoke(step, event);
      if (injected === "after") error = { name: "Sandbox.Timedout", message: "injected after the commit" };
    } catch (e) {
      error = { name: (e as Error).name, message: (e as Error).message };
    }
  }
  if (!error) {
    execution.doc = { ...execution.doc, [step]: JSON.parse(JSON.stringify(output ?? null)) };
    execution.state = taskOrDone(definition.States[state]!.Next as string);
    execution.attempts = 0;
  } else if (retried(state, error.name) && ++execution.attempts < ATTEMPTS) {
    return; // retried: same state, same document
  } else {
    const route = caught(state, error.name);
    execution.doc = { ...execution.doc, [route.path]: { Error: error.name, Cause: JSON.stringify({ errorMessage: error.message }) } };
    execution.state = route.next;
    execution.attempts = 0;
  }
  if (execution.state === "Done") execution.done = true;
}

const command = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("advance" as const), execution: fc.nat(2), fault: fc.constantFrom<Fault>("none", "before", "after") }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant("replay" as const), index: fc.nat(60) }), weight: 2 },
);

let run = 0;
describe("saga orderings (fast-check, real engines)", () => {
  it("any interleaving of duplicate, retried and late step invocations keeps the invariants", { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom("10.00", "10.00", "25.00"), // the sender holds 20.00: 25.00 is refused
        fc.boolean(), // the receiver exists (else the credit fails and everything is undone)
        fc.array(command, { minLength: 20, maxLength: 80 }),
        async (executionCount, amount, receiverExists, commands) => {
          const sender = `ps${++run}-${randomUUID().slice(0, 8)}`;
          const receiver = `pr${run}-${randomUUID().slice(0, 8)}`;
          await Wallet.openAccount({ userId: sender });
          await Wallet.deposit({ reference: `seed-${sender}`, userId: sender, amount: "20.00" });
          if (receiverExists) await Wallet.openAccount({ userId: receiver });
          const { transfer } = await Transfer.create({ scope: sender, idempotencyKey: randomUUID(), request: { senderUserId: sender, receiverUserId: receiver, amount } });
          const input: Doc = { transferId: transfer.transferId, senderUserId: sender, receiverUserId: receiver, amount };
          const executions = Array.from({ length: executionCount }, (_, i) => new Execution(`exec-${i}-${randomUUID()}`, { ...input }));
          const past: Invocation[] = [];

          for (const c of commands) {
            if (c.kind === "advance") {
              const execution = executions[c.execution % executions.length]!;
              if (!execution.done) await advance(execution, c.fault, past);
            } else if (past.length) {
              // A late duplicate of an earlier invocation: whatever it says, it must change nothing it should not.
              const late = past[c.index % past.length]!;
              await invoke(late.step, late.event).catch(() => {});
            }
          }
          // Then every execution runs to its end, as Step Functions would.
          for (const execution of executions) while (!execution.done) await advance(execution, "none", past);
          // And every earlier invocation arrives once more, late.
          for (const late of past) await invoke(late.step, late.event).catch(() => {});

          const final = (await Transfer.get(transfer.transferId))!;
          const senderBalance = toMinor((await Wallet.account(sender))!.balance);
          const receiverBalance = receiverExists ? toMinor((await Wallet.account(receiver))!.balance) : 0n;
          const moved = toMinor(amount);
          const story = `${final.status} ${final.failureReason ?? ""}: sender ${senderBalance}, receiver ${receiverBalance}; ${final.history.map((h) => `${h.step}:${h.outcome}`).join(" ")}`;
          // 3: a final status, agreeing with the money.
          expect(["SUCCEEDED", "FAILED"], story).toContain(final.status);
          if (final.status === "SUCCEEDED") {
            expect([senderBalance, receiverBalance], story).toEqual([2000n - moved, moved]);
          } else {
            expect([senderBalance, receiverBalance], story).toEqual([2000n, 0n]);
          }
          // 2: nothing negative; 1: conservation, every balance equal to its ledger.
          if (process.env.SAGA_PROPERTY_DEBUG) console.log(executionCount, commands.length, past.length, story);
          const totals = await Wallet.totals();
          expect(totals, story).toMatchObject({ conserved: true, inTransit: "0.00", negativeUserBalances: 0, accountsWithLedgerMismatch: 0 });
        },
      ),
      { numRuns: Number(process.env.SAGA_PROPERTY_RUNS ?? 25), seed: process.env.SAGA_PROPERTY_SEED ? Number(process.env.SAGA_PROPERTY_SEED) : undefined },
    );
  });
});
