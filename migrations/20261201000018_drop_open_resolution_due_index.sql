-- Breaches next now orders running clocks first (migration 17); the old order's index goes.
drop index if exists incidents_open_resolution_due_idx;
