-- Records shared with people besides their caller: a colleague follows the request or the
-- incident in the portal, reads what its caller reads and may add to the conversation.
-- One of the two record kinds each row; a person is shared a record once.
create table record_shares (
    id          bigint      generated always as identity primary key,
    incident_id uuid        constraint record_shares_incident_fkey references incidents (id) on delete cascade,
    request_id  uuid        constraint record_shares_request_fkey references requests (id) on delete cascade,
    user_id     uuid        not null constraint record_shares_user_fkey references users (id),
    shared_by   uuid        not null constraint record_shares_shared_by_fkey references users (id),
    shared_at   timestamptz not null default now(),
    constraint record_shares_one_record_check check ((incident_id is null) <> (request_id is null))
);
create unique index record_shares_incident_key on record_shares (incident_id, user_id)
    where incident_id is not null;
create unique index record_shares_request_key on record_shares (request_id, user_id)
    where request_id is not null;
-- "Shared with me": a person's shares, the newest first.
create index record_shares_user_idx on record_shares (user_id, shared_at desc, id desc);
