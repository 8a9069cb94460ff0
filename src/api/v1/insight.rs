//! `/api/v1/insight`: service insight. So far the KPI catalogue, the definitions every figure
//! follows (`docs/metrics.md`, `domain::insight`); the figures come with issue 15's facts.

use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::api::extract::ApiActor;
use crate::domain::Permission;
use crate::domain::insight::{self, Catalogue};
use crate::error::{AppResult, Problem};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(kpis))
}

/// The KPI catalogue: each KPI's id (stable; a changed definition is a new `version`), name,
/// formula in words, unit and clocks, the period it counts in, what is included and excluded.
/// The same text as `docs/metrics.md`. For staff (viewer and up).
#[utoipa::path(get, path = "/api/v1/insight/kpis", tag = "insight",
    security(("bearer" = [])),
    responses((status = 200, body = Catalogue), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn kpis(ApiActor(actor): ApiActor) -> AppResult<Json<&'static Catalogue>> {
    actor.require(Permission::Read)?;
    Ok(Json(insight::catalogue()))
}
