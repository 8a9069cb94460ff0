//! The two kinds of record a caller has, incidents and requests, for what both take alike:
//! the caller's rating and sharing with other people. One lookup finds either kind for such
//! an action, with what the action's rules ask about it.

use uuid::Uuid;

use crate::domain::incident::IncidentState;
use crate::domain::request::RequestState;
use crate::error::{AppError, AppResult};
use crate::service::scope::ReadScope;
use crate::store::{self, journal::Subject};

/// The record kinds a caller has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Incident,
    Request,
}

impl RecordKind {
    /// The kind's path segment, in the API and on pages: `incidents`, `requests`.
    pub fn collection(self) -> &'static str {
        match self {
            RecordKind::Incident => "incidents",
            RecordKind::Request => "requests",
        }
    }
}

/// An incident or request as found for an action on it.
pub(crate) struct Located {
    pub subject: Subject,
    pub caller_id: Option<Uuid>,
    /// Its group's key, for the write scope.
    pub assignment_group: Option<String>,
    /// When its current resolution (fulfilment) was made; `None` while it has none.
    pub resolved_at: Option<jiff::Timestamp>,
    /// In the reader's own read scope, not only shared with them (or asked for an approval):
    /// only then do they read its work notes or act on it as the desk.
    pub in_scope: bool,
}

/// Whether a record outside the reader's scope is still theirs to read: shared with them, or
/// (a request) they are asked to approve it.
pub(crate) async fn admitted_besides_scope(
    conn: &mut sqlx::PgConnection,
    subject: Subject,
    reader: Uuid,
) -> sqlx::Result<bool> {
    if store::shares::has(conn, subject, reader).await? {
        return Ok(true);
    }
    match subject {
        Subject::Request(id) => store::approvals::is_approver(conn, id, reader).await,
        _ => Ok(false),
    }
}

/// The incident or request `number` names, locked for a change, when the reader may read it;
/// else `NotFound`.
pub(crate) async fn lock(
    conn: &mut sqlx::PgConnection,
    scope: &ReadScope,
    kind: RecordKind,
    number: &str,
) -> AppResult<Located> {
    locate(conn, scope, kind, number, true).await
}

/// The incident or request `number` names, for reading (no lock), when the reader may read
/// it; else `NotFound`.
pub(crate) async fn find(
    conn: &mut sqlx::PgConnection,
    scope: &ReadScope,
    kind: RecordKind,
    number: &str,
) -> AppResult<Located> {
    locate(conn, scope, kind, number, false).await
}

async fn locate(
    conn: &mut sqlx::PgConnection,
    scope: &ReadScope,
    kind: RecordKind,
    number: &str,
    locked: bool,
) -> AppResult<Located> {
    let located = match kind {
        RecordKind::Request => {
            let number = crate::domain::request::RequestNumber::parse(number)
                .map_err(|_| AppError::NotFound)?;
            let request = if locked {
                store::requests::lock_by_number(conn, number.as_str()).await?
            } else {
                store::requests::find_by_number(conn, number.as_str()).await?
            }
            .ok_or(AppError::NotFound)?;
            let resolved = matches!(
                request.state,
                RequestState::Fulfilled | RequestState::Closed
            );
            Located {
                subject: Subject::Request(request.id),
                caller_id: Some(request.caller_id),
                in_scope: scope.admits(Some(request.caller_id), Some(request.department_id)),
                assignment_group: request.assignment_group,
                resolved_at: request.fulfilled_at.filter(|_| resolved),
            }
        }
        RecordKind::Incident => {
            let number = super::incidents::parse_number(number)?;
            let incident = if locked {
                store::incidents::lock_by_number(conn, number.as_str()).await?
            } else {
                store::incidents::find_by_number(conn, number.as_str()).await?
            }
            .ok_or(AppError::NotFound)?;
            let resolved = matches!(
                incident.state,
                IncidentState::Resolved | IncidentState::Closed
            );
            Located {
                subject: Subject::Incident(incident.id),
                caller_id: incident.caller_id,
                in_scope: scope.admits(incident.caller_id, incident.department_id),
                assignment_group: incident.assignment_group,
                resolved_at: incident.resolved_at.filter(|_| resolved),
            }
        }
    };
    if located.in_scope || admitted_besides_scope(conn, located.subject, scope.me).await? {
        Ok(located)
    } else {
        Err(AppError::NotFound)
    }
}
