-- Service insight (issue 15): the dashboard's event figures summed up per day, so a year is
-- read from a few thousand rows instead of every resolution, response and due time in it.
-- Like the facts, nothing here is a source of truth: `leitstand insight rebuild` and the
-- worker compute every row again from the facts (`service::insight::rollups`).

-- A duration's bucket (catalogue version 2, docs/metrics.md "Statistics"): whole minutes
-- below 64 minutes, then 32 steps per doubling (a step is at most 1/32 of the value, 3.1 %).
-- With m the whole minutes and e the doublings above 32 minutes (0 below 64 minutes), the
-- bucket is 32·e + (m >> e) and its lower end (m >> e) << e minutes: `insight_rounded`, the
-- value a percentile reports (null for null). Single expressions, so that PostgreSQL inlines them (a
-- function body with a FROM clause cost 80 µs a call). Mirrored by
-- `domain::insight::rollup::{bucket, rounded}`; a test compares the two.
create function insight_bucket(secs bigint) returns smallint
    language sql immutable parallel safe
    return (32 * width_bucket((case when secs < 0 then 0 when secs >= 2013265920 then 33554431 else secs / 60 end),
                '{64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4194304, 8388608, 16777216}'::bigint[])
            + ((case when secs < 0 then 0 when secs >= 2013265920 then 33554431 else secs / 60 end)
               >> width_bucket((case when secs < 0 then 0 when secs >= 2013265920 then 33554431 else secs / 60 end),
                '{64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4194304, 8388608, 16777216}'::bigint[])))::smallint;

create function insight_rounded(secs bigint) returns bigint
    language sql immutable parallel safe
    return (((case when secs < 0 then 0 when secs >= 2013265920 then 33554431 else secs / 60 end)
             >> width_bucket((case when secs < 0 then 0 when secs >= 2013265920 then 33554431 else secs / 60 end),
                '{64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4194304, 8388608, 16777216}'::bigint[]))
            << width_bucket((case when secs < 0 then 0 when secs >= 2013265920 then 33554431 else secs / 60 end),
                '{64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4194304, 8388608, 16777216}'::bigint[])) * 60;

-- One row per day (the desk's time zone), KPI and place at the moment counted (department,
-- group): how many rows the KPI counted, how many met its condition, the sums of both
-- clocks' values, and each clock's values by bucket (pairs of a little-endian u16 bucket and
-- u32 count; counts for reassignments and ping-pong are their own bucket).
create table insight_rollups (
    day           date        not null,
    kpi           text        not null,
    department_id uuid,
    group_id      uuid,
    count         bigint      not null,
    met           bigint      not null,
    calendar_sum  bigint,
    business_sum  bigint,
    calendar_hist bytea       not null,
    business_hist bytea       not null
);
create index insight_rollups_day_idx on insight_rollups (kpi, day);

-- For the backlog, a row holds the day's net change of open stretches at the place (`count`:
-- those that began minus those that ended), so the backlog at the end of a day is the sum of
-- the changes up to it. A start or end at instant t changes the day of t less a microsecond:
-- the backlog at a day's end (midnight) counts a stretch that begins at that midnight and
-- not one that ends then. The ends are found through this index.
create index insight_spans_open_ended_idx on insight_spans (ended_at)
    where state in ('new', 'in_progress', 'on_hold') and ended_at is not null;

-- Days whose rows must be summed up again: a fold marks the days its incidents' facts count
-- on (before and after), and every day is marked once when it has ended. Until a day is
-- summed up again its figures are counted from the facts.
create table insight_dirty_days (
    day date primary key
);

-- The time zone the rows' days are in (a change of the desk's sums everything up anew), and
-- the first day not yet summed up at all (null: none was).
alter table insight_state add column rollup_time_zone text;
alter table insight_state add column rolled_through date;
