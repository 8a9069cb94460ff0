-- Service levels can be changed and removed: a version per calendar and policy (ETag and
-- If-Match), policies retired rather than deleted (closed incidents keep the policy they were
-- measured by), and recompute jobs that bring the due dates of open incidents in line with a
-- change, in batches, resumable after a restart.
alter table sla_calendars add column version bigint not null default 1;
alter table sla_policies add column version bigint not null default 1;
alter table sla_policies add column retired_at timestamptz;

-- One live policy per scope: a retired one frees its scope.
drop index sla_policies_service_key;
drop index sla_policies_group_key;
drop index sla_policies_default_key;
create unique index sla_policies_service_key on sla_policies (service_id)
    where service_id is not null and retired_at is null;
create unique index sla_policies_group_key on sla_policies (assignment_group_id)
    where assignment_group_id is not null and retired_at is null;
create unique index sla_policies_default_key on sla_policies ((true))
    where service_id is null and assignment_group_id is null and retired_at is null;

create table sla_recompute_jobs (
    id           bigint      generated always as identity primary key,
    -- What changed, for the admin: "policy default", "calendar berlin".
    reason       text        not null,
    state        text        not null default 'pending',
    -- Open incidents when the job was made, and how many are done.
    total        bigint      not null default 0,
    done         bigint      not null default 0,
    moved        bigint      not null default 0,
    -- Where the next batch starts (open incidents by opened_at, id).
    after_opened timestamptz,
    after_id     uuid,
    created_at   timestamptz not null default now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    constraint sla_recompute_jobs_state_check check (state in ('pending', 'running', 'done', 'superseded'))
);
create index sla_recompute_jobs_open_idx on sla_recompute_jobs (id) where state in ('pending', 'running');

-- A retired policy's key may be used again.
alter table sla_policies drop constraint sla_policies_key_key;
create unique index sla_policies_key_key on sla_policies (key) where retired_at is null;
