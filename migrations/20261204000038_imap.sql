-- An IMAP mailbox a mailbox's mail is fetched from (issue 14): the server and how to sign in,
-- and where the fetching stands. Mail is stored before it is flagged seen on the server and
-- deduplicated on Message-ID and the raw bytes, so a fetch after a crash is harmless.

alter table mailboxes
    add column imap_host          text,
    add column imap_port          integer,
    -- imaps (TLS from the start), starttls, or none (only to a loopback address).
    add column imap_security      text,
    add column imap_username      text,
    -- password, or xoauth2 (the secret is an access token, or with a token URL a refresh token).
    add column imap_auth          text,
    add column imap_secret        text,
    add column imap_folder        text not null default 'INBOX',
    add column imap_token_url     text,
    add column imap_client_id     text,
    add column imap_client_secret text,
    -- Where fetching stands: the folder's UIDVALIDITY and the last UID stored.
    add column imap_uidvalidity   bigint,
    add column imap_last_uid      bigint not null default 0,
    -- One process fetches a mailbox at a time: it holds the lease, renewing it.
    add column imap_lease         uuid,
    add column imap_leased_until  timestamptz,
    add column imap_retry_at      timestamptz,
    add column imap_failures      integer not null default 0,
    add column imap_error         text,
    add column imap_checked_at    timestamptz,
    -- The server offered IDLE at the last sign-in.
    add column imap_idle          boolean,
    add constraint mailboxes_imap_check check (
        imap_host is null
        or (imap_port between 1 and 65535
            and imap_security in ('imaps', 'starttls', 'none')
            and imap_auth in ('password', 'xoauth2')
            and imap_username is not null and imap_secret is not null
            and length(imap_host) <= 253 and length(imap_folder) between 1 and 200))
;
