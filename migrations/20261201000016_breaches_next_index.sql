-- no-transaction
-- "All incidents", breaches next: running clocks first, then by due date.
create index concurrently if not exists incidents_breaches_next_idx
    on incidents ((sla_paused_since is not null), resolution_due, id)
    where resolution_due is not null;
