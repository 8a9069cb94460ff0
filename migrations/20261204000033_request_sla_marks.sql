-- The SLA worker's marks on requests, as on incidents: a breached response or fulfilment
-- target is marked once (journaled, with an event), and the next moment to look again is
-- indexed so the worker finds its work without scanning the requests.
alter table requests add column sla_response_breached_at timestamptz;
alter table requests add column sla_resolution_breached_at timestamptz;
alter table requests add column sla_next_check timestamptz;
update requests set sla_next_check = least(
        case when responded_at is null then response_due end,
        case when state in ('new', 'approved', 'in_progress') then resolution_due end)
    where sla_policy_id is not null;
create index requests_sla_next_check_idx on requests (sla_next_check) where sla_next_check is not null;

-- Events about requests too (one record each).
alter table events add column request_id uuid constraint events_request_fkey references requests (id);
