//! Problem management's yield (`/insight/problems`): the problems fixed in the period, what
//! each removed, and its CSV.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{FigureQuery, Filters, filters, number, refused};
use crate::domain::{Locale, Permission};
use crate::error::AppResult;
use crate::service::insight::problems::{self, ProblemYield};
use crate::state::AppState;
use crate::web::{Ctx, SignedIn, render};

#[derive(Template)]
#[template(path = "insight/problems.html")]
struct ProblemsPage {
    ctx: Ctx,
    filters: Filters,
    shown: Option<ProblemYield>,
    query: String,
    action: &'static str,
    locale: Locale,
}

impl ProblemsPage {
    /// Days compared, whole.
    fn days(&self, days: impl std::borrow::Borrow<f64>) -> String {
        number(days.borrow().floor(), 0, self.locale)
    }

    /// The change from before to after, as a share of before.
    fn change(
        &self,
        before: impl std::borrow::Borrow<i64>,
        after: impl std::borrow::Borrow<i64>,
    ) -> String {
        #[expect(clippy::cast_precision_loss, reason = "counts")]
        let (b, a) = (*before.borrow() as f64, *after.borrow() as f64);
        crate::domain::insight::figures::change(Some(a), Some(b)).map_or_else(
            || "–".to_owned(),
            |c| {
                format!(
                    "{}{} %",
                    if c > 0.0 { "+" } else { "" },
                    number(c, 0, self.locale)
                )
            },
        )
    }
}

pub(super) async fn page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(query): Query<FigureQuery>,
) -> AppResult<Response> {
    actor.require(Permission::Read)?;
    let mut filters = filters(&state, &ctx, &actor, query.clone()).await?;
    let (shown, status) = match problems::problem_yield(&state.db, &actor, &query).await {
        Ok(y) => {
            filters.query.from = Some(y.period.from.to_string());
            filters.query.to = Some(y.period.to.to_string());
            (Some(y), StatusCode::OK)
        }
        Err(error) => {
            filters.error = Some(refused(&ctx, error)?);
            (None, StatusCode::UNPROCESSABLE_ENTITY)
        }
    };
    let page = ProblemsPage {
        filters,
        shown,
        query: query.to_query(),
        action: "/insight/problems",
        locale: actor.locale,
        ctx,
    };
    Ok(render(status, &page))
}

pub(super) async fn csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<FigureQuery>,
) -> AppResult<Response> {
    let y = problems::problem_yield(&state.db, &actor, &query).await?;
    Ok(crate::web::csv_file(
        "insight-problems.csv",
        problems::problems_csv(&y),
    ))
}
