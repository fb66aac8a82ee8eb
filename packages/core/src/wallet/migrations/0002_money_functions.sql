-- The hot-account engine: each saga money operation is ONE call of a function, sent as one
-- statement in its own implicit transaction. The account's row lock is taken inside it and
-- released by the commit that follows the statement, with no client round trip in between:
-- a hot account's throughput is 1 / lock hold time.
--
-- Why the checks after the lock are race-free: these functions are VOLATILE plpgsql and run in
-- READ COMMITTED, where every statement they execute takes a fresh snapshot. The statements
-- after `select … for update` therefore see everything committed before the lock was granted —
-- in particular a compensation's tombstone (REFUND before a late DEBIT, REVERSE before a late
-- CREDIT), which is written under the same row lock. A single SQL statement could not do this:
-- its snapshot predates its own lock wait.
--
-- The SQL decides the outcome and says which one it is (`result`); the caller only maps it:
--   applied | skipped                         the operation moved money (or was recorded as a tombstone)
--   replayed                                  already in the inbox: `outcome`, `amount`, `balance_after` as recorded
--   mismatch                                  the key was recorded for another account or amount
--   original_mismatch                         REFUND/REVERSE: the original was recorded for another account
--   not_found | closed | insufficient         refused (a refused DEBIT leaves its REFUND tombstone)
--   compensated                               refused: the compensation's tombstone is there
--   impossible                                REVERSE refused: the receiver no longer holds the credit

-- A REFUND tombstone written by a refused DEBIT remembers why it was refused. A retry of that
-- debit (its first answer lost: a Lambda timed out after the commit, a connection dropped before
-- the reply) then gets the same refusal instead of 'compensated', so the transfer fails with its
-- real reason, whichever attempt the saga hears.
alter table wallet.inbox
  add column refused text,
  add constraint inbox_refused_check check (
    refused is null or (type = 'REFUND' and outcome = 'skipped' and refused in ('not_found', 'closed', 'insufficient')));

create function wallet.assert_read_committed() returns void language plpgsql as $$
begin
  -- The fresh-snapshot-per-statement argument above holds only in READ COMMITTED.
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'wallet money operations must run in READ COMMITTED, not %', current_setting('transaction_isolation')
      using errcode = 'invalid_transaction_state';
  end if;
end
$$;

-- DEBIT (p_type 'DEBIT': the balance goes down) or CREDIT of one user account, the careful way:
-- lock the row, then decide every case from a fresh snapshot. wallet.move below sends the common
-- case down a shorter path and comes here for everything else.
create function wallet.move_locked(p_type text, p_transfer_id text, p_user_id text, p_amount numeric)
returns table (result text, outcome text, amount numeric, balance_after numeric, balance numeric)
language plpgsql volatile as $$
#variable_conflict use_column
declare
  v_key text := p_type || '#' || p_transfer_id;
  v_tombstone text := case p_type when 'DEBIT' then 'REFUND' when 'CREDIT' then 'REVERSE' end;
  v_delta numeric := case p_type when 'DEBIT' then -p_amount else p_amount end;
  v_account record;
  v_seen record;
  v_balance_after numeric;
