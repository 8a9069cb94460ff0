-- no-transaction
-- Open incidents, oldest first: the open ones are a sliver of the table, at its young end, so
-- walking incidents_opened_idx from the oldest would read nearly all of it to find them.
create index concurrently if not exists incidents_open_opened_idx on incidents (opened_at, id)
    where state in ('new', 'in_progress', 'on_hold');
