-- What the SLA worker marks, exactly once each, and when it next has to look at an incident.

alter table incidents add column sla_at_risk_due timestamptz;
alter table incidents add column sla_at_risk_at timestamptz;
alter table incidents add column sla_response_breached_at timestamptz;
alter table incidents add column sla_resolution_breached_at timestamptz;
-- The next moment something may be due: an index on it lets the worker find work without
-- scanning the open incidents.
alter table incidents add column sla_next_check timestamptz;
create index incidents_sla_next_check_idx on incidents (sla_next_check) where sla_next_check is not null;

-- Events for notifications (an outbox, written in the transaction of their cause).
create table events (
    id          bigint      generated always as identity primary key,
    at          timestamptz not null default now(),
    kind        text        not null,
    incident_id uuid        constraint events_incident_fkey references incidents (id),
    payload     jsonb       not null default '{}',
    constraint events_kind_check check (kind in ('sla_at_risk', 'sla_response_breached', 'sla_resolution_breached'))
);
create index events_at_idx on events (at, id);
