//! Delivering the outbox to webhook endpoints, in every `leitstand serve` process: events are
//! handed to the endpoints that want them (`store::webhooks::dispatch`), then each due
//! delivery is claimed with a lease, sent signed (Standard Webhooks), and its outcome
//! recorded. A process killed while sending leaves its leased deliveries to be sent again when
//! the lease ends: at least once, never lost. Receivers deduplicate on `webhook-id`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sqlx::PgPool;

use crate::domain::webhook::{self, Network};
use crate::error::AppResult;
use crate::service::journal::JournalView;
use crate::service::webhooks::{WebhookEvent, WebhookEventData, WebhookRecord, webhook_id};
use crate::store;
use crate::store::webhooks::{Claimed, Outcome};

/// How long a receiver has to answer (the specification suggests 15 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// The answer's bytes kept in the delivery log.
const KEPT_RESPONSE: usize = 4096;
/// Deliveries claimed at once, and sent at once.
const BATCH: i64 = 200;
const IN_FLIGHT: usize = 64;

/// The HTTP client of deliveries: no redirects followed, no proxy, a timeout, and a resolver
/// that answers only with addresses a delivery may reach, so the connection goes to the
/// address that was checked (no second lookup an attacker's DNS could change).
#[derive(Clone)]
pub struct Deliverer {
    client: reqwest::Client,
    allowed: Arc<[Network]>,
    timeout: Duration,
}

struct GuardedResolver {
    allowed: Arc<[Network]>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allowed = self.allowed.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| webhook::may_connect(a.ip(), &allowed))
                .collect();
            if kept.is_empty() {
                return Err(format!(
                    "{host} resolves to no address deliveries may reach (private, loopback or link-local)"
                )
                .into());
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

impl Deliverer {
    pub fn new(allowed: Vec<Network>, timeout: Duration) -> anyhow::Result<Self> {
        crate::http::install_crypto_provider();
        let allowed: Arc<[Network]> = allowed.into();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(IN_FLIGHT)
            .user_agent(concat!("Leitstand-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedResolver {
                allowed: allowed.clone(),
            }))
            .build()?;
        Ok(Deliverer {
            client,
            allowed,
            timeout,
        })
    }

    /// How long a claimed delivery is leased: longer than any attempt can take.
    pub fn lease(&self) -> Duration {
        self.timeout + Duration::from_secs(5)
    }

    /// One attempt: the signed request and what came of it.
    async fn attempt(&self, claimed: &Claimed, now: jiff::Timestamp) -> Outcome {
        let started = Instant::now();
        let result = self.send(claimed, now).await;
        let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let attempt = u32::try_from(claimed.attempt).unwrap_or(u32::MAX);
        let mut outcome = Outcome {
            delivery_id: claimed.delivery_id,
            endpoint_id: claimed.endpoint_id,
            event_id: claimed.event_id,
            duration_ms,
            status: None,
            error: None,
            response: None,
            state: "pending",
            retry_at: None,
            gone: false,
        };
        let retry_after = match result {
            Ok(answer) => {
                outcome.status = Some(i32::from(answer.status));
                outcome.response = Some(answer.body);
                if (200..300).contains(&answer.status) {
                    outcome.state = "delivered";
                    metrics::counter!("webhook_deliveries_total", "outcome" => "delivered")
                        .increment(1);
                    return outcome;
                }
                outcome.gone = answer.status == 410;
                outcome.error = Some(format!("the receiver answered {}", answer.status));
                answer.retry_after
            }
            Err(error) => {
                outcome.error = Some(clean(&error, 1000));
                None
            }
        };
        if let Some(wait) = webhook::next_wait(attempt, jitter(), retry_after) {
            outcome.retry_at = Some(now + jiff::SignedDuration::try_from(wait).unwrap_or_default());
            metrics::counter!("webhook_deliveries_total", "outcome" => "retry").increment(1);
        } else {
            outcome.state = "dead";
            metrics::counter!("webhook_deliveries_total", "outcome" => "dead").increment(1);
        }
        outcome
    }

    async fn send(&self, claimed: &Claimed, now: jiff::Timestamp) -> Result<Answer, String> {
        let url = reqwest::Url::parse(&claimed.url).map_err(|e| e.to_string())?;
        // A literal address is connected to without a lookup: check it here.
        let literal = match url.host() {
            Some(url::Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
            _ => None,
        };
        if literal.is_some_and(|ip| !webhook::may_connect(ip, &self.allowed)) {
            return Err("the address is not one deliveries may reach".to_owned());
        }
        let keys: Vec<Vec<u8>> = claimed
            .secrets
            .iter()
            .filter_map(|s| webhook::secret_key(s))
            .collect();
        let body = serde_json::to_vec(&payload(claimed)).map_err(|e| e.to_string())?;
        let id = webhook_id(claimed.event_id);
        let timestamp = now.as_second();
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                webhook::signature_header(&keys, &id, timestamp, &body),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(webhook::parse_retry_after);
        Ok(Answer {
            status,
            retry_after,
            body: first_bytes(response).await,
        })
    }
}

struct Answer {
    status: u16,
    retry_after: Option<Duration>,
    body: String,
}

/// The first 4 KB of an answer, read no further.
async fn first_bytes(mut response: reqwest::Response) -> String {
    let mut kept = Vec::new();
    while kept.len() < KEPT_RESPONSE {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            _ => break,
        }
    }
    kept.truncate(KEPT_RESPONSE);
    clean(&String::from_utf8_lossy(&kept), KEPT_RESPONSE)
}

