-- Self-help that worked: someone in the portal found a known error's workaround and said it
-- solved their problem, so no ticket was opened. Counted for the insight figures.
create table deflections (
    id         bigint      generated always as identity primary key,
    user_id    uuid        not null constraint deflections_user_fkey references users (id),
    problem_id uuid        not null constraint deflections_problem_fkey references problems (id),
    query      text        not null default '',
    at         timestamptz not null default now(),
    constraint deflections_query_check check (length(query) <= 1000)
);
create index deflections_problem_at_idx on deflections (problem_id, at);
create index deflections_at_idx on deflections (at);
