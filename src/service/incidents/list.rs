//! Incident lists: every filter of `GET /incidents` and the queue pages, keyset cursors per
//! sort, and CSV.

use sqlx::PgConnection;

use crate::db::Db;
use uuid::Uuid;

use crate::domain::Permission;
use crate::domain::incident::Incident;
use crate::domain::incident::IncidentState;
use crate::domain::ticket::TicketRef;
use crate::error::AppResult;
use crate::service::csv::csv_cell;
use crate::service::fields::{bad_parameter, unknown_reference};
use crate::service::incidents::view::IncidentView;
use crate::service::{Actor, Page};
use crate::store;

pub use store::incident_list::Sort;

/// A list request as sent: every filter of `GET /incidents` (and of the queue pages).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub states: Vec<String>,
    pub priority: Option<String>,
    pub assignment_group: Option<String>,
    /// An e-mail, `me`, or `none` for unassigned incidents.
    pub assignee: Option<String>,
    /// The e-mail of a caller with an account: their incidents (their journey).
    pub caller: Option<String>,
    pub service: Option<String>,
    pub problem: Option<String>,
    /// Only incidents of the acting user's groups.
    pub my_groups: bool,
    /// `at_risk` or `breached`.
    pub sla: Option<String>,
    pub q: Option<String>,
    pub updated_since: Option<String>,
    pub sort: Option<String>,
}

impl ListQuery {
    /// Reads the repeatable query-string pairs of a list request; unknown names are ignored.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut query = ListQuery::default();
        for (name, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let slot = match name.as_str() {
                "state" => {
                    query.states.extend(
                        value
                            .split(',')
                            .map(|s| s.trim().to_owned())
                            .filter(|s| !s.is_empty()),
                    );
                    continue;
                }
                "priority" => &mut query.priority,
                "assignment_group" => &mut query.assignment_group,
                "assignee" => &mut query.assignee,
                "caller" => &mut query.caller,
                "service" => &mut query.service,
                "problem" => &mut query.problem,
                "sla" => &mut query.sla,
                "q" => &mut query.q,
                "updated_since" => &mut query.updated_since,
                "sort" => &mut query.sort,
                _ => continue,
            };
            *slot = Some(value.to_owned());
        }
        query
    }
}

