//! Approving requests: a request type's stages run one after another; each asks its approvers
//! (the caller's manager, a group, named people, or the person chosen in a form field; never
//! the caller themself) and passes or fails by its rule (`domain::approval`). Every question
//! and decision is journaled on the request. Approvers read the request they are asked about,
//! whatever department it belongs to.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::domain::approval::{ApprovalStage, Approvers, Decision, StageOutcome, stage_outcome};
use crate::domain::journal::SystemNote;
use crate::domain::request::{RequestState, RequestTransition, ServiceRequest};
use crate::domain::{Invalid, Permission};
use crate::error::{AppError, AppResult};
use crate::service::fields::MAX_TEXT;
use crate::service::requests::view::{RequestView, changes};
use crate::service::{Actor, Page, PageRequest};
use crate::store::{
    self,
    approvals::ApprovalRow,
    journal::{Kind, Subject},
};

/// One approver's part in one stage of a request.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApprovalView {
    /// The request's number.
    pub request: String,
    pub request_title: String,
    pub request_type: String,
    pub caller: String,
    /// The stage, 0 the first.
    pub stage: i16,
    pub stage_name: String,
    pub approver: String,
    pub decision: Decision,
    pub comment: Option<String>,
    pub asked_at: jiff::Timestamp,
    pub decided_at: Option<jiff::Timestamp>,
}

impl From<ApprovalRow> for ApprovalView {
    fn from(row: ApprovalRow) -> Self {
        ApprovalView {
            request: row.request,
            request_title: row.request_title,
            request_type: row.request_type,
            caller: row.caller,
            stage: row.stage,
            stage_name: row.stage_name,
            approver: row.approver,
            decision: row.decision,
            comment: row.comment,
            asked_at: row.asked_at,
            decided_at: row.decided_at,
        }
    }
}

/// An approver's decision.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `approved` or `rejected`.
    pub decision: String,
    /// Required to reject: the caller reads it.
    pub comment: Option<String>,
}

/// The people a stage asks, without the caller (nobody approves their own request).
async fn approvers_of(
    conn: &mut sqlx::PgConnection,
    request: &ServiceRequest,
    stage: &ApprovalStage,
) -> AppResult<Vec<uuid::Uuid>> {
    let mut people = match &stage.approvers {
        Approvers::Manager => {
            let caller = store::users::find_by_id(conn, request.caller_id).await?;
            match caller.and_then(|c| c.manager) {
                Some(manager) => store::approvals::active_users(conn, &[manager]).await?,
                None => Vec::new(),
            }
        }
        Approvers::Group { group } => store::approvals::group_members(conn, group).await?,
        Approvers::People { people } => {
            let emails: Vec<String> = people.iter().map(|p| p.trim().to_lowercase()).collect();
            store::approvals::active_users(conn, &emails).await?
        }
        Approvers::Field { field } => match request.values.get(field).and_then(Value::as_str) {
            Some(email) => store::approvals::active_users(conn, &[email.to_owned()]).await?,
            None => Vec::new(),
        },
    };
    people.retain(|p| *p != request.caller_id);
    Ok(people)
}

