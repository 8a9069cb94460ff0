//! Form state for re-rendering: the values a person typed and the error for each field.

use std::collections::HashMap;

use crate::domain::{FieldError, Labelled};
use crate::error::AppError;
use crate::i18n::Tr;

#[derive(Debug, Default, Clone)]
pub struct FormState {
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    /// An error about the form as a whole.
    pub message: Option<String>,
}

impl FormState {
    pub fn with_values(values: impl IntoIterator<Item = (String, String)>) -> Self {
        FormState {
            values: values.into_iter().collect(),
            ..Default::default()
        }
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_owned(), value.into());
    }

    /// Sets an editable field and remembers it as the value the reader started from, sent back
    /// as a hidden `base.<name>` so a save can tell what the reader changed.
    pub fn set_base(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        self.values.insert(format!("{BASE}{name}"), value.clone());
        self.values.insert(name.to_owned(), value);
    }

    /// A form showing a record's current values, each remembered as its base (`set_base`).
    pub fn based_on<'a>(values: impl IntoIterator<Item = (&'a str, String)>) -> Self {
        let mut form = FormState::default();
        for (name, value) in values {
            form.set_base(name, value);
        }
        form
    }

    /// The hidden `base.<name>` fields, in a stable order.
    pub fn bases(&self) -> Vec<(&str, &str)> {
        let mut bases: Vec<(&str, &str)> = self
            .values
            .iter()
            .filter(|(k, _)| k.starts_with(BASE))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        bases.sort_unstable();
        bases
    }

    /// After a save refused as stale: the form on top of the `current` values. Fields the
    /// reader did not change take the current value; the reader's typing stays in the fields
    /// they changed; a field changed by both is marked with the other value so they choose.
    /// The bases become the current values, so saving again sends only the reader's changes.
    pub fn rebase(typed: &[(String, String)], current: &FormState, tr: Tr) -> FormState {
        let mut form = current.clone();
        for (name, now) in current.editable() {
            if !changed(typed, name) {
                continue;
            }
            let mine = field(typed, name).unwrap_or_default();
            let base = field(typed, &format!("{BASE}{name}")).unwrap_or_default();
            if normal(now) != normal(&base) && normal(now) != normal(&mine) {
                let shown = if now.trim().is_empty() {
                    "–"
                } else {
                    now.as_str()
                };
                form.errors
                    .insert(name.to_owned(), tr.t1("conflict.both_changed", shown));
            }
            form.values.insert(name.to_owned(), mine);
        }
        form
    }

    /// The editable fields (those with a base) and their values.
    fn editable(&self) -> Vec<(&str, &String)> {
        let mut names: Vec<(&str, &String)> = self
            .values
            .keys()
            .filter_map(|k| k.strip_prefix(BASE))
            .filter_map(|name| Some((name, self.values.get(name)?)))
            .collect();
        names.sort_unstable();
        names
    }

    /// Every value, as the pairs a form posts.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    pub fn checked(&self, name: &str) -> bool {
        matches!(self.value(name), "on" | "true")
    }

    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.message.is_some()
    }

    /// The form the server refused: the typed values kept, the error placed at its field
    /// (see `absorb`).
    pub fn refused(
        values: impl IntoIterator<Item = (String, String)>,
        error: AppError,
        tr: Tr,
        conflict_field: &str,
    ) -> Result<FormState, AppError> {
        let mut form = FormState::with_values(values);
        form.absorb(error, tr, conflict_field)?;
        Ok(form)
    }

    /// Records `error` on the form when it concerns the input (422, 409); hands back any other.
    pub fn absorb(
        &mut self,
        error: AppError,
        tr: Tr,
        conflict_field: &str,
    ) -> Result<(), AppError> {
        match error {
            AppError::Validation(fields) => {
                for FieldError { field, key } in fields {
                    self.errors.insert(field, tr.t(key).to_owned());
                }
                Ok(())
            }
            AppError::Conflict(key) => {
                self.errors
                    .insert(conflict_field.to_owned(), tr.t(key).to_owned());
                Ok(())
            }
            // A file over a limit: named at the file picker, the words kept.
            error @ AppError::AttachmentTooLarge { .. } => {
                let message = error.problem(tr).detail.unwrap_or_default();
                self.errors
                    .insert(crate::http::files::FILE_FIELD.to_owned(), message);
                Ok(())
            }
            other => Err(other),
        }
    }
}

