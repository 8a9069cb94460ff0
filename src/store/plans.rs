//! The plans of the hot queries on the database at hand: the queue, search, one incident and
//! the known-error suggestions, each with `EXPLAIN (ANALYZE, BUFFERS)`. `leitstand explain`
//! prints them and fails when one reads the whole incident table.

use sqlx::PgConnection;
use uuid::Uuid;

use super::incident_list::{Filter, Sort, explain_find_by_number, explain_list};
use crate::domain::incident::IncidentState;

pub struct Plan {
    pub name: String,
    pub lines: Vec<String>,
}

impl Plan {
    /// Whether the plan reads the whole incident table.
    pub fn scans_incidents(&self) -> bool {
        self.lines
            .iter()
            .any(|l| l.contains("Seq Scan on incidents"))
    }
}

/// Plans the queries an agent's day is made of, with values taken from the data: the busiest
/// group, the newest incident, common and rare search words.
pub async fn hot_queries(conn: &mut PgConnection) -> sqlx::Result<Vec<Plan>> {
    let group: Option<(Uuid, String)> = sqlx::query_as(
        "select g.id, g.key from groups g \
         order by (select count(*) from incidents i where i.assignment_group_id = g.id \
                   and i.state in ('new', 'in_progress', 'on_hold')) desc, g.key limit 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let newest: Option<(String, String)> = sqlx::query_as(
        "select number, title || ' ' || description from incidents order by updated_at desc, id desc limit 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let open = IncidentState::OPEN.to_vec();
    let mut cases: Vec<(String, Filter, Sort)> = Vec::new();
    if let Some((id, key)) = &group {
        cases.push((
            format!("queue: group {key}, in progress, newest first"),
            Filter {
                states: vec![IncidentState::InProgress],
                assignment_group_id: Some(*id),
                ..Filter::default()
            },
            Sort::UpdatedDesc,
        ));
        cases.push((
            format!("queue: group {key}, open"),
            Filter {
                states: open.clone(),
                assignment_group_id: Some(*id),
                ..Filter::default()
            },
            Sort::UpdatedDesc,
        ));
    }
    // Every sort the queue offers, over all open incidents and over all incidents.
    for (sort, name) in [
        (Sort::UpdatedDesc, "newest first"),
        (Sort::Priority, "most urgent first"),
        (Sort::OpenedAsc, "oldest first"),
        (Sort::BreachesNext, "breaches next"),
    ] {
        cases.push((
            format!("queue: all open, {name}"),
            Filter {
                states: open.clone(),
                ..Filter::default()
            },
            sort,
        ));
        cases.push((format!("queue: all, {name}"), Filter::default(), sort));
    }
    for word in ["Drucker", "password", "4711"] {
        cases.push((
            format!("search: {word}"),
            Filter {
                text: Some(word.to_owned()),
                ..Filter::default()
            },
            Sort::Relevance,
        ));
    }
    cases.push((
        "search: open incidents, VPN".to_owned(),
        Filter {
            text: Some("VPN".to_owned()),
            states: open,
            ..Filter::default()
        },
        Sort::UpdatedDesc,
    ));
    let mut plans = Vec::new();
    for (name, filter, sort) in cases {
        let lines = explain_list(&mut *conn, &filter, sort, None, 50).await?;
        plans.push(Plan { name, lines });
    }
    if let Some((number, text)) = newest {
        plans.push(Plan {
            name: format!("one incident: {number}"),
            lines: explain_find_by_number(&mut *conn, &number).await?,
        });
        let tsquery = super::search::as_any_word_tsquery(&mut *conn, &text).await?;
        if !tsquery.is_empty() {
            plans.push(Plan {
                name: format!("known-error suggestions for {number}"),
                lines: super::problems::explain_known_errors(&mut *conn, &tsquery, 5).await?,
            });
        }
    }
    Ok(plans)
}
