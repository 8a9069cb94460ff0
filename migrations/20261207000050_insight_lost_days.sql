-- Service insight (issue 15), catalogue version 3: caller hours lost counts runs, each an
-- incident's uninterrupted open time at one place (department and group), so that its
-- count, like its hours, adds up over days and places and can be read from per-day sums.
--
-- Each open stretch names the start of its run, and whether the run ends where it ends
-- (`domain::insight::facts::runs` marks them as it folds).
alter table insight_spans
    add column run_started_at timestamptz,
    add column run_ends boolean not null default false;

-- The stretches folded before this migration, marked as the fold would.
with s as (
    select x.incident_id, x.seq, x.started_at, x.ended_at,
           x.state in ('new', 'in_progress', 'on_hold') as open,
           coalesce(lag(x.state in ('new', 'in_progress', 'on_hold')) over w
                    and lag(x.department_id) over w is not distinct from x.department_id
                    and lag(x.group_id) over w is not distinct from x.group_id
                    and lag(x.ended_at) over w = x.started_at, false) as continues,
           coalesce(lead(x.state in ('new', 'in_progress', 'on_hold')) over w
                    and lead(x.department_id) over w is not distinct from x.department_id
                    and lead(x.group_id) over w is not distinct from x.group_id
                    and lead(x.started_at) over w = x.ended_at, false) as continued
    from insight_spans x
    window w as (partition by x.incident_id order by x.seq)
), r as (
    select s.incident_id, s.seq,
           max(s.started_at) filter (where s.open and not s.continues)
               over (partition by s.incident_id order by s.seq) as run_started_at,
           s.ended_at is not null and not s.continued as run_ends
    from s
    where s.open
)
update insight_spans x
set run_started_at = r.run_started_at, run_ends = r.run_ends
from r
where x.incident_id = r.incident_id and x.seq = r.seq;

-- Per day of the desk, place and impact: how many open stretches began and ended that day
-- and the sums of those instants (whole epoch seconds), and how many runs began and ended. A
-- stretch's end counts on the day of its instant less a microsecond, as the backlog's does.
-- Caller hours lost within `[F, T)` is then C(T) − C(F), C(t) = t·(began − ended) −
-- (Σ began − Σ ended) over the stretches that began and ended before t, weighted by impact;
-- its count, the runs that began before T less those that ended by F. Canceled incidents are
-- left out. Kept and checked with the rollups (migration 47).
create table insight_lost_days (
    day           date   not null,
    department_id uuid,
    group_id      uuid,
    impact        text   not null,
    began         bigint not null,
    began_sum     bigint not null,
    ended         bigint not null,
    ended_sum     bigint not null,
    runs_began    bigint not null,
    runs_ended    bigint not null
);
create index insight_lost_days_day_idx on insight_lost_days (day);

-- Every day is summed up afresh once, so the days before this table get their rows.
update insight_state set rolled_through = null;
