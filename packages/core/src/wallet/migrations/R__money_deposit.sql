-- Deposits, decided in SQL like the saga's operations: one statement, one round trip, and the same
-- `result` vocabulary (R__money_common.sql). The only operation that locks two rows — always the
-- user's, then the treasury's; no other operation touches the treasury, so that fixed order cannot
-- deadlock.
--   applied                      moved: one ledger entry on each account
--   replayed                     DEPOSIT#<reference> already recorded: `outcome`, `amount`, `balance_after` as recorded
--   mismatch                     the reference was recorded for another account or amount
--   not_found | closed           refused (nothing recorded)
create or replace function wallet.deposit(p_reference text, p_user_id text, p_amount numeric)
returns table (result text, outcome text, amount numeric, balance_after numeric, balance numeric)
language plpgsql volatile as $$
#variable_conflict use_column
declare
  v_key text := 'DEPOSIT#' || p_reference;
  v_account record;
  v_treasury_id bigint;
  v_balance_after numeric;
  v_treasury_after numeric;
begin
  perform wallet.assert_read_committed();

  select * into v_account from wallet.lock_account(p_user_id);
  if not found then
    return query select 'not_found', null::text, null::numeric, null::numeric, null::numeric;
    return;
  end if;
  select a.id into v_treasury_id from wallet.account a where a.kind = 'treasury' for update;

  -- Fresh snapshots from here on, taken after the locks.
  return query select * from wallet.replay_or_mismatch(v_key, v_account.id, p_amount, v_account.balance);
  if found then
    return;
  end if;
  if v_account.status <> 'open' then
    return query select 'closed', null::text, null::numeric, null::numeric, v_account.balance;
    return;
  end if;

  insert into wallet.inbox (transaction_id, type, transfer_id, account_id, amount, outcome)
  values (v_key, 'DEPOSIT', p_reference, v_account.id, p_amount, 'applied')
  on conflict (transaction_id) do nothing;
  if not found then
    -- Cannot happen: only deposits write DEPOSIT# keys, each holds the treasury's row lock here, and
    -- the snapshot above was taken after that lock, so a committed one was answered there. Were it to
    -- happen, nothing is recorded (the transaction rolls back) and the caller sees an error.
    raise exception 'wallet.deposit: % was recorded by a transaction that did not hold the treasury lock', v_key
      using errcode = 'internal_error';
  end if;
  update wallet.account a set balance = a.balance + p_amount where a.id = v_account.id
  returning a.balance into v_balance_after;
  update wallet.account a set balance = a.balance - p_amount where a.id = v_treasury_id
  returning a.balance into v_treasury_after;
  insert into wallet.ledger_entry (account_id, transaction_id, transfer_id, kind, amount, balance_after)
  values (v_account.id, v_key, p_reference, 'DEPOSIT', p_amount, v_balance_after),
         (v_treasury_id, v_key, p_reference, 'DEPOSIT', -p_amount, v_treasury_after);
  return query select 'applied', 'applied'::text, p_amount, v_balance_after, v_balance_after;
end
$$;
