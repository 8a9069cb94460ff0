//! The portal: one front door for everyone who asks for something (callers land here; staff
//! may use it for their own requests). The catalogue by department with self-help from known
//! errors, a request type's form, one's own requests and incidents, a request's journey
//! (status in the type's words, progress, replies, cancel), and "my approvals". Plain forms
//! that work without JavaScript; every operation is the API's service function.

mod ask;
mod feedback;
mod incident;
mod report;
mod request;

pub(crate) use request::labelled_answers;

use crate::web::record::{Incidents, Requests};

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use super::{Ctx, SignedIn, render};
use crate::domain::Locale;
use crate::domain::incident::IncidentState;
use crate::domain::request::RequestState;
use crate::error::AppResult;
use crate::service::incidents::{self, IncidentView, ListQuery};
use crate::service::known_errors::{self, SelfHelp};
use crate::service::record::RecordKind;
use crate::service::request_types::{self, RequestTypeView};
use crate::service::requests::{self, ApprovalView, RequestQuery, RequestView};
use crate::service::shares::{self, SharedView};
use crate::service::{Actor, PageRequest};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/portal", get(home))
        .route("/portal/ask/{key}", get(ask::ask_form).post(ask::ask))
        .route(
            "/portal/report",
            get(report::report_form).post(report::report),
        )
        .route("/portal/solved", post(report::solved))
        .route("/portal/requests", get(my_requests))
        .route("/portal/requests/{number}", get(feedback::show::<Requests>))
        .route(
            "/portal/requests/{number}/reply",
            post(feedback::reply::<Requests>),
        )
        .route("/portal/requests/{number}/cancel", post(request::cancel))
        .route("/portal/requests/{number}/decision", post(request::decide))
        .route(
            "/portal/requests/{number}/confirm",
            post(feedback::confirm::<Requests>),
        )
        .route(
            "/portal/requests/{number}/reopen",
            post(feedback::reopen::<Requests>),
        )
        .route(
            "/portal/requests/{number}/rate",
            post(feedback::rate::<Requests>),
        )
        .route(
            "/portal/incidents/{number}",
            get(feedback::show::<Incidents>),
        )
        .route(
            "/portal/incidents/{number}/reply",
            post(feedback::reply::<Incidents>),
        )
        .route(
            "/portal/incidents/{number}/follow-up",
            post(incident::follow_up),
        )
        .route(
            "/portal/incidents/{number}/confirm",
            post(feedback::confirm::<Incidents>),
        )
        .route(
            "/portal/incidents/{number}/reopen",
            post(feedback::reopen::<Incidents>),
        )
        .route(
            "/portal/incidents/{number}/rate",
            post(feedback::rate::<Incidents>),
        )
        .route(
            "/portal/requests/{number}/shares",
            post(feedback::share::<Requests>),
        )
        .route(
            "/portal/requests/{number}/shares/unshare",
            post(feedback::unshare::<Requests>),
        )
        .route(
            "/portal/incidents/{number}/shares",
            post(feedback::share::<Incidents>),
        )
        .route(
            "/portal/incidents/{number}/shares/unshare",
            post(feedback::unshare::<Incidents>),
        )
        .route("/portal/approvals", get(my_approvals))
}

/// A department's part of the catalogue.
struct Shelf {
    department: String,
    types: Vec<RequestTypeView>,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    ctx: Ctx,
    q: String,
    help: Vec<SelfHelp>,
    shelves: Vec<Shelf>,
    pending_approvals: i64,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Search {
    q: String,
}

/// The whole catalogue, by department (a few hundred types at most).
pub(super) async fn catalogue(state: &AppState, actor: &Actor) -> AppResult<Vec<RequestTypeView>> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page =
            request_types::list(&state.db, actor, None, PageRequest { after, limit: 200 }).await?;
        all.extend(page.items.into_iter().filter(|t| t.active));
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(all),
        }
    }
}

