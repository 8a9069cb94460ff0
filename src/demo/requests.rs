//! The demo's service requests: request types for all four departments (onboarding with a
//! manager's approval and tasks for HR, IT and Facilities; a new laptop; access to SAP with
//! two approval stages; a desk repair; a travel expense question), managers for the callers,
//! and requests in every state. They are made through the service operations themselves, at
//! the time of the demo run, so each carries the journal, approvals and tasks a real one would.

use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::rng::Rng;
use super::{ADMIN, DOMAIN};
use crate::db::Db;
use crate::service::requests::{
    self, DecisionInput, NewRequestInput, RequestTransitionInput, TaskTransitionInput,
};
use crate::service::{Actor, actor, request_types};

const STREAM_REQUESTS: u64 = 7;

/// The request types, as the API takes them.
fn types() -> Vec<Value> {
    vec![
        json!({"key": "onboarding", "department": "hr", "name": "Onboarding a new colleague",
               "description": "Contract, laptop, account and desk for someone who starts with us.",
               "assignment_group": "hr-services",
               "fields": [
                   {"key": "name", "label": "Name of the new colleague", "kind": "text", "required": true},
                   {"key": "start_date", "label": "First working day", "kind": "date", "required": true},
                   {"key": "laptop", "label": "Laptop", "kind": "choice", "choices": ["Standard", "Developer"], "required": true},
                   {"key": "reason", "label": "Why a developer laptop?", "kind": "long_text", "required": true,
                    "show_when": {"field": "laptop", "equals": "Developer"}},
                   {"key": "software", "label": "Software", "kind": "multi_choice", "choices": ["Office", "SAP", "CAD"]}],
               "approval_stages": [{"name": "Manager", "approvers": {"kind": "manager"}}],
               "sla_policy": "office-hr-services", "sla_priority": 4,
               "tasks": [
                   {"key": "contract", "title": "Prepare the employment contract", "group": "hr-services"},
                   {"key": "laptop", "title": "Order and set up the laptop", "group": "workplace", "after": ["contract"]},
                   {"key": "account", "title": "Create the account and mailbox", "group": "identity", "after": ["contract"]},
                   {"key": "desk", "title": "Prepare the desk and the access card", "group": "facility-management"}],
               "status_names": {"de": {"in_progress": "Wird vorbereitet", "fulfilled": "Alles bereit"},
                                "en": {"in_progress": "Being prepared", "fulfilled": "All set"}}}),
        json!({"key": "new-laptop", "department": "it", "name": "New laptop",
               "description": "A replacement or an additional laptop.", "assignment_group": "workplace",
               "fields": [
                   {"key": "model", "label": "Model", "kind": "choice", "choices": ["Standard 14\"", "Standard 16\"", "Developer"], "required": true},
                   {"key": "needed_by", "label": "Needed by", "kind": "date"},
                   {"key": "dock", "label": "With a docking station", "kind": "checkbox"}],
               "approval_stages": [{"name": "Manager", "approvers": {"kind": "manager"}}],
               "sla_policy": "standard", "sla_priority": 4,
               "tasks": [{"key": "deliver", "title": "Set up and hand over the laptop", "group": "workplace"}]}),
        json!({"key": "sap-access", "department": "it", "name": "Access to SAP",
               "description": "A role in SAP, approved by your manager and the SAP owners.",
               "assignment_group": "sap-basis", "sla_policy": "standard", "sla_priority": 3,
               "fields": [
                   {"key": "system", "label": "System", "kind": "choice", "choices": ["PRD", "QAS"], "required": true},
                   {"key": "role", "label": "Role", "kind": "text", "required": true,
                    "help": "The role's technical name, e.g. Z_FI_ACCOUNTANT"}],
               "approval_stages": [
                   {"name": "Manager", "approvers": {"kind": "manager"}},
                   {"name": "SAP owners", "approvers": {"kind": "group", "group": "sap-basis"}}],
               "tasks": [{"key": "grant", "title": "Grant the role", "group": "sap-basis"}]}),
        json!({"key": "desk-repair", "department": "facilities", "name": "Desk repair",
               "description": "Something at your desk is broken: chair, lamp, height adjustment.",
               "assignment_group": "building-services",
               "sla_policy": "office-building-services", "sla_priority": 4,
               "fields": [
                   {"key": "room", "label": "Room", "kind": "text", "required": true},
                   {"key": "what", "label": "What is broken", "kind": "choice", "choices": ["Chair", "Lamp", "Desk height", "Other"], "required": true}],
               "tasks": [{"key": "repair", "title": "Repair it", "group": "building-services"}]}),
        json!({"key": "travel-expense-question", "department": "finance", "name": "Travel expense question",
               "description": "A question about a travel expense claim.", "assignment_group": "finance-systems",
               "sla_policy": "office-finance-systems", "sla_priority": 4,
               "fields": [
                   {"key": "trip", "label": "Date of the trip", "kind": "date", "required": true},
                   {"key": "amount", "label": "Amount in EUR", "kind": "number"},
                   {"key": "question", "label": "Your question", "kind": "long_text", "required": true}]}),
    ]
}