begin
  if v_tombstone is null then
    raise exception 'wallet.move_locked: type must be DEBIT or CREDIT, not %', p_type using errcode = 'invalid_parameter_value';
  end if;
  perform wallet.assert_read_committed();

  select a.id, a.status, a.balance into v_account
  from wallet.account a where a.user_id = p_user_id and a.kind = 'user'
  for update;
  if not found then
    -- A refused debit closes the transfer's money path for good (see 'insufficient' below).
    if p_type = 'DEBIT' then
      insert into wallet.inbox (transaction_id, type, transfer_id, account_id, amount, outcome, refused)
      values (v_tombstone || '#' || p_transfer_id, v_tombstone, p_transfer_id, null, 0, 'skipped', 'not_found')
      on conflict (transaction_id) do nothing;
    end if;
    return query select 'not_found', null::text, null::numeric, null::numeric, null::numeric;
    return;
  end if;

  -- Fresh snapshot, taken after the lock.
  select p.account_id as prior_account_id, p.outcome as prior_outcome, p.amount as prior_amount,
         l.balance_after as prior_balance_after,
         exists (select 1 from wallet.inbox t where t.transaction_id = v_tombstone || '#' || p_transfer_id) as compensated,
         (select t.refused from wallet.inbox t where t.transaction_id = v_tombstone || '#' || p_transfer_id) as refused_before
  into v_seen
  from (select) as one
  left join wallet.inbox p on p.transaction_id = v_key
  left join wallet.ledger_entry l on l.transaction_id = p.transaction_id and l.account_id = p.account_id;

  if v_seen.prior_outcome is not null then
    if v_seen.prior_account_id <> v_account.id or v_seen.prior_amount <> p_amount then
      return query select 'mismatch', null::text, null::numeric, null::numeric, null::numeric;
    else
      return query select 'replayed', v_seen.prior_outcome, v_seen.prior_amount, v_seen.prior_balance_after, v_account.balance;
    end if;
    return;
  end if;
  if v_seen.compensated then
    -- This debit's own earlier refusal (see `refused` above) is answered again, as it was.
    return query select coalesce(v_seen.refused_before, 'compensated'), null::text, null::numeric, null::numeric, v_account.balance;
    return;
  end if;
  if v_account.status <> 'open' or v_account.balance + v_delta < 0 then
    -- A refused debit records the REFUND tombstone (nothing to give back), so a late duplicate
    -- of it — an invocation still in flight after the saga moved on to FAILED — can never apply.
    if p_type = 'DEBIT' then
      insert into wallet.inbox (transaction_id, type, transfer_id, account_id, amount, outcome, refused)
      values (v_tombstone || '#' || p_transfer_id, v_tombstone, p_transfer_id, v_account.id, 0, 'skipped',
              case when v_account.status <> 'open' then 'closed' else 'insufficient' end)
      on conflict (transaction_id) do nothing;
    end if;
    return query select case when v_account.status <> 'open' then 'closed' else 'insufficient' end,
      null::text, null::numeric, null::numeric, v_account.balance;
    return;
  end if;

  insert into wallet.inbox (transaction_id, type, transfer_id, account_id, amount, outcome)
  values (v_key, p_type, p_transfer_id, v_account.id, p_amount, 'applied')
  on conflict (transaction_id) do nothing;
  if not found then
    -- The key was committed meanwhile by a transaction that did not contend for this row's
    -- lock: one for another account (a mismatch), or none at all. Read it (fresh snapshot).
    select p.account_id as prior_account_id, p.outcome as prior_outcome, p.amount as prior_amount into v_seen
    from wallet.inbox p where p.transaction_id = v_key;
    if v_seen.prior_account_id is distinct from v_account.id or v_seen.prior_amount <> p_amount then
      return query select 'mismatch', null::text, null::numeric, null::numeric, null::numeric;
    else
      return query select 'replayed', v_seen.prior_outcome, v_seen.prior_amount, null::numeric, v_account.balance;
    end if;
    return;
  end if;
  update wallet.account a set balance = a.balance + v_delta where a.id = v_account.id
  returning a.balance into v_balance_after;
  insert into wallet.ledger_entry (account_id, transaction_id, transfer_id, kind, amount, balance_after)
  values (v_account.id, v_key, p_transfer_id, p_type, v_delta, v_balance_after);
  return query select 'applied', 'applied'::text, p_amount, v_balance_after, v_balance_after;
end
$$;

-- DEBIT or CREDIT: what the saga calls. The common case holds the row lock for two statements:
--   1. (no lock) a recorded operation is replayed at once: inbox rows never change.
--   2. the UPDATE that takes the lock and moves the balance, refused by its own WHERE (evaluated on
--      the latest row version) when the account is missing, closed or cannot cover a debit;
--   3. one statement, with a fresh snapshot taken after the lock: the tombstone check, the inbox
--      row and the ledger entry.
-- Anything else — a refusal in 2, a tombstone or a concurrent same-key insert in 3 — goes to
-- wallet.move_locked, which decides it. When 3 wrote nothing, the balance change of 2 is undone
-- first, in the same transaction and under the same lock: no one ever sees it, and no ledger
-- entry was written, so ledger = balance holds.
create function wallet.move(p_type text, p_transfer_id text, p_user_id text, p_amount numeric)
returns table (result text, outcome text, amount numeric, balance_after numeric, balance numeric)
language plpgsql volatile as $$
#variable_conflict use_column
declare
  v_key text := p_type || '#' || p_transfer_id;
  v_tombstone_key text := case p_type when 'DEBIT' then 'REFUND' when 'CREDIT' then 'REVERSE' end || '#' || p_transfer_id;
  v_delta numeric := case p_type when 'DEBIT' then -p_amount else p_amount end;
  v_prior record;
  v_account_id bigint;
  v_balance_after numeric;
  v_recorded int;
begin
  if v_tombstone_key is null then
    raise exception 'wallet.move: type must be DEBIT or CREDIT, not %', p_type using errcode = 'invalid_parameter_value';
  end if;
  perform wallet.assert_read_committed();

  select p.account_id, p.amount into v_prior from wallet.inbox p where p.transaction_id = v_key;
  if found then
    return query select * from wallet.move_locked(p_type, p_transfer_id, p_user_id, p_amount);
    return;
  end if;

  update wallet.account a set balance = a.balance + v_delta
  where a.user_id = p_user_id and a.kind = 'user' and a.status = 'open' and a.balance + v_delta >= 0
  returning a.id, a.balance into v_account_id, v_balance_after;
  if not found then
    return query select * from wallet.move_locked(p_type, p_transfer_id, p_user_id, p_amount);
    return;
  end if;

  -- Fresh snapshot, taken after the lock. (Data-modifying CTEs always run to completion.)
  with ins as (
    insert into wallet.inbox (transaction_id, type, transfer_id, account_id, amount, outcome)
    select v_key, p_type, p_transfer_id, v_account_id, p_amount, 'applied'
    where not exists (select 1 from wallet.inbox t where t.transaction_id = v_tombstone_key)
    on conflict (transaction_id) do nothing
    returning transaction_id
  ), led as (
    insert into wallet.ledger_entry (account_id, transaction_id, transfer_id, kind, amount, balance_after)
    select v_account_id, ins.transaction_id, p_transfer_id, p_type, v_delta, v_balance_after from ins
  )
  select count(*) into v_recorded from ins;
  if v_recorded = 0 then
    update wallet.account a set balance = a.balance - v_delta where a.id = v_account_id;
    return query select * from wallet.move_locked(p_type, p_transfer_id, p_user_id, p_amount);
    return;
  end if;
  return query select 'applied', 'applied'::text, p_amount, v_balance_after, v_balance_after;
