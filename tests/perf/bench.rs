//! Benchmarks, not tests: ignored in the normal run, started by `scripts/bench-known-errors`.
//! They print their figures; they fail only when something errors, never on timing.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::TestApp;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "small counts"
    )]
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    eprintln!(
        "BENCH {name}: n={} p50={:.2} ms p95={:.2} ms max={:.2} ms",
        samples.len(),
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.95)),
        ms(*samples.last().unwrap())
    );
}

/// Seeds `LEITSTAND_BENCH_INCIDENTS` incidents (default 1,000,000) and
/// `LEITSTAND_BENCH_PROBLEMS` problems (default 10,000; a third of them known errors), then
/// measures known-error search and incident suggestions over HTTP.
#[tokio::test]
#[ignore = "a benchmark: run scripts/bench-known-errors"]
async fn bench_known_error_search_and_suggestions() {
    let env = |name: &str, default: i64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (incidents, problems) = (
        env("LEITSTAND_BENCH_INCIDENTS", 1_000_000),
        env("LEITSTAND_BENCH_PROBLEMS", 10_000),
    );
    let app = TestApp::spawn().await;
    let started = Instant::now();
    crate::plans::seed(&app.db, incidents).await;
    sqlx::query(
        "insert into problems (id, title, description, known_error, root_cause, workaround, priority, opened_by_id) \
         select gen_random_uuid(), \
             (array['VPN', 'Drucker', 'Printer', 'Mail', 'Laptop', 'Netzwerk', 'Network', 'Server', 'Passwort', 'Password'])[1 + n % 10] \
               || ' ' || (array['Zertifikat', 'driver', 'Treiber', 'queue', 'Speicher', 'memory', 'Gateway', 'timeout'])[1 + (n / 10) % 8] \
               || ' ' || (array['abgelaufen', 'crashes', 'voll', 'leaks', 'hängt', 'drops', 'fehlerhaft', 'slow'])[1 + (n / 80) % 8] || ' ' || n, \
             'Problem ' || n, n % 3 = 0, \
             case when n % 3 = 0 then 'Root cause ' || n end, \
             case when n % 3 = 0 then 'Workaround ' || n || ': restart the ' || (array['client', 'Dienst', 'service', 'Gerät'])[1 + n % 4] end, \
             3, (select id from users limit 1) \
         from generate_series(1, $1) n",
    )
    .bind(problems)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query("analyze problems")
        .execute(&app.db)
        .await
        .unwrap();
    eprintln!(
        "seeded {incidents} incidents and {problems} problems in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let queries = [
        "VPN Zertifikat abgelaufen",
        "printer driver crashes",
        "Drucker Treiber",
        "mail queue full",
        "Laptop Speicher voll",
        "network gateway timeout",
        "Server memory leaks",
        "Passwort",
        "Verbindungen",
        "printers",
    ];
    let mut samples = Vec::new();
    for round in 0..30 {
        for q in queries {
            let path = format!("/api/v1/known-errors?q={}", leitstand::url::encode(q));
            let start = Instant::now();
            let res = app.get(&app.admin_token, &path).await;
            assert_eq!(res.status(), 200);
            let found: Vec<Value> = res.json().await.unwrap();
            samples.push(start.elapsed());
            if round == 0 {
                eprintln!("  {q:?}: {} known errors", found.len());
            }
        }
    }
    report("GET /api/v1/known-errors?q=", samples);

    let numbers: Vec<String> =
        sqlx::query_scalar("select number from incidents where state in ('new', 'in_progress', 'on_hold') order by opened_at desc limit 300")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let mut samples = Vec::new();
    for number in &numbers {
        let start = Instant::now();
        let res = app
            .get(
                &app.admin_token,
                &format!("/api/v1/incidents/{number}/suggestions"),
            )
            .await;
        assert_eq!(res.status(), 200);
        let _: Vec<Value> = res.json().await.unwrap();
        samples.push(start.elapsed());
    }
    report("GET /api/v1/incidents/{number}/suggestions", samples);
}

