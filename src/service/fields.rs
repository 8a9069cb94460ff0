//! Checks every record kind shares: text limits, impact and urgency levels, categories, the
//! PATCH helper that tells a field sent as `null` from one not sent, and the errors of list
//! parameters.

use serde::{Deserialize, Deserializer};

use crate::domain::incident::Level;
use serde_json::Value;

use crate::domain::validation::required_text;
use crate::domain::{FieldError, Invalid};
use crate::error::AppError;

/// Most characters in a description, a comment or resolution notes.
pub const MAX_TEXT: usize = 100_000;

/// Distinguishes a field sent as `null` (`Some(None)`) from one not sent (`None`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An impact or urgency as typed (`None`: medium); a bad one is named on its field.
pub fn level(invalid: &mut Invalid, field: &str, value: Option<&str>) -> Level {
    value
        .map_or(Some(Level::Medium), |v| {
            invalid.check(field, Level::parse(v))
        })
        .unwrap_or_default()
}

/// Fields a PATCH may not set (they change through the workflow or not at all): each one
/// sent is named as read-only.
pub fn refuse_read_only(invalid: &mut Invalid, sent: &[(&str, &Option<Option<Value>>)]) {
    for (field, value) in sent {
        if value.is_some() {
            invalid.add(*field, "error.read_only");
        }
    }
}

/// A patched title: 1 to 200 characters. `None` when not sent, or refused (and named).
pub fn patched_title(invalid: &mut Invalid, title: Option<&Option<String>>) -> Option<String> {
    let title = title?;
    invalid.check(
        "title",
        required_text(title.as_deref().unwrap_or_default(), 200),
    )
}

/// A patched impact or urgency (`null` reads as empty, which is refused). `None` when not sent.
pub fn patched_level(
    invalid: &mut Invalid,
    field: &str,
    value: Option<&Option<String>>,
) -> Option<Level> {
    value.map(|v| level(invalid, field, Some(v.as_deref().unwrap_or_default())))
}

/// `Some(None)` clears the category.
pub fn category(invalid: &mut Invalid, value: Option<&str>) -> Option<Option<String>> {
    let value = value?.trim();
    if value.is_empty() {
        return Some(None);
    }
    if value.chars().count() > 100 {
        invalid.add("category", "error.too_long");
        return None;
    }
    Some(Some(value.to_owned()))
}

pub fn bad_parameter(field: &str, key: &'static str) -> AppError {
    AppError::InvalidParameter(FieldError::new(field, key))
}

/// A filter naming a group, user, service or problem that does not exist: well formed but
/// unknown, so `422` naming the parameter (a malformed one is `400`).
pub fn unknown_reference(field: &str, key: &'static str) -> AppError {
    AppError::field(field, key)
}

/// The key and name every piece of reference data is created with: a slug, and 1 to
/// `max_name` characters. Each refused one is named on `invalid`.
pub fn new_key_and_name(
    invalid: &mut Invalid,
    key: Option<&str>,
    name: Option<&str>,
    max_name: usize,
) -> (Option<crate::domain::Slug>, Option<String>) {
    let key = invalid.check("key", crate::domain::Slug::parse(key.unwrap_or_default()));
    let name = invalid.check("name", required_text(name.unwrap_or_default(), max_name));
    (key, name)
}

/// A key is fixed once created: sending another one is refused (the same one is fine).
pub fn refuse_new_key(invalid: &mut Invalid, sent: Option<&str>, key: &str) {
    if sent.is_some_and(|k| k.trim() != key) {
        invalid.add("key", "error.read_only");
    }
}

/// A comment's or work note's text: trimmed, required, at most `MAX_TEXT` characters.
pub fn comment_body(body: Option<&str>) -> Result<String, AppError> {
    let body = body.map(str::trim).unwrap_or_default().to_owned();
    if body.is_empty() {
        return Err(AppError::field("body", "error.required"));
    }
    if body.chars().count() > MAX_TEXT {
        return Err(AppError::field("body", "error.too_long"));
    }
    Ok(body)
}

/// The query-string pairs of a list as its filters read them: trimmed, empty ones left out,
/// and `state` split at commas (`state=new,open` reads as `state=new&state=open`).
pub fn list_pairs(pairs: &[(String, String)]) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    for (name, value) in pairs {
        let value = value.trim();
        if name == "state" {
            out.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| ("state", s.to_owned())),
            );
        } else if !value.is_empty() {
            out.push((name.as_str(), value.to_owned()));
        }
    }
    out
}
