//! Webhooks: endpoints registered by admins get the outbox's events at least once, signed as
//! Standard Webhooks, retried on failure, never beyond the record's audience, and none is
//! lost when the server is killed while sending. A real HTTP receiver on 127.0.0.1, allowed
//! by the configuration's allow-list like any private address.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::ConnectOptions;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use leitstand::domain::webhook;
use leitstand::state::Settings;
use leitstand::worker::webhooks::{Deliverer, deliver_due, dispatch};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, fields, problem, serve_router};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Got {
    headers: HeaderMap,
    body: Bytes,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).unwrap().to_str().unwrap()
    }

    /// Whether one of the signatures is the one `secret` makes (Standard Webhooks).
    fn signed_with(&self, secret: &str) -> bool {
        let key = webhook::secret_key(secret).unwrap();
        let expected = webhook::sign(
            &key,
            self.header("webhook-id"),
            self.header("webhook-timestamp").parse().unwrap(),
            &self.body,
        );
        self.header("webhook-signature")
            .split(' ')
            .any(|s| s == expected)
    }
}

/// A receiver answering `status` to its first `failures` requests (with `Retry-After: 1`),
/// then 200, or waiting `delay` before it answers.
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Got>>>,
    failures: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start(failures: usize, status: u16, delay: Duration) -> Receiver {
        let got: Arc<Mutex<Vec<Got>>> = Arc::default();
        let failures = Arc::new(AtomicUsize::new(failures));
        let (kept, left) = (got.clone(), failures.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let (kept, left) = (kept.clone(), left.clone());
                async move {
                    kept.lock().unwrap().push(Got { headers, body });
                    tokio::time::sleep(delay).await;
                    let failing = left
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if failing {
                        (
                            AxumStatus::from_u16(status).unwrap(),
                            [("retry-after", "1")],
                            "not now",
                        )
                    } else {
                        (AxumStatus::OK, [("retry-after", "0")], "thanks")
                    }
                }
            }),
        );
        let address = serve_router(app).await;
        Receiver {
            url: format!("http://{address}/hook"),
            got,
            failures,
        }
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }
}

fn loopback() -> Vec<webhook::Network> {
    vec!["127.0.0.1".parse().unwrap()]
}

async fn app() -> TestApp {
    TestApp::spawn_with(Settings {
        webhook_allow: loopback(),
        ..Settings::default()
    })
    .await
}

fn deliverer() -> Deliverer {
    Deliverer::new(loopback(), Duration::from_secs(5)).unwrap()
}

