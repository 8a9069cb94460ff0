//! The value stream: handoffs between groups (the matrix, with returns and the wait after
//! each), where each group's time goes (work, waiting in the queue, on hold by reason) with
//! its flow efficiency, and the most frequent paths through the groups. Same choices and
//! scope as the figures.

use std::fmt::Write as _;

use serde::Serialize;

use super::figures::{FigureQuery, PeriodView, choose};
use crate::db::Db;
use crate::error::AppResult;
use crate::service::Actor;
use crate::service::csv::optional;
use crate::store;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandoffView {
    pub from: String,
    pub to: String,
    pub handoffs: i64,
    /// Of those, returns to a group the incident had left before (ping-pong).
    pub returns: i64,
    /// Median calendar seconds until the receiving group worked on it.
    pub median_wait: Option<i64>,
}

/// Where one group's time went in the period (calendar seconds).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct GroupFlow {
    /// The group's key; `null`: incidents without a group.
    pub group: Option<String>,
    /// In progress with a person assigned.
    pub work: i64,
    /// New, or in progress without a person: waiting in the queue.
    pub queue: i64,
    /// On hold, per reason.
    pub awaiting_caller: i64,
    pub awaiting_vendor: i64,
    pub awaiting_change: i64,
    pub awaiting_problem: i64,
    /// Resolved, waiting to be closed (neither work nor wait).
    pub resolved: i64,
    /// Work ÷ (work + queue + hold) × 100.
    pub flow_efficiency: Option<f64>,
}

