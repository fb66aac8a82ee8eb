/** What the wallet recorded: ledger entries, inbox rows and the conservation totals. */
import * as z from "../util/zod.ts";
import { fromMinor, normalize, toMinor } from "../money.ts";
import { TransferId } from "../transfer/id.ts";
import { db } from "./client.ts";
import { call, guard, iso } from "./run.ts";
import { AccountOwner, LedgerQuery, TransactionId, type Kind, type LedgerEntry, type OutcomeKind, type Totals } from "./schema.ts";

interface LedgerRow {
  id: string;
  user_id: string;
  transaction_id: string;
  transfer_id: string;
  kind: Kind;
  amount: string;
  balance_after: string;
  at: Date;
}

function toEntry(row: LedgerRow): LedgerEntry {
  return {
    id: row.id,
    userId: row.user_id,
    transactionId: row.transaction_id,
    transferId: row.transfer_id,
    kind: row.kind,
    amount: normalize(row.amount),
    balanceAfter: normalize(row.balance_after),
    at: iso(row.at),
  };
}

const LedgerInput = z.extend(LedgerQuery, { userId: AccountOwner });

/** An account's entries, newest first. */
export function ledger(userId: string, options: z.input<typeof LedgerQuery> = {}): Promise<LedgerEntry[]> {
  return call(LedgerInput, { ...options, userId }, async ({ userId, limit, before }) => {
    const sql = db();
    const rows = await sql<LedgerRow[]>`
      select l.id::text as id, a.user_id, l.transaction_id, l.transfer_id, l.kind, l.amount, l.balance_after, l.at
      from wallet.account a
      join wallet.ledger_entry l on l.account_id = a.id
      where a.user_id = ${userId} ${before === undefined ? sql`` : sql`and l.id < ${before}::bigint`}
      order by l.id desc
      limit ${limit}`;
    return rows.map(toEntry);
  });
}

const EntryInput = z.object({ transactionId: TransactionId, userId: AccountOwner });

/** The entry an operation (inbox key, e.g. `DEPOSIT#ref`) wrote on this user's account, if any. */
export function entry(transactionId: string, userId: string): Promise<LedgerEntry | undefined> {
  return call(EntryInput, { transactionId, userId }, async ({ transactionId, userId }) => {
    const [row] = await db()<LedgerRow[]>`
      select l.id::text as id, a.user_id, l.transaction_id, l.transfer_id, l.kind, l.amount, l.balance_after, l.at
      from wallet.ledger_entry l
      join wallet.account a on a.id = l.account_id
      where l.transaction_id = ${transactionId} and a.user_id = ${userId}`;
    return row && toEntry(row);
  });
}

/** Who and how much an operation already recorded in the inbox was for (undefined: not recorded). */
export function recorded(transactionId: string): Promise<{ userId: string | null; amount: string; outcome: OutcomeKind } | undefined> {
  return call(TransactionId, transactionId, async (transactionId) => {
    const [row] = await db()<{ user_id: string | null; amount: string; outcome: OutcomeKind }[]>`
      select a.user_id, i.amount, i.outcome
      from wallet.inbox i left join wallet.account a on a.id = i.account_id
      where i.transaction_id = ${transactionId}`;
    return row && { userId: row.user_id, amount: normalize(row.amount), outcome: row.outcome };
  });
}

/** Every entry a transfer wrote (debit, credit and their compensations), in order. */
export function ledgerForTransfer(transferId: string): Promise<LedgerEntry[]> {
  return call(TransferId, transferId, async (transferId) => {
    const rows = await db()<LedgerRow[]>`
      select l.id::text as id, a.user_id, l.transaction_id, l.transfer_id, l.kind, l.amount, l.balance_after, l.at
      from wallet.ledger_entry l
      join wallet.account a on a.id = l.account_id
      where l.transfer_id = ${transferId} and l.kind <> 'DEPOSIT'
      order by l.id`;
    return rows.map(toEntry);
  });
}

/** The invariant checks, from one snapshot (one statement). Takes no input. */
export function totals(): Promise<Totals> {
  return guard(async () => {
    // One statement, one snapshot: balances and the inbox are read at the same instant.
    const [row] = await db()<{ sum_of_balances: string; in_transit: string; mismatches: number; negatives: number }[]>`
      select
        (select coalesce(sum(balance), 0) from wallet.account) as sum_of_balances,
        (select coalesce(sum(case type when 'DEBIT' then amount when 'REVERSE' then amount else -amount end), 0)
           from wallet.inbox
           where outcome = 'applied' and type in ('DEBIT', 'CREDIT', 'REFUND', 'REVERSE')) as in_transit,
        (select count(*)::int
           from wallet.account a
           left join (select account_id, sum(amount) as total from wallet.ledger_entry group by account_id) l
             on l.account_id = a.id
           where a.balance <> coalesce(l.total, 0)) as mismatches,
        (select count(*)::int from wallet.account where kind = 'user' and balance < 0) as negatives`;
    const drift = toMinor(row!.sum_of_balances) + toMinor(row!.in_transit);
    return {
      sumOfBalances: normalize(row!.sum_of_balances),
      inTransit: normalize(row!.in_transit),
      accountsWithLedgerMismatch: row!.mismatches,
      negativeUserBalances: row!.negatives,
      drift: fromMinor(drift),
      conserved: drift === 0n && row!.mismatches === 0 && row!.negatives === 0,
    };
  });
}
