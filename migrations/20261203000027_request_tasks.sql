-- Tasks of service requests: a request type names what each group does (in order or side by
-- side); a request's tasks are small tickets in their groups' queues, with their own journal.

alter table request_types add column tasks jsonb not null default '[]'
    constraint request_types_tasks_check check (jsonb_typeof(tasks) = 'array');

create sequence task_number_seq;

create table request_tasks (
    id                  uuid        primary key,
    number              text        not null default ('TSK' || lpad(nextval('task_number_seq')::text, 7, '0')),
    request_id          uuid        not null constraint request_tasks_request_fkey references requests (id),
    key                 text        not null,
    position            smallint    not null,
    title               text        not null,
    description         text        not null default '',
    after_keys          text[]      not null default '{}',
    state               text        not null default 'waiting',
    assignment_group_id uuid        not null constraint request_tasks_assignment_group_fkey references groups (id),
    -- The department of its group: its members work it whatever the request's department.
    department_id       uuid        not null constraint request_tasks_department_id_fkey references departments (id),
    assignee_id         uuid        constraint request_tasks_assignee_fkey references users (id),
    opened_at           timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    done_at             timestamptz,
    version             bigint      not null default 1,
    constraint request_tasks_number_key unique (number),
    constraint request_tasks_key_key unique (request_id, key),
    constraint request_tasks_number_check check (number ~ '^TSK[0-9]{7}$'),
    constraint request_tasks_title_check check (length(btrim(title)) between 1 and 200),
    constraint request_tasks_state_check check (state in ('waiting', 'open', 'in_progress', 'done', 'canceled')),
    constraint request_tasks_done_check check ((state in ('done', 'canceled')) = (done_at is not null)),
    constraint request_tasks_version_check check (version >= 1)
);
-- A group's queue, newest change first; a request's tasks in order; someone's own.
create index request_tasks_group_state_updated_idx on request_tasks (assignment_group_id, state, updated_at desc, id desc);
create index request_tasks_open_group_updated_idx on request_tasks (assignment_group_id, updated_at desc, id desc)
    where state in ('open', 'in_progress');
create index request_tasks_assignee_updated_idx on request_tasks (assignee_id, updated_at desc, id desc)
    where assignee_id is not null;
create index request_tasks_updated_idx on request_tasks (updated_at desc, id desc);
create index request_tasks_request_idx on request_tasks (request_id, position);

alter table journal_entries add column task_id uuid constraint journal_entries_task_fkey references request_tasks (id);
alter table journal_entries drop constraint journal_entries_subject_check;
alter table journal_entries add constraint journal_entries_subject_check
    check (num_nonnulls(incident_id, problem_id, request_id, task_id) = 1);
create index journal_entries_task_idx on journal_entries (task_id, id) where task_id is not null;
