-- Idempotency keys are scoped to the operation (method and path) as well as the user: the same
-- key sent to another operation is a separate request, never a replay of the first.
alter table idempotency_keys add column operation text not null default '';
alter table idempotency_keys drop constraint idempotency_keys_pkey;
alter table idempotency_keys add constraint idempotency_keys_pkey primary key (user_id, operation, key);
alter table idempotency_keys alter column operation drop default;
