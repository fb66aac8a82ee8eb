-- REFUND (undoes the DEBIT: +) or REVERSE (undoes the CREDIT: −). See R__money_common.sql for the
-- engine's argument and its vocabulary. The amount is the recorded original's; without an original
-- it is recorded as 'skipped', the tombstone that makes a late original refuse. Allowed on a closed
-- account (a compensation restores the state before the saga), and on a user without an account
-- (skipped, with a tombstone tied to no account).
create or replace function wallet.compensate(p_type text, p_transfer_id text, p_user_id text)
returns table (result text, outcome text, amount numeric, balance_after numeric, balance numeric)
language plpgsql volatile as $$
#variable_conflict use_column
declare
  v_key text := p_type || '#' || p_transfer_id;
  v_original text := (select o from unnest(array['DEBIT', 'CREDIT']) o where wallet.compensation_of(o) = p_type);
  v_account_id bigint;
  v_balance numeric;
  v_original_account_id bigint;
  v_original_amount numeric;
  v_outcome text;
  v_amount numeric;
  v_balance_after numeric;
begin
  perform wallet.assert_call('wallet.compensate', p_type, array['REFUND', 'REVERSE']);

  -- No row (no account) leaves both null: nothing to lock, nothing to undo.
  select l.id, l.balance into v_account_id, v_balance from wallet.lock_account(p_user_id) l;

  -- Fresh snapshots from here on, taken after the lock. A tombstone recorded before the user had an
  -- account stays valid once it has one (replay_or_mismatch: no account matches any).
  return query select * from wallet.replay_or_mismatch(v_key, v_account_id, null, v_balance);
  if found then
    return;
  end if;
  select o.account_id, o.amount into v_original_account_id, v_original_amount
  from wallet.inbox o where o.transaction_id = v_original || '#' || p_transfer_id;
  if v_original_account_id is not null and v_original_account_id is distinct from v_account_id then
    return query select 'original_mismatch', null::text, null::numeric, null::numeric, null::numeric;
    return;
  end if;
  if v_original_amount is not null and v_balance + wallet.signed(p_type, v_original_amount) < 0 then
    return query select 'impossible', null::text, v_original_amount, null::numeric, v_balance;
    return;
  end if;

  v_outcome := case when v_original_amount is null then 'skipped' else 'applied' end;
  v_amount := coalesce(v_original_amount, 0);
  insert into wallet.inbox (transaction_id, type, transfer_id, account_id, amount, outcome)
  values (v_key, p_type, p_transfer_id, v_account_id, v_amount, v_outcome)
  on conflict (transaction_id) do nothing;
  if not found then
    -- Committed meanwhile without contending for our lock (see wallet.move).
    return query select * from wallet.replay_or_mismatch(v_key, v_account_id, null, v_balance);
    return;
  end if;
  if v_outcome = 'skipped' then
    return query select 'skipped', 'skipped'::text, 0::numeric, null::numeric, v_balance;
    return;
  end if;
  update wallet.account a set balance = a.balance + wallet.signed(p_type, v_amount) where a.id = v_account_id
  returning a.balance into v_balance_after;
  insert into wallet.ledger_entry (account_id, transaction_id, transfer_id, kind, amount, balance_after)
  values (v_account_id, v_key, p_transfer_id, p_type, wallet.signed(p_type, v_amount), v_balance_after);
  return query select 'applied', 'applied'::text, v_amount, v_balance_after, v_balance_after;
end
$$;
