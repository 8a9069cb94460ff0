//! A request type's form: every kind of field as plain HTML, and the request it sends.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use crate::domain::form::{FieldKind, FormField};
use crate::error::AppResult;
use crate::service::request_types::{self, RequestTypeView};
use crate::service::requests::{self, NewRequestInput};
use crate::state::AppState;
use crate::web::form::{FormState, field};
use crate::web::{Ctx, SignedIn, render, see_other};

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

pub(super) async fn ask_form(
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

pub(super) async fn ask(
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
