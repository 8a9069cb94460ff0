//! All SQL, one module per aggregate. Store functions take a connection (`&mut PgConnection`,
//! usually a transaction the service function owns) and never begin or commit themselves.
//!
//! Queries are checked at run time (`query_as` with `FromRow`), not with `query!`: the
//! compile-time macros need a live database or committed `.sqlx` data at build time, and the
//! integration tests exercise every query against a real PostgreSQL instead.

pub mod approvals;
pub mod attachments;
pub mod bucket;
pub mod codec;
pub mod departments;
pub mod events;
pub mod groups;
pub mod idempotency;
pub mod improvements;
pub mod incident_list;
pub mod incidents;
pub mod insight;
pub mod insight_figures;
pub mod insight_flow;
pub mod insight_markers;
pub mod insight_problems;
pub mod insight_rollups;
pub mod journal;
pub mod login_failures;
pub mod mail;
pub mod mail_out;
pub mod names;
pub mod plans;
pub mod problems;
pub mod ratings;
pub mod reference;
pub mod reference_generation;
pub mod reminders;
pub mod request_types;
pub mod requests;
pub mod saved_views;
pub mod search;
pub mod services;
pub mod sessions;
pub mod shares;
pub mod sla;
pub mod tasks;
pub mod tokens;
pub mod users;
pub mod webhooks;

/// Fetches one row more than `limit` to learn whether another page follows.
pub fn split_page<T>(mut rows: Vec<T>, limit: usize) -> (Vec<T>, bool) {
    let more = rows.len() > limit;
    rows.truncate(limit);
    (rows, more)
}

/// Ends a list query newest change first: the rows of `alias` after `(updated_at, id)` (the
/// keyset of the previous page), in that order, `limit + 1` at most (the extra row says
/// whether another page follows).
pub fn newest_first(
    q: &mut sqlx::QueryBuilder<'_, sqlx::Postgres>,
    alias: &str,
    after: Option<(jiff::Timestamp, uuid::Uuid)>,
    limit: i64,
) {
    if let Some((at, id)) = after {
        q.push(format!(" and ({alias}.updated_at, {alias}.id) < ("))
            .push_bind(jiff_sqlx::Timestamp::from(at))
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    q.push(format!(
        " order by {alias}.updated_at desc, {alias}.id desc limit "
    ))
    .push_bind(limit + 1);
}

/// Narrows a list to rows whose `column` holds one of `values`: one value as `=`, so an index
/// on (that column, `updated_at`) gives the order.
pub fn one_of<T>(q: &mut sqlx::QueryBuilder<'_, sqlx::Postgres>, column: &str, values: &[T])
where
    T: for<'e> sqlx::Encode<'e, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + sqlx::postgres::PgHasArrayType
        + Clone
        + Send
        + 'static,
{
    match values {
        [] => {}
        [value] => {
            q.push(format!(" and {column} = ")).push_bind(value.clone());
        }
        values => {
            q.push(format!(" and {column} = any("))
                .push_bind(values.to_vec())
                .push(")");
        }
    }
}