/// Registers an endpoint as an admin; returns its id and secret.
async fn register(app: &TestApp, body: Value) -> (String, String) {
    let res = app.post(&app.admin_token, "/api/v1/webhooks", body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/webhooks/{id}"));
    (id, created["secret"].as_str().unwrap().to_owned())
}

/// Hands the outbox to the endpoints and sends what is due at `now`.
async fn pump(app: &TestApp, deliverer: &Deliverer, now: jiff::Timestamp) -> usize {
    dispatch(&app.db).await.unwrap();
    deliver_due(&app.db, deliverer, now).await.unwrap()
}

async fn delivery(app: &TestApp, endpoint: &str) -> (String, i32, jiff::Timestamp) {
    let (state, attempts, next): (String, i32, jiff_sqlx::Timestamp) = sqlx::query_as(
        "select state, attempts, next_attempt_at from webhook_deliveries where endpoint_id = $1::uuid \
         order by id desc limit 1",
    )
    .bind(endpoint)
    .fetch_one(&app.db)
    .await
    .unwrap();
    (state, attempts, next.to_jiff())
}

#[tokio::test]
async fn endpoints_are_checked_and_their_secret_is_shown_once() {
    let app = app().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    let url = "http://127.0.0.1:9/hook";
    problem(
        app.post(&agent, "/api/v1/webhooks", json!({"url": url}))
            .await,
        403,
    )
    .await;
    for (body, field) in [
        (json!({}), "url"),
        (json!({"url": "http://hooks.example.com/in"}), "url"),
        (json!({"url": "https://169.254.169.254/latest"}), "url"),
        (json!({"url": "https://10.0.0.7/hook"}), "url"),
        (json!({"url": "https://user:pw@hooks.example.com/"}), "url"),
        (
            json!({"url": url, "event_types": ["incident.exploded"]}),
            "event_types",
        ),
        (json!({"url": url, "department": "nowhere"}), "department"),
        (
            json!({"url": url, "description": "x".repeat(501)}),
            "description",
        ),
    ] {
        let res = app
            .post(&app.admin_token, "/api/v1/webhooks", body.clone())
            .await;
        assert_eq!(fields(&problem(res, 422).await), [field], "{body}");
    }
    let (id, secret) = register(
        &app,
        json!({"url": url, "description": "ticket mirror", "event_types": ["incident.created", "incident.created"]}),
    )
    .await;
    assert!(secret.starts_with("whsec_") && webhook::secret_key(&secret).is_some());
    let res = app
        .get(&app.admin_token, &format!("/api/v1/webhooks/{id}"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"], "\"1\"");
    let shown: Value = res.json().await.unwrap();
    assert!(shown.get("secret").is_none(), "{shown}");
    assert!(!shown.to_string().contains(&secret));
    assert_eq!(shown["event_types"], json!(["incident.created"]));
    assert_eq!(shown["enabled"], true);
    let list: Value = app
        .get(&app.admin_token, "/api/v1/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&secret));
    problem(app.get(&agent, "/api/v1/webhooks").await, 403).await;

    let stale = app
        .api
        .patch(app.url(&format!("/api/v1/webhooks/{id}")))
        .bearer_auth(&app.admin_token)
        .header("if-match", "\"7\"")
        .json(&json!({"description": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    let changed: Value = app
        .patch(
            &app.admin_token,
            &format!("/api/v1/webhooks/{id}"),
            json!({"description": "mirror", "event_types": []}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["event_types"], json!([]));
    assert_eq!(changed["url"], url, "what is not sent stays");

    let rotated: Value = app
        .post(
            &app.admin_token,
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    assert!(rotated["previous_secret_until"].is_string());

    for (body, field) in [
        (json!({}), "event"),
        (json!({"event": "evt_x"}), "event"),
        (json!({"from": "2026-12-02T00:00:00Z"}), "to"),
        (
            json!({"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}),
            "to",
        ),
    ] {
        let res = app
            .post(
                &app.admin_token,
                &format!("/api/v1/webhooks/{id}/replay"),
                body.clone(),
            )
            .await;
        assert_eq!(fields(&problem(res, 422).await), [field], "{body}");
    }
    let res = app
        .delete(&app.admin_token, &format!("/api/v1/webhooks/{id}"))
        .await;
    assert_eq!(res.status(), 204);
    problem(
        app.get(&app.admin_token, &format!("/api/v1/webhooks/{id}"))
            .await,
        404,
    )
    .await;

    let doc: Value = app
        .api
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for event_type in ["incident.created", "request.commented", "webhook.test"] {
        assert_eq!(
            doc["webhooks"][event_type]["post"]["requestBody"]["content"]["application/json"]["schema"]
                ["$ref"],
            "#/components/schemas/WebhookEvent",
            "{event_type}"
        );
    }
    assert!(doc["components"]["schemas"]["WebhookEventData"].is_object());
}

#[tokio::test]
async fn a_receiver_failing_five_times_then_succeeding_gets_the_event_signed_and_acknowledged_once()
{
    let app = app().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    let receiver = Receiver::start(5, 503, Duration::ZERO).await;
    let (endpoint, secret) = register(
        &app,
        json!({"url": receiver.url, "event_types": ["incident.created"]}),
    )
    .await;
    let incident = app
        .create_incident(
            &agent,
            json!({"title": "Printer on floor 3 jams", "impact": "low"}),
        )
        .await;
    let number = incident["number"].as_str().unwrap();

    let deliverer = deliverer();
    let mut now = jiff::Timestamp::now();
    for attempt in 1..=6 {
        assert_eq!(pump(&app, &deliverer, now).await, 1, "attempt {attempt}");
        let (state, attempts, next) = delivery(&app, &endpoint).await;
        assert_eq!(attempts, attempt);
        if attempt < 6 {
            assert_eq!(state, "pending");
            let wait = next.duration_since(now);
            let scheduled = webhook::retry_delay(u32::try_from(attempt).unwrap()).unwrap();
            assert!(
                wait.as_secs_f64() >= scheduled.as_secs_f64() * 0.89
                    && wait.as_secs_f64() <= scheduled.as_secs_f64() * 1.11,
                "attempt {attempt}: waits {wait:?}, scheduled {scheduled:?}"
            );
            assert_eq!(
                pump(&app, &deliverer, now).await,
                0,
                "nothing is sent before it is due"
            );
            now = next;
        } else {
            assert_eq!(state, "delivered");
        }
    }
    assert_eq!(
        pump(
            &app,
            &deliverer,
            now + jiff::SignedDuration::from_hours(100)
        )
        .await,
        0,
        "acknowledged once: never sent again"
    );
    let got = receiver.got();
    assert_eq!(got.len(), 6);
    let id = got[0].header("webhook-id").to_owned();
    assert!(id.starts_with("evt_"));
    for request in &got {
        assert_eq!(
            request.header("webhook-id"),
            id,
            "the same id at every attempt"
        );
        assert!(
            request.signed_with(&secret),
            "signed: {:?}",
            request.headers
        );
        assert_eq!(request.body, got[0].body, "the same body at every attempt");
        assert!(!request.signed_with(&webhook::new_secret()));
    }
    let body = got[5].json();
    assert_eq!(body["type"], "incident.created");
    assert_eq!(body["data"]["event"], id.as_str());
    assert_eq!(body["data"]["record"]["number"], number);
    assert_eq!(
        body["data"]["record"]["href"],
        format!("/api/v1/incidents/{number}")
    );
    assert_eq!(body["data"]["entry"]["kind"], "change");
    assert_eq!(
        body["data"]["entry"]["changes"]["title"]["to"],
        "Printer on floor 3 jams"
    );
    assert_eq!(body["data"]["entry"]["author"], "agent@example.com");

    let log: Value = app
        .get(
            &app.admin_token,
            &format!("/api/v1/webhooks/{endpoint}/attempts?limit=4"),
        )
        .await
        .json()
        .await
        .unwrap();
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["status"], 200);
    assert_eq!(items[0]["response"], "thanks");
    assert_eq!(items[0]["delivery_state"], "delivered");
    assert_eq!(items[1]["status"], 503);
    assert_eq!(items[1]["response"], "not now");
    assert_eq!(items[1]["event"], id.as_str());
    let cursor = log["next_cursor"].as_str().unwrap();
    let rest: Value = app
        .get(
            &app.admin_token,
            &format!("/api/v1/webhooks/{endpoint}/attempts?cursor={cursor}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert_eq!(rest["next_cursor"], Value::Null);

    // A rotated secret: both signatures for a day, so the receiver can switch.
    let rotated: Value = app
        .post(
            &app.admin_token,
            &format!("/api/v1/webhooks/{endpoint}/rotate-secret"),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let test: Value = app
        .post(
            &app.admin_token,
            &format!("/api/v1/webhooks/{endpoint}/test"),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pump(&app, &deliverer, now).await, 1);
    let last = receiver.got().pop().unwrap();
    assert_eq!(last.header("webhook-id"), test["event"].as_str().unwrap());
    assert_eq!(last.json()["type"], "webhook.test");
    assert!(last.signed_with(&secret) && last.signed_with(rotated["secret"].as_str().unwrap()));
    assert_eq!(last.header("webhook-signature").split(' ').count(), 2);

    // Replaying the event sends it once more, with the same id.
    let replayed: Value = app
        .post(
            &app.admin_token,
            &format!("/api/v1/webhooks/{endpoint}/replay"),
            json!({"event": id}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(replayed["queued"], 1);
    assert_eq!(pump(&app, &deliverer, now).await, 1);
    assert_eq!(receiver.got().pop().unwrap().header("webhook-id"), id);
}

#[tokio::test]
async fn events_reach_only_endpoints_that_may_hear_of_the_record_and_never_a_work_note() {
    let app = app().await;
    app.create_group("people-ops", "HR").await;
    app.create_group("service-desk", "IT").await;
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/departments/hr",
            json!({"confidential": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let hr = app.user_with_token("hr@example.com", "agent").await;
    app.join_groups("hr@example.com", &["people-ops"]).await;
    let it = app.user_with_token("it@example.com", "agent").await;
    app.join_groups("it@example.com", &["service-desk"]).await;

    let desk = Receiver::start(0, 200, Duration::ZERO).await;
    let people = Receiver::start(0, 200, Duration::ZERO).await;
    register(&app, json!({"url": desk.url})).await;
    // An admin outside HR cannot point an endpoint at HR's cases: HR is unknown to them.
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/webhooks",
            json!({"url": people.url, "department": "hr"}),
        )
        .await;
    assert_eq!(fields(&problem(res, 422).await), ["department"]);
    app.join_groups("admin@example.com", &["people-ops"]).await;
    register(&app, json!({"url": people.url, "department": "hr"})).await;

    let case = app
        .create_incident(
            &hr,
            json!({"title": "Salary statement shows the wrong grade", "assignment_group": "people-ops"}),
        )
        .await;
    let incident = app
        .create_incident(
            &it,
            json!({"title": "VPN drops", "assignment_group": "service-desk"}),
        )
        .await;
    let number = incident["number"].as_str().unwrap();
    for (body, internal) in [
        ("Please reconnect", false),
        ("Firewall rule 4711 is the cause", true),
    ] {
        let res = app
            .post(
                &it,
                &format!("/api/v1/incidents/{number}/comments"),
                json!({"body": body, "internal": internal}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let deliverer = deliverer();
    while pump(&app, &deliverer, jiff::Timestamp::now()).await > 0 {}

    let types = |r: &Receiver| -> Vec<(String, String)> {
        r.got()
            .iter()
            .map(|g| {
                let body = g.json();
                (
                    body["type"].as_str().unwrap().to_owned(),
                    body["data"]["record"]["number"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect()
    };
    let mut seen = types(&desk);
    seen.sort();
    assert_eq!(
        seen,
        [
            ("incident.commented".to_owned(), number.to_owned()),
            ("incident.created".to_owned(), number.to_owned())
        ]
    );
    let everything: String = desk
        .got()
        .iter()
        .map(|g| String::from_utf8_lossy(&g.body).into_owned())
        .collect();
    assert!(
        !everything.contains("Firewall"),
        "no work note: {everything}"
    );
    assert!(!everything.contains("Salary"), "no HR case: {everything}");
    assert_eq!(
        types(&people),
        [(
            "incident.created".to_owned(),
            case["number"].as_str().unwrap().to_owned()
        )]
    );
}

#[tokio::test]
async fn retries_end_in_the_dead_letter_a_replay_revives_and_a_gone_or_long_failing_endpoint_is_disabled()
 {
    let app = app().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    let down = Receiver::start(usize::MAX, 500, Duration::ZERO).await;
    let (endpoint, _) = register(&app, json!({"url": down.url})).await;
    app.create_incident(&agent, json!({"title": "Mail is slow"}))
        .await;
    let deliverer = deliverer();
    let mut now = jiff::Timestamp::now();
    let started = now;
    for _ in 0..webhook::MAX_ATTEMPTS {
        assert_eq!(pump(&app, &deliverer, now).await, 1);
        now = delivery(&app, &endpoint).await.2;
    }
    let (state, attempts, _) = delivery(&app, &endpoint).await;
    assert_eq!((state.as_str(), attempts), ("dead", 10));
    // The schedule's waits add up to 3.15 days, each spread by ±10 %: 2.83 to 3.46 days (a
    // bound of 3.0 failed about one run in twenty, on the jitter alone).
    let days = now.duration_since(started).as_secs_f64() / 86_400.0;
    assert!((2.83..3.47).contains(&days), "retried for {days} days");
    assert_eq!(
        pump(&app, &deliverer, now + jiff::SignedDuration::from_hours(48)).await,
        0
    );
    let shown: Value = app
        .get(&app.admin_token, &format!("/api/v1/webhooks/{endpoint}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        shown["enabled"], true,
        "three days of failures do not disable it"
    );
    assert!(shown["failing_since"].is_string());

    // The receiver is back: replaying the range sends the dead event again.
    down.failures.store(0, Ordering::SeqCst);
    let replayed: Value = app
        .post(
            &app.admin_token,
            &format!("/api/v1/webhooks/{endpoint}/replay"),
            json!({"from": "2020-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(replayed["queued"], 1);
    assert_eq!(pump(&app, &deliverer, now).await, 1);
    assert_eq!(delivery(&app, &endpoint).await.0, "delivered");
    let shown: Value = app
        .get(&app.admin_token, &format!("/api/v1/webhooks/{endpoint}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["failing_since"], Value::Null, "healthy again");

    // 410 Gone disables the endpoint at once; it gets nothing more.
    let gone = Receiver::start(usize::MAX, 410, Duration::ZERO).await;
    let res = app
        .patch(
            &app.admin_token,
            &format!("/api/v1/webhooks/{endpoint}"),
            json!({"url": gone.url}),
        )
        .await;
    assert_eq!(res.status(), 200);
    app.create_incident(&agent, json!({"title": "Scanner offline"}))
        .await;
    assert_eq!(pump(&app, &deliverer, now).await, 1);
    let shown: Value = app
        .get(&app.admin_token, &format!("/api/v1/webhooks/{endpoint}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["enabled"], false);
    assert_eq!(shown["disabled_reason"], "the receiver answered 410 Gone");
    app.create_incident(&agent, json!({"title": "Beamer flickers"}))
        .await;
    assert_eq!(
        pump(&app, &deliverer, now + jiff::SignedDuration::from_hours(1)).await,
        0
    );
    assert_eq!(gone.got().len(), 1);

    // An endpoint failing every delivery for five days is disabled, and its owner is told
    // (an event for the channels that reach them).
    let failing = Receiver::start(usize::MAX, 502, Duration::ZERO).await;
    let (other, _) = register(&app, json!({"url": failing.url})).await;
    app.create_incident(&agent, json!({"title": "Badge reader dead"}))
        .await;
    assert_eq!(pump(&app, &deliverer, now).await, 1);
    app.create_incident(&agent, json!({"title": "Badge reader still dead"}))
        .await;
    assert_eq!(
        pump(
            &app,
            &deliverer,
            now + jiff::SignedDuration::from_hours(24 * 5 + 1)
        )
        .await,
        2
    );
    let shown: Value = app
        .get(&app.admin_token, &format!("/api/v1/webhooks/{other}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["enabled"], false);
    assert_eq!(shown["disabled_reason"], "every delivery failed for 5 days");
    let told: i64 = sqlx::query_scalar(
        "select count(*) from events where kind = 'webhook.disabled' and payload->>'owner' = 'admin@example.com'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(told, 1);
    // Enabling it again resumes its pending deliveries.
    let res = app
        .patch(
            &app.admin_token,
            &format!("/api/v1/webhooks/{other}"),
            json!({"enabled": true}),
        )
        .await;
    let shown: Value = res.json().await.unwrap();
    assert_eq!(
        (shown["enabled"].clone(), shown["disabled_reason"].clone()),
        (json!(true), Value::Null)
    );
}

#[tokio::test]
async fn a_name_resolving_to_a_private_address_is_refused_at_delivery() {
    let app = app().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    let receiver = Receiver::start(0, 200, Duration::ZERO).await;
    let port = receiver.url.rsplit(':').next().unwrap().to_owned();
    // `localhost` passes the registration (the allow-list names 127.0.0.1); a deliverer
    // without that allow-list must refuse it after resolving, before connecting.
    let (endpoint, _) = register(&app, json!({"url": format!("http://localhost:{port}")})).await;
    app.create_incident(&agent, json!({"title": "Disk full"}))
        .await;
    let strict = Deliverer::new(Vec::new(), Duration::from_secs(5)).unwrap();
    assert_eq!(pump(&app, &strict, jiff::Timestamp::now()).await, 1);
    assert!(
        receiver.got().is_empty(),
        "nothing reached the private address"
    );
    let log: Value = app
        .get(
            &app.admin_token,
            &format!("/api/v1/webhooks/{endpoint}/attempts"),
        )
        .await
        .json()
        .await
        .unwrap();
    let error = log["items"][0]["error"].as_str().unwrap();
    assert!(error.contains("no address deliveries may reach"), "{error}");
    assert_eq!(log["items"][0]["status"], Value::Null);
}

/// Kills the server it holds when dropped.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(app: &TestApp) -> Server {
    Server(
        std::process::Command::new(env!("CARGO_BIN_EXE_leitstand"))
            .env("DATABASE_URL", app.db_options.to_url_lossy().as_str())
            .env("RUST_LOG", "warn")
            .env("LEITSTAND_BIND", "127.0.0.1:0")
            .env("LEITSTAND_WEBHOOK_ALLOW", "127.0.0.1")
            .env("LEITSTAND_WEBHOOK_TIMEOUT", "2")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start leitstand"),
    )
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_mins(1), "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn killing_the_server_while_it_delivers_loses_no_event() {
    let app = app().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    // The receiver holds the first request for a second: the server is killed meanwhile.
    let receiver = Receiver::start(0, 200, Duration::from_secs(1)).await;
    let (endpoint, secret) = register(&app, json!({"url": receiver.url})).await;
    let mut server = start_server(&app);
    let incident = app
        .create_incident(&agent, json!({"title": "Core switch reboots"}))
        .await;
    wait_for("the first delivery arrives", || !receiver.got().is_empty()).await;
    server.0.kill().unwrap(); // SIGKILL: no shutdown, the attempt is never recorded
    server.0.wait().unwrap();
    let (state, attempts, _) = delivery(&app, &endpoint).await;
    assert_eq!(
        (state.as_str(), attempts),
        ("pending", 1),
        "leased, not lost"
    );

    let _server = start_server(&app);
    let db = app.db.clone();
    let endpoint_id = endpoint.clone();
    let delivered = Arc::new(Mutex::new(false));
    let flag = delivered.clone();
    tokio::spawn(async move {
        loop {
            let state: String = sqlx::query_scalar(
                "select state from webhook_deliveries where endpoint_id = $1::uuid",
            )
            .bind(&endpoint_id)
            .fetch_one(&db)
            .await
            .unwrap();
            if state == "delivered" {
                *flag.lock().unwrap() = true;
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    wait_for("the restarted server delivers once the lease ends", || {
        *delivered.lock().unwrap()
    })
    .await;
    let got = receiver.got();
    assert!(got.len() >= 2, "sent again after the kill");
    assert!(
        got.iter()
            .all(|g| g.header("webhook-id") == got[0].header("webhook-id"))
    );
    assert!(got.iter().all(|g| g.signed_with(&secret)));
    assert_eq!(
        got.last().unwrap().json()["data"]["record"]["number"],
        incident["number"]
    );
}

#[tokio::test]
async fn admins_register_and_look_after_endpoints_on_their_pages() {
    let app = app().await;
    let agent = app.browser();
    app.create_user("agent@example.com", "agent", "en").await;
    app.sign_in(&agent, "agent@example.com").await;
    let res = agent.get(app.url("/admin/webhooks")).send().await.unwrap();
    assert_eq!(res.status(), 403, "agents do not manage webhooks");

    let admin = app.browser();
    app.sign_in(&admin, "admin@example.com").await;
    let page = app.page(&admin, "/admin/webhooks").await;
    assert!(page.contains("id=\"new-webhook\""), "{page}");
    assert!(page.contains("value=\"incident.created\""));

    let res = app
        .post_form(
            &admin,
            "/admin/webhooks",
            &[
                ("url", "https://10.1.2.3/hook"),
                ("event_types", "incident.created"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("private, loopback or link-local"), "{page}");
    assert!(page.contains("aria-invalid=\"true\""));

    let receiver = Receiver::start(0, 200, Duration::ZERO).await;
    let res = app
        .post_form(
            &admin,
            "/admin/webhooks",
            &[
                ("url", receiver.url.as_str()),
                ("description", "<script>alert(1)</script>"),
                ("event_types", "incident.created"),
                ("event_types", "incident.commented"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 201);
    let page = res.text().await.unwrap();
    let secret = page
        .split("value=\"")
        .find(|s| s.starts_with("whsec_"))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let list: Value = app
        .get(&app.admin_token, "/api/v1/webhooks")
        .await
        .json()
        .await
        .unwrap();
    let id = list[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        list[0]["event_types"],
        json!(["incident.created", "incident.commented"])
    );
    let page = app.page(&admin, "/admin/webhooks").await;
    assert!(page.contains("&#60;script&#62;"), "escaped: {page}");
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains(&secret), "the secret is shown once");

    let res = app
        .post_form(&admin, &format!("/admin/webhooks/{id}/test"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let deliverer = deliverer();
    assert_eq!(pump(&app, &deliverer, jiff::Timestamp::now()).await, 1);
    assert!(receiver.got()[0].signed_with(&secret));
    let page = app.page(&admin, &format!("/admin/webhooks/{id}")).await;
    assert!(
        page.contains("webhook.test") && page.contains("thanks"),
        "{page}"
    );

    let res = app
        .post_form(
            &admin,
            &format!("/admin/webhooks/{id}/replay"),
            &[
                ("event", ""),
                ("from", "2026-12-04T10:00"),
                ("to", "yesterday"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .post_form(
            &admin,
            &format!("/admin/webhooks/{id}"),
            &[
                ("version", "1"),
                ("url", receiver.url.as_str()),
                ("description", "mirror"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let shown: Value = app
        .get(&app.admin_token, &format!("/api/v1/webhooks/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["enabled"], false, "unticked");
    assert_eq!(shown["event_types"], json!([]));
    let res = app
        .post_form(&admin, &format!("/admin/webhooks/{id}/delete"), &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.get(&app.admin_token, &format!("/api/v1/webhooks/{id}"))
            .await
            .status(),
        404
    );
}
