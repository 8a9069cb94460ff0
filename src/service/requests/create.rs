//! Asking for something: a request of a type, with its form answered, for oneself or (an
//! agent) on someone's behalf; journaled as created.

use serde_json::Value;

use crate::domain::form;
use crate::domain::journal::SystemNote;
use crate::domain::{Invalid, Permission, validation::required_text};
use crate::error::{AppError, AppResult};
use crate::service::Actor;
use crate::service::fields::MAX_TEXT;
use crate::service::idempotency::{Created, Idempotency, replay_or_claim, store_answer};
use crate::service::references::person;
use crate::service::requests::input::NewRequestInput;
use crate::service::requests::view::{RequestView, changes};
use crate::store::{
    self,
    journal::{Kind, Subject},
};

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &crate::db::Db,
    actor: &Actor,
    input: NewRequestInput,
    idempotency: Option<Idempotency>,
) -> AppResult<Created<RequestView>> {
    actor.require(Permission::ReadOwn)?;
    let reference = crate::service::reference::data(db).await?;
    let mut tx = db.begin().await?;
    if let Some(replay) = replay_or_claim(&mut tx, actor, idempotency.as_ref()).await? {
        return Ok(replay);
    }
    let mut invalid = Invalid::default();
    let request_type = match input.request_type.as_deref().map(str::trim) {
        None | Some("") => {
            invalid.add("request_type", "error.required");
            None
        }
        Some(key) => {
            let found = store::request_types::find_by_key(&mut tx, key)
                .await?
                .filter(|t| t.active);
            if found.is_none() {
                invalid.add("request_type", "error.unknown_request_type");
            }
            found
        }
    };
    let title = match input.title.as_deref() {
        Some(title) => invalid.check("title", required_text(title, 200)),
        None => request_type.as_ref().map(|t| t.name.clone()),
    };
    let description = input.description.unwrap_or_default().trim().to_owned();
    if description.chars().count() > MAX_TEXT {
        invalid.add("description", "error.too_long");
    }
    let caller = match input.caller.as_deref().map(str::trim) {
        None | Some("") => Some(actor.id),
        Some(email) if email.eq_ignore_ascii_case(&actor.email) => Some(actor.id),
        Some(email) => {
            actor.require(Permission::WorkIncidents)?;
            person(&mut tx, &mut invalid, "caller", email)
                .await?
                .map(|u| u.id)
        }
    };
    let values = input.values.unwrap_or_default();
    let answers = match &request_type {
        Some(t) => {
            let answers = form::check_values(&mut invalid, "values", &t.fields, &values);
            for (key, email) in form::people(&t.fields, &answers) {
                person(&mut tx, &mut invalid, &format!("values.{key}"), email).await?;
            }
            answers
        }
        None => serde_json::Map::new(),
    };
    let (Some(request_type), Some(title), Some(caller_id), true) =
        (request_type, title, caller, invalid.is_empty())
    else {
        return Err(invalid.into());
    };
    let clock = super::clock::opening(&reference, &request_type, jiff::Timestamp::now())?;
    let id = store::requests::insert(
        &mut tx,
        &store::requests::NewRequest {
            clock,
            request_type_id: request_type.id,
            department_id: request_type.department_id,
            title: &title,
            description: &description,
            values: &answers,
            caller_id,
            assignment_group_id: request_type.assignment_group_id,
            opened_by_id: actor.id,
        },
    )
    .await?;
    let request = store::requests::find_by_id(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::service::journal::record(
        &mut tx,
        Subject::Request(id),
        Some(actor),
        Kind::Change,
        Some(&SystemNote::Created.text()),
        Some(Value::Object(changes(None, &request))),
    )
    .await?;
    let request = if request_type.approval_stages.is_empty() {
        super::tasks::start(&mut tx, request, &request_type.tasks).await?
    } else {
        super::approvals::ask_stage(&mut tx, &request, &request_type.approval_stages, 0).await?
    };
    let view = RequestView::from(request);
    store_answer(&mut tx, actor, idempotency.as_ref(), &view).await?;
    tx.commit().await?;
    tracing::info!(request.number = %view.number, "request created");
    Ok(Created::New(view))
}
