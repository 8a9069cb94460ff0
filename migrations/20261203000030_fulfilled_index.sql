-- no-transaction
-- Fulfilled requests by when they were fulfilled: the auto-close worker reads the oldest few
-- each pass instead of scanning the table.
create index concurrently if not exists requests_fulfilled_idx on requests (fulfilled_at, id) where state = 'fulfilled';
