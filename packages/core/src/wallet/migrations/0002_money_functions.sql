-- The inbox column the money functions need. The functions themselves were first defined here (and
-- re-defined in 0003 and 0004); they now live once each in the repeatable R__money_*.sql files,
-- which migrate.ts re-applies whenever their text changes. This file keeps only its schema change,
-- so its id stays applied on databases that ran the old text, and fresh databases get the same schema.

-- A REFUND tombstone written by a refused DEBIT remembers why it was refused. A retry of that
-- debit (its first answer lost: a Lambda timed out after the commit, a connection dropped before
-- the reply) then gets the same refusal instead of 'compensated', so the transfer fails with its
-- real reason, whichever attempt the saga hears.
alter table wallet.inbox
  add column refused text,
  add constraint inbox_refused_check check (
    refused is null or (type = 'REFUND' and outcome = 'skipped' and refused in ('not_found', 'closed', 'insufficient')));