impl GroupFlow {
    pub fn waiting(&self) -> i64 {
        self.queue
            + self.awaiting_caller
            + self.awaiting_vendor
            + self.awaiting_change
            + self.awaiting_problem
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VariantView {
    /// The groups in the order the incidents were open in them.
    pub path: Vec<String>,
    pub incidents: i64,
    /// Percent of the incidents first resolved in the period.
    pub share: f64,
    /// Median calendar seconds from opened to the first resolution.
    pub median: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Flow {
    pub period: PeriodView,
    pub handoffs: Vec<HandoffView>,
    pub groups: Vec<GroupFlow>,
    /// The ten most frequent paths.
    pub variants: Vec<VariantView>,
    /// The incidents first resolved in the period (the variants' whole).
    pub resolved: i64,
}

/// The paths shown.
const VARIANTS: usize = 10;

/// The matrix, the time per group and the paths at once, each on its own connection.
async fn parts(
    db: &Db,
    chosen: &super::figures::Chosen,
    selection: &store::insight_figures::Selection,
) -> AppResult<(
    Vec<store::insight_flow::HandoffCell>,
    Vec<store::insight_flow::GroupTime>,
    Vec<store::insight_flow::Variant>,
)> {
    tokio::try_join!(
        async {
            let mut conn = db.insight().await?;
            AppResult::Ok(store::insight_flow::handoffs(&mut conn, selection).await?)
        },
        async {
            let mut conn = db.insight().await?;
            AppResult::Ok(
                match super::rollups::group_times(&mut conn, chosen).await? {
                    Some(times) => times,
                    None => store::insight_flow::group_times(&mut conn, selection).await?,
                },
            )
        },
        async {
            let mut conn = db.insight().await?;
            AppResult::Ok(store::insight_flow::variants(&mut conn, selection).await?)
        },
    )
}

pub async fn flow(db: &Db, actor: &Actor, query: &FigureQuery) -> AppResult<Flow> {
    let chosen = choose(db, actor, query).await?;
    let selection = chosen.selection(chosen.period);
    let (cells, times, paths) = parts(db, &chosen, &selection).await?;
    let handoffs = cells
        .into_iter()
        .map(|c| HandoffView {
            from: c.from_group,
            to: c.to_group,
            handoffs: c.handoffs,
            returns: c.returns,
            median_wait: c.median_wait,
        })
        .collect();
    let mut groups: Vec<GroupFlow> = Vec::new();
    for t in times {
        if groups.last().is_none_or(|g| g.group != t.group_key) {
            groups.push(GroupFlow {
                group: t.group_key.clone(),
                ..GroupFlow::default()
            });
        }
        let Some(g) = groups.last_mut() else { continue };
        let slot = match (t.state.as_str(), t.hold_reason.as_deref(), t.assigned) {
            ("in_progress", _, true) => &mut g.work,
            ("new" | "in_progress", _, _) => &mut g.queue,
            ("on_hold", Some("awaiting_caller"), _) => &mut g.awaiting_caller,
            ("on_hold", Some("awaiting_vendor"), _) => &mut g.awaiting_vendor,
            ("on_hold", Some("awaiting_change"), _) => &mut g.awaiting_change,
            ("on_hold", _, _) => &mut g.awaiting_problem,
            _ => &mut g.resolved,
        };
        *slot += t.seconds;
    }
    for g in &mut groups {
        let total = g.work + g.waiting();
        #[expect(clippy::cast_precision_loss, reason = "seconds far below 2^52")]
        let efficiency = (total > 0).then(|| g.work as f64 / total as f64 * 100.0);
        g.flow_efficiency = efficiency;
    }
    // Every path, its groups by key ('–' for none), the most frequent first (then by path).
    let reference = crate::service::reference::data(db).await?;
    let key = |group: Option<uuid::Uuid>| {
        group
            .and_then(|id| reference.group_by_id(id))
            .map_or_else(|| "–".to_owned(), |g| g.key.clone())
    };
    let mut variants: Vec<store::insight_flow::Variant<String>> = paths
        .into_iter()
        .map(|v| store::insight_flow::Variant {
            path: v.path.into_iter().map(key).collect(),
            incidents: v.incidents,
            median_secs: v.median_secs,
        })
        .collect();
    variants.sort_by(|a, b| {
        b.incidents
            .cmp(&a.incidents)
            .then_with(|| a.path.cmp(&b.path))
    });
    let resolved: i64 = variants.iter().map(|v| v.incidents).sum();
    let variants = variants
        .into_iter()
        .take(VARIANTS)
        .map(|v| VariantView {
            #[expect(clippy::cast_precision_loss, reason = "counts")]
            share: if resolved > 0 {
                v.incidents as f64 / resolved as f64 * 100.0
            } else {
                0.0
            },
            path: v.path,
            incidents: v.incidents,
            median: v.median_secs,
        })
        .collect();
    Ok(Flow {
        period: chosen.period.into(),
        handoffs,
        groups,
        variants,
        resolved,
    })
}

/// The flow's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Handoffs,
    Groups,
    Variants,
}

impl Table {
    pub fn parse(text: &str) -> Option<Table> {
        match text {
            "handoffs" => Some(Table::Handoffs),
            "groups" => Some(Table::Groups),
            "variants" => Some(Table::Variants),
            _ => None,
        }
    }
}

/// One of the flow's tables as CSV.
pub fn flow_csv(flow: &Flow, table: Table) -> String {
    use crate::service::csv::csv_cell;
    let mut out = String::new();
    match table {
        Table::Handoffs => {
            out.push_str("from,to,handoffs,returns,median_wait_seconds\r\n");
            for h in &flow.handoffs {
                let _ = write!(
                    out,
                    "{},{},{},{},{}\r\n",
                    csv_cell(&h.from),
                    csv_cell(&h.to),
                    h.handoffs,
                    h.returns,
                    optional(h.median_wait)
                );
            }
        }
        Table::Groups => {
            out.push_str(
                "group,work,queue,awaiting_caller,awaiting_vendor,awaiting_change,awaiting_problem,resolved,flow_efficiency\r\n",
            );
            for g in &flow.groups {
                let _ = write!(
                    out,
                    "{},{},{},{},{},{},{},{},{}\r\n",
                    csv_cell(g.group.as_deref().unwrap_or_default()),
                    g.work,
                    g.queue,
                    g.awaiting_caller,
                    g.awaiting_vendor,
                    g.awaiting_change,
                    g.awaiting_problem,
                    g.resolved,
                    optional(g.flow_efficiency.map(|e| format!("{e:.1}")))
                );
            }
        }
        Table::Variants => {
            out.push_str("path,incidents,share,median_seconds\r\n");
            for v in &flow.variants {
                let _ = write!(
                    out,
                    "{},{},{:.1},{}\r\n",
                    csv_cell(&v.path.join(" > ")),
                    v.incidents,
                    v.share,
                    optional(v.median)
                );
            }
        }
    }
    out
}
