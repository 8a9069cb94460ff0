-- no-transaction
-- Open incidents, breaches next: running clocks first, then by due date.
create index concurrently if not exists incidents_open_breaches_next_idx
    on incidents ((sla_paused_since is not null), resolution_due, id)
    where state in ('new', 'in_progress', 'on_hold') and resolution_due is not null;
