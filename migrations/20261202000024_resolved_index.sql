-- no-transaction
-- Resolved incidents by when they were resolved: the auto-close worker reads the oldest few
-- each pass instead of scanning the table.
create index concurrently if not exists incidents_resolved_idx on incidents (resolved_at, id) where state = 'resolved';
