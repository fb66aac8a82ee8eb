-- DEBIT (the balance goes down) or CREDIT of one user account: what the saga calls. See
-- R__money_common.sql for the engine's argument and its vocabulary.
--
-- The common case holds the row lock for two statements:
--   1. the UPDATE that takes the lock and moves the balance, refused by its own WHERE (evaluated on
--      the latest row version) when the account is missing, closed or cannot cover a debit;
--   2. one statement, with a fresh snapshot taken after the lock: the tombstone check, the inbox
--      row and the ledger entry.
-- Anything else — a refusal in 1; a replay, a tombstone or a concurrent same-key insert in 2 — takes
-- the careful way below: lock the row, then decide every case from fresh snapshots. When 2 wrote
-- nothing, the balance change of 1 is undone first, in the same transaction and under the same lock:
-- no one ever sees it, and no ledger entry was written, so ledger = balance holds.
create or replace function wallet.move(p_type text, p_transfer_id text, p_user_id text, p_amount numeric)
returns table (result text, outcome text, amount numeric, balance_after numeric, balance numeric)
language plpgsql volatile as $$
#variable_conflict use_column
declare
  v_key text := p_type || '#' || p_transfer_id;
  v_tombstone_key text := wallet.compensation_of(p_type) || '#' || p_transfer_id;
  v_delta numeric := wallet.signed(p_type, p_amount);
  v_account_id bigint;
  v_account record;
  v_balance_after numeric;
  v_recorded int;
  v_refused_before text;
  v_refusal text;
begin
  perform wallet.assert_call('wallet.move', p_type, array['DEBIT', 'CREDIT']);

  update wallet.account a set balance = a.balance + v_delta
  where a.user_id = p_user_id and a.kind = 'user' and a.status = 'open' and a.balance + v_delta >= 0
  returning a.id, a.balance into v_account_id, v_balance_after;
  if found then
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
    if v_recorded = 1 then
      result := 'applied';
      outcome := 'applied';
      amount := p_amount;
      balance_after := v_balance_after;
      balance := v_balance_after;
      return next;
      return;
    end if;
    update wallet.account a set balance = a.balance - v_delta where a.id = v_account_id;
  end if;

  -- The careful way.
  select * into v_account from wallet.lock_account(p_user_id);
  if not found then
    -- A refused debit closes the transfer's money path for good.
    if p_type = 'DEBIT' then
      perform wallet.refuse_debit(p_transfer_id, null, 'not_found');
    end if;
    return query select 'not_found', null::text, null::numeric, null::numeric, null::numeric;
    return;
  end if;
  -- Fresh snapshots from here on, taken after the lock.
  return query select * from wallet.replay_or_mismatch(v_key, v_account.id, p_amount, v_account.balance);
  if found then
    return;
  end if;
  select t.refused into v_refused_before from wallet.inbox t where t.transaction_id = v_tombstone_key;
  if found then
    -- This debit's own earlier refusal (its tombstone's `refused`) is answered again, as it was.
    return query select coalesce(v_refused_before, 'compensated'), null::text, null::numeric, null::numeric, v_account.balance;
    return;
  end if;
  if v_account.status <> 'open' or v_account.balance + v_delta < 0 then
    v_refusal := case when v_account.status <> 'open' then 'closed' else 'insufficient' end;
    if p_type = 'DEBIT' then
      perform wallet.refuse_debit(p_transfer_id, v_account.id, v_refusal);
    end if;
    return query select v_refusal, null::text, null::numeric, null::numeric, v_account.balance;
    return;
  end if;

  insert into wallet.inbox (transaction_id, type, transfer_id, account_id, amount, outcome)
  values (v_key, p_type, p_transfer_id, v_account.id, p_amount, 'applied')
  on conflict (transaction_id) do nothing;
  if not found then
    -- The key was committed meanwhile by a transaction that did not contend for this row's
    -- lock: one for another account (a mismatch), or none at all. Read it (fresh snapshot).
    return query select * from wallet.replay_or_mismatch(v_key, v_account.id, p_amount, v_account.balance);
    return;
  end if;
  update wallet.account a set balance = a.balance + v_delta where a.id = v_account.id
  returning a.balance into v_balance_after;
  insert into wallet.ledger_entry (account_id, transaction_id, transfer_id, kind, amount, balance_after)
  values (v_account.id, v_key, p_transfer_id, p_type, v_delta, v_balance_after);
  return query select 'applied', 'applied'::text, p_amount, v_balance_after, v_balance_after;
end
$$;

-- Before wallet.move took over its careful way, it lived in a function of its own.
drop function if exists wallet.move_locked(text, text, text, numeric);