/// One page of incidents matching `query`, after `cursor` (a key from an earlier page).
pub async fn list(
    db: &Db,
    actor: &Actor,
    query: &ListQuery,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<IncidentView>> {
    actor.require(Permission::ReadOwn)?;
    let reference = crate::service::reference::data(db).await?;
    let mut conn = db.read().await?;
    let mut filter = filter_of(&mut conn, &reference, actor, query).await?;
    let scope = crate::service::scope::ReadScope::of(actor, &reference);
    filter.caller_id = scope.own_only.then_some(scope.me);
    filter.hidden_departments = scope.hidden;
    filter.reader = Some(scope.me);
    let sort = match query.sort.as_deref() {
        None | Some("relevance") if filter.text.is_some() => Sort::Relevance,
        // Best match with nothing to match: the newest first.
        None | Some("-updated_at" | "relevance") => Sort::UpdatedDesc,
        Some("-priority") => Sort::Priority,
        Some("opened_at") => Sort::OpenedAsc,
        Some("sla_due") => Sort::BreachesNext,
        Some(_) => return Err(bad_parameter("sort", "error.sort")),
    };
    let after = cursor
        .map(|c| {
            decode_position(c, sort).ok_or_else(|| unknown_reference("cursor", "error.cursor"))
        })
        .transpose()?;
    let rows = store::incident_list::list(&mut conn, &filter, sort, after.as_ref(), limit).await?;
    conn.done();
    let now = jiff::Timestamp::now();
    Ok(Page::from_rows(
        rows,
        limit,
        |row| encode_position(&row.incident, row.rank, sort),
        |row| IncidentView::new(row.incident, now),
    ))
}

/// The store filter for a list query: every name looked up, every bad value named.
async fn filter_of(
    conn: &mut PgConnection,
    reference: &store::reference::Reference,
    actor: &Actor,
    query: &ListQuery,
) -> AppResult<store::incident_list::Filter> {
    let mut filter = store::incident_list::Filter::default();
    let scope = crate::service::scope::ReadScope::of(actor, reference);
    for state in &query.states {
        let state = IncidentState::parse(state).map_err(|key| bad_parameter("state", key))?;
        if !filter.states.contains(&state) {
            filter.states.push(state);
        }
    }
    filter
        .states
        .sort_by_key(|s| IncidentState::ALL.iter().position(|x| x == s));
    if let Some(priority) = &query.priority {
        filter.priority = Some(
            priority
                .parse()
                .ok()
                .filter(|p| (1..=5).contains(p))
                .ok_or_else(|| bad_parameter("priority", "error.priority"))?,
        );
    }
    if let Some(key) = &query.assignment_group {
        let group = reference.group(key);
        filter.assignment_group_id = Some(
            group
                .ok_or_else(|| unknown_reference("assignment_group", "error.unknown_group"))?
                .id,
        );
    }
    people(conn, actor, query, &mut filter).await?;
    if let Some(sla) = &query.sla {
        filter.sla = Some(match sla.as_str() {
            "at_risk" => store::incident_list::SlaFilter::AtRisk,
            "breached" => store::incident_list::SlaFilter::Breached,
            _ => return Err(bad_parameter("sla", "error.sla_filter")),
        });
    }
    if query.my_groups {
        let keys = actor.groups.clone();
        let ids = store::groups::ids_by_keys(&mut *conn, &keys).await?;
        filter.assignment_groups = Some(ids.into_iter().map(|(_, id)| id).collect());
    }
    if let Some(key) = &query.service {
        let service = store::services::find_by_key(&mut *conn, key).await?;
        filter.service_id = Some(
            service
                .ok_or_else(|| unknown_reference("service", "error.unknown_service"))?
                .id,
        );
    }
    if let Some(number) = &query.problem {
        let found = match crate::domain::problem::ProblemNumber::parse(number) {
            Ok(number) => store::problems::find_by_number(&mut *conn, number.as_str())
                .await?
                .filter(|p| scope.admits(None, p.department_id)),
            Err(_) => None,
        };
        filter.problem_id = Some(
            found
                .ok_or_else(|| unknown_reference("problem", "error.unknown_problem"))?
                .id,
        );
    }
    if let Some(since) = &query.updated_since {
        filter.updated_since = Some(
            since
                .parse()
                .map_err(|_| bad_parameter("updated_since", "error.timestamp"))?,
        );
    }
    if let Some(text) = &query.q {
        if text.chars().count() > 200 {
            return Err(bad_parameter("q", "error.too_long"));
        }
        // A ticket number typed into the search finds the ticket: the incident itself, or the
        // incidents of the problem.
        match crate::domain::ticket::ticket_ref(text) {
            // An incident number finds the incident; a request number names none.
            Some(TicketRef::Incident(number) | TicketRef::Request(number)) => {
                filter.number = Some(number);
            }
            Some(TicketRef::Problem(number)) => {
                let problem = store::problems::find_by_number(&mut *conn, &number)
                    .await?
                    .filter(|p| scope.admits(None, p.department_id));
                // An unknown problem has no incidents: a filter that matches none.
                filter.problem_id = Some(problem.map_or(Uuid::nil(), |p| p.id));
            }
            None => filter.text = Some(text.clone()),
        }
    }
    Ok(filter)
}

/// The filters naming people: the assignee (an e-mail, `me` or `none`) and the caller.
async fn people(
    conn: &mut PgConnection,
    actor: &Actor,
    query: &ListQuery,
    filter: &mut store::incident_list::Filter,
) -> AppResult<()> {
    if let Some(assignee) = &query.assignee {
        filter.assignee_id = Some(match assignee.as_str() {
            "me" => Some(actor.id),
            "none" => None,
            email => Some(
                store::users::find_by_email(&mut *conn, &email.to_lowercase())
                    .await?
                    .ok_or_else(|| unknown_reference("assignee", "error.unknown_user"))?
                    .id,
            ),
        });
    }
    if let Some(caller) = &query.caller {
        let found = store::users::find_by_email(&mut *conn, &caller.to_lowercase()).await?;
        filter.of_caller = Some(match found {
            Some(user) => user.id,
            // Only those who may list people learn that an address has no account.
            None if actor.reads_internal() => {
                return Err(unknown_reference("caller", "error.unknown_user"));
            }
            None => uuid::Uuid::nil(),
        });
    }
    Ok(())
}

fn encode_position(incident: &Incident, rank: f32, sort: Sort) -> String {
    match sort {
        Sort::UpdatedDesc => format!("u:{}:{}", incident.updated_at.as_microsecond(), incident.id),
        Sort::OpenedAsc => format!("o:{}:{}", incident.opened_at.as_microsecond(), incident.id),
        Sort::BreachesNext => format!(
            "d:{}:{}:{}",
            u8::from(incident.sla_paused_since.is_some()),
            incident
                .resolution_due
                .map_or(0, jiff::Timestamp::as_microsecond),
            incident.id
        ),
        Sort::Priority => format!(
            "p:{}:{}:{}",
            incident.priority,
            incident.opened_at.as_microsecond(),
            incident.id
        ),
        Sort::Relevance => format!("r:{rank}:{}", incident.id),
    }
}

fn decode_position(cursor: &str, sort: Sort) -> Option<store::incident_list::Position> {
    use store::incident_list::Position;
    let parts: Vec<&str> = cursor.split(':').collect();
    let micros = |s: &str| {
        s.parse::<i64>()
            .ok()
            .and_then(|m| jiff::Timestamp::from_microsecond(m).ok())
    };
    match (sort, parts.as_slice()) {
        (Sort::UpdatedDesc, ["u", at, id]) | (Sort::OpenedAsc, ["o", at, id]) => {
            Some(Position::Time(micros(at)?, id.parse().ok()?))
        }
        (Sort::BreachesNext, ["d", paused @ ("0" | "1"), at, id]) => {
            Some(Position::Due(*paused == "1", micros(at)?, id.parse().ok()?))
        }
        (Sort::Priority, ["p", priority, at, id]) => Some(Position::Priority(
            priority.parse().ok()?,
            micros(at)?,
            id.parse().ok()?,
        )),
        (Sort::Relevance, ["r", rank, id]) => {
            Some(Position::Rank(rank.parse().ok()?, id.parse().ok()?))
        }
        _ => None,
    }
}

/// The rows as CSV (RFC 4180), with cells that a spreadsheet would run as a formula defused.
pub fn to_csv(rows: &[IncidentView]) -> String {
    format!("{CSV_HEADER}{}", csv_rows(rows))
}

/// The header line of the incident CSV.
pub const CSV_HEADER: &str = "number,title,state,priority,impact,urgency,caller,service,category,assignment_group,assignee,major,\
     reassignment_count,opened_at,updated_at,resolved_at,closed_at\r\n";

/// The CSV lines of `rows`, without the header (for a download streamed page by page).
pub fn csv_rows(rows: &[IncidentView]) -> String {
    let mut out = String::new();
    let time = |t: Option<jiff::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    for row in rows {
        let cells = [
            row.number.clone(),
            row.title.clone(),
            row.state.as_str().to_owned(),
            row.priority.to_string(),
            row.impact.as_str().to_owned(),
            row.urgency.as_str().to_owned(),
            row.caller.clone().unwrap_or_default(),
            row.service.clone().unwrap_or_default(),
            row.category.clone().unwrap_or_default(),
            row.assignment_group.clone().unwrap_or_default(),
            row.assignee.clone().unwrap_or_default(),
            row.major.to_string(),
            row.reassignment_count.to_string(),
            time(Some(row.opened_at)),
            time(Some(row.updated_at)),
            time(row.resolved_at),
            time(row.closed_at),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_queries_read_repeated_and_comma_separated_states() {
        let pairs: Vec<(String, String)> = [
            ("state", "new"),
            ("state", "on_hold,resolved"),
            ("q", " VPN "),
            ("x", "y"),
            ("sort", ""),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        let query = ListQuery::from_pairs(&pairs);
        assert_eq!(query.states, ["new", "on_hold", "resolved"]);
        assert_eq!(query.q.as_deref(), Some("VPN"));
        assert_eq!(query.sort, None);
    }

    #[test]
    fn cursors_belong_to_their_sort() {
        let id = Uuid::now_v7();
        let at = jiff::Timestamp::from_microsecond(1_700_000_000_123_456).unwrap();
        let position = decode_position(
            &format!("u:{}:{id}", at.as_microsecond()),
            Sort::UpdatedDesc,
        );
        assert_eq!(position, Some(store::incident_list::Position::Time(at, id)));
        assert_eq!(
            decode_position(&format!("u:{}:{id}", at.as_microsecond()), Sort::Priority),
            None
        );
        assert_eq!(decode_position("p:x:1:2", Sort::Priority), None);
    }
}
