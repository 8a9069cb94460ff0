//! Problem candidates: clusters of similar recent incidents not linked to a problem yet
//! (`domain::clustering`), paged, and a problem made from one.

use serde::Serialize;
use uuid::Uuid;

use crate::domain::incident::{IncidentNumber, IncidentState};
use crate::domain::journal::SystemNote;
use crate::domain::{Invalid, Permission};
use crate::error::{AppError, AppResult};
use crate::service::fields::unknown_reference;
use crate::service::problems::{ProblemView, link_in_tx};
use crate::service::{Actor, Page, PageRequest};
use crate::store;

/// Most recent incidents a candidate search looks at.
const CANDIDATE_WINDOW_LIMIT: i64 = 20_000;

/// Incidents of a cluster shown in full; the rest are named by number only.
pub const CANDIDATE_SAMPLE: usize = 10;

/// A cluster of similar incidents that no problem covers yet.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateView {
    /// The service the incidents share.
    pub service: Option<String>,
    pub size: usize,
    /// Every incident of the cluster, newest first (what `POST /problem-candidates` takes).
    pub incident_numbers: Vec<String>,
    /// The newest ten of them, with title, state and when they were opened.
    pub incidents: Vec<CandidateIncident>,
}

/// An incident of a cluster, as the candidate list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateIncident {
    pub number: String,
    pub title: String,
    pub state: IncidentState,
    pub opened_at: jiff::Timestamp,
}

/// Settings of a candidate search.
#[derive(Debug, Clone, Copy)]
pub struct CandidateSettings {
    /// Look at incidents opened in the last this many days.
    pub days: i64,
    /// Clusters need at least this many incidents.
    pub min_size: usize,
    /// How many title words two incidents must share (Jaccard index, 0 to 1).
    pub similarity: f64,
}

impl Default for CandidateSettings {
    fn default() -> Self {
        CandidateSettings {
            days: 7,
            min_size: 3,
            similarity: 0.4,
        }
    }
}

/// Clusters of similar incidents of the same service, opened recently and linked to no problem:
/// the largest first, a page at a time (the key is the size and the newest number).
pub async fn candidates(
    db: &crate::db::Db,
    actor: &Actor,
    settings: CandidateSettings,
    page: PageRequest,
) -> AppResult<Page<CandidateView>> {
    actor.require(Permission::Read)?;
    let mut invalid = Invalid::default();
    if !(1..=90).contains(&settings.days) {
        invalid.add("days", "error.days");
    }
    if !(2..=1000).contains(&settings.min_size) {
        invalid.add("min_size", "error.min_size");
    }
    if !(0.05..=1.0).contains(&settings.similarity) {
        invalid.add("similarity", "error.similarity");
    }
    if let Some(error) = invalid.0.into_iter().next() {
        return Err(AppError::InvalidParameter(error));
    }
    let after = match page.after.as_deref() {
        Some(key) => Some(
            candidate_position(key).ok_or_else(|| unknown_reference("cursor", "error.cursor"))?,
        ),
        None => None,
    };
    let mut conn = db.acquire().await?;
    let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * settings.days);
    let mut rows =
        store::incidents::recent_unlinked(&mut conn, since, CANDIDATE_WINDOW_LIMIT).await?;
    drop(conn);
    // Clusters are made of what the reader may read: no confidential titles leak through them.
    let scope = crate::service::scope::of(db, actor).await?;
    rows.retain(|r| scope.admits(r.caller_id, r.department_id));
    let items: Vec<(Option<Uuid>, &str)> = rows
        .iter()
        .map(|r| (r.service_id, r.title.as_str()))
        .collect();
    // Rows come newest first, so a cluster's first index is its newest incident.
    let mut clusters: Vec<(usize, &str, Vec<usize>)> =
        crate::domain::clustering::clusters(&items, settings.similarity, settings.min_size)
            .into_iter()
            .map(|c| (c.len(), rows[c[0]].number.as_str(), c))
            .collect();
    clusters.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(a.1)));
    let limit = usize::try_from(page.limit).unwrap_or(0);
    let views: Vec<CandidateView> = clusters
        .into_iter()
        .filter(|(size, newest, _)| {
            after
                .as_ref()
                .is_none_or(|(s, n)| (*size, *newest) < (*s, n.as_str()))
        })
        .take(limit + 1)
        .map(|(size, _, members)| CandidateView {
            service: rows[members[0]].service.clone(),
            size,
            incident_numbers: members.iter().map(|&i| rows[i].number.clone()).collect(),
            incidents: members
                .iter()
                .take(CANDIDATE_SAMPLE)
                .map(|&i| CandidateIncident {
                    number: rows[i].number.clone(),
                    title: rows[i].title.clone(),
                    state: rows[i].state,
                    opened_at: rows[i].opened_at.to_jiff(),
                })
                .collect(),
        })
        .collect();
    Ok(Page::from_rows(
        views,
        page.limit,
        |c| format!("{}:{}", c.size, c.incident_numbers[0]),
        |c| c,
    ))
}

/// The key of a candidate page: the last cluster's size and newest incident number.
fn candidate_position(key: &str) -> Option<(usize, String)> {
    let (size, number) = key.split_once(':')?;
    Some((size.parse().ok()?, number.to_owned()))
}

/// Turns a cluster into a problem: made from the first incident, with all of them linked, in
/// one transaction. `409` if one of them is linked to a problem meanwhile.
pub async fn create_from_cluster(
    db: &crate::db::Db,
    actor: &Actor,
    numbers: &[String],
) -> AppResult<ProblemView> {
    actor.require(Permission::WorkIncidents)?;
    let scope = crate::service::scope::of(db, actor).await?;
    let Some(first) = numbers.first() else {
        return Err(AppError::field("incidents", "error.required"));
    };
    let mut tx = db.begin().await?;
    let mut incidents = Vec::new();
    for number in numbers {
        let parsed =
            IncidentNumber::parse(number).map_err(|key| AppError::field("incidents", key))?;
        let incident = crate::service::incidents::lock_in_scope(&mut tx, &scope, parsed.as_str())
            .await?
            .ok_or_else(|| AppError::field("incidents", "error.unknown_incident"))?;
        if let Some(problem) = &incident.problem {
            return Err(AppError::LinkedElsewhere(problem.clone()));
        }
        incidents.push(incident);
    }
    let template = &incidents[0];
    let problem = crate::service::problems::insert_with_entry(
        &mut tx,
        actor,
        &store::problems::NewProblem::copied_from(template, actor.id),
        &SystemNote::CreatedFromCluster {
            incidents: numbers.len(),
            first: first.clone(),
        },
    )
    .await?;
    for incident in &incidents {
        link_in_tx(&mut tx, actor, &problem, incident).await?;
    }
    let problem = store::problems::find_by_id(&mut tx, problem.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    tracing::info!(problem.number = %problem.number, incidents = numbers.len(), "problem created from a candidate cluster");
    Ok(problem.into())
}