async fn home(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Query(search): Query<Search>,
) -> AppResult<Response> {
    let q = search.q.trim().to_owned();
    let help = if q.is_empty() {
        Vec::new()
    } else {
        known_errors::self_help(&state.db, &actor, &q, 5).await?
    };
    let words: Vec<String> = q
        .to_lowercase()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let reference = crate::service::reference::data(&state.db).await?;
    let department_name = |key: &str| {
        reference
            .department_by_key(key)
            .map_or_else(|| key.to_owned(), |d| d.name.clone())
    };
    let mut shelves: Vec<Shelf> = Vec::new();
    for t in catalogue(&state, &actor).await? {
        let text = format!("{} {}", t.name, t.description).to_lowercase();
        if !words.is_empty() && !words.iter().any(|w| text.contains(w.as_str())) {
            continue;
        }
        let department = department_name(&t.department);
        match shelves.iter_mut().find(|s| s.department == department) {
            Some(shelf) => shelf.types.push(t),
            None => shelves.push(Shelf {
                department,
                types: vec![t],
            }),
        }
    }
    let pending_approvals = requests::pending_count(&state.db, &actor).await?;
    Ok(render(
        StatusCode::OK,
        &HomePage {
            ctx,
            q,
            help,
            shelves,
            pending_approvals,
        },
    ))
}

/// A request in a list, with the status in its type's words.
struct Row {
    request: RequestView,
    status: String,
}

/// The status a caller reads: the type's own name for it in their language, else the desk's.
pub(super) fn status_name(
    ctx: &Ctx,
    kind: Option<&RequestTypeView>,
    state: RequestState,
) -> String {
    let locale = Locale::parse(ctx.tr.lang()).unwrap_or(Locale::En);
    kind.and_then(|k| k.status_name(locale, state))
        .map_or_else(|| ctx.tr.t(state.label_key()).to_owned(), str::to_owned)
}

#[derive(Template)]
#[template(path = "portal/requests.html")]
struct RequestsPage {
    ctx: Ctx,
    rows: Vec<Row>,
    incidents: Vec<IncidentView>,
    /// The records shared with the reader: their portal page, status and the record.
    shared: Vec<(String, String, SharedView)>,
}

async fn my_requests(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
) -> AppResult<Response> {
    let query = RequestQuery {
        caller: Some("me".to_owned()),
        ..RequestQuery::default()
    };
    let page = requests::list(&state.db, &actor, &query, None, 50).await?;
    // The types of the requests shown, for their status names (not the whole catalogue).
    let mut kinds: Vec<RequestTypeView> = Vec::new();
    for request in &page.items {
        if !kinds.iter().any(|k| k.key == request.request_type)
            && let Ok(kind) = request_types::get(&state.db, &actor, &request.request_type).await
        {
            kinds.push(kind);
        }
    }
    let rows = page
        .items
        .into_iter()
        .map(|request| Row {
            status: status_name(
                &ctx,
                kinds.iter().find(|k| k.key == request.request_type),
                request.state,
            ),
            request,
        })
        .collect();
    let incidents = incidents::list(
        &state.db,
        &actor,
        &ListQuery {
            caller: Some(actor.email.clone()),
            ..ListQuery::default()
        },
        None,
        20,
    )
    .await?
    .items;
    let shared = shares::with_me(
        &state.db,
        &actor,
        PageRequest {
            after: None,
            limit: 50,
        },
    )
    .await?
    .items
    .into_iter()
    .map(|s| {
        let (kind, label) = if s.kind == "incident" {
            let label = IncidentState::parse(&s.state).map(IncidentState::label_key);
            (RecordKind::Incident, label.ok())
        } else {
            let label = RequestState::parse(&s.state).map(RequestState::label_key);
            (RecordKind::Request, label.ok())
        };
        let status = label.map_or_else(|| s.state.clone(), |key| ctx.tr.t(key).to_owned());
        (feedback::page_of(kind, &s.number), status, s)
    })
    .collect();
    Ok(render(
        StatusCode::OK,
        &RequestsPage {
            ctx,
            rows,
            incidents,
            shared,
        },
    ))
}

#[derive(Template)]
#[template(path = "portal/approvals.html")]
struct ApprovalsPage {
    ctx: Ctx,
    pending: Vec<ApprovalView>,
}

impl ApprovalsPage {
    fn asked_by(&self, approval: &ApprovalView) -> String {
        self.ctx
            .tr
            .tn("portal.asked_by", &[&approval.caller, &approval.stage_name])
    }
}

async fn my_approvals(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
) -> AppResult<Response> {
    let pending = requests::my_approvals(
        &state.db,
        &actor,
        false,
        PageRequest {
            after: None,
            limit: 200,
        },
    )
    .await?
    .items;
    Ok(render(StatusCode::OK, &ApprovalsPage { ctx, pending }))
}