/// What the demo's requests are made of, per type: a title and the answers.
pub(super) fn ask(rng: &mut Rng, kind: &str) -> (String, Value) {
    let first = *rng.pick(&[
        "Lena", "Jonas", "Mia", "Paul", "Emma", "Noah", "Sofia", "Elias",
    ]);
    match kind {
        "onboarding" => (
            format!("Onboarding {first}"),
            json!({"name": first, "start_date": "2027-01-04", "laptop": "Standard", "software": ["Office"]}),
        ),
        "new-laptop" => (
            "Laptop replacement".to_owned(),
            json!({"model": "Standard 14\"", "dock": rng.chance(0.5)}),
        ),
        "sap-access" => (
            "SAP role for month-end closing".to_owned(),
            json!({"system": "PRD", "role": "Z_FI_ACCOUNTANT"}),
        ),
        "desk-repair" => (
            "Chair cannot be adjusted".to_owned(),
            json!({"room": format!("B{}.{}", 1 + rng.below(4), 10 + rng.below(40)), "what": "Chair"}),
        ),
        _ => (
            "Hotel receipt in a foreign currency".to_owned(),
            json!({"trip": "2026-11-12", "amount": 318.4, "question": "Which exchange rate applies?"}),
        ),
    }
}

async fn actor_of(db: &Db, id: Uuid) -> anyhow::Result<Actor> {
    actor::actor_by_id(db, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo user {id} is gone"))
}

/// An active member of a group, to work its tasks.
async fn member(db: &Db, group: &str) -> anyhow::Result<Option<Actor>> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "select u.id from group_members m join groups g on g.id = m.group_id join users u on u.id = m.user_id \
         where g.key = $1 and u.active and u.role <> 'caller' order by u.email limit 1",
    )
    .bind(group)
    .fetch_optional(db.pool())
    .await?;
    match id {
        Some(id) => Ok(Some(actor_of(db, id).await?)),
        None => Ok(None),
    }
}

/// Makes the request types (where missing) and gives every demo caller a manager.
pub(super) async fn ensure_types(pool: &PgPool) -> anyhow::Result<()> {
    let db = Db::new(pool.clone());
    let admin_id: Uuid = sqlx::query_scalar("select id from users where email = $1")
        .bind(ADMIN)
        .fetch_one(pool)
        .await?;
    let admin = actor_of(&db, admin_id).await?;
    for definition in types() {
        let key = definition["key"].as_str().unwrap_or_default().to_owned();
        if request_types::get(&db, &admin, &key).await.is_err() {
            let input = serde_json::from_value(definition)?;
            request_types::create(&db, &admin, input)
                .await
                .map_err(|e| anyhow::anyhow!("request type {key}: {e}"))?;
        }
    }
    // One caller in fifty leads the forty-nine after them.
    sqlx::query(
        "with c as (select id, row_number() over (order by email) - 1 as n from users \
                    where role = 'caller' and email like $1), \
              m as (select c.id, boss.id as manager from c join c boss on boss.n = c.n - c.n % 50 where c.n % 50 <> 0) \
         update users u set manager_id = m.manager from m where u.id = m.id and u.manager_id is null",
    )
    .bind(format!("%@{DOMAIN}"))
    .execute(pool)
    .await?;
    Ok(())
}

