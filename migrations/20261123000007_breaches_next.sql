-- "Breaches next": open incidents with a resolution target, the one due first first.
create index incidents_open_resolution_due_idx on incidents (resolution_due, id)
    where state in ('new', 'in_progress', 'on_hold') and resolution_due is not null;
