//! The plans of the hot queries on the database at hand: the queue, search, one incident and
//! the known-error suggestions, and the portal's and the request queues' lists, each with
//! `EXPLAIN (ANALYZE, BUFFERS)`. `leitstand explain` prints them and fails when one reads a
//! whole table of records.

use sqlx::PgConnection;
use uuid::Uuid;

use super::incident_list::{Filter, Sort, explain_find_by_number, explain_list};
use crate::domain::incident::IncidentState;

pub struct Plan {
    pub name: String,
    pub lines: Vec<String>,
}

impl Plan {
    /// Whether the plan reads a whole table of records: incidents, requests or the journal.
    pub fn scans_records(&self) -> bool {
        self.lines.iter().any(|l| {
            ["incidents", "requests", "journal_entries"]
                .iter()
                .any(|table| l.contains(&format!("Seq Scan on {table} ")))
        })
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
    plans.extend(request_queries(&mut *conn).await?);
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

/// The caller's portal lists (their requests and incidents, with the confidential departments
/// hidden as for anyone outside them) and an agent's request queue, for the caller with the
/// most requests and the busiest request group.
async fn request_queries(conn: &mut PgConnection) -> sqlx::Result<Vec<Plan>> {
    let hidden: Vec<Uuid> = sqlx::query_scalar("select id from departments where confidential")
        .fetch_all(&mut *conn)
        .await?;
    let caller: Option<(Uuid, String)> = sqlx::query_as(
        "select u.id, u.email from users u where u.id = \
         (select caller_id from requests group by caller_id order by count(*) desc limit 1)",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let group: Option<(Uuid, String)> = sqlx::query_as(
        "select g.id, g.key from groups g where g.id = (select assignment_group_id from requests \
         where state = 'in_progress' group by assignment_group_id order by count(*) desc limit 1)",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let mut plans = Vec::new();
    if let Some((id, email)) = caller {
        let filter = super::requests::Filter {
            caller_id: Some(id),
            hidden_departments: hidden.clone(),
            visible_caller: Some(id),
            ..super::requests::Filter::default()
        };
        plans.push(Plan {
            name: format!("portal: my requests ({email})"),
            lines: super::requests::explain_list(&mut *conn, &filter, None, 50).await?,
        });
        let filter = Filter {
            caller_id: Some(id),
            of_caller: Some(id),
            hidden_departments: hidden.clone(),
            reader: Some(id),
            ..Filter::default()
        };
        plans.push(Plan {
            name: format!("portal: my incidents ({email})"),
            lines: explain_list(&mut *conn, &filter, Sort::UpdatedDesc, None, 20).await?,
        });
    }
    if let Some((id, key)) = group {
        let filter = super::requests::Filter {
            states: vec![crate::domain::request::RequestState::InProgress],
            assignment_group_id: Some(id),
            hidden_departments: hidden.clone(),
            ..super::requests::Filter::default()
        };
        plans.push(Plan {
            name: format!("requests queue: group {key}, in progress"),
            lines: super::requests::explain_list(&mut *conn, &filter, None, 50).await?,
        });
    }
    let filter = super::requests::Filter {
        hidden_departments: hidden,
        ..super::requests::Filter::default()
    };
    plans.push(Plan {
        name: "requests: all, newest first".to_owned(),
        lines: super::requests::explain_list(&mut *conn, &filter, None, 50).await?,
    });
    Ok(plans)
}