/// Makes `count` requests in every state through the service operations, at the time of the
/// run; how many were made. The types must exist (`ensure_types`).
pub(super) async fn load(pool: &PgPool, seed: u64, count: u64) -> anyhow::Result<u64> {
    let db = Db::new(pool.clone());
    let callers: Vec<(Uuid, Option<Uuid>)> = sqlx::query_as(
        "select id, manager_id from users where role = 'caller' and email like $1 and manager_id is not null \
         order by email limit 500",
    )
    .bind(format!("%@{DOMAIN}"))
    .fetch_all(pool)
    .await?;
    if callers.is_empty() {
        return Ok(0);
    }
    let kinds = [
        "onboarding",
        "new-laptop",
        "sap-access",
        "desk-repair",
        "travel-expense-question",
    ];
    let mut made = 0;
    for n in 0..count {
        let mut rng = Rng::fork(seed, STREAM_REQUESTS, n);
        let kind = kinds[usize::try_from(n).unwrap_or(0) % kinds.len()];
        let (caller_id, manager_id) = *rng.pick(&callers);
        let caller = actor_of(&db, caller_id).await?;
        let (title, values) = ask(&mut rng, kind);
        let Value::Object(values) = values else {
            continue;
        };
        let created = requests::create(
            &db,
            &caller,
            NewRequestInput {
                request_type: Some(kind.to_owned()),
                title: Some(title),
                description: None,
                values: Some(values),
                caller: None,
            },
            None,
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo request {kind}: {e}"))?;
        let crate::service::idempotency::Created::New(request) = created else {
            continue;
        };
        made += 1;
        play(&db, &mut rng, &request.number, &caller, manager_id).await?;
    }
    Ok(made)
}

/// Moves one request on as people would: approvals (mostly yes), tasks done by their groups,
/// the fulfilled closed; some stay where they are, some are canceled.
async fn play(
    db: &Db,
    rng: &mut Rng,
    number: &str,
    caller: &Actor,
    manager: Option<Uuid>,
) -> anyhow::Result<()> {
    let progress = rng.unit();
    if progress < 0.1 {
        return Ok(()); // just asked
    }
    if progress < 0.15 {
        let input = RequestTransitionInput {
            to: "canceled".to_owned(),
            reason: Some("No longer needed".to_owned()),
        };
        requests::transition(db, caller, number, input, None).await?;
        return Ok(());
    }
    // Approvals, stage by stage.
    for _ in 0..3 {
        let request = requests::get(db, caller, number).await?;
        if request.state.as_str() != "awaiting_approval" {
            break;
        }
        let approvals = requests::approvals(db, caller, number).await?;
        let Some(asked) = approvals
            .iter()
            .find(|a| a.decision.as_str() == "pending" && Some(a.stage) == request.approval_stage)
        else {
            break;
        };
        let approver: Option<Uuid> = sqlx::query_scalar("select id from users where email = $1")
            .bind(&asked.approver)
            .fetch_optional(db.pool())
            .await?;
        let Some(approver) = approver.or(manager) else {
            break;
        };
        let approver = actor_of(db, approver).await?;
        let reject = rng.chance(0.1);
        let input = DecisionInput {
            decision: if reject { "rejected" } else { "approved" }.to_owned(),
            comment: reject.then(|| "Not within this year's budget".to_owned()),
        };
        requests::decide(db, &approver, number, input, None).await?;
        if progress < 0.3 {
            return Ok(()); // waits for the next stage
        }
    }
    // Tasks, each done by a member of its group, until the progress runs out; the request's
    // own group (of its department) follows it.
    let request = requests::get(db, caller, number).await?;
    let Some(group) = request.assignment_group.as_deref() else {
        return Ok(());
    };
    let Some(staff) = member(db, group).await? else {
        return Ok(());
    };
    let tasks = requests::tasks_of_request(db, &staff, number)
        .await
        .unwrap_or_default();
    let mut threshold = 0.4;
    for task in &tasks {
        if progress < threshold {
            break;
        }
        threshold += 0.1;
        let Some(worker) = member(db, &task.assignment_group).await? else {
            continue;
        };
        let current = requests::get_task(db, &worker, &task.number).await?;
        if current.state.as_str() == "waiting" || current.state.is_final() {
            continue;
        }
        let input = TaskTransitionInput {
            to: Some("done".to_owned()),
            assignee: Some("me".to_owned()),
        };
        requests::transition_task(db, &worker, &task.number, input, None).await?;
    }
    let request = requests::get(db, caller, number).await?;
    if request.state.as_str() == "fulfilled" && progress > 0.8 {
        let input = RequestTransitionInput {
            to: "closed".to_owned(),
            reason: None,
        };
        requests::transition(db, &staff, number, input, None).await?;
    }
    Ok(())
}
