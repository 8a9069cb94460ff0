//! Webhook endpoints (admins): registered with a URL, the event types they want and the
//! department whose records they may hear of; their secret shown once; test events, replays
//! and the delivery log. Delivery itself is `worker::webhooks`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Actor, Page, PageRequest};
use crate::db::Db;
use crate::domain::webhook::{self, Network};
use crate::domain::{Invalid, Permission};
use crate::error::{AppError, AppResult};
use crate::service::idempotency::{Created, Idempotency, replay_or_claim, store_answer};
use crate::store;
use crate::store::webhooks::{EndpointRow, EndpointValues};

/// An endpoint as the API shows it (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EndpointView {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// The event types it receives; empty: every type.
    pub event_types: Vec<String>,
    /// Only records of this department (its key); `null`: every record of a department that
    /// is not confidential.
    pub department: Option<String>,
    pub enabled: bool,
    /// Why it was disabled by itself (a 410 answer, failing for days).
    pub disabled_reason: Option<String>,
    /// Since when every delivery has failed; `null` when the last one succeeded.
    pub failing_since: Option<jiff::Timestamp>,
    /// Until when the secret before the last rotation still signs too.
    pub previous_secret_until: Option<jiff::Timestamp>,
    /// Who registered it; told when it is disabled.
    pub owner: String,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub version: i64,
}

impl From<EndpointRow> for EndpointView {
    fn from(row: EndpointRow) -> Self {
        EndpointView {
            id: row.id,
            url: row.url,
            description: row.description,
            event_types: row.event_types,
            department: row.department,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            failing_since: row.failing_since,
            previous_secret_until: row.previous_secret_until,
            owner: row.owner,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}

/// An endpoint with its signing secret: only in the answer that made the secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EndpointWithSecret {
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// `whsec_…`: verify `webhook-signature` with it (Standard Webhooks). Shown only now.
    pub secret: String,
}

/// What an endpoint is registered or changed with.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    /// `https://…` (plain `http://` only for an address the configuration allows); required
    /// on create.
    pub url: Option<String>,
    pub description: Option<String>,
    /// Event types from the OpenAPI document's `webhooks`; empty or absent: every type.
    pub event_types: Option<Vec<String>>,
    /// A department's key: only its records (a confidential department only by a member of
    /// one of its groups). Absent on create: records of departments that are not confidential.
    #[schema(value_type = Option<String>)]
    pub department: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// Replays events to an endpoint: one (`event`) or those of a time range.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayInput {
    /// The `webhook-id` of one event, as `evt_123` or `123`.
    pub event: Option<String>,
    pub from: Option<jiff::Timestamp>,
    pub to: Option<jiff::Timestamp>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReplayView {
    /// The events queued for the endpoint again.
    pub queued: i64,
}

/// One attempt in the delivery log.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptView {
    pub id: i64,
    /// The `webhook-id` sent.
    pub event: String,
    pub event_type: String,
    pub at: jiff::Timestamp,
    pub duration_ms: i32,
    /// The HTTP status; `null` when none came (refused, timed out, unreachable).
    pub status: Option<i32>,
    pub error: Option<String>,
    /// The first 4 KB of the answer.
    pub response: Option<String>,
    /// How the delivery stands now: `pending`, `delivered` or `dead`.
    pub delivery_state: String,
}

