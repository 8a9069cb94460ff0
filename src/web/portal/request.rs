//! One request as its caller (or an approver) follows it: status, progress, answers,
//! approvals and the journey; canceling and decisions (replies and the verdict on its
//! fulfilment: `feedback`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::feedback::{Feedback, Mine, act};
use super::status_name;
use crate::domain::request::RequestState;
use crate::error::AppResult;
use crate::service::Actor;
use crate::service::journal::JournalView;
use crate::service::record::RecordKind;
use crate::service::request_types::{self, RequestTypeView};
use crate::service::requests::{
    self, ApprovalView, DecisionInput, RequestTransitionInput, RequestView,
};
use crate::state::AppState;
use crate::web::form::{FormState, field};
use crate::web::{Ctx, SignedIn, render};

/// One step of a record's journey as its caller reads it.
pub(super) struct Step {
    pub at: jiff::Timestamp,
    pub who: String,
    pub text: String,
    /// The status it moved to, in the type's words.
    pub status: Option<String>,
    /// The files the step brought.
    pub attachments: Vec<crate::service::attachments::AttachmentView>,
}

/// The public journal of a record in the caller's words: who did it (the desk for the
/// system), what was said, and where the record went (`status` names a state in the caller's
/// words); field changes of the desk stay out.
pub(super) fn journey(
    ctx: &Ctx,
    entries: Vec<JournalView>,
    status: impl Fn(&str) -> Option<String>,
) -> Vec<Step> {
    entries
        .into_iter()
        .filter(|e| e.kind != "work_note")
        .filter_map(|e| {
            let status = e
                .changes
                .as_ref()
                .and_then(|c| c.get("state"))
                .and_then(|s| s["to"].as_str())
                .and_then(&status);
            let text = match e.shown_body(&ctx.tr) {
                Some(body) => body,
                None if e.kind == "change"
                    && e.changes
                        .as_ref()
                        .is_some_and(|c| c.get("request_type").is_some()) =>
                {
                    ctx.tr.t("portal.sent").to_owned()
                }
                None if status.is_some() || !e.attachments.is_empty() => String::new(),
                None => return None,
            };
            Some(Step {
                at: e.at,
                who: e
                    .author_name
                    .unwrap_or_else(|| ctx.tr.t("portal.the_desk").to_owned()),
                text,
                status,
                attachments: e.attachments,
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
    feedback: Feedback,
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

pub(super) async fn request_page_with(
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
        requests::journal(&state.db, actor, number).await?,
        |s| {
            RequestState::parse(s)
                .ok()
                .map(|s| status_name(&ctx, kind.as_ref(), s))
        },
    );
    let approvals = requests::approvals(&state.db, actor, number).await?;
    let deciding = request.state == RequestState::AwaitingApproval
        && approvals.iter().any(|a| {
            a.approver == actor.email
                && a.decision == crate::domain::approval::Decision::Pending
                && Some(a.stage) == request.approval_stage
        });
    let answers = labelled_answers(&ctx, kind.as_ref(), &request.values);
    let mine = request.caller == actor.email;
    let feedback = Feedback::of(
        state,
        &ctx,
        actor,
        RecordKind::Request,
        number,
        mine.then_some(Mine {
            verdict: request.state == RequestState::Fulfilled,
            // Set while fulfilled or closed only: a reopen clears it.
            resolved: request.fulfilled_at,
        }),
    )
    .await?;
    let page = RequestPage {
        status: status_name(&ctx, kind.as_ref(), request.state),
        mine,
        feedback,
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

pub(super) async fn cancel(
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
        RecordKind::Request,
        &number,
        posted,
        "portal.canceled",
        "body",
        result,
    )
    .await
}

pub(super) async fn decide(
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
        RecordKind::Request,
        &number,
        posted,
        "portal.decided",
        "body",
        result,
    )
    .await
}

/// A request's answers as people read them: each under its field's label (the key when the
/// type no longer has the field), yes and no for checkboxes, choices joined.
pub(crate) fn labelled_answers(
    ctx: &Ctx,
    kind: Option<&RequestTypeView>,
    values: &serde_json::Map<String, Value>,
) -> Vec<(String, String)> {
    // In the form's order (the stored answers are keyed alphabetically); answers to fields
    // the type no longer has come last, under their keys.
    let position = |key: &str| {
        kind.and_then(|k| k.fields.iter().position(|f| f.key == key))
            .unwrap_or(usize::MAX)
    };
    let mut ordered: Vec<(&String, &Value)> = values.iter().collect();
    ordered.sort_by_key(|(key, _)| position(key));
    ordered
        .into_iter()
        .map(|(key, value)| {
            let label = kind
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
        .collect()
}
