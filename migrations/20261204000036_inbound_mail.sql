-- Inbound e-mail: mailboxes, every message stored raw before it is read, and the Message-IDs
-- that thread replies to their records.

create table mailboxes (
    id              uuid        primary key,
    key             text        not null,
    name            text        not null,
    -- Our address, as callers write to it.
    address         text        not null,
    -- A sender without an account: `create` makes them a caller, `quarantine` holds the
    -- message for an admin.
    unknown_senders text        not null default 'create',
    enabled         boolean     not null default true,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    version         bigint      not null default 1,
    constraint mailboxes_key_key unique (key),
    constraint mailboxes_key_check check (key ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
    constraint mailboxes_name_check check (length(btrim(name)) between 1 and 200),
    constraint mailboxes_address_check check (address ~ '^[^@\s]+@[^@\s]+$' and length(address) <= 320),
    constraint mailboxes_unknown_senders_check check (unknown_senders in ('create', 'quarantine'))
);

create table mail_messages (
    id           bigint      generated always as identity primary key,
    mailbox_id   uuid        not null constraint mail_messages_mailbox_fkey references mailboxes (id),
    -- How it came: `mailgate` (an MTA's pipe), `imap`, `api`.
    via          text        not null,
    raw          bytea       not null,
    sha256       bytea       not null,
    message_id   text,
    sender       text,
    subject      text,
    -- received: stored, not yet read through; processed; failed (the reason in `error`, an
    -- admin retries); quarantined (an unknown sender, per mailbox).
    state        text        not null default 'received',
    -- conversation, automatic (machine mail), bounce.
    kind         text,
    error        text,
    incident_id  uuid        constraint mail_messages_incident_fkey references incidents (id),
    request_id   uuid        constraint mail_messages_request_fkey references requests (id),
    problem_id   uuid        constraint mail_messages_problem_fkey references problems (id),
    -- The quoted history below the new words, shown on request.
    quoted       text,
    received_at  timestamptz not null default now(),
    processed_at timestamptz,
    -- A process reading it through holds it until then (a process that dies lets it go).
    claimed_until timestamptz,
    constraint mail_messages_via_check check (via in ('mailgate', 'imap', 'api')),
    constraint mail_messages_state_check check (state in ('received', 'processed', 'failed', 'quarantined')),
    constraint mail_messages_kind_check check (kind in ('conversation', 'automatic', 'bounce')),
    -- The same bytes twice in one mailbox are one message.
    constraint mail_messages_once unique (mailbox_id, sha256)
);
-- And so is the same Message-ID (fetched again with other trace headers).
create unique index mail_messages_message_id_key on mail_messages (mailbox_id, message_id) where message_id is not null;
create index mail_messages_open_idx on mail_messages (state, id) where state <> 'processed';
create index mail_messages_incident_idx on mail_messages (incident_id) where incident_id is not null;
create index mail_messages_request_idx on mail_messages (request_id) where request_id is not null;

-- Message-IDs (ours and the ones that made or continued a record) and the record they are
-- about: a reply's In-Reply-To or References finds its record here first.
create table mail_threads (
    message_id  text        primary key,
    incident_id uuid        constraint mail_threads_incident_fkey references incidents (id),
    request_id  uuid        constraint mail_threads_request_fkey references requests (id),
    problem_id  uuid        constraint mail_threads_problem_fkey references problems (id),
    at          timestamptz not null default now(),
    constraint mail_threads_one_record check (num_nonnulls(incident_id, request_id, problem_id) = 1)
);

-- A bounce (RFC 3464) marks an address undeliverable, until it is changed or cleared.
alter table users add column email_undeliverable_at timestamptz;
alter table users add column email_undeliverable_reason text;
