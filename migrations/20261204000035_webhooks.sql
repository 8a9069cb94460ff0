-- Webhooks: the outbox (`events`) delivered to registered endpoints, at least once, signed
-- as the Standard Webhooks specification says.
--
-- Every journal entry an integration may read (a record logged, changed, moved, commented in
-- public, linked) is an event too, written in the same statement as the entry; work notes
-- and task entries are not. An event names its journal entry, which holds what happened.
alter table events add column problem_id uuid constraint events_problem_fkey references problems (id);
-- No foreign key: the journal is append-only (nothing is ever deleted from it), and a key
-- would stand in front of the journal's own refusal of TRUNCATE.
alter table events add column journal_id bigint;
-- Handed to the endpoints that want it (its deliveries exist); null: not yet.
alter table events add column dispatched_at timestamptz;
-- Events written before there were webhooks are not delivered to endpoints made later.
update events set dispatched_at = at;
create index events_undispatched_idx on events (id) where dispatched_at is null;

alter table events drop constraint events_kind_check;
alter table events add constraint events_kind_check check (kind in
    ('sla_at_risk', 'sla_response_breached', 'sla_resolution_breached', 'close_reminder',
     'created', 'changed', 'transitioned', 'commented', 'linked',
     -- About no record: sent to one endpoint on request, and an endpoint disabled by itself.
     'webhook.test', 'webhook.disabled'));

create table webhook_endpoints (
    id                    uuid        primary key,
    url                   text        not null,
    description           text        not null default '',
    -- Event types such as `incident.created`; empty: every type.
    event_types           text[]      not null default '{}',
    -- Only records of this department (which may be confidential); null: every record of a
    -- department that is not confidential, and of none.
    department_id         uuid        constraint webhook_endpoints_department_fkey references departments (id),
    -- `whsec_` and the base64 key. The previous one still signs too until it expires.
    secret                text        not null,
    previous_secret       text,
    previous_secret_until timestamptz,
    enabled               boolean     not null default true,
    disabled_reason       text,
    -- Since when every delivery failed (null: the last one succeeded).
    failing_since         timestamptz,
    owner_id              uuid        not null constraint webhook_endpoints_owner_fkey references users (id),
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now(),
    version               bigint      not null default 1,
    constraint webhook_endpoints_url_check check (url ~ '^https?://' and length(url) <= 2000),
    constraint webhook_endpoints_description_check check (length(description) <= 500)
);

create table webhook_deliveries (
    id              bigint      generated always as identity primary key,
    endpoint_id     uuid        not null constraint webhook_deliveries_endpoint_fkey references webhook_endpoints (id) on delete cascade,
    event_id        bigint      not null constraint webhook_deliveries_event_fkey references events (id),
    -- pending: to send (again) at next_attempt_at; delivered: a 2xx came back; dead: the
    -- retry schedule ran out (replay sends it again).
    state           text        not null default 'pending',
    attempts        integer     not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_status     integer,
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz not null default now(),
    constraint webhook_deliveries_state_check check (state in ('pending', 'delivered', 'dead')),
    constraint webhook_deliveries_once unique (endpoint_id, event_id)
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where state = 'pending';
create index webhook_deliveries_endpoint_idx on webhook_deliveries (endpoint_id, id);

-- Every attempt, kept 30 days: what came back and how long it took.
create table webhook_attempts (
    id          bigint      generated always as identity primary key,
    delivery_id bigint      not null constraint webhook_attempts_delivery_fkey references webhook_deliveries (id) on delete cascade,
    endpoint_id uuid        not null constraint webhook_attempts_endpoint_fkey references webhook_endpoints (id) on delete cascade,
    event_id    bigint      not null,
    at          timestamptz not null default now(),
    duration_ms integer     not null,
    status      integer,
    error       text,
    -- The first 4 KB of the answer.
    response    text
);
create index webhook_attempts_endpoint_idx on webhook_attempts (endpoint_id, id);
create index webhook_attempts_delivery_idx on webhook_attempts (delivery_id);
create index webhook_attempts_at_idx on webhook_attempts (at);
