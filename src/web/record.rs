//! The record kinds a caller has (incidents and requests) as routes' type parameters, for the
//! pages that treat both alike: the portal's record pages and sharing from the agent pages.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::record::RecordKind;
use crate::service::shares::{self, ShareInput};
use crate::state::AppState;
use crate::web::form::{FormState, field};
use crate::web::{Ctx, SignedIn, see_other};

/// A record kind, as a route's type parameter.
pub(crate) trait Record {
    const KIND: RecordKind;
}

pub(crate) struct Incidents;
pub(crate) struct Requests;

impl Record for Incidents {
    const KIND: RecordKind = RecordKind::Incident;
}

impl Record for Requests {
    const KIND: RecordKind = RecordKind::Request;
}

/// The agent page of a record.
fn agent_page(kind: RecordKind, number: &str) -> String {
    format!("/{}/{}", kind.collection(), number.to_ascii_uppercase())
}

/// An agent shares the record with the person typed in; refused, the page again with the
/// typing and the error at the field.
pub(crate) async fn share<R: Record>(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let input = ShareInput {
        person: field(&posted, "person"),
    };
    match shares::share(&state.db, &actor, R::KIND, &number, input, None).await {
        Ok(_) => {
            ctx.flash("success", ctx.tr.t("portal.shared").to_owned())
                .await?;
            Ok(see_other(&format!(
                "{}#shares",
                agent_page(R::KIND, &number)
            )))
        }
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            let form = FormState::refused(posted, error, ctx.tr, "person")?;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            match R::KIND {
                RecordKind::Incident => {
                    super::incidents::page_with_share_form(
                        &state, ctx, &actor, &number, form, status,
                    )
                    .await
                }
                RecordKind::Request => {
                    super::requests::page_with(&state, ctx, &actor, &number, form, status).await
                }
            }
        }
        Err(other) => Err(other),
    }
}

/// Ends the share with the person the form names, saying so; the person posted.
pub(crate) async fn end_share(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    kind: RecordKind,
    number: &str,
    posted: &[(String, String)],
) -> AppResult<String> {
    let person = field(posted, "person").unwrap_or_default();
    shares::unshare(&state.db, actor, kind, number, &person).await?;
    ctx.flash("success", ctx.tr.t("portal.unshared").to_owned())
        .await?;
    Ok(person)
}

/// An agent stops sharing the record with a person.
pub(crate) async fn unshare<R: Record>(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    end_share(&state, &ctx, &actor, R::KIND, &number, &posted).await?;
    Ok(see_other(&format!(
        "{}#shares",
        agent_page(R::KIND, &number)
    )))
}