/// Asks the approvers of stage `stage`, in the caller's transaction: the request awaits that
/// stage, journaled by the system with who was asked. Returns the request as written.
pub(super) async fn ask_stage(
    conn: &mut sqlx::PgConnection,
    request: &ServiceRequest,
    stages: &[ApprovalStage],
    stage: usize,
) -> AppResult<ServiceRequest> {
    let definition = &stages[stage];
    let index = i16::try_from(stage).unwrap_or(i16::MAX);
    let approvers = approvers_of(conn, request, definition).await?;
    store::approvals::ask(conn, request.id, index, &definition.name, &approvers).await?;
    let mut after = request.clone();
    after.state = RequestState::AwaitingApproval;
    after.approval_stage = Some(index);
    let note = if approvers.is_empty() {
        SystemNote::ApprovalNobody {
            stage: definition.name.clone(),
        }
    } else {
        let rows = store::approvals::for_request(conn, request.id).await?;
        let emails: Vec<String> = rows
            .into_iter()
            .filter(|r| r.stage == index)
            .map(|r| r.approver)
            .collect();
        SystemNote::ApprovalAsked {
            stage: definition.name.clone(),
            approvers: emails.join(", "),
        }
    };
    let changed = changes(Some(request), &after);
    super::clock::follow(conn, request, &mut after, false, jiff::Timestamp::now()).await?;
    if !store::requests::update(conn, &after, request.version).await? {
        return Err(AppError::Internal(anyhow::anyhow!(
            "request changed under its row lock"
        )));
    }
    let kind = if request.state == after.state {
        Kind::System
    } else {
        Kind::Transition
    };
    crate::service::journal::record(
        conn,
        Subject::Request(request.id),
        None,
        kind,
        Some(&note.text()),
        (!changed.is_empty()).then_some(Value::Object(changed)),
    )
    .await?;
    store::requests::find_by_id(conn, request.id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The stages and tasks of the request's type.
async fn plan_of(
    conn: &mut sqlx::PgConnection,
    request: &ServiceRequest,
) -> AppResult<(Vec<ApprovalStage>, Vec<crate::domain::task::TaskTemplate>)> {
    Ok(
        store::request_types::find_by_key(conn, &request.request_type)
            .await?
            .map(|t| (t.approval_stages, t.tasks))
            .unwrap_or_default(),
    )
}

/// The decision and its comment, checked: a rejection says why.
fn checked(input: &DecisionInput) -> AppResult<(Decision, Option<String>)> {
    let mut invalid = Invalid::default();
    let decision = Decision::parse(&input.decision)
        .ok()
        .filter(|d| matches!(d, Decision::Approved | Decision::Rejected));
    if decision.is_none() {
        invalid.add("decision", "error.decision");
    }
    let comment = input
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_TEXT)
    {
        invalid.add("comment", "error.too_long");
    }
    if decision == Some(Decision::Rejected) && comment.is_none() {
        invalid.add("comment", "error.reject_reason");
    }
    match (decision, invalid.is_empty()) {
        (Some(decision), true) => Ok((decision, comment)),
        _ => Err(invalid.into()),
    }
}

/// An approver approves or rejects in the stage the request awaits. Once the stage's rule is
/// met the next stage asks its approvers, or the request is approved; once it can no longer
/// be met, the request is rejected with the comment as its reason.
#[tracing::instrument(skip_all, fields(request.number = %number))]
pub async fn decide(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
    input: DecisionInput,
    if_match: Option<i64>,
) -> AppResult<RequestView> {
    actor.require(Permission::ReadOwn)?;
    let (decision, comment) = checked(&input)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let mut tx = db.begin().await?;
    let before = super::lock_in_scope(&mut tx, &scope, number).await?;
    super::update::check_version(&before, if_match)?;
    let (RequestState::AwaitingApproval, Some(stage)) = (before.state, before.approval_stage)
    else {
        return Err(AppError::Conflict("error.not_awaiting_approval"));
    };
    let rows = store::approvals::for_request(&mut tx, before.id).await?;
    let mine = rows
        .iter()
        .find(|r| r.stage == stage && r.approver_id == actor.id && r.decision == Decision::Pending)
        .ok_or(AppError::Forbidden)?;
    store::approvals::decide(&mut tx, mine.id, decision, comment.as_deref()).await?;
    let changes = json!({
        "approval": {"from": Decision::Pending.as_str(), "to": decision.as_str()},
        "stage": {"from": Value::Null, "to": mine.stage_name},
    });
    crate::service::journal::record(
        &mut tx,
        Subject::Request(before.id),
        Some(actor),
        Kind::Change,
        comment.as_deref(),
        Some(changes),
    )
    .await?;
    store::requests::touch(&mut tx, before.id, false).await?;
    let request = store::requests::find_by_id(&mut tx, before.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let request =
        conclude_stage(&mut tx, actor, request, &rows, mine.id, decision, comment).await?;
    tx.commit().await?;
    tracing::info!(
        decision = decision.as_str(),
        state = request.state.as_str(),
        "approval decided"
    );
    Ok(request.into())
}

/// Every approval of a request, for those who read it.
pub async fn of_request(
    db: &crate::db::Db,
    actor: &Actor,
    number: &str,
) -> AppResult<Vec<ApprovalView>> {
    let (request, _, mut conn) = super::readable(db, actor, number).await?;
    let rows = store::approvals::for_request(&mut conn, request.id).await?;
    conn.done();
    Ok(rows.into_iter().map(ApprovalView::from).collect())
}

/// How many approvals wait for the actor's decision (the portal's badge).
pub async fn pending_count(db: &crate::db::Db, actor: &Actor) -> AppResult<i64> {
    let mut conn = db.read().await?;
    let count = store::approvals::pending_count(&mut conn, actor.id).await?;
    conn.done();
    Ok(count)
}

/// "My approvals": what the actor is asked to decide (oldest first), or with `all` every
/// approval they were asked for.
pub async fn mine(
    db: &crate::db::Db,
    actor: &Actor,
    all: bool,
    page: PageRequest,
) -> AppResult<Page<ApprovalView>> {
    actor.require(Permission::ReadOwn)?;
    let after = crate::service::after_cursor(page.after.as_deref())?;
    let mut conn = db.read().await?;
    let rows = store::approvals::of_approver(&mut conn, actor.id, all, after, page.limit).await?;
    conn.done();
    Ok(Page::from_rows(
        rows,
        page.limit,
        |r| crate::service::updated_cursor(r.asked_at, r.id),
        ApprovalView::from,
    ))
}

/// What the stage's decisions, with this one, make of the request: nothing yet, the next
/// stage, or approved or rejected.
async fn conclude_stage(
    tx: &mut sqlx::PgConnection,
    actor: &Actor,
    request: ServiceRequest,
    rows: &[ApprovalRow],
    decided: uuid::Uuid,
    decision: Decision,
    comment: Option<String>,
) -> AppResult<ServiceRequest> {
    let Some(stage) = request.approval_stage else {
        return Ok(request);
    };
    let (stages, tasks) = plan_of(&mut *tx, &request).await?;
    let index = usize::try_from(stage).unwrap_or(usize::MAX);
    let decisions: Vec<Decision> = rows
        .iter()
        .filter(|r| r.stage == stage)
        .map(|r| {
            if r.id == decided {
                decision
            } else {
                r.decision
            }
        })
        .collect();
    let outcome = stages
        .get(index)
        .map_or(StageOutcome::Open, |s| stage_outcome(s, &decisions));
    Ok(match outcome {
        StageOutcome::Open => request,
        StageOutcome::Approved if index + 1 < stages.len() => {
            store::approvals::withdraw_pending(&mut *tx, request.id).await?;
            ask_stage(&mut *tx, &request, &stages, index + 1).await?
        }
        StageOutcome::Approved | StageOutcome::Rejected => {
            store::approvals::withdraw_pending(&mut *tx, request.id).await?;
            let to = if outcome == StageOutcome::Approved {
                RequestState::Approved
            } else {
                RequestState::Rejected
            };
            let reason = comment.filter(|_| to == RequestState::Rejected);
            let mut after = request.clone();
            after.apply(
                &RequestTransition {
                    from: request.state,
                    to,
                    reason: reason.clone(),
                },
                jiff::Timestamp::now(),
            );
            after.approval_stage = None;
            let request = super::save_change(
                &mut *tx,
                Some(actor),
                &request,
                &after,
                Kind::Transition,
                reason.as_deref(),
            )
            .await?;
            if to == RequestState::Approved {
                super::tasks::start(&mut *tx, request, &tasks).await?
            } else {
                request
            }
        }
    })
}
