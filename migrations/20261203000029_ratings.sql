-- How the caller rated a resolution: 1 to 5 and a comment, once per resolution (a record
-- reopened and resolved again may be rated again). One of the two record kinds each row.
create table ratings (
    id          bigint      generated always as identity primary key,
    incident_id uuid        constraint ratings_incident_fkey references incidents (id) on delete cascade,
    request_id  uuid        constraint ratings_request_fkey references requests (id) on delete cascade,
    -- The resolution rated: the moment it was resolved (fulfilled).
    resolved_at timestamptz not null,
    score       smallint    not null,
    comment     text        not null default '',
    rated_by    uuid        not null constraint ratings_rated_by_fkey references users (id),
    rated_at    timestamptz not null default now(),
    constraint ratings_score_check check (score between 1 and 5),
    constraint ratings_comment_check check (length(comment) <= 10000),
    constraint ratings_one_record_check check ((incident_id is null) <> (request_id is null))
);
create unique index ratings_incident_resolution_key on ratings (incident_id, resolved_at)
    where incident_id is not null;
create unique index ratings_request_resolution_key on ratings (request_id, resolved_at)
    where request_id is not null;
create index ratings_rated_at_idx on ratings (rated_at);