/// Text fit for the log: no NUL (PostgreSQL refuses it), at most `max` characters.
fn clean(text: &str, max: usize) -> String {
    text.chars().filter(|c| *c != '\0').take(max).collect()
}

/// A client error with its causes (the timeout, the refused connection, the resolver's "no
/// address deliveries may reach").
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "no answer in time".to_owned()
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    clean(&text, 1000)
}

/// A number in -1.0..=1.0 to spread retries.
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.0;
    }
    f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX) * 2.0 - 1.0
}

/// The body of a delivery (`WebhookEvent`): the record the event is about, the journal entry
/// it copies (as the API's journal shows it) and the event's details.
pub fn payload(claimed: &Claimed) -> WebhookEvent {
    let kind = claimed.event_type.split('.').next().unwrap_or_default();
    let record = claimed.number.as_ref().map(|number| WebhookRecord {
        kind: kind.to_owned(),
        number: number.clone(),
        href: format!("/api/v1/{kind}s/{number}"),
    });
    let details = match &claimed.event_payload {
        serde_json::Value::Object(map) if map.is_empty() => None,
        other => Some(other.clone()),
    };
    WebhookEvent {
        event_type: claimed.event_type.clone(),
        timestamp: claimed.event_at,
        data: WebhookEventData {
            event: webhook_id(claimed.event_id),
            record,
            entry: claimed.entry.clone().map(JournalView::from),
            details,
        },
    }
}

/// Hands every event not yet dispatched to the endpoints that want it. Returns the events.
pub async fn dispatch(db: &PgPool) -> AppResult<i64> {
    const DISPATCH_BATCH: i64 = 1000;
    let mut events = 0;
    loop {
        let mut conn = db.acquire().await?;
        let (handed, _) = store::webhooks::dispatch(&mut conn, DISPATCH_BATCH).await?;
        events += handed;
        if handed < DISPATCH_BATCH {
            return Ok(events);
        }
    }
}

async fn deliver_one(deliverer: &Deliverer, claimed: Claimed, now: jiff::Timestamp) -> Outcome {
    let outcome = deliverer.attempt(&claimed, now).await;
    metrics::histogram!("webhook_delivery_duration_seconds")
        .record(f64::from(outcome.duration_ms) / 1000.0);
    outcome
}

/// Sends the deliveries due at `now` (a batch), and records each outcome. Returns how many
/// were attempted.
pub async fn deliver_due(
    db: &PgPool,
    deliverer: &Deliverer,
    now: jiff::Timestamp,
) -> AppResult<usize> {
    let claimed = {
        let mut conn = db.acquire().await?;
        store::webhooks::claim_due(&mut conn, now, BATCH, deliverer.lease()).await?
    };
    if claimed.is_empty() {
        return Ok(0);
    }
    let outcomes: Vec<Outcome> = futures_util::stream::iter(claimed)
        .map(|c| {
            let deliverer = deliverer.clone();
            async move { deliver_one(&deliverer, c, now).await }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut tx = db.begin().await?;
    let disabled = store::webhooks::record(
        &mut tx,
        &outcomes,
        now,
        webhook::FAILING_DAYS_BEFORE_DISABLED,
    )
    .await?;
    for endpoint in &disabled {
        tracing::warn!(webhook.id = %endpoint, "webhook endpoint disabled: every delivery failed for days");
        store::webhooks::note_disabled(&mut tx, *endpoint).await?;
    }
    tx.commit().await?;
    Ok(outcomes.len())
}

/// The worker in the server process: dispatches and delivers while there is work, and looks
/// again twice a second when there is none.
pub async fn run(db: PgPool, deliverer: Deliverer) {
    loop {
        let mut busy = false;
        match dispatch(&db).await {
            Ok(events) => busy |= events > 0,
            Err(error) => tracing::warn!(error = %error, "webhook dispatch failed; retrying"),
        }
        match deliver_due(&db, &deliverer, jiff::Timestamp::now()).await {
            Ok(sent) => busy |= sent > 0,
            Err(error) => tracing::warn!(error = %error, "webhook delivery failed; retrying"),
        }
        if !busy {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
