//! Request lists with keyset cursors, and CSV: queues for agents, "my requests" for callers.

use uuid::Uuid;

use crate::domain::Permission;
use crate::domain::request::RequestState;
use crate::error::AppResult;
use crate::service::csv::csv_cell;
use crate::service::fields::{bad_parameter, unknown_reference};
use crate::service::requests::view::RequestView;
use crate::service::{Actor, Page};
use crate::store;

#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    pub states: Vec<String>,
    pub request_type: Option<String>,
    pub assignment_group: Option<String>,
    /// An e-mail, or `me`.
    pub assignee: Option<String>,
    /// An e-mail, or `me`.
    pub caller: Option<String>,
    pub q: Option<String>,
}

impl RequestQuery {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut query = RequestQuery::default();
        for (name, value) in crate::service::fields::list_pairs(pairs) {
            match name {
                "state" => query.states.push(value),
                "request_type" => query.request_type = Some(value),
                "assignment_group" => query.assignment_group = Some(value),
                "assignee" => query.assignee = Some(value),
                "caller" => query.caller = Some(value),
                "q" => query.q = Some(value),
                _ => {}
            }
        }
        query
    }
}

/// The user named by a filter (`me`, or an e-mail with an account; people are looked up only
/// by those who may list them).
pub(super) async fn person(
    conn: &mut sqlx::PgConnection,
    actor: &Actor,
    field: &str,
    value: &str,
) -> AppResult<Uuid> {
    if value.eq_ignore_ascii_case("me") {
        return Ok(actor.id);
    }
    actor.require(Permission::ReadInternal)?;
    // Well formed but no address: unknown, like a name without an account (422).
    let email = crate::domain::Email::parse(value).map_err(|key| unknown_reference(field, key))?;
    Ok(store::users::find_by_email(conn, email.as_str())
        .await?
        .ok_or_else(|| unknown_reference(field, "error.unknown_user"))?
        .id)
}

pub async fn list(
    db: &crate::db::Db,
    actor: &Actor,
    query: &RequestQuery,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<RequestView>> {
    actor.require(Permission::ReadOwn)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let mut conn = db.read().await?;
    let mut filter = store::requests::Filter {
        hidden_departments: scope.hidden.clone(),
        visible_caller: Some(actor.id),
        ..Default::default()
    };
    if scope.own_only {
        filter.caller_id = Some(actor.id);
    }
    for state in &query.states {
        filter
            .states
            .push(RequestState::parse(state).map_err(|key| bad_parameter("state", key))?);
    }
    if let Some(key) = &query.request_type {
        let found = store::request_types::find_by_key(&mut conn, key).await?;
        filter.request_type_id = Some(
            found
                .ok_or_else(|| unknown_reference("request_type", "error.unknown_request_type"))?
                .id,
        );
    }
    if let Some(key) = &query.assignment_group {
        filter.assignment_group_id =
            Some(crate::service::references::group_filter(&mut conn, key).await?);
    }
    if let Some(assignee) = &query.assignee {
        filter.assignee_id = Some(person(&mut conn, actor, "assignee", assignee).await?);
    }
    if let Some(caller) = &query.caller {
        let caller = person(&mut conn, actor, "caller", caller).await?;
        if scope.own_only && caller != actor.id {
            // A caller reads their own requests only: another's are none of theirs.
            filter.number = Some("REQ-none".to_owned());
        }
        filter.caller_id = Some(caller);
    }
    if let Some(text) = &query.q {
        if text.chars().count() > 200 {
            return Err(bad_parameter("q", "error.too_long"));
        }
        match crate::domain::ticket::ticket_ref(text) {
            Some(crate::domain::ticket::TicketRef::Request(number)) => filter.number = Some(number),
            // An incident or problem number names no request.
            Some(_) => filter.number = Some("REQ-none".to_owned()),
            None => {
                filter.tsquery = Some(store::search::as_tsquery(&mut conn, text).await?);
            }
        }
    }
    let after = crate::service::after_cursor(cursor)?;
    let rows = store::requests::list(&mut conn, &filter, after, limit).await?;
    conn.done();
    Ok(Page::from_rows(
        rows,
        limit,
        |r| crate::service::updated_cursor(r.updated_at, r.id),
        RequestView::from,
    ))
}

/// Requests as CSV (RFC 4180), cells a spreadsheet would run as a formula defused.
pub fn to_csv(rows: &[RequestView]) -> String {
    format!("{CSV_HEADER}{}", csv_rows(rows))
}

/// The header line of the request CSV.
pub const CSV_HEADER: &str = "number,request_type,department,title,state,caller,assignment_group,assignee,opened_at,updated_at,fulfilled_at,closed_at\r\n";

/// The CSV lines of `rows`, without the header.
pub fn csv_rows(rows: &[RequestView]) -> String {
    let mut out = String::new();
    let time = |t: Option<jiff::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    for row in rows {
        let cells = [
            row.number.clone(),
            row.request_type.clone(),
            row.department.clone(),
            row.title.clone(),
            row.state.as_str().to_owned(),
            row.caller.clone(),
            row.assignment_group.clone().unwrap_or_default(),
            row.assignee.clone().unwrap_or_default(),
            time(Some(row.opened_at)),
            time(Some(row.updated_at)),
            time(row.fulfilled_at),
            time(row.closed_at),
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}
