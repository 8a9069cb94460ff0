-- Approvals of service requests: a request type's stages (sequential), and each approver's
-- decision on a request. A user may name their manager, who approves in `manager` stages.

alter table users add column manager_id uuid constraint users_manager_fkey references users (id);
alter table users add constraint users_manager_check check (manager_id <> id);

alter table request_types add column approval_stages jsonb not null default '[]'
    constraint request_types_approval_stages_check check (jsonb_typeof(approval_stages) = 'array');

-- The stage a request awaits (0 the first); null when it awaits none.
alter table requests add column approval_stage smallint
    constraint requests_approval_stage_check check (approval_stage >= 0);

create table approvals (
    id          uuid        primary key,
    request_id  uuid        not null constraint approvals_request_fkey references requests (id),
    stage       smallint    not null,
    stage_name  text        not null,
    approver_id uuid        not null constraint approvals_approver_fkey references users (id),
    decision    text        not null default 'pending',
    comment     text,
    asked_at    timestamptz not null default now(),
    decided_at  timestamptz,
    constraint approvals_approver_key unique (request_id, stage, approver_id),
    constraint approvals_decision_check check (decision in ('pending', 'approved', 'rejected', 'withdrawn')),
    constraint approvals_decided_check check ((decision = 'pending') = (decided_at is null)),
    constraint approvals_comment_check check (length(comment) <= 100000)
);
-- "My approvals": an approver's open ones, oldest first.
create index approvals_pending_idx on approvals (approver_id, asked_at, id) where decision = 'pending';
create index approvals_approver_idx on approvals (approver_id, asked_at desc, id desc);
create index approvals_request_idx on approvals (request_id, stage);
