-- no-transaction
-- "All incidents" by priority (the open ones have incidents_open_priority_idx).
create index concurrently if not exists incidents_priority_idx on incidents (priority, opened_at, id);
