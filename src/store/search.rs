//! Full-text search over incidents: what people type as a tsquery (German and English word
//! forms), and the week-tagged time slices a search reads newest first.

use sqlx::{PgConnection, Postgres, QueryBuilder};

/// The time slices of a text search, in weeks of `leitstand_week_tag` (migration 9), newest
/// first: this week, the last, the 8 weeks before, the rest of the year, and all older. A
/// slice reads all its matches (to take the newest), so the first ones are short.
pub struct Tiers {
    pub(crate) slices: Vec<Slice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slice {
    /// Updated in these weeks (first, last), named in the tsquery.
    Weeks(i64, i64),
    /// Updated before this week began.
    Before(i64),
}

/// Seconds in the weeks of `leitstand_week_tag` (migration 9).
pub(crate) const WEEK_SECONDS: i64 = 604_800;

impl Tiers {
    pub fn now() -> Self {
        Self::at(jiff::Timestamp::now())
    }

    fn at(now: jiff::Timestamp) -> Self {
        let week = now.as_second().div_euclid(WEEK_SECONDS);
        Self {
            slices: vec![
                Slice::Weeks(week, week),
                Slice::Weeks(week - 1, week - 1),
                Slice::Weeks(week - 9, week - 2),
                Slice::Weeks(week - 52, week - 10),
                Slice::Before(week - 52),
            ],
        }
    }
}

/// The tsquery of a text search restricted to the weeks `first..=last`: GIN then walks the
/// few weeks' entries and skips through the words' long lists. The tag names the week exactly,
/// so the slices need no other time condition. Empty text stays empty (it matches nothing).
pub(crate) fn within_weeks(tsquery: &str, first: i64, last: i64) -> String {
    if tsquery.trim().is_empty() {
        return tsquery.to_owned();
    }
    let weeks: Vec<String> = (first..=last).map(|w| format!("'~w{w}'")).collect();
    format!("({tsquery}) & ({})", weeks.join(" | "))
}

/// Plans for the tiered query that only use bitmap scans from the search index, and the
/// slices run in order (no parallel append), so the limit stops the older ones. The older
/// slices' estimates are high, and JIT compiling for them would cost more than the search
/// (~40 ms).
pub(crate) async fn bitmap_plans_only(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query(
        "select set_config('enable_indexscan', 'off', true), set_config('enable_seqscan', 'off', true), \
         set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)",
    )
    .execute(conn)
    .await
    .map(|_| ())
}

pub(crate) fn week_start(week: i64) -> jiff_sqlx::Timestamp {
    jiff_sqlx::Timestamp::from(
        jiff::Timestamp::from_second(week * WEEK_SECONDS).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
    )
}

/// Binds a tsquery given as text (see `as_tsquery`).
pub(crate) fn push_tsquery(q: &mut QueryBuilder<Postgres>, tsquery: &str) {
    q.push("(").push_bind(tsquery.to_owned()).push("::tsquery)");
}

/// What a person typed as a tsquery matching German or English word forms, as text. Bound as
/// a constant, it lets the planner estimate from the index's statistics how many rows match,
/// and so choose the GIN index for rare words and the recency index for common ones.
pub async fn as_tsquery(conn: &mut PgConnection, text: &str) -> sqlx::Result<String> {
    sqlx::query_scalar(
        "select (websearch_to_tsquery('german', $1) || websearch_to_tsquery('english', $1))::text",
    )
    .bind(text)
    .fetch_one(conn)
    .await
}

/// Any word of `text` as a tsquery (German or English forms), each form once: for finding
/// known errors that share words with an incident, best match first. A word whose German and
/// English forms agree, or that the text repeats, would otherwise be matched and ranked again
/// for every time it appears (an incident's title and description named about a third of
/// their forms twice; ranking the open known errors took a third less time without them).
pub async fn as_any_word_tsquery(conn: &mut PgConnection, text: &str) -> sqlx::Result<String> {
    sqlx::query_scalar(
        "select coalesce(string_agg(distinct form, ' | '), '') from unnest(string_to_array(\
         replace((plainto_tsquery('german', $1) || plainto_tsquery('english', $1))::text, ' & ', ' | '), \
         ' | ')) form",
    )
    .bind(text)
    .fetch_one(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_name_their_weeks() {
        assert_eq!(
            within_weeks("'vpn'", 2915, 2917),
            "('vpn') & ('~w2915' | '~w2916' | '~w2917')"
        );
        assert_eq!(
            within_weeks("'vpn' | 'drucker'", 1, 1),
            "('vpn' | 'drucker') & ('~w1')"
        );
        assert_eq!(within_weeks("", 1, 2), "");
        // 1970-01-01 is a Thursday: week 0 ends on Wednesday, 1970-01-07 24:00.
        let tiers = Tiers::at("1970-03-05T12:00:00Z".parse().unwrap());
        assert_eq!(
            tiers.slices,
            vec![
                Slice::Weeks(9, 9),
                Slice::Weeks(8, 8),
                Slice::Weeks(0, 7),
                Slice::Weeks(-43, -1),
                Slice::Before(-43)
            ]
        );
    }
}
