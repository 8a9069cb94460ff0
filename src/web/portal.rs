//! The portal: one front door for everyone who asks for something (callers land here; staff
//! may use it for their own requests). The catalogue by department with self-help from known
//! errors, a request type's form, one's own requests and incidents, a request's journey
//! (status in the type's words, progress, replies, cancel), and "my approvals". Plain forms
//! that work without JavaScript; every operation is the API's service function.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value};

use super::form::{FormState, field};
use super::{Ctx, SignedIn, render, see_other};
use crate::domain::Locale;
use crate::domain::form::{FieldKind, FormField};
use crate::domain::request::RequestState;
use crate::error::{AppError, AppResult};
use crate::service::incidents::{self, IncidentView, ListQuery};
use crate::service::journal::{CommentInput, JournalView};
use crate::service::known_errors::{self, SelfHelp};
use crate::service::request_types::{self, RequestTypeView};
use crate::service::requests::{
    self, ApprovalView, DecisionInput, NewRequestInput, RequestQuery, RequestTransitionInput,
    RequestView,
};
use crate::service::{Actor, PageRequest};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/portal", get(home))
        .route("/portal/ask/{key}", get(ask_form).post(ask))
        .route("/portal/requests", get(my_requests))
        .route("/portal/requests/{number}", get(request_page))
        .route("/portal/requests/{number}/reply", post(reply))
        .route("/portal/requests/{number}/cancel", post(cancel))
        .route("/portal/requests/{number}/decision", post(decide))
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
    pending_approvals: usize,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Search {
    q: String,
}

