-- Wallet schema: accounts, the idempotency inbox and the append-only ledger.
-- Applied once, in one transaction, by migrate.ts (which also owns wallet.schema_migration).

create schema if not exists wallet;

create table wallet.account (
  id bigint generated always as identity primary key,
  user_id text not null,
  kind text not null default 'user',
  status text not null default 'open',
  balance numeric(18,2) not null default 0,
  created_at timestamptz not null default now(),
  constraint account_user_id_key unique (user_id),
  constraint account_kind_check check (kind in ('user', 'treasury')),
  constraint account_status_check check (status in ('open', 'closed')),
  -- Only the treasury may go negative: it is where deposits come from, so that the
  -- sum of all balances stays exactly 0 (conservation, checkable with one query).
  constraint account_user_balance_non_negative check (kind = 'treasury' or balance >= 0)
);

create unique index account_single_treasury on wallet.account (kind) where kind = 'treasury';

-- The treasury's user_id is not a valid UserId (leading '_'), so no user can ever claim it.
insert into wallet.account (user_id, kind) values ('_treasury', 'treasury');

-- One row per applied (or deliberately skipped) operation: the idempotency key of every step.
create table wallet.inbox (
  transaction_id text primary key, -- '<type>#<transfer id or deposit reference>'
  type text not null,
  transfer_id text not null, -- for a DEPOSIT: the deposit reference
  -- null only for a skipped compensation on a user without an account (its tombstone still counts)
  account_id bigint references wallet.account (id),
  amount numeric(18,2) not null,
  outcome text not null,
  created_at timestamptz not null default now(),
  constraint inbox_type_check check (type in ('DEPOSIT', 'DEBIT', 'CREDIT', 'REFUND', 'REVERSE')),
  constraint inbox_outcome_check check (outcome in ('applied', 'skipped')),
  constraint inbox_key_check check (transaction_id = type || '#' || transfer_id),
  constraint inbox_amount_check check (amount >= 0 and (outcome = 'applied' or amount = 0)),
  constraint inbox_account_check check (account_id is not null or outcome = 'skipped')
);

-- Every balance change writes exactly one entry per account; never updated or deleted.
create table wallet.ledger_entry (
  id bigint generated always as identity primary key,
  account_id bigint not null references wallet.account (id),
  transaction_id text not null references wallet.inbox (transaction_id),
  transfer_id text not null, -- for a DEPOSIT: the deposit reference
  kind text not null,
  amount numeric(18,2) not null, -- signed: what this entry did to the balance
  balance_after numeric(18,2) not null,
  at timestamptz not null default now(),
  -- A second application of one operation to one account is impossible, even by a bug.
  constraint ledger_entry_once unique (transaction_id, account_id),
  constraint ledger_entry_kind_check check (kind in ('DEPOSIT', 'DEBIT', 'CREDIT', 'REFUND', 'REVERSE')),
  constraint ledger_entry_sign_check check (
    (kind in ('DEBIT', 'REVERSE') and amount < 0)
    or (kind in ('CREDIT', 'REFUND') and amount > 0)
    or (kind = 'DEPOSIT' and amount <> 0)
  )
);

-- An account's statement, newest first (ids grow in commit order per account: its row lock serialises writers).
create index ledger_entry_account_newest on wallet.ledger_entry (account_id, id desc);
create index ledger_entry_transfer on wallet.ledger_entry (transfer_id);

create function wallet.refuse_change() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only', tg_table_schema || '.' || tg_table_name
    using errcode = 'restrict_violation';
end
$$;

create trigger ledger_entry_append_only before update or delete or truncate on wallet.ledger_entry
  for each statement execute function wallet.refuse_change();
create trigger inbox_append_only before update or delete or truncate on wallet.inbox
  for each statement execute function wallet.refuse_change();
