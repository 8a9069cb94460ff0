-- Incidents, their journal, idempotency records and saved queue views.

create sequence incident_number_seq;

-- Text search matches German and English word forms: every text is indexed with both
-- configurations, and queries ask both.
create function leitstand_tsvector(weight "char", body text) returns tsvector
    language sql immutable parallel safe
    return setweight(to_tsvector('german'::regconfig, coalesce(body, '')), weight)
        || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), weight);

create table incidents (
    id                  uuid        primary key,
    number              text        not null default ('INC' || lpad(nextval('incident_number_seq')::text, 7, '0')),
    title               text        not null,
    description         text        not null default '',
    state               text        not null default 'new',
    hold_reason         text,
    impact              text        not null default 'medium',
    urgency             text        not null default 'medium',
    priority            smallint    not null,
    caller_email        text,
    caller_id           uuid        constraint incidents_caller_fkey references users (id),
    service_id          uuid        constraint incidents_service_fkey references services (id),
    category            text,
    assignment_group_id uuid        constraint incidents_assignment_group_fkey references groups (id),
    assignee_id         uuid        constraint incidents_assignee_fkey references users (id),
    parent_id           uuid        constraint incidents_parent_fkey references incidents (id),
    major               boolean     not null default false,
    resolution_code     text,
    resolution_notes    text,
    response_due        timestamptz,
    resolution_due      timestamptz,
    responded_at        timestamptz,
    reassignment_count  integer     not null default 0,
    opened_by_id        uuid        not null constraint incidents_opened_by_fkey references users (id),
    opened_at           timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    resolved_at         timestamptz,
    closed_at           timestamptz,
    version             bigint      not null default 1,
    doc_vector          tsvector    generated always as
                            (leitstand_tsvector('A', title) || leitstand_tsvector('B', description)) stored,
    comments_vector     tsvector    not null default ''::tsvector,
    constraint incidents_number_key unique (number),
    constraint incidents_number_check check (number ~ '^INC[0-9]{7}$'),
    constraint incidents_title_check check (length(btrim(title)) between 1 and 200),
    constraint incidents_description_check check (length(description) <= 100000),
    constraint incidents_state_check check (state in ('new', 'in_progress', 'on_hold', 'resolved', 'closed', 'canceled')),
    constraint incidents_hold_reason_check check (
        hold_reason in ('awaiting_caller', 'awaiting_vendor', 'awaiting_change', 'awaiting_problem')
        and state = 'on_hold' or hold_reason is null and state <> 'on_hold'),
    constraint incidents_impact_check check (impact in ('high', 'medium', 'low')),
    constraint incidents_urgency_check check (urgency in ('high', 'medium', 'low')),
    constraint incidents_priority_check check (priority between 1 and 5),
    constraint incidents_resolution_code_check check (
        resolution_code in ('workaround', 'permanent_fix', 'not_reproducible', 'duplicate', 'solved_by_problem')),
    constraint incidents_resolved_check check (
        state not in ('resolved', 'closed') or (resolution_code is not null and length(btrim(resolution_notes)) > 0)),
    constraint incidents_parent_check check (parent_id <> id),
    constraint incidents_category_check check (length(category) <= 100),
    constraint incidents_version_check check (version >= 1)
);

-- Queues: every list is keyset-paginated on one of these.
create index incidents_updated_idx on incidents (updated_at desc, id desc);
create index incidents_opened_idx on incidents (opened_at, id);
create index incidents_state_updated_idx on incidents (state, updated_at desc, id desc);
create index incidents_group_state_updated_idx on incidents (assignment_group_id, state, updated_at desc, id desc);
create index incidents_open_group_updated_idx on incidents (assignment_group_id, updated_at desc, id desc)
    where state in ('new', 'in_progress', 'on_hold');
create index incidents_open_assignee_updated_idx on incidents (assignee_id, updated_at desc, id desc)
    where state in ('new', 'in_progress', 'on_hold');
create index incidents_open_updated_idx on incidents (updated_at desc, id desc)
    where state in ('new', 'in_progress', 'on_hold');
create index incidents_open_priority_idx on incidents (priority, opened_at, id)
    where state in ('new', 'in_progress', 'on_hold');
create index incidents_service_idx on incidents (service_id, updated_at desc, id desc);
create index incidents_parent_idx on incidents (parent_id) where parent_id is not null;
create index incidents_search_idx on incidents using gin ((doc_vector || comments_vector));

-- The journal: one entry for every create, change, transition, comment, link and system event.
create table journal_entries (
    id          bigint      generated always as identity primary key,
    incident_id uuid        not null constraint journal_entries_incident_fkey references incidents (id),
    at          timestamptz not null default now(),
    author_id   uuid        constraint journal_entries_author_fkey references users (id),
    kind        text        not null,
    body        text,
    changes     jsonb,
    constraint journal_entries_kind_check check (kind in ('comment', 'work_note', 'change', 'transition', 'link', 'system'))
);
create index journal_entries_incident_idx on journal_entries (incident_id, id);

-- Append-only, enforced here and not only in code.
create function journal_entries_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'the journal is append-only: % is not allowed', tg_op
        using errcode = 'restrict_violation';
end $$;
create trigger journal_entries_append_only before update or delete on journal_entries
    for each row execute function journal_entries_append_only();
create trigger journal_entries_no_truncate before truncate on journal_entries
    for each statement execute function journal_entries_append_only();

-- Idempotency-Key records: the same key from the same user within 24 h replays the answer.
create table idempotency_keys (
    user_id      uuid        not null constraint idempotency_keys_user_fkey references users (id) on delete cascade,
    key          text        not null,
    request_hash bytea       not null,
    status       smallint,
    response     jsonb,
    created_at   timestamptz not null default now(),
    constraint idempotency_keys_pkey primary key (user_id, key),
    constraint idempotency_keys_key_check check (length(key) between 1 and 255)
);
create index idempotency_keys_created_idx on idempotency_keys (created_at);

-- A user's named queue filters, shown in the navigation.
create table saved_views (
    id         uuid        primary key,
    user_id    uuid        not null constraint saved_views_user_fkey references users (id) on delete cascade,
    name       text        not null,
    query      text        not null,
    created_at timestamptz not null default now(),
    constraint saved_views_name_key unique (user_id, name),
    constraint saved_views_name_check check (length(btrim(name)) between 1 and 80),
    constraint saved_views_query_check check (length(query) <= 2000)
);
