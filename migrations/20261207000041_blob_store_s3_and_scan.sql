-- Issue 14, the rest of attachments: content may live in an S3-compatible store, and clamd
-- scans it for viruses.

-- s3: in the configured bucket, under its hash (as in a directory).
alter table blobs drop constraint blobs_location_check,
    add constraint blobs_location_check check (location in ('db', 'fs', 's3'));

-- The virus scan of a content (once per content, as it is stored once): null when it was
-- stored while no scanner was configured; pending until clamd answered; clean; infected
-- (quarantined: served to nobody, `scan_signature` names what clamd found); error (the
-- scanner could not say; tried again from `scan_after` on, `scan_error` says why).
alter table blobs
    add column scan           text,
    add column scan_signature text,
    add column scan_error     text,
    add column scan_attempts  integer     not null default 0,
    add column scanned_at     timestamptz,
    -- Not before then: a scanner's lease on it, or the backoff after an error.
    add column scan_after     timestamptz,
    add constraint blobs_scan_check check (scan in ('pending', 'clean', 'infected', 'error'));

-- What the scanner has still to look at (content stored before a scanner was configured too).
create index blobs_to_scan on blobs (scan_after nulls first)
    where sha256 is not null and (scan is null or scan in ('pending', 'error'));
