-- Mail out: notifications made from the outbox (`events`), never inside the transaction
-- of their cause, each sent through SMTP with retries, journaled as sent only after the
-- server accepted it.

-- Handed to the notifications (their mails exist); null: not yet.
alter table events add column mailed_at timestamptz;
update events set mailed_at = at;
create index events_unmailed_idx on events (id) where mailed_at is null;

-- A person's choice: notifications by e-mail or none.
alter table users add column notify_email boolean not null default true;

create table mail_outbox (
    id              bigint      generated always as identity primary key,
    event_id        bigint      constraint mail_outbox_event_fkey references events (id),
    -- What it tells: created, commented, resolved, assigned, sla_at_risk.
    reason          text        not null,
    recipient       text        not null,
    recipient_id    uuid        constraint mail_outbox_recipient_fkey references users (id),
    incident_id     uuid        constraint mail_outbox_incident_fkey references incidents (id),
    request_id      uuid        constraint mail_outbox_request_fkey references requests (id),
    subject         text        not null,
    body            text        not null,
    -- Ours, without angle brackets; remembered in mail_threads so replies thread.
    message_id      text        not null,
    in_reply_to     text,
    -- pending: to send at next_attempt_at; sent: the server answered 250; failed: refused
    -- for good or not accepted within 48 hours; suppressed: a limit held it back.
    state           text        not null default 'pending',
    attempts        integer     not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error      text,
    sent_at         timestamptz,
    created_at      timestamptz not null default now(),
    constraint mail_outbox_message_id_key unique (message_id),
    constraint mail_outbox_state_check check (state in ('pending', 'sent', 'failed', 'suppressed')),
    constraint mail_outbox_reason_check check (reason in ('created', 'commented', 'resolved', 'assigned', 'sla_at_risk')),
    -- One mail per event and recipient, however often the event is handed over.
    constraint mail_outbox_once unique (event_id, recipient)
);
create index mail_outbox_due_idx on mail_outbox (next_attempt_at) where state = 'pending';
create index mail_outbox_incident_idx on mail_outbox (incident_id, created_at) where incident_id is not null;
create index mail_outbox_request_idx on mail_outbox (request_id, created_at) where request_id is not null;
create index mail_outbox_recipient_idx on mail_outbox (recipient, reason, created_at);
create index mail_outbox_open_idx on mail_outbox (state, id) where state in ('pending', 'failed');
