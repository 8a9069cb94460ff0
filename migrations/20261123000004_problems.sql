-- Problems and known errors; incidents link to the problem behind them.

create sequence problem_number_seq;

create table problems (
    id                  uuid        primary key,
    number              text        not null default ('PRB' || lpad(nextval('problem_number_seq')::text, 7, '0')),
    title               text        not null,
    description         text        not null default '',
    state               text        not null default 'new',
    known_error         boolean     not null default false,
    root_cause          text,
    workaround          text,
    resolution_code     text,
    fix_notes           text,
    impact              text        not null default 'medium',
    urgency             text        not null default 'medium',
    priority            smallint    not null,
    service_id          uuid        constraint problems_service_fkey references services (id),
    assignment_group_id uuid        constraint problems_assignment_group_fkey references groups (id),
    assignee_id         uuid        constraint problems_assignee_fkey references users (id),
    opened_by_id        uuid        not null constraint problems_opened_by_fkey references users (id),
    opened_at           timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    resolved_at         timestamptz,
    closed_at           timestamptz,
    version             bigint      not null default 1,
    doc_vector          tsvector    generated always as
                            (leitstand_tsvector('A', title) || leitstand_tsvector('B', description)
                             || leitstand_tsvector('B', coalesce(root_cause, ''))
                             || leitstand_tsvector('C', coalesce(workaround, ''))) stored,
    constraint problems_number_key unique (number),
    constraint problems_number_check check (number ~ '^PRB[0-9]{7}$'),
    constraint problems_title_check check (length(btrim(title)) between 1 and 200),
    constraint problems_description_check check (length(description) <= 100000),
    constraint problems_state_check check (
        state in ('new', 'assessment', 'root_cause_analysis', 'fix_in_progress', 'resolved', 'closed')),
    constraint problems_known_error_check check (
        not known_error or (length(btrim(root_cause)) > 0 and length(btrim(workaround)) > 0)),
    constraint problems_resolution_code_check check (
        resolution_code in ('fix_applied', 'risk_accepted', 'duplicate', 'canceled')),
    constraint problems_resolved_check check (
        state not in ('resolved', 'closed') or resolution_code is not null),
    constraint problems_impact_check check (impact in ('high', 'medium', 'low')),
    constraint problems_urgency_check check (urgency in ('high', 'medium', 'low')),
    constraint problems_priority_check check (priority between 1 and 5),
    constraint problems_version_check check (version >= 1)
);
create index problems_updated_idx on problems (updated_at desc, id desc);
create index problems_state_updated_idx on problems (state, updated_at desc, id desc);
create index problems_known_error_updated_idx on problems (updated_at desc, id desc) where known_error;
create index problems_search_idx on problems using gin (doc_vector);
alter table problems alter column doc_vector set statistics 1000;

alter table incidents add column problem_id uuid constraint incidents_problem_fkey references problems (id);
create index incidents_problem_idx on incidents (problem_id, updated_at desc, id desc) where problem_id is not null;

-- The journal serves both: each entry belongs to exactly one incident or one problem.
alter table journal_entries alter column incident_id drop not null;
alter table journal_entries add column problem_id uuid constraint journal_entries_problem_fkey references problems (id);
alter table journal_entries add constraint journal_entries_subject_check check (num_nonnulls(incident_id, problem_id) = 1);
create index journal_entries_problem_idx on journal_entries (problem_id, id) where problem_id is not null;
