-- The hot-account engine: each money operation is ONE call of a function, sent as one statement in
-- its own implicit transaction. The account's row lock is taken inside it and released by the commit
-- that follows the statement, with no client round trip in between: a hot account's throughput is
-- 1 / lock hold time. The functions: wallet.move (R__money_move.sql), wallet.move_batch
-- (R__money_batch.sql), wallet.compensate (R__money_compensate.sql) and wallet.deposit
-- (R__money_deposit.sql); this file holds the rules they share.
--
-- Why the checks after the lock are race-free: these functions are VOLATILE plpgsql and run in
-- READ COMMITTED, where every statement they execute takes a fresh snapshot. The statements
-- after the one that takes the lock therefore see everything committed before the lock was granted —
-- in particular a compensation's tombstone (REFUND before a late DEBIT, REVERSE before a late
-- CREDIT), which is written under the same row lock. A single SQL statement could not do this:
-- its snapshot predates its own lock wait.
--
-- The SQL decides the outcome and says which one it is (`result`); the caller only maps it
-- (`verdict` in wallet/money.ts):
--   applied | skipped                         the operation moved money (or was recorded as a tombstone)
--   replayed                                  already in the inbox: `outcome`, `amount`, `balance_after` as recorded
--   mismatch                                  the key was recorded for another account or amount
--   original_mismatch                         REFUND/REVERSE: the original was recorded for another account
--   not_found | closed | insufficient         refused (a refused DEBIT leaves its REFUND tombstone)
--   compensated                               refused: the compensation's tombstone is there
--   impossible                                REVERSE refused: the receiver no longer holds the credit
--
-- Repeatable: `create or replace` only. A change of a function's arguments or result columns needs a
-- `drop function` first (Postgres cannot replace those in place).

-- What undoes each saga money operation (its tombstone, when it comes first) and what each does to
-- the balance: written once, used by every function below.
create or replace function wallet.compensation_of(p_type text) returns text language sql immutable as $$
  select case p_type when 'DEBIT' then 'REFUND' when 'CREDIT' then 'REVERSE' end
$$;
create or replace function wallet.signed(p_type text, p_amount numeric) returns numeric language sql immutable as $$
  select case when p_type in ('DEBIT', 'REVERSE') then -p_amount when p_type in ('CREDIT', 'REFUND', 'DEPOSIT') then p_amount end
$$;

create or replace function wallet.assert_read_committed() returns void language plpgsql as $$
begin
  -- The fresh-snapshot-per-statement argument above holds only in READ COMMITTED.
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'wallet money operations must run in READ COMMITTED, not %', current_setting('transaction_isolation')
      using errcode = 'invalid_transaction_state';
  end if;
end
$$;

-- What every money function checks first: the operation type it was given, then the isolation level.
create or replace function wallet.assert_call(p_function text, p_type text, p_allowed text[]) returns void language plpgsql as $$
begin
  if p_type is null or not (p_type = any (p_allowed)) then
    raise exception '%: type must be one of %, not %', p_function, p_allowed, p_type using errcode = 'invalid_parameter_value';
  end if;
  perform wallet.assert_read_committed();
end
$$;

-- The answer to an operation whose key is already in the inbox (no row when it is not): 'mismatch'
-- when it was recorded for another account — a tombstone tied to no account matches any — or, when
-- p_amount is given, for another amount; else 'replayed', with the recorded outcome, amount and
-- balance after, and p_balance, the account's balance now. Read in the caller's statement, so with
-- the snapshot that statement took after the lock.
create or replace function wallet.replay_or_mismatch(p_key text, p_account_id bigint, p_amount numeric, p_balance numeric)
returns table (result text, outcome text, amount numeric, balance_after numeric, balance numeric)
language sql stable as $$
  select v.result,
         case v.result when 'replayed' then p.outcome end,
         case v.result when 'replayed' then p.amount end,
         case v.result when 'replayed' then l.balance_after end,
         case v.result when 'replayed' then p_balance end
  from wallet.inbox p
  left join wallet.ledger_entry l on l.transaction_id = p.transaction_id and l.account_id = p.account_id
  cross join lateral (
    select case
      when p.account_id is not null and p.account_id is distinct from p_account_id then 'mismatch'
      when p_amount is not null and p.amount <> p_amount then 'mismatch'
      else 'replayed'
    end as result) v
  where p.transaction_id = p_key
$$;

-- A refused DEBIT records its REFUND tombstone (nothing to give back) with the reason: a late
-- duplicate of the debit — an invocation still in flight after the saga moved on to FAILED — can
-- never apply, and a retry of it (its first answer lost) hears the same refusal.
create or replace function wallet.refuse_debit(p_transfer_id text, p_account_id bigint, p_reason text)
returns void language sql volatile as $$
  insert into wallet.inbox (transaction_id, type, transfer_id, account_id, amount, outcome, refused)
  values (wallet.compensation_of('DEBIT') || '#' || p_transfer_id, wallet.compensation_of('DEBIT'), p_transfer_id, p_account_id, 0, 'skipped', p_reason)
  on conflict (transaction_id) do nothing
$$;

-- Takes a user account's row lock (no row: no such user account). Every statement the caller runs
-- after this one sees what was committed before the lock was granted (see above).
create or replace function wallet.lock_account(p_user_id text)
returns table (id bigint, status text, balance numeric)
language sql volatile as $$
  select a.id, a.status, a.balance from wallet.account a where a.user_id = p_user_id and a.kind = 'user' for update
$$;