end
$$;

-- REFUND (undoes the DEBIT: +) or REVERSE (undoes the CREDIT: −). The amount is the recorded
-- original's; without an original it is recorded as 'skipped', the tombstone that makes a late
-- original refuse. Allowed on a closed account (a compensation restores the state before the
-- saga), and on a user without an account (skipped, with a tombstone tied to no account).
create function wallet.compensate(p_type text, p_transfer_id text, p_user_id text)
returns table (result text, outcome text, amount numeric, balance_after numeric, balance numeric)
language plpgsql volatile as $$
#variable_conflict use_column
declare
  v_key text := p_type || '#' || p_transfer_id;
  v_original text := case p_type when 'REFUND' then 'DEBIT' when 'REVERSE' then 'CREDIT' end;
  v_sign int := case p_type when 'REFUND' then 1 else -1 end;
  v_account_id bigint;
  v_balance numeric;
  v_seen record;
  v_outcome text;
  v_amount numeric;
  v_balance_after numeric;
begin
  if v_original is null then
    raise exception 'wallet.compensate: type must be REFUND or REVERSE, not %', p_type using errcode = 'invalid_parameter_value';
  end if;
  perform wallet.assert_read_committed();

  -- No row (no account) leaves both null: nothing to lock, nothing to undo.
  select a.id, a.balance into v_account_id, v_balance
  from wallet.account a where a.user_id = p_user_id and a.kind = 'user'
  for update;

  -- Fresh snapshot, taken after the lock.
  select p.account_id as prior_account_id, p.outcome as prior_outcome, p.amount as prior_amount,
         l.balance_after as prior_balance_after,
         o.account_id as original_account_id, o.amount as original_amount
  into v_seen
  from (select) as one
  left join wallet.inbox p on p.transaction_id = v_key
  left join wallet.ledger_entry l on l.transaction_id = p.transaction_id and l.account_id = p.account_id
  left join wallet.inbox o on o.transaction_id = v_original || '#' || p_transfer_id;

  if v_seen.prior_outcome is not null then
    -- A tombstone recorded before the user had an account stays valid once it has one.
    if v_seen.prior_account_id is not null and v_seen.prior_account_id is distinct from v_account_id then
      return query select 'mismatch', null::text, null::numeric, null::numeric, null::numeric;
    else
      return query select 'replayed', v_seen.prior_outcome, v_seen.prior_amount, v_seen.prior_balance_after, v_balance;
    end if;
    return;
  end if;
  if v_seen.original_account_id is not null and v_seen.original_account_id is distinct from v_account_id then
    return query select 'original_mismatch', null::text, null::numeric, null::numeric, null::numeric;
    return;
  end if;
  if v_seen.original_amount is not null and v_balance + v_sign * v_seen.original_amount < 0 then
    return query select 'impossible', null::text, v_seen.original_amount, null::numeric, v_balance;
    return;
  end if;

  v_outcome := case when v_seen.original_amount is null then 'skipped' else 'applied' end;
  v_amount := coalesce(v_seen.original_amount, 0);
  insert into wallet.inbox (transaction_id, type, transfer_id, account_id, amount, outcome)
  values (v_key, p_type, p_transfer_id, v_account_id, v_amount, v_outcome)
  on conflict (transaction_id) do nothing;
  if not found then
    -- Committed meanwhile without contending for our lock (see wallet.move).
    select p.account_id as prior_account_id, p.outcome as prior_outcome, p.amount as prior_amount into v_seen
    from wallet.inbox p where p.transaction_id = v_key;
    if v_seen.prior_account_id is not null and v_seen.prior_account_id is distinct from v_account_id then
      return query select 'mismatch', null::text, null::numeric, null::numeric, null::numeric;
    else
      return query select 'replayed', v_seen.prior_outcome, v_seen.prior_amount, null::numeric, v_balance;
    end if;
    return;
  end if;
  if v_outcome = 'skipped' then
    return query select 'skipped', 'skipped'::text, 0::numeric, null::numeric, v_balance;
    return;
  end if;
  update wallet.account a set balance = a.balance + v_sign * v_amount where a.id = v_account_id
  returning a.balance into v_balance_after;
  insert into wallet.ledger_entry (account_id, transaction_id, transfer_id, kind, amount, balance_after)
  values (v_account_id, v_key, p_transfer_id, p_type, v_sign * v_amount, v_balance_after);
  return query select 'applied', 'applied'::text, v_amount, v_balance_after, v_balance_after;
end
$$;
