-- Batched debits and credits on one account. See R__money_common.sql for the engine's argument and
-- its vocabulary.
--
-- wallet.move_batch applies many pending DEBIT/CREDIT operations of ONE account in one
-- transaction: one round trip, one row-lock acquisition, one commit for all of them. Each item
-- keeps its own inbox key (exactly once), its own tombstone check (read after the lock) and its
-- own outcome: an item that would overdraw is refused alone (and leaves its REFUND tombstone),
-- not the batch. Wallet (wallet/batch.ts) sends a batch only when operations on the account are already
-- waiting behind one in flight in the same process; a lone operation is a plain wallet.move call.

-- The batch is set-based: the row is locked once; one statement (a fresh snapshot after the
-- lock) reads which of the batch's keys and tombstones are recorded already; the items are then
-- decided in order against a running balance, in memory; and one INSERT of the inbox rows, one
-- UPDATE of the balance and one INSERT of the ledger entries write them all. Items whose key is
-- recorded already (a replay or a mismatch), or repeated within the batch, are decided by
-- wallet.move once the batch's own rows are written, in the same transaction.
create or replace function wallet.move_batch(p_user_id text, p_types text[], p_transfer_ids text[], p_amounts numeric[])
returns table (item int, result text, outcome text, amount numeric, balance_after numeric, balance numeric)
language plpgsql volatile as $$
#variable_conflict use_column
declare
  v_count int := cardinality(p_types);
  v_account record;
  v_recorded text[];
  v_written text[] := '{}';
  v_balance numeric;
  v_delta numeric;
  v_key text;
  v_tombstone_key text;
  v_results text[] := '{}';
  v_balances numeric[] := '{}';
  v_later int[] := '{}';
  -- What the batch writes, column by column.
  w_keys text[] := '{}';
  w_types text[] := '{}';
  w_transfers text[] := '{}';
  w_amounts numeric[] := '{}';
  w_outcomes text[] := '{}';
  w_refused text[] := '{}';
  l_keys text[] := '{}';
  l_transfers text[] := '{}';
  l_kinds text[] := '{}';
  l_amounts numeric[] := '{}';
  l_balances numeric[] := '{}';
begin
  if v_count <> cardinality(p_transfer_ids) or v_count <> cardinality(p_amounts) then
    raise exception 'wallet.move_batch: arrays of different lengths' using errcode = 'invalid_parameter_value';
  end if;
  if exists (select 1 from unnest(p_types) as t(type) where t.type is distinct from 'DEBIT' and t.type is distinct from 'CREDIT') then
    raise exception 'wallet.move_batch: every type must be DEBIT or CREDIT' using errcode = 'invalid_parameter_value';
  end if;
  perform wallet.assert_read_committed();

  select * into v_account from wallet.lock_account(p_user_id);
  if not found then
    for i in 1 .. v_count loop
      return query select i, m.* from wallet.move(p_types[i], p_transfer_ids[i], p_user_id, p_amounts[i]) as m;
    end loop;
    return;
  end if;

  -- Fresh snapshot, taken after the lock.
  select coalesce(array_agg(r.transaction_id), '{}') into v_recorded
  from wallet.inbox r
  where r.transaction_id = any (
    select x.type || '#' || x.transfer_id from unnest(p_types, p_transfer_ids) as x(type, transfer_id)
    union all
    select wallet.compensation_of(x.type) || '#' || x.transfer_id
    from unnest(p_types, p_transfer_ids) as x(type, transfer_id));

  v_balance := v_account.balance;
  for i in 1 .. v_count loop
    v_key := p_types[i] || '#' || p_transfer_ids[i];
    v_tombstone_key := wallet.compensation_of(p_types[i]) || '#' || p_transfer_ids[i];
    v_delta := wallet.signed(p_types[i], p_amounts[i]);
    v_results[i] := null;
    v_balances[i] := v_balance;
    if v_key = any (v_recorded) or v_key = any (v_written) then
      v_later := v_later || i;
    elsif v_tombstone_key = any (v_recorded) or v_tombstone_key = any (v_written) then
      -- A tombstone: wallet.move answers it, after this batch's writes (it may be this
      -- debit's own earlier refusal, answered again with its reason; else 'compensated').
      v_later := v_later || i;
    elsif v_account.status <> 'open' or v_balance + v_delta < 0 then
      v_results[i] := case when v_account.status <> 'open' then 'closed' else 'insufficient' end;
      if p_types[i] = 'DEBIT' then
        -- As in wallet.move: a refused debit leaves its REFUND tombstone.
        w_keys := w_keys || v_tombstone_key;
        w_types := w_types || wallet.compensation_of('DEBIT');
        w_transfers := w_transfers || p_transfer_ids[i];
        w_amounts := w_amounts || 0::numeric;
        w_outcomes := w_outcomes || 'skipped'::text;
        w_refused := w_refused || v_results[i];
        v_written := v_written || v_tombstone_key;
      end if;
    else
      v_balance := v_balance + v_delta;
      v_results[i] := 'applied';
      v_balances[i] := v_balance;
      w_keys := w_keys || v_key;
      w_types := w_types || p_types[i];
      w_transfers := w_transfers || p_transfer_ids[i];
      w_amounts := w_amounts || p_amounts[i];
      w_outcomes := w_outcomes || 'applied'::text;
      w_refused := w_refused || null::text;
      l_keys := l_keys || v_key;
      l_transfers := l_transfers || p_transfer_ids[i];
      l_kinds := l_kinds || p_types[i];
      l_amounts := l_amounts || v_delta;
      l_balances := l_balances || v_balance;
      v_written := v_written || v_key;
    end if;
  end loop;

  if cardinality(w_keys) > 0 then
    insert into wallet.inbox (transaction_id, type, transfer_id, account_id, amount, outcome, refused)
    select w.key, w.type, w.transfer_id, v_account.id, w.amount, w.outcome, w.refused
    from unnest(w_keys, w_types, w_transfers, w_amounts, w_outcomes, w_refused) as w(key, type, transfer_id, amount, outcome, refused);
  end if;
  if cardinality(l_keys) > 0 then
    update wallet.account a set balance = v_balance where a.id = v_account.id;
    insert into wallet.ledger_entry (account_id, transaction_id, transfer_id, kind, amount, balance_after)
    select v_account.id, l.key, l.transfer_id, l.kind, l.amount, l.balance_after
    from unnest(l_keys, l_transfers, l_kinds, l_amounts, l_balances) as l(key, transfer_id, kind, amount, balance_after);
  end if;

  for i in 1 .. v_count loop
    if i = any (v_later) then
      return query select i, m.* from wallet.move(p_types[i], p_transfer_ids[i], p_user_id, p_amounts[i]) as m;
    else
      item := i;
      result := v_results[i];
      outcome := case when v_results[i] = 'applied' then 'applied' end;
      amount := case when v_results[i] = 'applied' then p_amounts[i] end;
      balance_after := case when v_results[i] = 'applied' then v_balances[i] end;
      balance := v_balances[i];
      return next;
    end if;
  end loop;
end
$$;
