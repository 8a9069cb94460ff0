//! Checks every record kind shares: text limits, impact and urgency levels, categories, the
//! PATCH helper that tells a field sent as `null` from one not sent, and the errors of list
//! parameters.

use serde::{Deserialize, Deserializer};

use crate::domain::incident::Level;
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

pub fn level(invalid: &mut Invalid, field: &str, value: Option<&str>) -> Level {
    value
        .map_or(Some(Level::Medium), |v| {
            invalid.check(field, Level::parse(v))
        })
        .unwrap_or_default()
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
