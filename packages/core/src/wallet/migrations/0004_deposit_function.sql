-- Deposits decided in SQL like the saga's operations (migration 0002): one statement, one round trip,
-- and the same `result` vocabulary, so the caller's one mapping (`verdict` in wallet/money.ts) turns it
-- into an Outcome or an AppError. The only operation that locks two rows — always the user's, then the
-- treasury's; no other operation touches the treasury, so that fixed order cannot deadlock.
--   applied                      moved: one ledger entry on each account
--   replayed                     DEPOSIT#<reference> already recorded: `outcome`, `amount`, `balance_after` as recorded
--   mismatch                     the reference was recorded for another account or amount
--   not_found | closed           refused (nothing recorded)
create function wallet.deposit(p_reference text, p_user_id text, p_amount numeric)
returns table (result text, outcome text, amount numeric, balance_after numeric, balance numeric)
language plpgsql volatile as $$
#variable_conflict use_column
declare
  v_key text := 'DEPOSIT#' || p_reference;
  v_account record;
  v_treasury_id bigint;
  v_seen record;
  v_balance_after numeric;
  v_treasury_after numeric;
begin
  perform wallet.assert_read_committed();

  select a.id, a.status, a.balance into v_account
  from wallet.account a where a.user_id = p_user_id and a.kind = 'user'
  for update;
  if not found then
    return query select 'not_found', null::text, null::numeric, null::numeric, null::numeric;
    return;
  end if;
  select a.id into v_treasury_id from wallet.account a where a.kind = 'treasury' for update;

  -- Fresh snapshot, taken after the locks.
  select p.account_id as prior_account_id, p.outcome as prior_outcome, p.amount as prior_amount,
         l.balance_after as prior_balance_after
  into v_seen
  from (select) as one
  left join wallet.inbox p on p.transaction_id = v_key
  left join wallet.ledger_entry l on l.transaction_id = p.transaction_id and l.account_id = p.account_id;
  if v_seen.prior_outcome is not null then
    if v_seen.prior_account_id is distinct from v_account.id or v_seen.prior_amount <> p_amount then
      return query select 'mismatch', null::text, null::numeric, null::numeric, null::numeric;
    else
      return query select 'replayed', v_seen.prior_outcome, v_seen.prior_amount, v_seen.prior_balance_after, v_account.balance;
    end if;
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
