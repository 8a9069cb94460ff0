-- Service requests (ITIL request fulfilment), the third record kind: created from a request
-- type of a department, with the type's form filled in. They share the journal, the
-- idempotency records, keyset lists and search with incidents and problems.

-- A request type: what a person may ask a department for, with its form. `fields` is the
-- form's definition as `domain::form` checks it (kinds, required flags, help, choices,
-- conditions); `status_names` the names a caller sees for the states, per language.
create table request_types (
    id            uuid        primary key,
    key           text        not null,
    department_id uuid        not null constraint request_types_department_id_fkey references departments (id),
    name          text        not null,
    description   text        not null default '',
    fields        jsonb       not null default '[]',
    status_names  jsonb       not null default '{}',
    assignment_group_id uuid  constraint request_types_assignment_group_fkey references groups (id),
    active        boolean     not null default true,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    version       bigint      not null default 1,
    constraint request_types_key_key unique (key),
    constraint request_types_key_check check (key ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
    constraint request_types_name_check check (length(btrim(name)) between 1 and 200),
    constraint request_types_description_check check (length(description) <= 100000),
    constraint request_types_fields_check check (jsonb_typeof(fields) = 'array'),
    constraint request_types_status_names_check check (jsonb_typeof(status_names) = 'object'),
    constraint request_types_version_check check (version >= 1)
);
create index request_types_department_idx on request_types (department_id, key);

create sequence request_number_seq;

create table requests (
    id                  uuid        primary key,
    number              text        not null default ('REQ' || lpad(nextval('request_number_seq')::text, 7, '0')),
    request_type_id     uuid        not null constraint requests_request_type_fkey references request_types (id),
    -- The department of its type, kept with the row: the read scope filters on it.
    department_id       uuid        not null constraint requests_department_id_fkey references departments (id),
    title               text        not null,
    description         text        not null default '',
    state               text        not null default 'new',
    -- The form's answers, checked against the type's fields when written.
    form_values         jsonb       not null default '{}',
    caller_id           uuid        not null constraint requests_caller_fkey references users (id),
    assignment_group_id uuid        constraint requests_assignment_group_fkey references groups (id),
    assignee_id         uuid        constraint requests_assignee_fkey references users (id),
    -- Why it was rejected or canceled, or how it was fulfilled: shown to the caller.
    outcome             text,
    opened_by_id        uuid        not null constraint requests_opened_by_fkey references users (id),
    opened_at           timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    fulfilled_at        timestamptz,
    closed_at           timestamptz,
    version             bigint      not null default 1,
    doc_vector          tsvector    generated always as
                            (leitstand_tsvector('A', title) || leitstand_tsvector('B', description)) stored,
    constraint requests_number_key unique (number),
    constraint requests_number_check check (number ~ '^REQ[0-9]{7}$'),
    constraint requests_title_check check (length(btrim(title)) between 1 and 200),
    constraint requests_description_check check (length(description) <= 100000),
    constraint requests_form_values_check check (jsonb_typeof(form_values) = 'object'),
    constraint requests_state_check check (state in
        ('new', 'awaiting_approval', 'approved', 'rejected', 'in_progress', 'fulfilled', 'closed', 'canceled')),
    constraint requests_outcome_check check (
        state not in ('rejected', 'canceled', 'fulfilled') or length(btrim(outcome)) > 0),
    constraint requests_outcome_length_check check (length(outcome) <= 100000),
    constraint requests_version_check check (version >= 1)
);
-- Keyset lists: newest change first, by state, by group, by caller ("my requests").
create index requests_updated_idx on requests (updated_at desc, id desc);
create index requests_state_updated_idx on requests (state, updated_at desc, id desc);
create index requests_group_state_updated_idx on requests (assignment_group_id, state, updated_at desc, id desc);
create index requests_caller_updated_idx on requests (caller_id, updated_at desc, id desc);
create index requests_type_updated_idx on requests (request_type_id, updated_at desc, id desc);
create index requests_search_idx on requests using gin (doc_vector);

-- The journal serves all three kinds: each entry belongs to exactly one record.
alter table journal_entries add column request_id uuid constraint journal_entries_request_fkey references requests (id);
alter table journal_entries drop constraint journal_entries_subject_check;
alter table journal_entries add constraint journal_entries_subject_check
    check (num_nonnulls(incident_id, problem_id, request_id) = 1);
create index journal_entries_request_idx on journal_entries (request_id, id) where request_id is not null;
