-- Service insight (issue 15): the improvement register. Anyone on the desk submits an idea to
-- improve the way it works, from an incident or problem page (linked to it) or on its own;
-- process owners (problem managers, admins) triage it: new, accepted, planned, done, or
-- declined with a reason the submitter reads. A done idea can become a PDCA marker. Its
-- history is the journal's, as for every record.
create sequence improvement_number_seq;
create table improvements (
    id              uuid        primary key,
    number          text        not null default ('IMP' || lpad(nextval('improvement_number_seq')::text, 7, '0')),
    title           text        not null,
    description     text        not null default '',
    state           text        not null default 'new',
    -- The reason given with the last state change (required when declined).
    reason          text,
    incident_id     uuid        constraint improvements_incident_fkey references incidents (id),
    problem_id      uuid        constraint improvements_problem_fkey references problems (id),
    -- The linked record's department when it was submitted: an idea about a confidential
    -- department's case stays with that department's members.
    department_id   uuid        constraint improvements_department_fkey references departments (id),
    submitted_by_id uuid        not null constraint improvements_submitted_by_fkey references users (id),
    submitted_at    timestamptz not null default now(),
    state_since     timestamptz not null default now(),
    marker_id       uuid        constraint improvements_marker_fkey references insight_markers (id) on delete set null,
    version         bigint      not null default 1,
    updated_at      timestamptz not null default now(),
    constraint improvements_number_key unique (number),
    constraint improvements_number_check check (number ~ '^IMP[0-9]{7}$'),
    constraint improvements_title_check check (length(btrim(title)) between 1 and 200),
    constraint improvements_description_check check (length(description) <= 4000),
    constraint improvements_state_check check (state in ('new', 'accepted', 'planned', 'done', 'declined')),
    constraint improvements_reason_check check (length(reason) <= 2000),
    constraint improvements_declined_reason_check check (state <> 'declined' or length(btrim(coalesce(reason, ''))) > 0),
    constraint improvements_record_check check (num_nonnulls(incident_id, problem_id) <= 1)
);
create index improvements_submitted_idx on improvements (submitted_at desc, id desc);
create index improvements_state_idx on improvements (state, submitted_at desc, id desc);
create index improvements_submitter_idx on improvements (submitted_by_id, submitted_at desc);
create index improvements_incident_idx on improvements (incident_id) where incident_id is not null;
create index improvements_problem_idx on improvements (problem_id) where problem_id is not null;

alter table journal_entries add column improvement_id uuid
    constraint journal_entries_improvement_fkey references improvements (id);
alter table journal_entries drop constraint journal_entries_subject_check;
alter table journal_entries add constraint journal_entries_subject_check
    check (num_nonnulls(incident_id, problem_id, request_id, task_id, improvement_id) = 1) not valid;
alter table journal_entries validate constraint journal_entries_subject_check;
create index journal_entries_improvement_idx on journal_entries (improvement_id, id)
    where improvement_id is not null;
