-- Service insight (issue 15): the facts every figure of docs/metrics.md is counted from,
-- folded from each incident's journal (`domain::insight::facts`). The worker keeps them
-- current from the events outbox (an incident's `change` and `transition` entries are
-- events); `leitstand insight rebuild` recomputes them all from the journal. Nothing here is
-- a source of truth: every row can be thrown away and folded again.

-- An event the facts have taken in; null: not yet. Events written before insight existed
-- are taken in by the first rebuild, which the worker runs by itself (insight_state).
alter table events add column folded_at timestamptz;
update events set folded_at = at;
create index events_unfolded_idx on events (id) where folded_at is null and incident_id is not null;

-- One row: when the facts were last rebuilt from the whole journal; null: never.
create table insight_state (
    singleton    boolean     primary key default true,
    rebuilt_at   timestamptz,
    incidents    bigint      not null default 0,
    seconds      double precision,
    constraint insight_state_singleton_check check (singleton)
);
insert into insight_state (singleton) values (true);

-- One row per incident: where it is now, and what its whole life counts.
create table insight_incidents (
    incident_id         uuid        primary key constraint insight_incidents_incident_fkey references incidents (id),
    department_id       uuid,
    group_id            uuid,
    service_id          uuid,
    category            text,
    priority            smallint    not null,
    impact              text        not null,
    state               text        not null,
    opened_group_id     uuid,
    logged_by_caller    boolean     not null,
    opened_at           timestamptz not null,
    responded_at        timestamptz,
    response_due        timestamptz,
    resolution_due      timestamptz,
    first_resolved_at   timestamptz,
    canceled_at         timestamptz,
    -- Opened → first response, seconds in each clock.
    response_secs       bigint,
    response_business   bigint,
    reassignments       integer     not null,
    ping_pongs          integer     not null,
    reopens             integer     not null,
    journal_id          bigint      not null,
    folded_at           timestamptz not null default now()
);
create index insight_incidents_responded_idx on insight_incidents (responded_at) where responded_at is not null;
create index insight_incidents_response_due_idx on insight_incidents (response_due) where response_due is not null;
create index insight_incidents_resolution_due_idx on insight_incidents (resolution_due) where resolution_due is not null;
create index insight_incidents_opened_idx on insight_incidents (opened_at);

-- Every move into `resolved`, with its place at that moment.
create table insight_resolutions (
    incident_id     uuid        not null constraint insight_resolutions_incident_fkey references incidents (id),
    seq             smallint    not null,
    resolved_at     timestamptz not null,
    department_id   uuid,
    group_id        uuid,
    service_id      uuid,
    category        text,
    priority        smallint    not null,
    impact          text        not null,
    resolution_code text,
    calendar_secs   bigint      not null,
    business_secs   bigint      not null,
    reassignments   integer     not null,
    ping_pongs      integer     not null,
    -- Same group, no reassignment (null: logged by the caller); a reopen within 7 days
    -- still takes it away.
    first_contact   boolean,
    reopened_at     timestamptz,
    constraint insight_resolutions_pkey primary key (incident_id, seq)
);
create index insight_resolutions_at_idx on insight_resolutions (resolved_at);

-- Each stretch of an incident's life in one place (state, hold reason, group, a person
-- assigned or not, impact); `ended_at` null: it still lasts.
create table insight_spans (
    incident_id   uuid        not null constraint insight_spans_incident_fkey references incidents (id),
    seq           integer     not null,
    started_at    timestamptz not null,
    ended_at      timestamptz,
    department_id uuid,
    group_id      uuid,
    service_id    uuid,
    category      text,
    priority      smallint    not null,
    impact        text        not null,
    state         text        not null,
    hold_reason   text,
    assigned      boolean     not null,
    paused        boolean     not null,
    business_secs bigint,
    constraint insight_spans_pkey primary key (incident_id, seq)
);
create index insight_spans_started_idx on insight_spans (started_at);
create index insight_spans_open_idx on insight_spans (started_at) where ended_at is null;

-- Each change of assignment group from one group to another.
create table insight_handoffs (
    incident_id   uuid        not null constraint insight_handoffs_incident_fkey references incidents (id),
    seq           integer     not null,
    at            timestamptz not null,
    from_group_id uuid        not null,
    to_group_id   uuid        not null,
    returned      boolean     not null,
    wait_secs     bigint,
    constraint insight_handoffs_pkey primary key (incident_id, seq)
);
create index insight_handoffs_at_idx on insight_handoffs (at);