/// The body of every delivery (Standard Webhooks: `type`, `timestamp`, `data`). The same
/// bytes at every attempt of an event.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookEvent {
    /// `incident.created`, `request.commented`, `webhook.test`, … (the document's `webhooks`).
    #[serde(rename = "type")]
    pub event_type: String,
    /// When it happened.
    pub timestamp: jiff::Timestamp,
    pub data: WebhookEventData,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookEventData {
    /// The `webhook-id` header's value: the same at every attempt and replay.
    pub event: String,
    /// The record it is about; read it with `href` and a token.
    pub record: Option<WebhookRecord>,
    /// What happened, as the record's journal shows it: the changes with their old and new
    /// values, the public comment, the move. Work notes are never sent.
    pub entry: Option<crate::service::journal::JournalView>,
    /// More about SLA events (due dates) and test events.
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookRecord {
    /// `incident`, `request` or `problem`.
    pub kind: String,
    pub number: String,
    /// The record in the API, such as `/api/v1/incidents/INC0000042`.
    pub href: String,
}

/// The most events one replay queues.
pub const REPLAY_CAP: i64 = 10_000;

/// How long the secret before a rotation still signs.
const ROTATION_OVERLAP: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// The `webhook-id` of an event.
pub fn webhook_id(event: i64) -> String {
    format!("evt_{event}")
}

/// Checks the endpoint's URL: http(s), a host, no credentials, and an address a delivery may
/// reach (a name is checked again at every delivery, after it is resolved).
fn check_url(invalid: &mut Invalid, url: &str, allowed: &[Network]) -> Option<String> {
    let trimmed = url.trim();
    let Ok(parsed) = reqwest::Url::parse(trimmed) else {
        invalid.add("url", "error.webhook_url");
        return None;
    };
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host().is_none()
        || trimmed.len() > 2000
    {
        invalid.add("url", "error.webhook_url");
        return None;
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        invalid.add("url", "error.webhook_url_credentials");
        return None;
    }
    let address = match parsed.host() {
        Some(url::Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
        Some(url::Host::Domain(name)) if is_local_name(name) => {
            Some(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
        }
        _ => None,
    };
    if address.is_some_and(|ip| !webhook::may_connect(ip, allowed)) {
        invalid.add("url", "error.webhook_address_refused");
        return None;
    }
    let allow_listed = address.is_some_and(|ip| allowed.iter().any(|n| n.contains(ip)));
    if parsed.scheme() == "http" && !allow_listed {
        invalid.add("url", "error.webhook_https");
        return None;
    }
    Some(parsed.to_string())
}

/// `localhost` and its subdomains, which resolve to the loopback address.
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

fn check_event_types(invalid: &mut Invalid, types: &[String]) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for t in types {
        let t = t.trim();
        if !webhook::event_types().any(|known| known == t) {
            invalid.add("event_types", "error.webhook_event_type");
        } else if !kept.iter().any(|k| k == t) {
            kept.push(t.to_owned());
        }
    }
    kept
}

/// The department an endpoint may be scoped to: one the actor reads.
async fn department(
    db: &Db,
    actor: &Actor,
    invalid: &mut Invalid,
    key: Option<&str>,
) -> AppResult<Option<Uuid>> {
    let Some(key) = key.map(str::trim).filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    let reference = super::reference::data(db).await?;
    let scope = super::scope::ReadScope::of(actor, &reference);
    let found = reference
        .department_by_key(key)
        .filter(|d| !scope.hidden.contains(&d.id));
    if found.is_none() {
        invalid.add("department", "error.unknown_department");
    }
    Ok(found.map(|d| d.id))
}

async fn values(
    db: &Db,
    actor: &Actor,
    input: &EndpointInput,
    current: Option<&EndpointRow>,
    allowed: &[Network],
) -> AppResult<(String, String, Vec<String>, Option<Uuid>, bool)> {
    let mut invalid = Invalid::default();
    let url = match (input.url.as_deref(), current) {
        (Some(url), _) => check_url(&mut invalid, url, allowed),
        (None, Some(current)) => Some(current.url.clone()),
        (None, None) => {
            invalid.add("url", "error.required");
            None
        }
    };
    let description = input
        .description
        .as_deref()
        .map(str::trim)
        .map(str::to_owned)
        .or_else(|| current.map(|c| c.description.clone()))
        .unwrap_or_default();
    if description.chars().count() > 500 {
        invalid.add("description", "error.too_long");
    }
    let event_types = match &input.event_types {
        Some(types) => check_event_types(&mut invalid, types),
        None => current.map(|c| c.event_types.clone()).unwrap_or_default(),
    };
    let department_id = match &input.department {
        Some(key) => department(db, actor, &mut invalid, key.as_deref()).await?,
        None => current.and_then(|c| c.department_id),
    };
    let enabled = input
        .enabled
        .unwrap_or_else(|| current.is_none_or(|c| c.enabled));
    invalid.finish(|| ())?;
    Ok((
        url.unwrap_or_default(),
        description,
        event_types,
        department_id,
        enabled,
    ))
}

/// Whether the actor may see and manage this endpoint: an admin, and for a confidential
/// department's endpoint a reader of that department.
async fn admitted(db: &Db, actor: &Actor, row: &EndpointRow) -> AppResult<bool> {
    let Some(department) = row.department_id else {
        return Ok(true);
    };
    Ok(!super::scope::of(db, actor)
        .await?
        .hidden
        .contains(&department))
}

async fn endpoint(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    lock: Option<&mut sqlx::PgConnection>,
) -> AppResult<EndpointRow> {
    actor.require(Permission::Administer)?;
    let row = if let Some(conn) = lock {
        store::webhooks::find(conn, id, true).await?
    } else {
        let mut conn = db.acquire().await?;
        store::webhooks::find(&mut conn, id, false).await?
    }
    .ok_or(AppError::NotFound)?;
    if admitted(db, actor, &row).await? {
        Ok(row)
    } else {
        Err(AppError::NotFound)
    }
}

/// Registers an endpoint; its secret is in this answer only (and in the answer to a retry
/// with the same `Idempotency-Key`, for a day).
pub async fn create(
    db: &Db,
    actor: &Actor,
    input: EndpointInput,
    allowed: &[Network],
    idempotency: Option<Idempotency>,
) -> AppResult<Created<EndpointWithSecret>> {
    actor.require(Permission::Administer)?;
    let (url, description, event_types, department_id, enabled) =
        values(db, actor, &input, None, allowed).await?;
    let secret = webhook::new_secret();
    let mut conn = db.begin().await?;
    if let Some(replay) = replay_or_claim(&mut conn, actor, idempotency.as_ref()).await? {
        return Ok(replay);
    }
    let id = store::webhooks::insert(
        &mut conn,
        &EndpointValues {
            url: &url,
            description: &description,
            event_types: &event_types,
            department_id,
            enabled,
        },
        &secret,
        actor.id,
    )
    .await?;
    let row = store::webhooks::find(&mut conn, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let view = EndpointWithSecret {
        endpoint: row.into(),
        secret,
    };
    store_answer(&mut conn, actor, idempotency.as_ref(), &view).await?;
    conn.commit().await?;
    tracing::info!(webhook.id = %id, webhook.url = %view.endpoint.url, "webhook endpoint registered");
    Ok(Created::New(view))
}

pub async fn get(db: &Db, actor: &Actor, id: Uuid) -> AppResult<EndpointView> {
    Ok(endpoint(db, actor, id, None).await?.into())
}

/// The endpoints the actor may manage, the newest first.
pub async fn list(db: &Db, actor: &Actor) -> AppResult<Vec<EndpointView>> {
    actor.require(Permission::Administer)?;
    let hidden = super::scope::of(db, actor).await?.hidden;
    let mut conn = db.acquire().await?;
    Ok(store::webhooks::list(&mut conn)
        .await?
        .into_iter()
        .filter(|row| row.department_id.is_none_or(|d| !hidden.contains(&d)))
        .map(EndpointView::from)
        .collect())
}

/// Changes an endpoint; `if_match` is its `version`. Enabling a disabled one resumes its
/// pending deliveries.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: EndpointInput,
    if_match: Option<i64>,
    allowed: &[Network],
) -> AppResult<EndpointView> {
    let mut tx = db.begin().await?;
    let row = endpoint(db, actor, id, Some(&mut tx)).await?;
    super::check_version(row.version, if_match, || EndpointView::from(row.clone()))?;
    let (url, description, event_types, department_id, enabled) =
        values(db, actor, &input, Some(&row), allowed).await?;
    store::webhooks::update(
        &mut tx,
        id,
        &EndpointValues {
            url: &url,
            description: &description,
            event_types: &event_types,
            department_id,
            enabled,
        },
    )
    .await?;
    let row = store::webhooks::find(&mut tx, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row.into())
}

/// Removes an endpoint with its deliveries and log.
pub async fn delete(db: &Db, actor: &Actor, id: Uuid) -> AppResult<()> {
    let mut tx = db.begin().await?;
    endpoint(db, actor, id, Some(&mut tx)).await?;
    store::webhooks::delete(&mut tx, id).await?;
    tx.commit().await?;
    tracing::info!(webhook.id = %id, "webhook endpoint removed");
    Ok(())
}

/// A new secret; the old one keeps signing beside it for a day, so receivers can switch.
pub async fn rotate_secret(db: &Db, actor: &Actor, id: Uuid) -> AppResult<EndpointWithSecret> {
    let mut tx = db.begin().await?;
    endpoint(db, actor, id, Some(&mut tx)).await?;
    let secret = webhook::new_secret();
    let until = jiff::Timestamp::now() + ROTATION_OVERLAP;
    store::webhooks::rotate_secret(&mut tx, id, &secret, until).await?;
    let row = store::webhooks::find(&mut tx, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(EndpointWithSecret {
        endpoint: row.into(),
        secret,
    })
}

/// Sends a `webhook.test` event to the endpoint (through the same queue as every event);
/// returns its `webhook-id`.
pub async fn send_test(db: &Db, actor: &Actor, id: Uuid) -> AppResult<String> {
    let mut tx = db.begin().await?;
    endpoint(db, actor, id, Some(&mut tx)).await?;
    let payload =
        serde_json::json!({"message": "a test event from Leitstand", "requested_by": actor.email});
    let event = store::webhooks::queue_test_event(&mut tx, id, payload).await?;
    tx.commit().await?;
    Ok(webhook_id(event))
}

fn parse_event_id(text: &str) -> Option<i64> {
    let digits = text.trim();
    let digits = digits.strip_prefix("evt_").unwrap_or(digits);
    digits.parse().ok().filter(|n| *n > 0)
}

/// Queues one event, or every event of a time range (at most `REPLAY_CAP`), for the endpoint
/// again, as far as its types and department take them.
pub async fn replay(db: &Db, actor: &Actor, id: Uuid, input: ReplayInput) -> AppResult<ReplayView> {
    let mut invalid = Invalid::default();
    let event = input.event.as_deref().and_then(|e| {
        let parsed = parse_event_id(e);
        if parsed.is_none() {
            invalid.add("event", "error.webhook_event");
        }
        parsed
    });
    let range = match (input.from, input.to) {
        (Some(from), Some(to)) if from < to => Some((from, to)),
        (Some(_), Some(_)) => {
            invalid.add("to", "error.webhook_range");
            None
        }
        (None, None) => None,
        (None, Some(_)) => {
            invalid.add("from", "error.required");
            None
        }
        (Some(_), None) => {
            invalid.add("to", "error.required");
            None
        }
    };
    if invalid.is_empty() && event.is_some() == range.is_some() {
        invalid.add("event", "error.webhook_replay_what");
    }
    invalid.finish(|| ())?;
    let mut tx = db.begin().await?;
    endpoint(db, actor, id, Some(&mut tx)).await?;
    let queued = store::webhooks::replay(&mut tx, id, event, range, REPLAY_CAP).await?;
    tx.commit().await?;
    Ok(ReplayView { queued })
}

/// How an endpoint's deliveries stand.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryCounts {
    pub pending: i64,
    pub delivered: i64,
    /// Dead-lettered after the retry schedule ran out; a replay sends them again.
    pub dead: i64,
}

pub async fn delivery_counts(db: &Db, actor: &Actor, id: Uuid) -> AppResult<DeliveryCounts> {
    endpoint(db, actor, id, None).await?;
    let mut conn = db.acquire().await?;
    let (pending, delivered, dead) = store::webhooks::delivery_counts(&mut conn, id).await?;
    Ok(DeliveryCounts {
        pending,
        delivered,
        dead,
    })
}

/// The endpoint's delivery log, the newest attempt first.
pub async fn attempts(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    page: PageRequest,
) -> AppResult<Page<AttemptView>> {
    endpoint(db, actor, id, None).await?;
    let after = match page.after.as_deref() {
        Some(cursor) => Some(cursor.parse::<i64>().map_err(|_| {
            AppError::InvalidParameter(crate::domain::validation::FieldError::new(
                "cursor",
                "error.cursor",
            ))
        })?),
        None => None,
    };
    let mut conn = db.acquire().await?;
    let rows = store::webhooks::attempts(&mut conn, id, after, page.limit).await?;
    Ok(Page::from_rows(
        rows,
        page.limit,
        |a| a.id.to_string(),
        |a| AttemptView {
            id: a.id,
            event: webhook_id(a.event_id),
            event_type: a.event_type,
            at: a.at,
            duration_ms: a.duration_ms,
            status: a.status,
            error: a.error,
            response: a.response,
            delivery_state: a.delivery_state,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_to_a_public_address_unless_allowed() {
        let allowed: Vec<Network> = vec!["127.0.0.1".parse().unwrap()];
        let check = |url: &str, allowed: &[Network]| {
            let mut invalid = Invalid::default();
            let kept = check_url(&mut invalid, url, allowed);
            (kept, invalid.0.first().map(|e| e.key))
        };
        assert_eq!(
            check("https://hooks.example.com/in", &[]).0.as_deref(),
            Some("https://hooks.example.com/in")
        );
        assert_eq!(
            check("http://hooks.example.com/in", &[]).1,
            Some("error.webhook_https")
        );
        assert_eq!(
            check("https://127.0.0.1/x", &[]).1,
            Some("error.webhook_address_refused")
        );
        assert_eq!(
            check("https://localhost./x", &[]).1,
            Some("error.webhook_address_refused")
        );
        assert_eq!(
            check("https://[::1]/x", &[]).1,
            Some("error.webhook_address_refused")
        );
        assert_eq!(
            check("https://169.254.169.254/latest/meta-data", &allowed).1,
            Some("error.webhook_address_refused")
        );
        assert_eq!(check("http://127.0.0.1:9/x", &allowed).1, None);
        assert_eq!(
            check("ftp://example.com/x", &[]).1,
            Some("error.webhook_url")
        );
        assert_eq!(check("not a url", &[]).1, Some("error.webhook_url"));
        assert_eq!(
            check("https://user:pw@example.com/", &[]).1,
            Some("error.webhook_url_credentials")
        );
    }

    #[test]
    fn event_ids_are_read_with_or_without_their_prefix() {
        assert_eq!(parse_event_id("evt_42"), Some(42));
        assert_eq!(parse_event_id(" 42 "), Some(42));
        assert_eq!(parse_event_id("evt_"), None);
        assert_eq!(parse_event_id("-1"), None);
        assert_eq!(webhook_id(42), "evt_42");
    }
}
