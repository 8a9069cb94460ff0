-- Requests get the incidents' third SLA mark: the fulfilment target is mostly used up (the
-- policy's at-risk percentage). And the reminder before a record closes by itself is an
-- event in the outbox too, for the channels that tell the caller.
alter table requests add column sla_at_risk_due timestamptz;
alter table requests add column sla_at_risk_at timestamptz;

alter table events drop constraint events_kind_check;
alter table events add constraint events_kind_check check (kind in
    ('sla_at_risk', 'sla_response_breached', 'sla_resolution_breached', 'close_reminder'));
