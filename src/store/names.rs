//! The names a record shows for what it points at — service and group keys, user e-mails,
//! incident and problem numbers — by id, kept by the process once read.
//!
//! None of them ever changes once given: keys and e-mails are not editable (`store::services`,
//! `store::groups`, `store::users` update names, roles and flags, never the key or the
//! address), numbers are fixed at creation, and ids are UUIDv7, unique across tables and
//! databases. So an entry is never stale and nothing has to invalidate it; the cache is only
//! bounded (cleared when full).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use sqlx::PgConnection;
use uuid::Uuid;

use super::incidents::Incident;

/// The six names of an incident's row, in the order of `fill_incident`'s query.
type Six = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Most names kept (about 100 bytes each).
const CAPACITY: usize = 50_000;

static NAMES: LazyLock<Mutex<HashMap<Uuid, String>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Fills the names of what `incident` points at (service, group, assignee, parent, problem,
/// opener): from the cache, and the missing ones in one round trip.
pub async fn fill_incident(conn: &mut PgConnection, incident: &mut Incident) -> sqlx::Result<()> {
    let ids = [
        incident.service_id,
        incident.assignment_group_id,
        incident.assignee_id,
        incident.parent_id,
        incident.problem_id,
        Some(incident.opened_by_id),
    ];
    let mut names = cached(&ids);
    if ids
        .iter()
        .zip(&names)
        .any(|(id, name)| id.is_some() && name.is_none())
    {
        let wanted = |n: usize| ids[n].filter(|_| names[n].is_none());
        let found: Six = sqlx::query_as(
            "select (select key from services where id = $1), (select key from groups where id = $2), \
             (select email from users where id = $3), (select number from incidents where id = $4), \
             (select number from problems where id = $5), (select email from users where id = $6)",
        )
        .bind(wanted(0))
        .bind(wanted(1))
        .bind(wanted(2))
        .bind(wanted(3))
        .bind(wanted(4))
        .bind(wanted(5))
        .fetch_one(conn)
        .await?;
        let found = [found.0, found.1, found.2, found.3, found.4, found.5];
        remember(&ids, &found);
        for (name, found) in names.iter_mut().zip(found) {
            if name.is_none() {
                *name = found;
            }
        }
    }
    let [service, group, assignee, parent, problem, opened_by] = names;
    incident.service = service;
    incident.assignment_group = group;
    incident.assignee = assignee;
    incident.parent = parent;
    incident.problem = problem;
    incident.opened_by = opened_by.unwrap_or_default();
    Ok(())
}

fn cached(ids: &[Option<Uuid>; 6]) -> [Option<String>; 6] {
    let cache = NAMES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    ids.map(|id| id.and_then(|id| cache.get(&id).cloned()))
}

fn remember(ids: &[Option<Uuid>; 6], names: &[Option<String>; 6]) {
    let mut cache = NAMES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if cache.len() + ids.len() > CAPACITY {
        cache.clear();
    }
    for (id, name) in ids.iter().zip(names) {
        if let (Some(id), Some(name)) = (id, name) {
            cache.insert(*id, name.clone());
        }
    }
}
