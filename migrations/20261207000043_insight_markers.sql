-- Service insight (issue 15): PDCA markers. A process owner records a change to the way the
-- desk works (the day it took effect, what it is, where: a department, group or service, and
-- the KPI it should move, which way); the trend charts draw it and its page compares the
-- weeks before with the weeks after.
create table insight_markers (
    id            uuid        primary key,
    effective_on  date        not null,
    title         text        not null,
    description   text        not null default '',
    kpi           text        not null,
    expected      text        not null,
    weeks         smallint    not null default 6,
    department_id uuid        constraint insight_markers_department_fkey references departments (id),
    group_id      uuid        constraint insight_markers_group_fkey references groups (id),
    service_id    uuid        constraint insight_markers_service_fkey references services (id),
    created_by_id uuid        not null constraint insight_markers_created_by_fkey references users (id),
    created_at    timestamptz not null default now(),
    constraint insight_markers_title_check check (length(btrim(title)) between 1 and 200),
    constraint insight_markers_description_check check (length(description) <= 4000),
    constraint insight_markers_kpi_check check (kpi in ('mtta', 'mttr', 'sla_response',
        'sla_resolution', 'backlog', 'fcr', 'reopen_7d', 'reassignments', 'ping_pong',
        'caller_hours_lost')),
    constraint insight_markers_expected_check check (expected in ('up', 'down')),
    constraint insight_markers_weeks_check check (weeks between 1 and 26)
);
create index insight_markers_effective_idx on insight_markers (effective_on desc, id desc);
