-- Service levels: business-hour calendars, policies with targets per priority, and the clock
-- on each incident.

create table sla_calendars (
    id         uuid        primary key,
    key        text        not null,
    name       text        not null,
    time_zone  text        not null,
    -- Seven lists (Monday first) of ["HH:MM", "HH:MM"] working intervals; empty for 24x7.
    week       jsonb       not null default '[]',
    -- [{"date": "YYYY-MM-DD", "name": "..."}]
    holidays   jsonb       not null default '[]',
    always     boolean     not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint sla_calendars_key_key unique (key),
    constraint sla_calendars_key_check check (key ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
    constraint sla_calendars_name_check check (length(btrim(name)) between 1 and 200)
);

-- The built-in around-the-clock calendar.
insert into sla_calendars (id, key, name, time_zone, always)
values ('00000000-0000-7000-8000-000000000247', '24x7', 'Around the clock', 'UTC', true);

create table sla_policies (
    id                  uuid        primary key,
    key                 text        not null,
    name                text        not null,
    calendar_id         uuid        not null constraint sla_policies_calendar_fkey references sla_calendars (id),
    -- What the policy applies to: a service, a group, or (both null) everything else.
    service_id          uuid        constraint sla_policies_service_fkey references services (id),
    assignment_group_id uuid        constraint sla_policies_group_fkey references groups (id),
    -- Business seconds per priority 1..5.
    response_targets    integer[]   not null,
    resolution_targets  integer[]   not null,
    -- Hold reasons that stop the resolution clock.
    pause_reasons       text[]      not null default '{awaiting_caller, awaiting_vendor}',
    at_risk_percent     smallint    not null default 75,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    constraint sla_policies_key_key unique (key),
    constraint sla_policies_key_check check (key ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
    constraint sla_policies_name_check check (length(btrim(name)) between 1 and 200),
    constraint sla_policies_scope_check check (num_nonnulls(service_id, assignment_group_id) <= 1),
    constraint sla_policies_targets_check check (
        cardinality(response_targets) = 5 and cardinality(resolution_targets) = 5
        and 0 < all(response_targets) and 0 < all(resolution_targets)),
    constraint sla_policies_at_risk_check check (at_risk_percent between 1 and 99)
);
-- One policy per scope: per service, per group, and one default.
create unique index sla_policies_service_key on sla_policies (service_id) where service_id is not null;
create unique index sla_policies_group_key on sla_policies (assignment_group_id) where assignment_group_id is not null;
create unique index sla_policies_default_key on sla_policies ((true)) where service_id is null and assignment_group_id is null;

alter table incidents add column sla_policy_id uuid constraint incidents_sla_policy_fkey references sla_policies (id);
-- Business time the resolution clock stood still, and since when it stands still now.
alter table incidents add column sla_paused_seconds bigint not null default 0;
alter table incidents add column sla_paused_since timestamptz;