/// The prefix of the hidden fields holding the values a form was rendered with.
const BASE: &str = "base.";

/// A value as compared for changes: trimmed, and a ticked checkbox as `on`.
fn normal(value: &str) -> &str {
    match value.trim() {
        "true" => "on",
        other => other,
    }
}

/// Whether the reader changed a field: its value differs from the hidden `base.<name>` it was
/// rendered with. Without a base (a form from elsewhere) every field counts as changed. An
/// unticked checkbox is absent from the form, so absent counts as empty.
pub fn changed(fields: &[(String, String)], name: &str) -> bool {
    let Some(base) = field(fields, &format!("{BASE}{name}")) else {
        return true;
    };
    let typed = field(fields, name).unwrap_or_default();
    normal(&typed) != normal(&base)
}

/// `Some(value)` when the reader changed the field, for a patch that sends only their changes.
pub fn if_changed<T>(fields: &[(String, String)], name: &str, value: T) -> Option<T> {
    changed(fields, name).then_some(value)
}

/// Form fields as pairs, so that repeated fields (checkboxes) survive.
pub type Fields = axum::Form<Vec<(String, String)>>;

/// A form that may carry files (`multipart/form-data`, the files stored as they arrive), or a
/// plain one. A file refused for a limit does not lose the rest: the fields come all the same,
/// the refusal in `files`.
pub struct FilesForm {
    pub fields: Vec<(String, String)>,
    pub files: Result<Vec<crate::service::attachments::Staged>, AppError>,
}

impl FilesForm {
    /// The comment the form posts (`body`, and `internal` when ticked) with its files, beside
    /// the fields for re-rendering; `Err` when a file was refused.
    pub fn comment(
        self,
    ) -> (
        Vec<(String, String)>,
        Result<crate::service::journal::CommentInput, AppError>,
    ) {
        let input = self
            .files
            .map(|files| crate::service::journal::CommentInput {
                body: field(&self.fields, "body"),
                internal: matches!(
                    field(&self.fields, "internal").as_deref(),
                    Some("on" | "true")
                ),
                files,
            });
        (self.fields, input)
    }
}

impl axum::extract::FromRequest<crate::state::AppState> for FilesForm {
    type Rejection = AppError;

    async fn from_request(
        request: axum::extract::Request,
        state: &crate::state::AppState,
    ) -> Result<Self, Self::Rejection> {
        use crate::http::files;
        if let Some(boundary) = files::boundary(request.headers()) {
            let (fields, files) = files::read(&state.db, boundary, request.into_body())
                .await?
                .into_parts();
            return Ok(FilesForm { fields, files });
        }
        let axum::Form(fields) = Fields::from_request(request, state)
            .await
            .map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
        Ok(FilesForm {
            fields,
            files: Ok(Vec::new()),
        })
    }
}

/// The first value of a field.
pub fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// The record version a form was rendered with (its hidden `version` field), for the
/// optimistic check.
pub fn version(fields: &[(String, String)]) -> Option<i64> {
    field(fields, "version").and_then(|v| v.parse().ok())
}

/// Every value of a repeated field.
pub fn all(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// A checkbox's value as a form sends it: `on` when ticked, nothing otherwise.
pub fn ticked(on: bool) -> String {
    if on { "on".to_owned() } else { String::new() }
}

/// Whether a checkbox was ticked.
pub fn checkbox(fields: &[(String, String)], name: &str) -> bool {
    fields
        .iter()
        .any(|(k, v)| k == name && (v == "on" || v == "true"))
}

/// A value and its label in the reader's language, for a `<select>`.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
}

/// The choices of an enumeration, labelled in the reader's language.
pub fn choices<T: Labelled>(ctx: &super::Ctx, items: impl IntoIterator<Item = T>) -> Vec<Choice> {
    items
        .into_iter()
        .map(|item| Choice {
            value: item.as_str(),
            label: ctx.tr.t(item.label_key()).to_owned(),
        })
        .collect()
}

/// A field's trimmed value; `None` when absent or blank.
pub fn text(fields: &[(String, String)], name: &str) -> Option<String> {
    field(fields, name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// One line explaining an error for a flash message, in the reader's language.
pub fn error_line(error: &AppError, ctx: &super::Ctx) -> String {
    match error {
        AppError::Validation(fields) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, ctx.tr.t(f.key)))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.problem(ctx.tr).detail.unwrap_or_default(),
    }
}
