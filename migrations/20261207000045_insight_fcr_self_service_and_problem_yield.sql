-- Service insight (issue 15): `fcr_self_service` gets a figure (docs/metrics.md), so a PDCA
-- marker may name it.
alter table insight_markers drop constraint insight_markers_kpi_check;
alter table insight_markers add constraint insight_markers_kpi_check check (kpi in ('mtta', 'mttr',
    'sla_response', 'sla_resolution', 'backlog', 'fcr', 'fcr_self_service', 'reopen_7d',
    'reassignments', 'ping_pong', 'caller_hours_lost'));

-- `problem_yield`'s recurrence after a fix counts the incidents of a service and category
-- opened in the weeks before and after it: found through the facts (never the desk's own
-- table, so logging an incident pays nothing for it).
create index insight_incidents_service_category_idx on insight_incidents (service_id, category, opened_at);
