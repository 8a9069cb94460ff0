-- Service insight (issue 15): the value stream's time per group from per-day sums. For each
-- day of the desk and place, state, hold reason and assignment: how many stretches began and
-- ended that day, and the sums of those instants (epoch seconds, exact). The time stretches
-- spent within `[F, T)` is C(T) − C(F) with C(t) = t·(began − ended) − (Σ began − Σ ended)
-- over the stretches that began and ended before t (`service::insight::rollups::group_times`).
-- Kept and checked with the rollups (migration 47); canceled incidents are left out.
create table insight_span_days (
    day           date    not null,
    department_id uuid,
    group_id      uuid,
    state         text    not null,
    hold_reason   text,
    assigned      boolean not null,
    began         bigint  not null,
    began_sum     numeric not null,
    ended         bigint  not null,
    ended_sum     numeric not null
);
create index insight_span_days_day_idx on insight_span_days (day);

-- Every day is summed up afresh once, so the days before this table get their rows.
update insight_state set rolled_through = null;

-- The stretches that ended on given days, whatever their state (the backlog's index has the
-- open ones only).
create index insight_spans_ended_idx on insight_spans (ended_at) where ended_at is not null;
