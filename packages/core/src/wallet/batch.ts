/** How DEBITs and CREDITs reach Postgres: alone, or batched per account (see `batcher`). */
import { db } from "./client.ts";
import type { MoneyRow, MoveInput } from "./money.ts";

async function moveAlone(input: MoveInput): Promise<MoneyRow> {
  const [row] = await db()<MoneyRow[]>`
    select result, outcome, amount, balance_after, balance
    from wallet.move(${input.type}, ${input.transferId}, ${input.userId}, ${input.amount}::numeric)`;
  if (!row) throw new Error("wallet.move returned no row");
  return row;
}

/**
 * Natural batching per account (wallet.move_batch, migrations/R__money_batch.sql): while a move on an account is in flight,
 * further moves on it from this process wait, then go together in ONE wallet.move_batch call
 * (one transaction, one lock acquisition, one commit), each with its own inbox key and outcome.
 * A lone move — every move of a Lambda, which handles one invocation at a time — is a plain
 * wallet.move call and waits for nothing. WALLET_BATCH_MAX=1 turns batching off: every move is
 * then its own wallet.move call, sent at once, as concurrent Lambdas send theirs (the row lock in
 * Postgres, not a queue here, orders them).
 */
const batcher = (() => {
  interface Pending {
    input: MoveInput;
    resolve: (row: MoneyRow) => void;
    reject: (error: unknown) => void;
  }
  const waiting = new Map<string, Pending[]>();

  function batchMax(): number {
    const parsed = Number(process.env.WALLET_BATCH_MAX ?? "");
    return Number.isInteger(parsed) && parsed > 0 ? parsed : 100;
  }

  async function runBatch(userId: string, batch: Pending[]): Promise<void> {
    try {
      if (batch.length === 1) {
        batch[0]!.resolve(await moveAlone(batch[0]!.input));
        return;
      }
      const rows = await db()<(MoneyRow & { item: number })[]>`
        select item, result, outcome, amount, balance_after, balance
        from wallet.move_batch(
          ${userId},
          ${batch.map((p) => p.input.type)}::text[],
          ${batch.map((p) => p.input.transferId)}::text[],
          ${batch.map((p) => p.input.amount)}::numeric[])`;
      const byItem = new Map(rows.map((row) => [row.item, row]));
      for (const [index, pending] of batch.entries()) {
        const row = byItem.get(index + 1);
        if (row) pending.resolve(row);
        else pending.reject(new Error(`wallet.move_batch returned no row for item ${index + 1}`));
      }
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // One item's failure (not a refusal: those are verdicts) must not decide the others':
      // each goes again alone and gets its own answer. Nothing of the batch was committed.
      for (const pending of batch) await runBatch(userId, [pending]);
    }
  }

  async function drain(userId: string, queue: Pending[]): Promise<void> {
    try {
      while (queue.length > 0) await runBatch(userId, queue.splice(0, batchMax()));
    } finally {
      waiting.delete(userId);
    }
  }

  return {
    submit(input: MoveInput): Promise<MoneyRow> {
      if (batchMax() === 1) return moveAlone(input);
      return new Promise<MoneyRow>((resolve, reject) => {
        const queue = waiting.get(input.userId);
        if (queue) {
          queue.push({ input, resolve, reject });
          return;
        }
        const fresh: Pending[] = [{ input, resolve, reject }];
        waiting.set(input.userId, fresh);
        void drain(input.userId, fresh);
      });
    },
  };
})();

/**
 * REFUND (undoes a DEBIT) or REVERSE (undoes a CREDIT), of the recorded original's amount.

/** One DEBIT or CREDIT, answered by wallet.move (alone) or wallet.move_batch (with others queued on the account). */
export function submit(input: MoveInput): Promise<MoneyRow> {
  return batcher.submit(input);
}
