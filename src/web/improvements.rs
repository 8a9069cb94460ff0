//! The improvement register's pages: the list (`/improvements`, with counts per state and
//! as CSV), the form to submit an idea (from an incident or problem page, linked to it), and
//! an idea's page with its history and, for process owners, the form that moves it on.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use super::form::{Fields, FormState};
use super::{Ctx, SignedIn, render, see_other};
use crate::domain::Permission;
use crate::domain::improvement::ImprovementState;
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::improvements::{
    self, ImprovementInput, ImprovementMove, ImprovementView, StateCount,
};
use crate::service::journal::JournalView;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/improvements", get(list).post(create))
        .route("/improvements.csv", get(list_csv))
        .route("/improvements/new", get(new))
        .route("/improvements/{number}", get(show))
        .route("/improvements/{number}/move", post(move_on))
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
struct ListQuery {
    state: Option<String>,
    mine: Option<String>,
    after: Option<String>,
}

impl ListQuery {
    fn mine(&self) -> bool {
        matches!(self.mine.as_deref(), Some("true" | "on"))
    }

    /// The query string of the same choices (without the page).
    fn choices(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self
            .state
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            parts.push(format!("state={}", crate::url::encode(s)));
        }
        if self.mine() {
            parts.push("mine=true".to_owned());
        }
        parts.join("&")
    }
}

#[derive(Template)]
#[template(path = "improvements/list.html")]
struct ListPage {
    ctx: Ctx,
    items: Vec<ImprovementView>,
    counts: Vec<StateCount>,
    state: String,
    mine: bool,
    choices: String,
    next: Option<String>,
    may_submit: bool,
}

impl ListPage {
    fn days(&self, days: impl std::borrow::Borrow<Option<f64>>) -> String {
        crate::web::insight::whole_days(*days.borrow(), self.ctx.tr.locale)
    }
}

const PAGE: i64 = 50;

async fn list(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let page = improvements::list(
        &state.db,
        &actor,
        query.state.as_deref().filter(|s| !s.trim().is_empty()),
        query.mine(),
        query.after.as_deref(),
        PAGE,
    )
    .await?;
    let counts = improvements::counts(&state.db, &actor).await?;
    let page = ListPage {
        items: page.items,
        counts,
        state: query.state.clone().unwrap_or_default(),
        mine: query.mine(),
        choices: query.choices(),
        next: page.next.map(|n| crate::url::encode(&n)),
        may_submit: actor.can(Permission::WorkIncidents),
        ctx,
    };
    Ok(render(StatusCode::OK, &page))
}

async fn list_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    const EXPORT_PAGE: i64 = 1000;
    let first = improvements::list(
        &state.db,
        &actor,
        query.state.as_deref().filter(|s| !s.trim().is_empty()),
        query.mine(),
        None,
        EXPORT_PAGE,
    )
    .await?;
    let header = "number,title,state,reason,incident,problem,submitted_by,submitted_at,state_since,marker\r\n";
    let db = state.db.clone();
    Ok(crate::web::csv_download(
        "improvements.csv",
        header,
        first.fold_items(|rows| super::csv_lines(&improvements::csv(&rows))),
        move |after| {
            let (db, actor, query) = (db.clone(), actor.clone(), query.clone());
            async move {
                let page = improvements::list(
                    &db,
                    &actor,
                    query.state.as_deref().filter(|s| !s.trim().is_empty()),
                    query.mine(),
                    Some(&after),
                    EXPORT_PAGE,
                )
                .await?;
                Ok(page.fold_items(|rows| super::csv_lines(&improvements::csv(&rows))))
            }
        },
    ))
}

#[derive(Template)]
#[template(path = "improvements/new.html")]
struct NewPage {
    ctx: Ctx,
    form: FormState,
}

#[derive(Debug, Default, serde::Deserialize)]
struct About {
    incident: Option<String>,
    problem: Option<String>,
}

