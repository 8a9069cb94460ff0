//! Service insight's pages. So far the KPI catalogue: the definitions every figure follows,
//! from `docs/metrics.md` (`domain::insight`).

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::{Ctx, SignedIn, render};
use crate::domain::Permission;
use crate::domain::insight::{self, Kpi};
use crate::error::AppResult;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/insight/kpis", get(kpis))
}

#[derive(Template)]
#[template(path = "insight/kpis.html")]
struct KpisPage {
    ctx: Ctx,
    version: u32,
    kpis: &'static [Kpi],
}

impl KpisPage {
    /// A definition's text with its `code`, bold and emphasis marked up (escaped first).
    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn html(&self, text: &str) -> String {
        insight::inline_html(text)
    }
}

/// The KPI catalogue, for staff.
async fn kpis(SignedIn { ctx, actor }: SignedIn) -> AppResult<Response> {
    actor.require(Permission::Read)?;
    let catalogue = insight::catalogue();
    Ok(render(
        StatusCode::OK,
        &KpisPage {
            ctx,
            version: catalogue.version,
            kpis: &catalogue.kpis,
        },
    ))
}
