//! Attachments on the pages: a record's file downloaded (as the API serves it, with the same
//! guards), and removed from the journal timeline. Uploads come with the comment forms
//! (`form::FilesForm`).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use uuid::Uuid;

use super::form::{Fields, error_line, field};
use super::{SignedIn, see_other};
use crate::error::AppResult;
use crate::http::files;
use crate::service::attachments::{self, Attachable};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    [
        Attachable::Incident,
        Attachable::Problem,
        Attachable::Request,
    ]
    .into_iter()
    .fold(Router::new(), |router, kind| {
        let base = format!("/{}/{{number}}/attachments/{{id}}", kind.collection());
        router
            .route(
                &base,
                get(
                    move |State(state): State<AppState>,
                          SignedIn { actor, .. }: SignedIn,
                          Path((number, id)): Path<(String, Uuid)>,
                          headers: HeaderMap| async move {
                        download(&state, &actor, kind, &number, id, &headers).await
                    },
                ),
            )
            .route(
                &format!("{base}/remove"),
                post(
                    move |State(state): State<AppState>,
                          signed: SignedIn,
                          Path((number, id)): Path<(String, Uuid)>,
                          axum::Form(fields): Fields| async move {
                        remove(&state, signed, kind, &number, id, &fields).await
                    },
                ),
            )
    })
}

async fn download(
    state: &AppState,
    actor: &crate::service::Actor,
    kind: Attachable,
    number: &str,
    id: Uuid,
    headers: &HeaderMap,
) -> AppResult<Response> {
    let download = attachments::download(&state.db, actor, kind, number, id).await?;
    Ok(files::download_response(download, headers))
}

/// Removes the file and goes back to the page it was removed on (the portal's or the desk's).
async fn remove(
    state: &AppState,
    SignedIn { ctx, actor }: SignedIn,
    kind: Attachable,
    number: &str,
    id: Uuid,
    fields: &[(String, String)],
) -> AppResult<Response> {
    let number = number.to_ascii_uppercase();
    match attachments::remove(&state.db, &actor, kind, &number, id).await {
        Ok(()) => {
            ctx.flash("success", ctx.tr.t("attachments.removed").to_owned())
                .await?;
        }
        Err(error) => ctx.flash("error", error_line(&error, &ctx)).await?,
    }
    let portal = field(fields, "back").as_deref() == Some("portal") && kind != Attachable::Problem;
    let prefix = if portal { "/portal" } else { "" };
    Ok(see_other(&format!(
        "{prefix}/{}/{number}#journal",
        kind.collection()
    )))
}
