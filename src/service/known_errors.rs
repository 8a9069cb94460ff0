//! Known errors where agents need them: searched by the words of a call, and suggested for an
//! incident while the caller is still on the line.

use crate::db::Db;

use crate::domain::Permission;
use crate::error::AppResult;
use crate::service::Actor;
use crate::service::incidents as incident_ops;
use crate::service::problems::ProblemView;
use crate::store::{self};

/// Known errors matching `q` (German and English word forms), best first, with workarounds.
pub async fn known_errors(
    db: &Db,
    actor: &Actor,
    q: &str,
    limit: i64,
) -> AppResult<Vec<ProblemView>> {
    actor.require(Permission::Read)?;
    let mut conn = db.read().await?;
    let tsquery = store::search::as_any_word_tsquery(&mut conn, q).await?;
    if tsquery.is_empty() {
        conn.done();
        return Ok(Vec::new());
    }
    let found = store::problems::known_errors(&mut conn, &tsquery, limit).await?;
    conn.done();
    Ok(found
        .into_iter()
        .map(|(p, _)| ProblemView::from(p))
        .collect())
}

/// How much of an incident's description its suggestions look at.
const SUGGESTION_TEXT: usize = 300;

/// Known errors whose text matches the incident's title and description, best first.
pub async fn suggestions(
    db: &Db,
    actor: &Actor,
    incident_number: &str,
) -> AppResult<Vec<ProblemView>> {
    let incident = incident_ops::get(db, actor, incident_number).await?;
    // The title and the start of the description: what the caller said first says most, and
    // a shorter query ranks faster.
    let opening: String = incident.description.chars().take(SUGGESTION_TEXT).collect();
    known_errors(db, actor, &format!("{} {opening}", incident.title), 5).await
}
