/** Wallet accounts: opened once per user (idempotent), closed by an operator, read by anyone allowed. */
import * as z from "../util/zod.ts";
import { normalize } from "../money.ts";
import { pageLimit } from "../page.ts";
import { UserId } from "../user.ts";
import { db } from "./client.ts";
import { call, fn, iso, notFound } from "./run.ts";
import { ACCOUNTS_LIMIT_DEFAULT, ACCOUNTS_LIMIT_MAX, AccountOwner, type Info } from "./schema.ts";

interface AccountRow {
  user_id: string;
  kind: Info["kind"];
  status: Info["status"];
  balance: string;
  created_at: Date;
}

function toInfo(row: AccountRow): Info {
  return {
    userId: row.user_id,
    kind: row.kind,
    status: row.status,
    balance: normalize(row.balance),
    createdAt: iso(row.created_at),
  };
}

/** Opens the user's account unless it exists; `created` tells which (POST /accounts: 201 or 200). */
export const open = fn(z.object({ userId: UserId }), async ({ userId }): Promise<{ account: Info; created: boolean }> => {
  const sql = db();
  const [created] = await sql<AccountRow[]>`
    insert into wallet.account (user_id) values (${userId})
    on conflict (user_id) do nothing
    returning user_id, kind, status, balance, created_at`;
  if (created) return { account: toInfo(created), created: true };
  // Already there (possibly inserted a moment ago by a concurrent call): read it in a fresh snapshot.
  const [existing] = await sql<AccountRow[]>`
    select user_id, kind, status, balance, created_at from wallet.account where user_id = ${userId}`;
  if (!existing) throw new Error(`account ${userId} vanished after a conflicting insert`);
  return { account: toInfo(existing), created: false };
});

export const openAccount = fn(z.object({ userId: UserId }), async (input): Promise<Info> => (await open(input)).account);

export const closeAccount = fn(z.object({ userId: UserId }), async ({ userId }): Promise<Info> => {
  const [row] = await db()<AccountRow[]>`
    update wallet.account set status = 'closed'
    where user_id = ${userId} and kind = 'user'
    returning user_id, kind, status, balance, created_at`;
  if (!row) throw notFound(userId);
  return toInfo(row);
});

const AccountsQuery = z.object({
  limit: pageLimit(ACCOUNTS_LIMIT_MAX, ACCOUNTS_LIMIT_DEFAULT),
});

/** Every account, treasury included (an operator's view; the demo has a handful). */
export function accounts(options: z.input<typeof AccountsQuery> = {}): Promise<Info[]> {
  return call(AccountsQuery, options, async ({ limit }) => {
    const rows = await db()<AccountRow[]>`
      select user_id, kind, status, balance, created_at from wallet.account order by kind desc, user_id limit ${limit}`;
    return rows.map(toInfo);
  });
}

export function account(userId: string): Promise<Info | undefined> {
  return call(AccountOwner, userId, async (owner) => {
    const [row] = await db()<AccountRow[]>`
      select user_id, kind, status, balance, created_at from wallet.account where user_id = ${owner}`;
    return row && toInfo(row);
  });
}
