//! Operations: one async function each, shared by the JSON API and the pages. Each checks the
//! actor's role, validates its input into domain values, and owns its transaction.

pub mod actor;
pub mod attachments;
pub mod auth;
pub mod auth_cache;
pub mod changes;
pub mod csv;
pub mod departments;
pub mod fields;
pub mod idempotency;
pub mod imap;
pub mod improvements;
pub mod incidents;
pub mod insight;
pub mod journal;
pub mod known_errors;
pub mod mail;
pub mod notify;
pub mod problem_candidates;
pub mod problems;
pub mod ratings;
pub mod record;
pub mod reference;
pub mod references;
pub mod reminders;
pub mod request_types;
pub mod requests;
pub mod saved_views;
pub mod scope;
pub mod shares;
pub mod sla;
pub mod sla_changes;
pub mod users;
pub mod webhooks;

pub use actor::Actor;

use crate::error;

/// A page request for a keyset-paginated list.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// The sort key of the last row of the previous page.
    pub after: Option<String>,
    pub limit: i64,
}

/// One page: the rows, and the sort key to continue after when another page follows.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// The rows made into one value (CSV lines, say), with the key to continue after.
    pub fn fold_items<U>(self, f: impl FnOnce(Vec<T>) -> U) -> (U, Option<String>) {
        (f(self.items), self.next)
    }

    /// Builds a page from `limit + 1` fetched rows.
    pub fn from_rows<R>(
        rows: Vec<R>,
        limit: i64,
        key: impl Fn(&R) -> String,
        view: impl Fn(R) -> T,
    ) -> Self {
        let (rows, more) = crate::store::split_page(rows, usize::try_from(limit).unwrap_or(0));
        let next = if more { rows.last().map(&key) } else { None };
        Page {
            items: rows.into_iter().map(view).collect(),
            next,
        }
    }
}

/// `If-Match` against the stored version: `412` carrying the current representation when stale.
pub fn check_version<V: serde::Serialize>(
    version: i64,
    if_match: Option<i64>,
    current: impl FnOnce() -> V,
) -> crate::error::AppResult<()> {
    match if_match {
        Some(expected) if expected != version => {
            let body = serde_json::to_value(current()).map_err(anyhow::Error::from)?;
            Err(crate::error::AppError::PreconditionFailed(body))
        }
        _ => Ok(()),
    }
}

/// The cursor of a list newest change first: the row's `(updated_at, id)`.
pub fn updated_cursor(updated_at: jiff::Timestamp, id: uuid::Uuid) -> String {
    time_cursor("u", updated_at, id)
}

/// The cursor `{prefix}:{microseconds}:{id}` of a list ordered by a time and an id, read by
/// [`decode_time_cursor`].
pub fn time_cursor(prefix: &str, at: jiff::Timestamp, id: impl std::fmt::Display) -> String {
    format!("{prefix}:{}:{id}", at.as_microsecond())
}

/// Reads a cursor [`updated_cursor`] made; `None` for anything else.
pub fn decode_updated_cursor(cursor: &str) -> Option<(jiff::Timestamp, uuid::Uuid)> {
    decode_time_cursor(cursor, "u")
}

/// Reads a cursor `{prefix}:{microseconds}:{id}` of a list ordered by a time and an id;
/// `None` for anything else.
pub fn decode_time_cursor<Id: std::str::FromStr>(
    cursor: &str,
    prefix: &str,
) -> Option<(jiff::Timestamp, Id)> {
    let mut parts = cursor.split(':');
    let (Some(found), Some(at), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if found != prefix {
        return None;
    }
    Some((
        jiff::Timestamp::from_microsecond(at.parse().ok()?).ok()?,
        id.parse().ok()?,
    ))
}

/// The keyset a newest-first list continues after; a cursor this server did not issue is
/// `422` naming `cursor`.
pub fn after_cursor(
    cursor: Option<&str>,
) -> error::AppResult<Option<(jiff::Timestamp, uuid::Uuid)>> {
    cursor
        .map(|c| {
            decode_updated_cursor(c)
                .ok_or_else(|| fields::unknown_reference("cursor", "error.cursor"))
        })
        .transpose()
}