/// The whole catalogue, by department (a few hundred types at most).
async fn catalogue(state: &AppState, actor: &Actor) -> AppResult<Vec<RequestTypeView>> {
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
            .departments
            .iter()
            .find(|d| d.key == key)
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
    let pending_approvals = requests::my_approvals(
        &state.db,
        &actor,
        false,
        PageRequest {
            after: None,
            limit: 200,
        },
    )
    .await?
    .items
    .len();
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

/// One form field as the page shows it.
struct FieldInput {
    name: String,
    label: String,
    kind: FieldKind,
    required: bool,
    help: Option<String>,
    /// Each choice and whether it is chosen.
    choices: Vec<(String, bool)>,
    value: String,
    checked: bool,
    error: Option<String>,
    /// "Only when …": the condition in words, for pages without scripts.
    condition: Option<String>,
}

impl FieldInput {
    fn is(&self, kind: &str) -> bool {
        self.kind.as_str() == kind
    }
}

fn inputs(
    ctx: &Ctx,
    fields: &[FormField],
    form: &FormState,
    chosen: &[(String, String)],
) -> Vec<FieldInput> {
    fields
        .iter()
        .map(|f| {
            let name = format!("values.{}", f.key);
            let picked: Vec<&str> = chosen
                .iter()
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v.as_str())
                .collect();
            let condition = f.show_when.as_ref().map(|c| {
                let on = fields
                    .iter()
                    .find(|o| o.key == c.field)
                    .map_or(c.field.as_str(), |o| o.label.as_str());
                let equals = match &c.equals {
                    Value::String(s) => s.clone(),
                    Value::Bool(true) => ctx.tr.t("portal.ticked").to_owned(),
                    other => other.to_string(),
                };
                ctx.tr.tn("portal.only_when", &[on, &equals])
            });
            FieldInput {
                value: form.value(&name).to_owned(),
                checked: form.checked(&name),
                error: form.error(&name).map(str::to_owned),
                choices: f
                    .choices
                    .iter()
                    .map(|c| {
                        (
                            c.clone(),
                            picked.contains(&c.as_str()) || form.value(&name) == c,
                        )
                    })
                    .collect(),
                name,
                label: f.label.clone(),
                kind: f.kind,
                required: f.required,
                help: f.help.clone(),
                condition,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/ask.html")]
struct AskPage {
    ctx: Ctx,
    kind: RequestTypeView,
    fields: Vec<FieldInput>,
    form: FormState,
}

async fn ask_form(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let kind = request_types::get(&state.db, &actor, &key).await?;
    let form = FormState::default();
    let fields = inputs(&ctx, &kind.fields, &form, &[]);
    Ok(render(
        StatusCode::OK,
        &AskPage {
            ctx,
            kind,
            fields,
            form,
        },
    ))
}

/// The answers a form post carries, shaped as the API takes them.
fn answers(fields: &[FormField], posted: &[(String, String)]) -> Map<String, Value> {
    let mut values = Map::new();
    for f in fields {
        let name = format!("values.{}", f.key);
        let sent: Vec<&str> = posted
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        let value = match f.kind {
            FieldKind::MultiChoice => Value::Array(
                sent.iter()
                    .map(|v| Value::String((*v).to_owned()))
                    .collect(),
            ),
            FieldKind::Checkbox => Value::Bool(!sent.is_empty()),
            _ => match sent.last() {
                Some(v) => Value::String((*v).to_owned()),
                None => continue,
            },
        };
        values.insert(f.key.clone(), value);
    }
    values
}

async fn ask(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(key): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let kind = request_types::get(&state.db, &actor, &key).await?;
    let input = NewRequestInput {
        request_type: Some(kind.key.clone()),
        title: field(&posted, "title").filter(|t| !t.trim().is_empty()),
        description: field(&posted, "description"),
        values: Some(answers(&kind.fields, &posted)),
        caller: None,
    };
    match requests::create(&state.db, &actor, input, None).await {
        Ok(created) => {
            let number = match created {
                crate::service::idempotency::Created::New(view) => view.number,
                crate::service::idempotency::Created::Replayed { body, .. } => {
                    body["number"].as_str().unwrap_or_default().to_owned()
                }
            };
            ctx.flash("success", ctx.tr.t1("portal.asked", &number))
                .await?;
            Ok(see_other(&format!("/portal/requests/{number}")))
        }
        Err(error) => {
            let form = FormState::refused(posted.clone(), error, ctx.tr, "title")?;
            let fields = inputs(&ctx, &kind.fields, &form, &posted);
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AskPage {
                    ctx,
                    kind,
                    fields,
                    form,
                },
            ))
        }
    }
}

/// A request in a list, with the status in its type's words.
struct Row {
    request: RequestView,
    status: String,
}

/// The status a caller reads: the type's own name for it in their language, else the desk's.
fn status_name(ctx: &Ctx, kind: Option<&RequestTypeView>, state: RequestState) -> String {
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
    let kinds = catalogue(&state, &actor).await?;
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
    Ok(render(
        StatusCode::OK,
        &RequestsPage {
            ctx,
            rows,
            incidents,
        },
    ))
}

/// One step of a request's journey as its caller reads it.
struct Step {
    at: jiff::Timestamp,
    who: String,
    text: String,
    /// The status it moved to, in the type's words.
    status: Option<String>,
}

/// The public journal in the caller's words: who did it (the desk for the system), what was
/// said, and where the request went; field changes of the desk stay out.
fn journey(ctx: &Ctx, kind: Option<&RequestTypeView>, entries: Vec<JournalView>) -> Vec<Step> {
    entries
        .into_iter()
        .filter(|e| e.kind != "work_note")
        .filter_map(|e| {
            let status = e
                .changes
                .as_ref()
                .and_then(|c| c.get("state"))
                .and_then(|s| s["to"].as_str())
                .and_then(|s| RequestState::parse(s).ok())
                .map(|s| status_name(ctx, kind, s));
            let text = match e.shown_body(&ctx.tr) {
                Some(body) => body,
                None if e.kind == "change"
                    && e.changes
                        .as_ref()
                        .is_some_and(|c| c.get("request_type").is_some()) =>
                {
                    ctx.tr.t("portal.sent").to_owned()
                }
                None if status.is_some() => String::new(),
                None => return None,
            };
            Some(Step {
                at: e.at,
                who: e
                    .author_name
                    .unwrap_or_else(|| ctx.tr.t("portal.the_desk").to_owned()),
                text,
                status,
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/request.html")]
struct RequestPage {
    ctx: Ctx,
    request: RequestView,
    status: String,
    kind: Option<RequestTypeView>,
    /// The answers, labelled.
    answers: Vec<(String, String)>,
    journal: Vec<Step>,
    approvals: Vec<ApprovalView>,
    /// The reader is asked to decide now.
    deciding: bool,
    mine: bool,
    form: FormState,
}

impl RequestPage {
    fn cancelable(&self) -> bool {
        self.mine
            && self
                .request
                .state
                .allowed_next()
                .contains(&RequestState::Canceled)
    }

    fn progress_text(&self) -> String {
        let (done, total) = (
            self.request.tasks_done.to_string(),
            self.request.tasks_total.to_string(),
        );
        self.ctx.tr.tn("portal.progress", &[&done, &total])
    }

    fn progress_percent(&self) -> i64 {
        (self.request.tasks_done * 100)
            .checked_div(self.request.tasks_total)
            .unwrap_or(0)
    }
}

async fn request_page_with(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    number: &str,
    form: FormState,
    status: StatusCode,
) -> AppResult<Response> {
    let request = requests::get(&state.db, actor, number).await?;
    let kind = request_types::get(&state.db, actor, &request.request_type)
        .await
        .ok();
    let journal = journey(
        &ctx,
        kind.as_ref(),
        requests::journal(&state.db, actor, number).await?,
    );
    let approvals = requests::approvals(&state.db, actor, number).await?;
    let deciding = request.state == RequestState::AwaitingApproval
        && approvals.iter().any(|a| {
            a.approver == actor.email
                && a.decision == crate::domain::approval::Decision::Pending
                && Some(a.stage) == request.approval_stage
        });
    let answers = request
        .values
        .iter()
        .map(|(key, value)| {
            let label = kind
                .as_ref()
                .and_then(|k| k.fields.iter().find(|f| &f.key == key))
                .map_or_else(|| key.clone(), |f| f.label.clone());
            let shown = match value {
                Value::String(s) => s.clone(),
                Value::Bool(true) => ctx.tr.t("portal.yes").to_owned(),
                Value::Bool(false) => ctx.tr.t("portal.no").to_owned(),
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            (label, shown)
        })
        .collect();
    let page = RequestPage {
        status: status_name(&ctx, kind.as_ref(), request.state),
        mine: request.caller == actor.email,
        ctx,
        request,
        kind,
        answers,
        journal,
        approvals,
        deciding,
        form,
    };
    Ok(render(status, &page))
}

async fn request_page(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
) -> AppResult<Response> {
    request_page_with(
        &state,
        ctx,
        &actor,
        &number,
        FormState::default(),
        StatusCode::OK,
    )
    .await
}

/// Runs a portal action; a refusal about the input shows the request page again with the
/// typing kept and the error at its field.
async fn act<T>(
    state: &AppState,
    ctx: Ctx,
    actor: &Actor,
    number: &str,
    posted: Vec<(String, String)>,
    done: &str,
    result: AppResult<T>,
) -> AppResult<Response> {
    match result {
        Ok(_) => {
            ctx.flash("success", ctx.tr.t(done).to_owned()).await?;
            Ok(see_other(&format!(
                "/portal/requests/{}",
                number.to_ascii_uppercase()
            )))
        }
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            let form = FormState::refused(posted, error, ctx.tr, "body")?;
            request_page_with(
                state,
                ctx,
                actor,
                number,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other),
    }
}

async fn reply(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let input = CommentInput {
        body: field(&posted, "body"),
        internal: false,
    };
    let result = requests::comment(&state.db, &actor, &number, input, None).await;
    act(
        &state,
        ctx,
        &actor,
        &number,
        posted,
        "portal.replied",
        result,
    )
    .await
}

async fn cancel(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let input = RequestTransitionInput {
        to: RequestState::Canceled.as_str().to_owned(),
        reason: field(&posted, "reason"),
    };
    let result = requests::transition(&state.db, &actor, &number, input, None).await;
    act(
        &state,
        ctx,
        &actor,
        &number,
        posted,
        "portal.canceled",
        result,
    )
    .await
}

async fn decide(
    State(state): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    Path(number): Path<String>,
    axum::Form(posted): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let input = DecisionInput {
        decision: field(&posted, "decision").unwrap_or_default(),
        comment: field(&posted, "comment"),
    };
    let result = requests::decide(&state.db, &actor, &number, input, None).await;
    act(
        &state,
        ctx,
        &actor,
        &number,
        posted,
        "portal.decided",
        result,
    )
    .await
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
