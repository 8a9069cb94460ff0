//! "Something is broken": the report form, which first offers the known errors that match
//! what was typed ("Check for a solution"), each with "This solved it" (a deflection: no
//! ticket), and otherwise opens an incident for the one reporting.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::error::AppResult;
use crate::service::incidents;
use crate::service::known_errors::{self, SelfHelp};
use crate::state::AppState;
use crate::web::form::{FormState, field};
use crate::web::{Ctx, SignedIn, render, see_other};

#[derive(Template)]
#[template(path = "portal/report.html")]
struct ReportPage {
    ctx: Ctx,
    form: FormState,
    help: Vec<SelfHelp>,
    /// Whether the reader asked for solutions (so "none found" can be said).
    checked: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(super) struct Typed {
    title: String,
    description: String,
}

/// The form; with something typed (the "check" button sends it here), the matching known
/// errors above it.
pub(super) async fn report_form(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(typed): Query<Typed>,
) -> AppResult<Response> {
    let words = format!("{} {}", typed.title, typed.description);
    let checked = !words.trim().is_empty();
    let help = if checked {
        known_errors::self_help(&state.db, &actor, &words, 5).await?
    } else {
        Vec::new()
    };
    let form = FormState::with_values([
        ("title".to_owned(), typed.title),
        ("description".to_owned(), typed.description),
    ]);
    Ok(render(
        StatusCode::OK,
        &ReportPage {
            ctx,
            form,
            help,
            checked,
        },
    ))
}

pub(super) async fn report(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    form: crate::web::form::FilesForm,
) -> AppResult<Response> {
    let posted = form.fields;
    let title = field(&posted, "title");
    let description = field(&posted, "description");
    let reported = match form.files {
        Ok(files) => incidents::report(&state.db, &actor, title, description, files).await,
        Err(error) => Err(error),
    };
    match reported {
        Ok(incident) => {
            ctx.flash("success", ctx.tr.t1("portal.reported", &incident.number))
                .await?;
            Ok(see_other(&format!("/incidents/{}", incident.number)))
        }
        Err(error) => {
            let form = FormState::refused(posted, error, ctx.tr, "title")?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ReportPage {
                    ctx,
                    form,
                    help: Vec::new(),
                    checked: false,
                },
            ))
        }
    }
}

/// "This solved it": counted, and no ticket.
pub(super) async fn solved(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let problem = field(&posted, "problem").unwrap_or_default();
    let query = field(&posted, "query").unwrap_or_default();
    known_errors::solved_by(&state.db, &actor, &problem, &query).await?;
    ctx.flash("success", ctx.tr.t("portal.glad").to_owned())
        .await?;
    Ok(see_other("/portal"))
}