/// Seeds `LEITSTAND_BENCH_INCIDENTS` open incidents (default 1,000,000) under a policy, with
/// their next SLA checks spread over 30 days, then times worker passes: one with nothing due,
/// and one with 1,000 incidents due.
#[tokio::test]
#[ignore = "a benchmark: run scripts/bench-sla-worker"]
async fn bench_sla_worker_tick() {
    let rows = std::env::var("LEITSTAND_BENCH_INCIDENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000_i64);
    let app = TestApp::spawn().await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/sla/policies",
            serde_json::json!({"key": "default", "name": "Default", "response_seconds": [3600, 3600, 3600, 3600, 3600],
                               "resolution_seconds": [86400, 86400, 86400, 86400, 86400]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let started = Instant::now();
    crate::plans::seed(&app.db, rows).await;
    // Every incident open, with a due date and a next check somewhere in the next 30 days.
    sqlx::query(
        "update incidents set state = 'in_progress', hold_reason = null, resolution_code = null, \
         resolution_notes = null, resolved_at = null, closed_at = null, responded_at = opened_at, \
         sla_policy_id = (select id from sla_policies limit 1), \
         resolution_due = now() + interval '1 hour' + (random() * interval '30 days'), sla_next_check = resolution_due",
    )
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query("update incidents set sla_next_check = resolution_due")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("vacuum analyze incidents")
        .execute(&app.db)
        .await
        .unwrap();
    let open: i64 = sqlx::query_scalar(
        "select count(*) from incidents where state = 'in_progress' and sla_next_check is not null",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    eprintln!(
        "seeded {open} open incidents with a pending SLA check in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let plan: Vec<String> = sqlx::query_scalar(
        "explain (analyze, buffers) select id from incidents where sla_next_check <= now() \
         order by sla_next_check limit 500 for update skip locked",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    eprintln!("{}", plan.join("\n"));

    let mut idle = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        let marked = leitstand::worker::sla_clock::run_checks(&app.db, jiff::Timestamp::now())
            .await
            .unwrap();
        idle.push(start.elapsed());
        assert_eq!(marked, 0);
    }
    report("worker pass with nothing due", idle);

    sqlx::query(
        "update incidents set resolution_due = now() - interval '1 minute', sla_at_risk_due = now() - interval '2 minutes', \
         sla_next_check = now() - interval '2 minutes' where id in (select id from incidents order by id limit 1000)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let start = Instant::now();
    let marked = leitstand::worker::sla_clock::run_checks(&app.db, jiff::Timestamp::now())
        .await
        .unwrap();
    report(
        "worker pass with 1,000 incidents due",
        vec![start.elapsed()],
    );
    eprintln!("marks made: {marked}");
}

/// Webhook deliveries to a receiver on loopback: `LEITSTAND_BENCH_EVENTS` events (default
/// 20,000), each a journal entry of one of 10,000 incidents, dispatched to one endpoint and
/// delivered signed by the worker's functions, as `leitstand serve` runs them. Prints the
/// deliveries per second and checks the receiver got each event.
#[tokio::test]
#[ignore = "a benchmark: run scripts/bench-webhooks"]
async fn bench_webhook_deliveries() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let events = std::env::var("LEITSTAND_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000_i64);
    let loopback: Vec<leitstand::domain::webhook::Network> = vec!["127.0.0.1".parse().unwrap()];
    let app = TestApp::spawn_with(leitstand::state::Settings {
        webhook_allow: loopback.clone(),
        ..leitstand::state::Settings::default()
    })
    .await;
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let hook = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let counter = counter.clone();
            async move {
                assert!(!body.is_empty());
                counter.fetch_add(1, Ordering::Relaxed);
                "ok"
            }
        }),
    );
    let address = crate::support::serve_router(hook).await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/webhooks",
            serde_json::json!({"url": format!("http://{address}/hook")}),
        )
        .await;
    assert_eq!(res.status(), 201);
    crate::plans::seed(&app.db, 10_000).await;
    sqlx::query(
        "with i as (select id, row_number() over (order by id) as n from incidents), \
         j as (insert into journal_entries (incident_id, author_id, kind, body) \
               select i.id, null, 'comment', 'Reply number ' || s.n || ': please restart the client' \
               from generate_series(1, $1) s(n) join i on i.n = 1 + s.n % 10000 returning id, incident_id) \
         insert into events (kind, incident_id, journal_id) select 'commented', incident_id, id from j",
    )
    .bind(events)
    .execute(&app.db)
    .await
    .unwrap();
    let deliverer =
        leitstand::worker::webhooks::Deliverer::new(loopback, Duration::from_secs(15)).unwrap();
    let started = Instant::now();
    let dispatched = leitstand::worker::webhooks::dispatch(&app.db)
        .await
        .unwrap();
    let dispatch_time = started.elapsed();
    let mut sent = 0;
    loop {
        let n =
            leitstand::worker::webhooks::deliver_due(&app.db, &deliverer, jiff::Timestamp::now())
                .await
                .unwrap();
        if n == 0 {
            break;
        }
        sent += n;
    }
    let elapsed = started.elapsed();
    let acknowledged: i64 =
        sqlx::query_scalar("select count(*) from webhook_deliveries where state = 'delivered'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(dispatched, events);
    assert_eq!(acknowledged, events);
    assert_eq!(
        received.load(Ordering::Relaxed),
        usize::try_from(events).unwrap()
    );
    #[expect(clippy::cast_precision_loss, reason = "counts below 2^52")]
    let rate = sent as f64 / elapsed.as_secs_f64();
    eprintln!(
        "BENCH webhooks: events={events} delivered={acknowledged} dispatch={:.0} ms total={:.2} s deliveries/s={rate:.0}",
        dispatch_time.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64()
    );
}