/// The form to submit an idea, about the incident or problem named (if any).
async fn new(SignedIn { ctx, actor }: SignedIn, Query(about): Query<About>) -> AppResult<Response> {
    actor.require(Permission::WorkIncidents)?;
    let mut form = FormState::default();
    for (name, value) in [("incident", &about.incident), ("problem", &about.problem)] {
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            form.set(name, v);
        }
    }
    Ok(render(StatusCode::OK, &NewPage { ctx, form }))
}

async fn create(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let text = |name: &str| super::form::text(&fields, name);
    let input = ImprovementInput {
        title: text("title"),
        description: text("description"),
        incident: text("incident"),
        problem: text("problem"),
    };
    match improvements::create(&state.db, &actor, input, None).await {
        Ok(crate::service::idempotency::Created::New(idea)) => {
            ctx.flash("success", ctx.tr.t1("improvement.submitted", &idea.number))
                .await?;
            Ok(see_other(&format!("/improvements/{}", idea.number)))
        }
        Ok(crate::service::idempotency::Created::Replayed { .. }) => {
            Ok(see_other("/improvements?mine=true"))
        }
        Err(error) => {
            let form = FormState::refused(fields, error, ctx.tr, "title")?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewPage { ctx, form },
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "improvements/show.html")]
struct ShowPage {
    ctx: Ctx,
    idea: ImprovementView,
    /// Its history, for the shared timeline (which also needs `files_base` and
    /// `files_removable`; ideas carry no files).
    journal: Vec<JournalView>,
    files_base: String,
    files_removable: bool,
    /// The moves the reader may make (process owners), with their labels.
    moves: Vec<(&'static str, String)>,
    form: FormState,
    /// Someone else moved the idea since the reader's page was made.
    conflict: bool,
    /// A done idea the reader may record as a PDCA marker (it has none yet).
    may_mark: bool,
}

impl ShowPage {
    fn state_label(&self) -> &str {
        self.ctx.tr.t(self.idea.state.label_key())
    }
}

async fn show_page(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    number: &str,
    form: FormState,
    conflict: bool,
) -> AppResult<Response> {
    let idea = improvements::get(&state.db, actor, number).await?;
    let journal = improvements::journal(&state.db, actor, number).await?;
    let moves = if improvements::may_triage(actor) {
        idea.state
            .next()
            .iter()
            .map(|s| (s.as_str(), ctx.tr.t(s.label_key()).to_owned()))
            .collect()
    } else {
        Vec::new()
    };
    let may_mark = improvements::may_triage(actor)
        && idea.state == ImprovementState::Done
        && idea.marker.is_none();
    let status = if form.has_errors() || conflict {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut form = form;
    if conflict || !form.has_errors() {
        form.set("version", idea.version.to_string());
    }
    Ok(render(
        status,
        &ShowPage {
            ctx,
            files_base: format!("/improvements/{}", idea.number),
            idea,
            journal,
            files_removable: false,
            moves,
            form,
            conflict,
            may_mark,
        },
    ))
}

async fn show(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
) -> AppResult<Response> {
    show_page(&state, ctx, &actor, &number, FormState::default(), false).await
}

/// A process owner moves the idea on; a move made meanwhile by someone else is shown, with
/// the reader's choice and reason kept to send again.
async fn move_on(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(fields): Fields,
) -> AppResult<Response> {
    let text = |name: &str| super::form::text(&fields, name);
    let version = text("version").and_then(|v| v.parse::<i64>().ok());
    let input = ImprovementMove {
        state: text("state"),
        reason: text("reason"),
    };
    match improvements::triage(&state.db, &actor, &number, input, version).await {
        Ok(idea) => {
            let text = ctx.tr.tn(
                "improvement.moved",
                &[&idea.number, ctx.tr.t(idea.state.label_key())],
            );
            ctx.flash("success", text).await?;
            Ok(see_other(&format!("/improvements/{}", idea.number)))
        }
        Err(AppError::PreconditionFailed(_)) => {
            let mut form = FormState::with_values(fields);
            form.set("version", "");
            show_page(&state, ctx, &actor, &number, form, true).await
        }
        Err(error) => {
            let form = FormState::refused(fields, error, ctx.tr, "state")?;
            show_page(&state, ctx, &actor, &number, form, false).await
        }
    }
}
