-- Attachments (issue 14): files on incidents, problems and requests, each carried by one
-- journal entry (a comment, a work note, or the entry that logged the record), so a file is
-- read by exactly the audience of its entry. The content is stored once per SHA-256
-- (`blobs`), in PostgreSQL in chunks by default or on the filesystem when configured, and
-- removed only when no attachment refers to it.

create table blobs (
    id          uuid        primary key,
    -- Set once the whole content is in and hashed; null while an upload is still writing it.
    sha256      bytea,
    size        bigint      not null default 0,
    -- The type sniffed from the content, never the one an upload claimed.
    content_type text       not null default 'application/octet-stream',
    -- db: the content is in blob_chunks; fs: in the configured directory, under its hash.
    location    text        not null,
    created_at  timestamptz not null default now(),
    -- Last found again by an upload of the same content: the clean-up leaves it alone a while.
    touched_at  timestamptz not null default now(),
    constraint blobs_location_check check (location in ('db', 'fs')),
    constraint blobs_size_check check (size >= 0),
    constraint blobs_sha256_check check (sha256 is null or length(sha256) = 32)
);
create unique index blobs_sha256_key on blobs (sha256) where sha256 is not null;

-- The content of a `db` blob, in pieces of up to 1 MiB, so neither an upload nor a download
-- holds a whole file in memory.
create table blob_chunks (
    blob_id uuid    not null constraint blob_chunks_blob_fkey references blobs (id) on delete cascade,
    n       integer not null,
    data    bytea   not null,
    primary key (blob_id, n)
);
alter table blob_chunks alter column data set storage external;

create table attachments (
    id           uuid        primary key,
    entry_id     bigint      not null constraint attachments_entry_fkey references journal_entries (id),
    incident_id  uuid        constraint attachments_incident_fkey references incidents (id),
    problem_id   uuid        constraint attachments_problem_fkey references problems (id),
    request_id   uuid        constraint attachments_request_fkey references requests (id),
    -- Let go when the attachment is removed, so the clean-up may delete the content.
    blob_id      uuid        constraint attachments_blob_fkey references blobs (id),
    -- The name as uploaded, cleaned of paths and control characters.
    filename     text        not null,
    content_type text        not null,
    size         bigint      not null,
    -- An image a mail showed in its text (cid:), or a pasted screenshot.
    inline       boolean     not null default false,
    uploaded_by  uuid        constraint attachments_uploader_fkey references users (id),
    created_at   timestamptz not null default now(),
    -- Removed by an agent (a screenshot showing a password): the entry stays, the file goes.
    removed_at   timestamptz,
    removed_by   uuid        constraint attachments_remover_fkey references users (id),
    constraint attachments_subject_check check (num_nonnulls(incident_id, problem_id, request_id) = 1),
    constraint attachments_filename_check check (length(filename) between 1 and 255),
    constraint attachments_size_check check (size >= 0),
    constraint attachments_removed_check check ((removed_at is null) = (blob_id is not null))
);
create index attachments_entry_idx on attachments (entry_id);
create index attachments_incident_idx on attachments (incident_id) where incident_id is not null;
create index attachments_problem_idx on attachments (problem_id) where problem_id is not null;
create index attachments_request_idx on attachments (request_id) where request_id is not null;
-- The clean-up finds blobs no attachment refers to any more.
create index attachments_blob_idx on attachments (blob_id) where blob_id is not null;
