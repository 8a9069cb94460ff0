//! Problem management's yield (`problem_yield` of docs/metrics.md) over a period: the
//! problems whose permanent fix fell in it, the incidents linked to each, the recurrence of
//! incidents of the same service and category before and after each fix, and the
//! resolutions the fixes made. Same choices and scope as the figures (the category filter
//! does not apply to problems).

use serde::Serialize;

use super::figures::{FigureQuery, PeriodView, choose};
use crate::db::Db;
use crate::error::AppResult;
use crate::service::Actor;
use crate::store;

/// Weeks compared on each side of a fix.
pub const WEEKS: i32 = 6;

/// A problem fixed in the period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FixedProblem {
    pub number: String,
    pub title: String,
    pub fixed_at: jiff::Timestamp,
    /// Incidents linked to it.
    pub linked: i64,
    /// Incidents of the same services and categories as its linked ones, opened in the
    /// `days` before the fix and in the `days` after it.
    pub before: i64,
    pub after: i64,
    /// Days compared on each side: 42, or fewer for a fix less than six weeks old.
    pub days: f64,
}

/// Problem management's yield over a period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemYield {
    pub period: PeriodView,
    pub time_zone: String,
    /// Problems fixed (`fix_applied`) in the period.
    pub fixed: i64,
    /// Incidents linked to them, in all.
    pub linked: i64,
    /// The median of incidents linked per fixed problem (nearest rank).
    pub median_linked: Option<i64>,
    /// Recurrence summed over the fixed problems: incidents of the same service and category
    /// before the fixes and after them.
    pub before: i64,
    pub after: i64,
    /// Resolutions in the period made by a problem's fix (`solved_by_problem`).
    pub solved_by_problem: i64,
    /// The fixed problems, most linked incidents first.
    pub problems: Vec<FixedProblem>,
}

/// Problem management's yield over the chosen period.
pub async fn problem_yield(db: &Db, actor: &Actor, query: &FigureQuery) -> AppResult<ProblemYield> {
    let chosen = choose(db, actor, query).await?;
    let selection = chosen.selection(chosen.period);
    let mut conn = db.insight().await?;
    let rows = store::insight_problems::fixed(&mut conn, &selection, WEEKS).await?;
    let solved_by_problem =
        store::insight_problems::solved_by_problem(&mut conn, &selection).await?;
    let mut counts: Vec<i64> = rows.iter().map(|r| r.linked).collect();
    counts.sort_unstable();
    // Nearest rank: the value at position ⌈n/2⌉.
    let median_linked = (!counts.is_empty()).then(|| counts[counts.len().div_ceil(2) - 1]);
    Ok(ProblemYield {
        period: chosen.period.into(),
        time_zone: chosen.time_zone_name.clone(),
        fixed: i64::try_from(rows.len()).unwrap_or(i64::MAX),
        linked: rows.iter().map(|r| r.linked).sum(),
        median_linked,
        before: rows.iter().map(|r| r.before).sum(),
        after: rows.iter().map(|r| r.after).sum(),
        solved_by_problem,
        problems: rows
            .into_iter()
            .map(|r| FixedProblem {
                number: r.number,
                title: r.title,
                fixed_at: r.fixed_at.to_jiff(),
                linked: r.linked,
                before: r.before,
                after: r.after,
                days: r.days,
            })
            .collect(),
    })
}

/// The fixed problems as CSV.
pub fn problems_csv(y: &ProblemYield) -> String {
    use crate::service::csv::csv_cell;
    use std::fmt::Write as _;
    let mut out = String::from("number,title,fixed_at,linked,before,after,days\r\n");
    for p in &y.problems {
        let _ = write!(
            out,
            "{},{},{},{},{},{},{:.1}\r\n",
            csv_cell(&p.number),
            csv_cell(&p.title),
            p.fixed_at,
            p.linked,
            p.before,
            p.after,
            p.days
        );
    }
    out
}
