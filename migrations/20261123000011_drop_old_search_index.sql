-- no-transaction
drop index concurrently incidents_search_idx;
