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
            other => Err(other),
        }
    }
}

/// Form fields as pairs, so that repeated fields (checkboxes) survive.
pub type Fields = axum::Form<Vec<(String, String)>>;

/// The first value of a field.
pub fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// Every value of a repeated field.
pub fn all(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
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
