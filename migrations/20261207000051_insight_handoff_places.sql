-- Service insight (issue 15): each handoff keeps the place the incident was in right after
-- it (the stretch that holds its moment), by which the handoff matrix is filtered, instead
-- of looking that stretch up for every handoff of the period. `priority` is null only where
-- no stretch holds the moment (such a handoff is not in the matrix, as before).
alter table insight_handoffs
    add column department_id uuid,
    add column service_id uuid,
    add column priority smallint,
    add column category text;

update insight_handoffs h
set department_id = x.department_id, service_id = x.service_id, priority = x.priority,
    category = x.category
from insight_spans x
where x.incident_id = h.incident_id and x.started_at <= h.at
  and (x.ended_at > h.at or x.ended_at is null);
