//! The value stream page: handoffs, where the time goes, the paths; and its CSV.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{FigureQuery, Filters, filters, hours, number, refused};
use crate::domain::{FieldError, Locale, Permission};
use crate::error::{AppError, AppResult};
use crate::service::insight::figures;
use crate::service::insight::flow::{self as figures_flow, Flow};
use crate::state::AppState;
use crate::web::{Ctx, SignedIn, render};

/// A row of the handoff matrix: the sending group, and each cell's words and heat class.
type MatrixRow = (String, Vec<(String, &'static str)>);

#[derive(Template)]
#[template(path = "insight/flow.html")]
struct FlowPage {
    ctx: Ctx,
    filters: Filters,
    flow: Option<Flow>,
    query: String,
    time_zone: String,
    action: &'static str,
    /// The groups of the matrix, in order; each row: the sending group, its cells (count
    /// with returns, heat class).
    matrix_groups: Vec<String>,
    matrix: Vec<MatrixRow>,
    variants_chart: String,
    locale: Locale,
}

impl FlowPage {
    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn hours(&self, seconds: impl std::borrow::Borrow<i64>) -> String {
        hours(*seconds.borrow())
    }

    fn percent(&self, value: impl std::borrow::Borrow<f64>) -> String {
        format!("{} %", number(*value.borrow(), 1, self.locale))
    }
}

/// The handoff matrix: every group on either end, rows sending, columns receiving; a cell
/// says its count (and returns), its class how hot it is among the cells.
fn matrix(flow: &Flow) -> (Vec<String>, Vec<MatrixRow>) {
    let mut groups: Vec<String> = flow
        .handoffs
        .iter()
        .flat_map(|h| [h.from.clone(), h.to.clone()])
        .collect();
    groups.sort();
    groups.dedup();
    let max = flow
        .handoffs
        .iter()
        .map(|h| h.handoffs)
        .max()
        .unwrap_or(1)
        .max(1);
    let rows = groups
        .iter()
        .map(|from| {
            let cells = groups
                .iter()
                .map(|to| {
                    match flow
                        .handoffs
                        .iter()
                        .find(|h| &h.from == from && &h.to == to)
                    {
                        None => (String::new(), "heat-0"),
                        Some(h) => {
                            let class = match h.handoffs * 4 / max {
                                0 => "heat-1",
                                1 => "heat-2",
                                2 => "heat-3",
                                _ => "heat-4",
                            };
                            let text = if h.returns > 0 {
                                format!("{} ({} ↩)", h.handoffs, h.returns)
                            } else {
                                h.handoffs.to_string()
                            };
                            (text, class)
                        }
                    }
                })
                .collect();
            (from.clone(), cells)
        })
        .collect();
    (groups, rows)
}

/// The value stream page: handoffs, where the time goes, the paths.
pub(super) async fn flow(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(query): Query<FigureQuery>,
) -> AppResult<Response> {
    actor.require(Permission::Read)?;
    let mut filters = filters(&state, &ctx, &actor, query.clone()).await?;
    let reference = crate::service::reference::data(&state.db).await?;
    let time_zone = figures::desk_time_zone_name(&reference);
    let (flow, status) = match figures_flow::flow(&state.db, &actor, &query).await {
        Ok(flow) => {
            filters.query.from = Some(flow.period.from.to_string());
            filters.query.to = Some(flow.period.to.to_string());
            (Some(flow), StatusCode::OK)
        }
        Err(error) => {
            filters.error = Some(refused(&ctx, error)?);
            (None, StatusCode::UNPROCESSABLE_ENTITY)
        }
    };
    let (matrix_groups, matrix) = flow.as_ref().map(matrix).unwrap_or_default();
    let variants_chart = flow
        .as_ref()
        .map(|f| {
            let items: Vec<(String, f64, String)> = f
                .variants
                .iter()
                .map(|v| {
                    (
                        v.path.join(" → "),
                        v.share,
                        format!("{} %", number(v.share, 1, actor.locale)),
                    )
                })
                .collect();
            crate::web::chart::bars(ctx.tr.t("insight.variants"), &items)
        })
        .unwrap_or_default();
    let page = FlowPage {
        filters,
        flow,
        query: query.to_query(),
        time_zone,
        action: "/insight/flow",
        matrix_groups,
        matrix,
        variants_chart,
        locale: actor.locale,
        ctx,
    };
    Ok(render(status, &page))
}

#[derive(Debug, Clone, serde::Deserialize)]
pub(super) struct FlowCsvQuery {
    table: Option<String>,
    #[serde(flatten)]
    figure: FigureQuery,
}

pub(super) async fn flow_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<FlowCsvQuery>,
) -> AppResult<Response> {
    let table = figures_flow::Table::parse(query.table.as_deref().unwrap_or("handoffs"))
        .ok_or_else(|| AppError::InvalidParameter(FieldError::new("table", "error.table")))?;
    let flow = figures_flow::flow(&state.db, &actor, &query.figure).await?;
    Ok(crate::web::csv_file(
        "insight-flow.csv",
        figures_flow::flow_csv(&flow, table),
    ))
}
