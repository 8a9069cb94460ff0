//! All SQL, one module per aggregate. Store functions take a connection (`&mut PgConnection`,
//! usually a transaction the service function owns) and never begin or commit themselves.
//!
//! Queries are checked at run time (`query_as` with `FromRow`), not with `query!`: the
//! compile-time macros need a live database or committed `.sqlx` data at build time, and the
//! integration tests exercise every query against a real PostgreSQL instead.

pub mod approvals;
pub mod codec;
pub mod departments;
pub mod events;
pub mod groups;
pub mod idempotency;
pub mod incident_list;
pub mod incidents;
pub mod journal;
pub mod login_failures;
pub mod names;
pub mod plans;
pub mod problems;
pub mod reference;
pub mod reference_generation;
pub mod request_types;
pub mod requests;
pub mod saved_views;
pub mod search;
pub mod services;
pub mod sessions;
pub mod sla;
pub mod tasks;
pub mod tokens;
pub mod users;

/// Fetches one row more than `limit` to learn whether another page follows.
pub fn split_page<T>(mut rows: Vec<T>, limit: usize) -> (Vec<T>, bool) {
    let more = rows.len() > limit;
    rows.truncate(limit);
    (rows, more)
}
