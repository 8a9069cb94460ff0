//! Keyset pagination for every list: `?limit=` (default 50, at most 200) and an opaque
//! `?cursor=` holding the sort key of the previous page's last row.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::domain::FieldError;
use crate::error::AppError;
use crate::service::{Page, PageRequest};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// The paging parameters of a list request, as sent.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Rows per page, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn parse(&self) -> Result<PageRequest, AppError> {
        // Digits only, as the OpenAPI document says (an empty value is not a number).
        let limit = match self.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(text) => match text.parse::<i64>() {
                Ok(n)
                    if (1..=MAX_LIMIT).contains(&n) && text.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    n
                }
                _ => return Err(bad("limit", "error.limit")),
            },
        };
        let after = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            // Outside the cursor alphabet it is malformed (400); well formed but not one this
            // server issued, it is invalid (422), like an unknown group in a filter.
            Some(cursor) if !is_cursor_text(cursor) => return Err(bad("cursor", "error.cursor")),
            Some(cursor) => Some(
                decode_cursor(cursor).ok_or_else(|| AppError::field("cursor", "error.cursor"))?,
            ),
        };
        Ok(PageRequest { after, limit })
    }
}

fn bad(field: &str, key: &'static str) -> AppError {
    AppError::InvalidParameter(FieldError::new(field, key))
}

const CURSOR_PREFIX: &str = "k1:";

/// Whether `text` is made of the characters a cursor is written with (base64url).
pub fn is_cursor_text(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn encode_cursor(key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{key}"))
}

fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix(CURSOR_PREFIX)
        .map(str::to_owned)
}

/// `{"items": [...], "next_cursor": "..." | null}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> From<Page<T>> for ListResponse<T> {
    fn from(page: Page<T>) -> Self {
        ListResponse {
            items: page.items,
            next_cursor: page.next.as_deref().map(encode_cursor),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(limit: Option<&str>, cursor: Option<&str>) -> PageParams {
        PageParams {
            limit: limit.map(str::to_owned),
            cursor: cursor.map(str::to_owned),
        }
    }

    #[test]
    fn limits_default_to_fifty_and_stay_within_bounds() {
        assert_eq!(params(None, None).parse().unwrap().limit, 50);
        assert_eq!(params(Some("200"), None).parse().unwrap().limit, 200);
        for bad in ["0", "201", "-1", "ten", " 5", "+5", ""] {
            assert!(
                matches!(params(Some(bad), None).parse(), Err(AppError::InvalidParameter(f)) if f.field == "limit")
            );
        }
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = encode_cursor("service-desk");
        assert_eq!(
            params(None, Some(&cursor))
                .parse()
                .unwrap()
                .after
                .as_deref(),
            Some("service-desk")
        );
        for malformed in ["%%%", "not a cursor"] {
            assert!(
                matches!(params(None, Some(malformed)).parse(), Err(AppError::InvalidParameter(f)) if f.field == "cursor")
            );
        }
        assert!(
            matches!(params(None, Some("c2VydmljZS1kZXNr")).parse(), Err(AppError::Validation(f)) if f[0].field == "cursor"),
            "well formed, but not issued here"
        );
    }
}
