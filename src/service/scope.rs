//! The read scope, decided once per request for every surface (pages, API, search,
//! suggestions, CSV, linked records): a caller reads only their own records; nobody reads the
//! records of a confidential department unless they are a member of one of its groups or the
//! record's caller. Admins configure departments but are not exempt. Outside the scope a
//! record is unknown (`404`), never forbidden, so its existence is not revealed.

use sqlx::PgConnection;
use uuid::Uuid;

use super::Actor;
use crate::db::Db;
use crate::domain::ticket::{TicketRef, ticket_ref};
use crate::error::AppResult;
use crate::store::journal::EntryRow;
use crate::store::reference::Reference;

#[derive(Debug, Clone)]
pub struct ReadScope {
    /// The reader.
    pub me: Uuid,
    /// Only the reader's own records (they are a caller).
    pub own_only: bool,
    /// The confidential departments the reader is not a member of.
    pub hidden: Vec<Uuid>,
}

impl ReadScope {
    pub fn of(actor: &Actor, reference: &Reference) -> ReadScope {
        ReadScope {
            me: actor.id,
            own_only: actor.own_records_only().is_some(),
            hidden: reference.hidden_departments(&actor.groups),
        }
    }

    /// Whether a record with this caller and department is in the scope.
    pub fn admits(&self, caller_id: Option<Uuid>, department_id: Option<Uuid>) -> bool {
        let mine = caller_id == Some(self.me);
        if self.own_only {
            return mine;
        }
        mine || department_id.is_none_or(|d| !self.hidden.contains(&d))
    }

    /// The journal without the link entries that name a record outside the scope, so a
    /// record's history does not reveal a confidential record linked to it.
    pub async fn links_in_scope(
        &self,
        conn: &mut PgConnection,
        entries: Vec<EntryRow>,
    ) -> sqlx::Result<Vec<EntryRow>> {
        if self.hidden.is_empty() {
            return Ok(entries);
        }
        let mut kept = Vec::with_capacity(entries.len());
        for entry in entries {
            let named = (entry.kind == "link")
                .then(|| entry.body.as_deref().and_then(ticket_ref))
                .flatten();
            let admitted = match named {
                Some(TicketRef::Incident(number)) => {
                    crate::store::incidents::find_by_number(conn, &number)
                        .await?
                        .is_none_or(|i| self.admits(i.caller_id, i.department_id))
                }
                Some(TicketRef::Problem(number)) => {
                    crate::store::problems::find_by_number(conn, &number)
                        .await?
                        .is_none_or(|p| self.admits(None, p.department_id))
                }
                Some(TicketRef::Request(number)) => {
                    crate::store::requests::find_by_number(conn, &number)
                        .await?
                        .is_none_or(|r| self.admits(Some(r.caller_id), Some(r.department_id)))
                }
                None => true,
            };
            if admitted {
                kept.push(entry);
            }
        }
        Ok(kept)
    }
}

/// The actor's read scope, from the reference data kept in memory.
pub async fn of(db: &Db, actor: &Actor) -> AppResult<ReadScope> {
    let reference = super::reference::data(db).await?;
    Ok(ReadScope::of(actor, &reference))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidential_records_reach_members_and_their_caller_only() {
        let (me, hr, it) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let other = Uuid::from_u128(4);
        let outsider = ReadScope {
            me,
            own_only: false,
            hidden: vec![hr],
        };
        assert!(outsider.admits(Some(other), None), "no department");
        assert!(outsider.admits(Some(other), Some(it)), "an open department");
        assert!(!outsider.admits(Some(other), Some(hr)), "a hidden one");
        assert!(
            !outsider.admits(None, Some(hr)),
            "a hidden one without caller"
        );
        assert!(outsider.admits(Some(me), Some(hr)), "their own case");
        let caller = ReadScope {
            me,
            own_only: true,
            hidden: vec![],
        };
        assert!(caller.admits(Some(me), Some(it)));
        assert!(!caller.admits(Some(other), None), "another caller's record");
    }
}
