//! Problem lists with keyset cursors, and CSV.

use crate::domain::Permission;
use crate::domain::problem::ProblemState;
use crate::error::AppResult;
use crate::service::csv::csv_cell;
use crate::service::fields::{bad_parameter, unknown_reference};
use crate::service::problems::view::ProblemView;
use crate::service::{Actor, Page};
use crate::store::{self};

#[derive(Debug, Clone, Default)]
pub struct ProblemQuery {
    pub states: Vec<String>,
    pub known_error: Option<String>,
    pub service: Option<String>,
    pub assignment_group: Option<String>,
    pub q: Option<String>,
}

impl ProblemQuery {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut query = ProblemQuery::default();
        for (name, value) in crate::service::fields::list_pairs(pairs) {
            match name {
                "state" => query.states.push(value),
                "known_error" => query.known_error = Some(value),
                "service" => query.service = Some(value),
                "assignment_group" => query.assignment_group = Some(value),
                "q" => query.q = Some(value),
                _ => {}
            }
        }
        query
    }
}

pub async fn list(
    db: &crate::db::Db,
    actor: &Actor,
    query: &ProblemQuery,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<ProblemView>> {
    actor.require(Permission::Read)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let mut conn = db.acquire().await?;
    let mut filter = store::problems::Filter {
        hidden_departments: scope.hidden.clone(),
        ..Default::default()
    };
    for state in &query.states {
        filter
            .states
            .push(ProblemState::parse(state).map_err(|key| bad_parameter("state", key))?);
    }
    if let Some(known) = &query.known_error {
        filter.known_error = Some(
            known
                .parse()
                .map_err(|_| bad_parameter("known_error", "error.boolean"))?,
        );
    }
    if let Some(key) = &query.service {
        let service = store::services::find_by_key(&mut conn, key).await?;
        filter.service_id = Some(
            service
                .ok_or_else(|| unknown_reference("service", "error.unknown_service"))?
                .id,
        );
    }
    if let Some(key) = &query.assignment_group {
        filter.assignment_group_id =
            Some(crate::service::references::group_filter(&mut conn, key).await?);
    }
    if let Some(text) = &query.q {
        if text.chars().count() > 200 {
            return Err(bad_parameter("q", "error.too_long"));
        }
        // A ticket number finds the problem itself, or the problem of the incident.
        match crate::domain::ticket::ticket_ref(text) {
            Some(crate::domain::ticket::TicketRef::Problem(number)) => filter.number = Some(number),
            Some(crate::domain::ticket::TicketRef::Incident(number)) => {
                let incident = store::incidents::find_by_number(&mut conn, &number).await?;
                filter.number = Some(
                    incident
                        .filter(|i| scope.admits(i.caller_id, i.department_id))
                        .and_then(|i| i.problem)
                        .unwrap_or_else(|| "PRB-none".to_owned()),
                );
            }
            // A request number names no problem.
            Some(crate::domain::ticket::TicketRef::Request(number)) => {
                filter.number = Some(number);
            }
            None => {
                filter.tsquery = Some(store::search::as_tsquery(&mut conn, text).await?);
            }
        }
    }
    let after = crate::service::after_cursor(cursor)?;
    let rows = store::problems::list(&mut conn, &filter, after, limit).await?;
    Ok(Page::from_rows(
        rows,
        limit,
        |p| crate::service::updated_cursor(p.updated_at, p.id),
        ProblemView::from,
    ))
}

/// Problems as CSV (RFC 4180), cells a spreadsheet would run as a formula defused.
pub fn to_csv(rows: &[ProblemView]) -> String {
    format!("{CSV_HEADER}{}", csv_rows(rows))
}

/// The header line of the problem CSV.
pub const CSV_HEADER: &str = "number,title,state,known_error,priority,service,assignment_group,assignee,incident_count,opened_at,updated_at,resolved_at,closed_at\r\n";

/// The CSV lines of `rows`, without the header (for a download streamed page by page).
pub fn csv_rows(rows: &[ProblemView]) -> String {
    let mut out = String::new();
    let time = |t: Option<jiff::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    for row in rows {
        let cells = [
            row.number.clone(),
            row.title.clone(),
            row.state.as_str().to_owned(),
            row.known_error.to_string(),
            row.priority.to_string(),
            row.service.clone().unwrap_or_default(),
            row.assignment_group.clone().unwrap_or_default(),
            row.assignee.clone().unwrap_or_default(),
            row.incident_count.to_string(),
            time(Some(row.opened_at)),
            time(Some(row.updated_at)),
            time(row.resolved_at),
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
