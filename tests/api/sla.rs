//! The service-level clock on incidents: due dates from the most specific policy, pauses,
//! priority changes, resolve and reopen; calendars and policies validated.

use serde_json::{Value, json};

use crate::support::{Page, TestApp, fields, problem};

fn at(v: &Value) -> jiff::Timestamp {
    v.as_str().unwrap().parse().unwrap()
}

fn seconds_between(a: &Value, b: &Value) -> i64 {
    at(b).duration_since(at(a)).as_secs()
}

/// A default policy on the 24x7 calendar: priority p gets p hours to respond and 10·p to resolve.
async fn default_policy(app: &TestApp) {
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/sla/policies",
            json!({"key": "default", "name": "Default", "calendar": "24x7",
                   "response_seconds": [3600, 7200, 10800, 14400, 18000],
                   "resolution_seconds": [36000, 72000, 108_000, 144_000, 180_000]}),
        )
        .await;
    assert_eq!(res.status(), 201);
}

async fn move_to(app: &TestApp, number: &str, body: Value) -> Value {
    let res = app.move_incident(&app.admin_token, number, body).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn without_a_policy_there_is_no_clock() {
    let app = TestApp::spawn().await;
    let inc = app
        .create_incident(&app.admin_token, json!({"title": "No SLA yet"}))
        .await;
    assert_eq!(inc["sla"]["response_due"], Value::Null);
    assert_eq!(inc["sla"]["resolution_due"], Value::Null);
}

#[tokio::test]
async fn due_dates_follow_the_priority_and_the_most_specific_policy() {
    let app = TestApp::spawn().await;
    default_policy(&app).await;
    let inc = app
        .create_incident(
            &app.admin_token,
            json!({"title": "Slow laptop", "impact": "medium", "urgency": "medium"}),
        )
        .await;
    assert_eq!(
        seconds_between(&inc["opened_at"], &inc["sla"]["response_due"]),
        3 * 3600,
        "priority 3: 3 hours"
    );
    assert_eq!(
        seconds_between(&inc["opened_at"], &inc["sla"]["resolution_due"]),
        30 * 3600
    );
    let journal: Vec<Value> = app
        .get(
            &app.admin_token,
            &format!(
                "/api/v1/incidents/{}/journal",
                inc["number"].as_str().unwrap()
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        journal
            .iter()
            .any(|e| e["kind"] == "system" && e["changes"]["response_due"]["to"].is_string()),
        "due dates go through the journal"
    );

    // Raising the priority recomputes both from the opening.
    let number = inc["number"].as_str().unwrap();
    let res = app
        .patch(
            &app.admin_token,
            &format!("/api/v1/incidents/{number}"),
            json!({"impact": "high", "urgency": "high"}),
        )
        .await;
    let raised: Value = res.json().await.unwrap();
    assert_eq!(
        seconds_between(&raised["opened_at"], &raised["sla"]["response_due"]),
        3600
    );
    assert_eq!(
        seconds_between(&raised["opened_at"], &raised["sla"]["resolution_due"]),
        10 * 3600
    );

    // A group policy beats the default; a service policy beats the group's.
    app.create_group("network", "IT").await;
    app.post(
        &app.admin_token,
        "/api/v1/services",
        json!({"key": "vpn", "name": "VPN"}),
    )
    .await;
    for (key, scope) in [
        ("network", json!({"assignment_group": "network"})),
        ("vpn", json!({"service": "vpn"})),
    ] {
        let mut body = json!({"key": key, "name": key, "response_seconds": [60, 60, 60, 60, 60], "resolution_seconds": [600, 600, 600, 600, 600]});
        if key == "vpn" {
            body["response_seconds"] = json!([30, 30, 30, 30, 30]);
        }
        body.as_object_mut()
            .unwrap()
            .extend(scope.as_object().unwrap().clone());
        assert_eq!(
            app.post(&app.admin_token, "/api/v1/sla/policies", body)
                .await
                .status(),
            201
        );
    }
    let by_group = app
        .create_incident(
            &app.admin_token,
            json!({"title": "Switch", "assignment_group": "network"}),
        )
        .await;
    assert_eq!(
        seconds_between(&by_group["opened_at"], &by_group["sla"]["response_due"]),
        60
    );
    let by_service = app
        .create_incident(
            &app.admin_token,
            json!({"title": "VPN", "assignment_group": "network", "service": "vpn"}),
        )
        .await;
    assert_eq!(
        seconds_between(&by_service["opened_at"], &by_service["sla"]["response_due"]),
        30
    );
}

#[tokio::test]
async fn a_pausing_hold_moves_the_resolution_due_date_by_the_paused_time() {
    let app = TestApp::spawn().await;
    default_policy(&app).await;
    let inc = app
        .create_incident(&app.admin_token, json!({"title": "Waiting for the caller"}))
        .await;
    let number = inc["number"].as_str().unwrap().to_owned();
    let held = move_to(
        &app,
        &number,
        json!({"to": "on_hold", "hold_reason": "awaiting_caller"}),
    )
    .await;
    assert_eq!(held["sla"]["paused"], true);
    // Two hours pass on hold.
    sqlx::query("update incidents set sla_paused_since = sla_paused_since - interval '2 hours' where number = $1").bind(&number).execute(&app.db).await.unwrap();
    let back = move_to(&app, &number, json!({"to": "in_progress"})).await;
    assert_eq!(back["sla"]["paused"], false);
    let moved = seconds_between(
        &inc["sla"]["resolution_due"],
        &back["sla"]["resolution_due"],
    );
    assert!(
        (7200..7210).contains(&moved),
        "moved by the two paused hours: {moved} s"
    );
    assert_eq!(
        back["sla"]["response_due"], inc["sla"]["response_due"],
        "the response target does not pause"
    );

    // Other hold reasons do not stop the clock.
    let held = move_to(
        &app,
        &number,
        json!({"to": "on_hold", "hold_reason": "awaiting_change"}),
    )
    .await;
    assert_eq!(held["sla"]["paused"], false);
    let back_again = move_to(&app, &number, json!({"to": "in_progress"})).await;
    assert_eq!(
        back_again["sla"]["resolution_due"],
        back["sla"]["resolution_due"]
    );
}

#[tokio::test]
async fn resolving_stops_the_clock_and_reopening_restarts_it() {
    let app = TestApp::spawn().await;
    default_policy(&app).await;
    let inc = app
        .create_incident(&app.admin_token, json!({"title": "Reopened later"}))
        .await;
    let number = inc["number"].as_str().unwrap().to_owned();
    move_to(
        &app,
        &number,
        json!({"to": "resolved", "resolution_code": "workaround", "resolution_notes": "Restarted"}),
    )
    .await;
    sqlx::query("update incidents set sla_paused_since = sla_paused_since - interval '5 hours' where number = $1").bind(&number).execute(&app.db).await.unwrap();
    let reopened = move_to(
        &app,
        &number,
        json!({"to": "in_progress", "reason": "Back again"}),
    )
    .await;
    let moved = seconds_between(
        &inc["sla"]["resolution_due"],
        &reopened["sla"]["resolution_due"],
    );
    assert!(
        (5 * 3600..5 * 3600 + 10).contains(&moved),
        "the resolved time does not count: {moved} s"
    );
}

#[tokio::test]
async fn calendars_and_policies_are_validated_naming_each_field() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/sla/calendars",
            json!({"key": "berlin", "name": "Berlin office", "time_zone": "Europe/Berlin",
                   "week": [[["08:00", "12:00"], ["13:00", "17:00"]], [["08:00", "17:00"]], [["08:00", "17:00"]], [["08:00", "17:00"]], [["08:00", "16:00"]], [], []],
                   "holidays": [{"date": "2026-12-25", "name": "Weihnachten"}]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let calendar: Value = res.json().await.unwrap();
    assert_eq!(calendar["week"][0][1], json!(["13:00", "17:00"]));
    let body = problem(
        app.post(
            &app.admin_token,
            "/api/v1/sla/calendars",
            json!({"key": "Bad Key", "name": "", "time_zone": "Mars/Olympus",
                   "week": [[["17:00", "08:00"]], [["8am", "5pm"]], [], [], [], [], []],
                   "holidays": [{"date": "25.12.2026", "name": "x"}]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        fields(&body),
        [
            "key",
            "name",
            "time_zone",
            "week[0]",
            "week[1]",
            "holidays[0].date"
        ]
    );
    problem(app.post(&app.admin_token, "/api/v1/sla/calendars", json!({"key": "berlin", "name": "Again", "time_zone": "UTC", "week": [[["08:00", "17:00"]], [], [], [], [], [], []]})).await, 409).await;

    let body = problem(
        app.post(&app.admin_token, "/api/v1/sla/policies", json!({"key": "p", "name": "P", "calendar": "nope", "response_seconds": [1, 2, 3], "resolution_seconds": [0, 1, 1, 1, 1], "at_risk_percent": 100})).await,
        422,
    )
    .await;
    assert_eq!(
        fields(&body),
        [
            "response_seconds",
            "resolution_seconds",
            "at_risk_percent",
            "calendar"
        ]
    );
    let ok = json!({"key": "office", "name": "Office hours", "calendar": "berlin", "response_seconds": [1800, 3600, 7200, 14400, 28800], "resolution_seconds": [14400, 28800, 57600, 115_200, 230_400]});
    assert_eq!(
        app.post(&app.admin_token, "/api/v1/sla/policies", ok)
            .await
            .status(),
        201
    );
    let second_default = json!({"key": "other", "name": "Other", "response_seconds": [1, 1, 1, 1, 1], "resolution_seconds": [1, 1, 1, 1, 1]});
    problem(
        app.post(&app.admin_token, "/api/v1/sla/policies", second_default)
            .await,
        409,
    )
    .await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    problem(
        app.post(&agent, "/api/v1/sla/calendars", json!({})).await,
        403,
    )
    .await;
    let listed: Vec<Value> = app
        .get(&agent, "/api/v1/sla/calendars")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|c| c["key"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["24x7", "berlin"]
    );
}

#[tokio::test]
async fn two_workers_mark_at_risk_and_breaches_exactly_once() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/sla/policies",
            json!({"key": "tight", "name": "Tight", "response_seconds": [60, 60, 60, 60, 60],
                   "resolution_seconds": [600, 600, 600, 600, 600], "at_risk_percent": 50}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let mut numbers = Vec::new();
    for n in 0..40 {
        numbers.push(
            app.create_incident(&app.admin_token, json!({"title": format!("Outage {n}")}))
                .await["number"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // One is on hold waiting for the caller: its resolution clock stands still.
    let held = &numbers[0];
    move_to(
        &app,
        held,
        json!({"to": "on_hold", "hold_reason": "awaiting_caller"}),
    )
    .await;

    let soon = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_mins(7))
        .unwrap();
    let (a, b) = tokio::join!(
        leitstand::worker::sla_clock::run_checks(&app.db, soon),
        leitstand::worker::sla_clock::run_checks(&app.db, soon)
    );
    // 39 running incidents: response breached and at risk (50% of 10 min); not yet breached.
    assert_eq!(
        a.unwrap() + b.unwrap(),
        39 * 2,
        "each mark exactly once between two workers"
    );
    let later = soon
        .checked_add(jiff::SignedDuration::from_mins(10))
        .unwrap();
    let (a, b) = tokio::join!(
        leitstand::worker::sla_clock::run_checks(&app.db, later),
        leitstand::worker::sla_clock::run_checks(&app.db, later)
    );
    assert_eq!(
        a.unwrap() + b.unwrap(),
        39,
        "then the resolution breach, once each"
    );
    assert_eq!(
        leitstand::worker::sla_clock::run_checks(&app.db, later)
            .await
            .unwrap(),
        0,
        "nothing twice"
    );

    let events: Vec<(String, i64)> = sqlx::query_as(
        "select kind, count(*) from events where kind like 'sla%' group by kind order by kind",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        events,
        [
            ("sla_at_risk".to_owned(), 39),
            ("sla_resolution_breached".to_owned(), 39),
            ("sla_response_breached".to_owned(), 39)
        ]
    );
    let one: Value = app
        .get(
            &app.admin_token,
            &format!("/api/v1/incidents/{}", numbers[1]),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            one["sla"]["at_risk"].as_bool(),
            one["sla"]["response_breached"].as_bool(),
            one["sla"]["resolution_breached"].as_bool()
        ),
        (Some(true), Some(true), Some(true))
    );
    let paused: Value = app
        .get(&app.admin_token, &format!("/api/v1/incidents/{held}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            paused["sla"]["at_risk"].as_bool(),
            paused["sla"]["resolution_breached"].as_bool()
        ),
        (Some(false), Some(false)),
        "a paused clock is not marked"
    );

    let breached: Value = app
        .get(&app.admin_token, "/api/v1/incidents?sla=breached&limit=200")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(breached["items"].as_array().unwrap().len(), 39);
    let at_risk: Value = app
        .get(&app.admin_token, "/api/v1/incidents?sla=at_risk")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        at_risk["items"].as_array().unwrap().is_empty(),
        "breached ones are no longer merely at risk"
    );
    problem(
        app.get(&app.admin_token, "/api/v1/incidents?sla=late")
            .await,
        400,
    )
    .await;
}

#[tokio::test]
async fn queues_count_down_and_sort_by_the_breach_that_comes_next() {
    let app = TestApp::spawn().await;
    default_policy(&app).await;
    let low = app
        .create_incident(
            &app.admin_token,
            json!({"title": "Low", "impact": "low", "urgency": "low"}),
        )
        .await;
    let high = app
        .create_incident(
            &app.admin_token,
            json!({"title": "High", "impact": "high", "urgency": "high"}),
        )
        .await;
    let mid = app
        .create_incident(&app.admin_token, json!({"title": "Mid"}))
        .await;
    let number = |v: &Value| v["number"].as_str().unwrap().to_owned();

    let page: Value = app
        .get(&app.admin_token, "/api/v1/incidents?sort=sla_due&limit=2")
        .await
        .json()
        .await
        .unwrap();
    let first: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(number)
        .collect();
    assert_eq!(first, [number(&high), number(&mid)], "10 h before 30 h");
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest: Value = app
        .get(
            &app.admin_token,
            &format!("/api/v1/incidents?sort=sla_due&limit=2&cursor={cursor}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"][0]["number"], low["number"]);

    // While nobody has responded, the queue counts down to the response target: a P1 waiting
    // for its first response is not shown as fine because its resolution is hours away.
    app.create_user("agent@example.com", "agent", "en").await;
    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    let queue = app
        .page(&browser, "/incidents?queue=open&sort=sla_due")
        .await;
    let clocks = Page::parse(&queue).texts("span.sla.sla-ok");
    assert!(
        clocks
            .iter()
            .any(|c| c == "respond in 59m" || c == "respond in 1h 0m"),
        "{clocks:?}"
    );

    // Responded: the queue shows business time left to the resolution, marks what is overdue,
    // and a stopped clock says so instead of counting.
    for n in [&high, &mid, &low] {
        move_to(&app, &number(n), json!({"to": "in_progress"})).await;
    }
    move_to(
        &app,
        &number(&low),
        json!({"to": "on_hold", "hold_reason": "awaiting_caller"}),
    )
    .await;
    sqlx::query("update incidents set resolution_due = now() - interval '90 minutes', sla_next_check = now() - interval '90 minutes' where number = $1")
        .bind(number(&mid))
        .execute(&app.db)
        .await
        .unwrap();
    leitstand::worker::sla_clock::run_checks(&app.db, jiff::Timestamp::now())
        .await
        .unwrap();
    let queue = app
        .page(&browser, "/incidents?queue=open&sort=sla_due")
        .await;
    let clocks = Page::parse(&queue);
    assert_eq!(clocks.texts("span.sla.sla-paused"), ["Paused"]);
    assert_eq!(clocks.texts("span.sla.sla-breached"), ["overdue 1h 30m"]);
    let running = clocks.texts("span.sla.sla-ok");
    assert!(
        running.iter().any(|c| c == "9h 59m" || c == "10h 0m"),
        "{running:?}"
    );
    let high_at = queue.find(&number(&high)).unwrap();
    let low_at = queue.find(&number(&low)).unwrap();
    assert!(
        queue.find(&number(&mid)).unwrap() < high_at && high_at < low_at,
        "breaches next: running clocks first, the stopped one last"
    );

    // The incident page shows the policy, the targets, the time used and the pauses.
    let page = app
        .page(&browser, &format!("/incidents/{}", number(&mid)))
        .await;
    assert!(
        Page::parse(&page)
            .texts("#sla dd")
            .contains(&"Default".to_owned()),
        "{page}"
    );
    assert!(page.contains("Business time used") && page.contains("overdue 1h 30m"));
}

#[tokio::test]
async fn admins_keep_calendars_and_policies_on_their_page() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.sign_in(&browser, "admin@example.com").await;
    let page = app.page(&browser, "/admin/sla").await;
    assert!(page.contains("Around the clock") && page.contains("No policies yet"));

    let mut bad = vec![
        ("key", "berlin"),
        ("name", "Berlin"),
        ("time_zone", "Mars/Olympus"),
        ("day0", "8am-5pm"),
    ];
    bad.extend([
        ("day1", ""),
        ("day2", ""),
        ("day3", ""),
        ("day4", ""),
        ("day5", ""),
        ("day6", ""),
        ("holidays", ""),
    ]);
    let res = app.post_form(&browser, "/admin/sla/calendars", &bad).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Use an IANA time zone") && page.contains("Use times of day as HH:MM."),
        "{page}"
    );
    assert!(page.contains(r#"value="8am-5pm""#), "typed text kept");

    let mut good = vec![
        ("key", "berlin"),
        ("name", "Berlin office"),
        ("time_zone", "Europe/Berlin"),
        ("day0", "08:00-12:00, 13:00-17:00"),
    ];
    good.extend([
        ("day1", "08:00-17:00"),
        ("day2", "08:00-17:00"),
        ("day3", "08:00-17:00"),
        ("day4", "08:00-16:00"),
        ("day5", ""),
        ("day6", ""),
    ]);
    good.push((
        "holidays",
        "2026-12-25 Weihnachten\n2026-12-26 Zweiter Feiertag",
    ));
    assert_eq!(
        app.post_form(&browser, "/admin/sla/calendars", &good)
            .await
            .status(),
        303
    );
    let calendars: Vec<Value> = app
        .get(&app.admin_token, "/api/v1/sla/calendars")
        .await
        .json()
        .await
        .unwrap();
    let berlin = calendars.iter().find(|c| c["key"] == "berlin").unwrap();
    assert_eq!(
        berlin["week"][0],
        json!([["08:00", "12:00"], ["13:00", "17:00"]])
    );
    assert_eq!(
        berlin["holidays"][1],
        json!({"date": "2026-12-26", "name": "Zweiter Feiertag"})
    );

    let mut policy = vec![
        ("key", "office"),
        ("name", "Office hours"),
        ("calendar", "berlin"),
        ("service", ""),
        ("assignment_group", ""),
        ("at_risk_percent", "80"),
    ];
    for (name, value) in [
        ("response1", "30"),
        ("response2", "60"),
        ("response3", "120"),
        ("response4", "240"),
        ("response5", "480"),
    ] {
        policy.push((name, value));
    }
    for (name, value) in [
        ("resolution1", "240"),
        ("resolution2", "480"),
        ("resolution3", "960"),
        ("resolution4", "1920"),
        ("resolution5", "x"),
    ] {
        policy.push((name, value));
    }
    policy.push(("pause_reasons", "awaiting_caller"));
    let res = app
        .post_form(&browser, "/admin/sla/policies", &policy)
        .await;
    assert_eq!(res.status(), 422, "one target is not a number");
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Give five positive numbers")
    );
    policy.retain(|(name, _)| *name != "resolution5");
    policy.push(("resolution5", "3840"));
    assert_eq!(
        app.post_form(&browser, "/admin/sla/policies", &policy)
            .await
            .status(),
        303
    );
    let policies: Vec<Value> = app
        .get(&app.admin_token, "/api/v1/sla/policies")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        policies[0]["response_seconds"],
        json!([1800, 3600, 7200, 14400, 28800])
    );
    assert_eq!(policies[0]["pause_reasons"], json!(["awaiting_caller"]));
    assert_eq!(policies[0]["at_risk_percent"], 80);
    assert!(
        app.page(&browser, "/admin/sla")
            .await
            .contains("30 / 60 / 120 / 240 / 480")
    );

    app.create_user("agent@example.com", "agent", "en").await;
    let agent = app.browser();
    app.sign_in(&agent, "agent@example.com").await;
    assert_eq!(
        agent
            .get(app.url("/admin/sla"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

#[tokio::test]
async fn an_sla_mark_is_a_change_that_syncing_clients_see() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/sla/policies",
            json!({"key": "tight", "name": "Tight", "response_seconds": [60, 60, 60, 60, 60],
                   "resolution_seconds": [600, 600, 600, 600, 600]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created = app
        .create_incident(&app.admin_token, json!({"title": "Outage"}))
        .await;
    let number = created["number"].as_str().unwrap();
    let path = format!("/api/v1/incidents/{number}");
    let before = app.get(&app.admin_token, &path).await;
    let etag = before.headers()["etag"].to_str().unwrap().to_owned();
    let before: Value = before.json().await.unwrap();
    let since = before["updated_at"].as_str().unwrap().to_owned();
    // A sync just after: nothing changed since.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let synced_at = jiff::Timestamp::now().to_string();
    let later = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_mins(2))
        .unwrap();
    assert_eq!(
        leitstand::worker::sla_clock::run_checks(&app.db, later)
            .await
            .unwrap(),
        1,
        "the response target breached"
    );
    let after = app.get(&app.admin_token, &path).await;
    assert_ne!(
        after.headers()["etag"].to_str().unwrap(),
        etag,
        "a new ETag"
    );
    let after: Value = after.json().await.unwrap();
    assert_eq!(after["sla"]["response_breached"], true);
    assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1);
    assert!(at(&after["updated_at"]) > at(&json!(since)));
    let page: Value = app
        .get(
            &app.admin_token,
            &format!(
                "/api/v1/incidents?updated_since={}",
                leitstand::url::encode(&synced_at)
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["items"][0]["number"], number,
        "updated_since finds the breach"
    );
    // An If-Match of the old version is stale now.
    let res = app
        .api
        .patch(app.url(&path))
        .bearer_auth(&app.admin_token)
        .header("if-match", etag)
        .json(&json!({"urgency": "high"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 412);
}

/// Runs the background recompute to the end, as `leitstand serve` does between its checks.
async fn recompute(app: &TestApp) {
    leitstand::service::sla_changes::recompute_for(&app.db, std::time::Duration::from_secs(30))
        .await
        .unwrap();
}

#[tokio::test]
async fn changing_a_policy_moves_open_incidents_due_dates_in_the_background() {
    let app = TestApp::spawn().await;
    default_policy(&app).await;
    let open = app
        .create_incident(&app.admin_token, json!({"title": "Printer"}))
        .await;
    let number = open["number"].as_str().unwrap().to_owned();
    let path = "/api/v1/sla/policies/default";
    let res = app.get(&app.admin_token, path).await;
    assert_eq!(res.headers()["etag"], "\"1\"");

    // A stale If-Match is 412 with the current policy; the right one changes it.
    let stale = app
        .api
        .patch(app.url(path))
        .bearer_auth(&app.admin_token)
        .header("if-match", "\"7\"")
        .json(&json!({"resolution_seconds": [3600, 3600, 3600, 3600, 3600]}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    let res = app
        .api
        .patch(app.url(path))
        .bearer_auth(&app.admin_token)
        .header("if-match", "\"1\"")
        .json(&json!({"resolution_seconds": [3600, 3600, 3600, 3600, 3600], "key": "default"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let policy: Value = res.json().await.unwrap();
    assert_eq!(policy["resolution_seconds"][2], 3600);
    assert_eq!(policy["name"], "Default", "fields left out stay");
    let status: Value = app
        .get(&app.admin_token, "/api/v1/sla/recompute")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["state"], "pending");
    assert_eq!(status["total"], 1);

    recompute(&app).await;
    let status: Value = app
        .get(&app.admin_token, "/api/v1/sla/recompute")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            status["state"].as_str(),
            status["done"].as_i64(),
            status["moved"].as_i64()
        ),
        (Some("done"), Some(1), Some(1))
    );
    let after: Value = app
        .get(&app.admin_token, &format!("/api/v1/incidents/{number}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        seconds_between(&after["opened_at"], &after["sla"]["resolution_due"]),
        3600,
        "the new target"
    );
    assert!(
        after["version"].as_i64() > open["version"].as_i64(),
        "a moved date is a change"
    );
    let journal = app
        .get(
            &app.admin_token,
            &format!("/api/v1/incidents/{number}/journal"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        journal.matches("service level default").count(),
        2,
        "the move is journaled like the first due dates: {journal}"
    );
    // The API keeps the stored text; a German agent's page says it in German.
    app.create_user("lena@example.com", "agent", "de").await;
    let browser = app.browser();
    app.sign_in(&browser, "lena@example.com").await;
    let page = app.page(&browser, &format!("/incidents/{number}")).await;
    assert_eq!(
        page.matches("Fälligkeiten aus Service-Level default")
            .count(),
        2,
        "system notes in the reader's language"
    );
    assert!(!page.contains("service level default"));
}

#[tokio::test]
async fn flags_follow_due_dates_that_move_out_and_a_removed_policy_stops_the_clock() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/sla/policies",
            json!({"key": "tight", "name": "Tight", "response_seconds": [60, 60, 60, 60, 60],
                   "resolution_seconds": [120, 120, 120, 120, 120]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let made = app
        .create_incident(&app.admin_token, json!({"title": "Outage"}))
        .await;
    let number = made["number"].as_str().unwrap().to_owned();
    move_to(&app, &number, json!({"to": "in_progress"})).await;
    let later = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_mins(5))
        .unwrap();
    sqlx::query("update incidents set sla_next_check = now() - interval '1 second'")
        .execute(&app.db)
        .await
        .unwrap();
    leitstand::worker::sla_clock::run_checks(&app.db, later)
        .await
        .unwrap();
    sqlx::query("update incidents set sla_resolution_breached_at = now() where number = $1")
        .bind(&number)
        .execute(&app.db)
        .await
        .unwrap();
    let path = format!("/api/v1/incidents/{number}");
    let before: Value = app.get(&app.admin_token, &path).await.json().await.unwrap();
    assert_eq!(before["sla"]["resolution_breached"], true);

    // The target is relaxed to a day: the breach is no longer current.
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/sla/policies/tight",
            json!({"resolution_seconds": [86400, 86400, 86400, 86400, 86400]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    recompute(&app).await;
    let after: Value = app.get(&app.admin_token, &path).await.json().await.unwrap();
    assert_eq!(after["sla"]["resolution_breached"], false, "{after}");

    // Removing the only policy stops the clock of open incidents.
    let res = app
        .api
        .delete(app.url("/api/v1/sla/policies/tight"))
        .bearer_auth(&app.admin_token)
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        app.get(&app.admin_token, "/api/v1/sla/policies/tight")
            .await
            .status(),
        404
    );
    recompute(&app).await;
    let after: Value = app.get(&app.admin_token, &path).await.json().await.unwrap();
    assert_eq!(after["sla"]["resolution_due"], Value::Null, "{after}");
    // The key can be used again.
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/sla/policies",
            json!({"key": "tight", "name": "Tight again", "response_seconds": [60, 60, 60, 60, 60],
                   "resolution_seconds": [120, 120, 120, 120, 120]}),
        )
        .await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn calendars_are_changed_and_removed_with_if_match() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/sla/calendars",
            json!({"key": "berlin", "name": "Berlin", "time_zone": "Europe/Berlin",
                   "week": [[["08:00", "17:00"]], [["08:00", "17:00"]], [], [], [], [], []]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/sla/calendars/berlin",
            json!({"name": "Berlin office", "holidays": [{"date": "2026-12-25", "name": "Weihnachten"}]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let calendar: Value = res.json().await.unwrap();
    assert_eq!(calendar["name"], "Berlin office");
    assert_eq!(calendar["week"][0][0][0], "08:00", "fields left out stay");
    assert_eq!(calendar["version"], 2);
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/sla/calendars/berlin",
            json!({"time_zone": "Mars/Olympus"}),
        )
        .await;
    assert_eq!(fields(&problem(res, 422).await), ["time_zone"]);
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/sla/calendars/24x7",
            json!({"name": "Always"}),
        )
        .await;
    problem(res, 409).await;

    // In use by a policy: 409; unused: gone.
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/sla/policies",
            json!({"key": "office", "name": "Office", "calendar": "berlin",
                   "response_seconds": [60, 60, 60, 60, 60], "resolution_seconds": [120, 120, 120, 120, 120]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    problem(
        app.delete(&app.admin_token, "/api/v1/sla/calendars/berlin")
            .await,
        409,
    )
    .await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/sla/calendars",
            json!({"key": "spare", "name": "Spare", "time_zone": "UTC",
                   "week": [[["09:00", "17:00"]], [], [], [], [], [], []]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        app.delete(&app.admin_token, "/api/v1/sla/calendars/spare")
            .await
            .status(),
        204
    );
}

#[tokio::test]
async fn admins_change_and_remove_policies_on_their_page_and_see_the_recompute() {
    let app = TestApp::spawn().await;
    default_policy(&app).await;
    app.create_incident(&app.admin_token, json!({"title": "Printer"}))
        .await;
    let browser = app.browser();
    app.sign_in(&browser, "admin@example.com").await;
    let page = app.page(&browser, "/admin/sla").await;
    assert!(page.contains(r#"action="/admin/sla/policies/default""#));
    let form = [
        ("version", "1"),
        ("name", "Default desk"),
        ("calendar", "24x7"),
        ("response1", "30"),
        ("response2", "60"),
        ("response3", "90"),
        ("response4", "120"),
        ("response5", "240"),
        ("resolution1", "240"),
        ("resolution2", "480"),
        ("resolution3", "960"),
        ("resolution4", "1440"),
        ("resolution5", "2880"),
        ("pause_reasons", "awaiting_caller"),
        ("at_risk_percent", "80"),
    ];
    let res = app
        .post_form(&browser, "/admin/sla/policies/default", &form)
        .await;
    assert_eq!(res.status(), 303);
    let page = app.page(&browser, "/admin/sla").await;
    assert!(page.contains("Default desk"), "saved");
    assert!(
        page.contains(
            "Due dates after the change to policy default: 0 of 1 open incidents (0 %), 0 moved."
        ),
        "the recompute is shown: {page}"
    );
    // The same form again is stale now.
    let res = app
        .post_form(&browser, "/admin/sla/policies/default", &form)
        .await;
    assert_eq!(res.status(), 303);
    let page = app.page(&browser, "/admin/sla").await;
    assert!(page.contains("Someone else saved this first."));
    recompute(&app).await;
    let page = app.page(&browser, "/admin/sla").await;
    assert!(
        page.contains("1 of 1 open incidents (100 %), 1 moved."),
        "{page}"
    );

    let res = app
        .post_form(
            &browser,
            "/admin/sla/policies/default/delete",
            &[("version", "2")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = app.page(&browser, "/admin/sla").await;
    assert!(
        !page.contains(r#"action="/admin/sla/policies/default""#),
        "removed"
    );
}

#[tokio::test]
async fn a_request_type_gives_its_requests_a_service_level_that_stands_still_for_approvals() {
    let app = TestApp::spawn().await;
    default_policy(&app).await;
    app.create_group("workplace", "it").await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.join_groups("agent@example.com", &["workplace"]).await;
    let manager = app.user_with_token("manfred@example.com", "caller").await;
    let anna = app.user_with_token("anna@example.com", "caller").await;
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/users/anna@example.com",
            json!({"manager": "manfred@example.com"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    // The type names the policy and the priority whose targets apply; bad ones are named.
    for (body, field) in [
        (json!({"sla_policy": "nope"}), "sla_policy"),
        (json!({"sla_priority": 0}), "sla_priority"),
        (json!({"sla_priority": 6}), "sla_priority"),
    ] {
        let mut definition = json!({"key": "laptop", "department": "it", "name": "New laptop",
                                    "assignment_group": "workplace"});
        for (k, v) in body.as_object().unwrap() {
            definition[k] = v.clone();
        }
        let res = app
            .post(&app.admin_token, "/api/v1/request-types", definition)
            .await;
        assert_eq!(fields(&problem(res, 422).await), vec![field], "{body}");
    }
    let kind = app
        .created(
            &app.admin_token,
            "/api/v1/request-types",
            json!({"key": "laptop", "department": "it", "name": "New laptop",
                   "assignment_group": "workplace", "sla_policy": "default", "sla_priority": 2,
                   "approval_stages": [{"name": "Manager", "approvers": {"kind": "manager"}}],
                   "tasks": [{"key": "deliver", "title": "Hand over the laptop", "group": "workplace"}]}),
        )
        .await;
    assert_eq!(
        (&kind["sla_policy"], &kind["sla_priority"]),
        (&json!("default"), &json!(2))
    );

    // Priority 2 of the policy: 2 hours to respond, 20 to fulfil; the clock stands still
    // while the manager decides.
    let request = app
        .created(
            &anna,
            "/api/v1/requests",
            json!({"request_type": "laptop", "title": "Laptop for the new colleague"}),
        )
        .await;
    let req = request["number"].as_str().unwrap().to_owned();
    assert_eq!(request["state"], "awaiting_approval");
    let sla = &request["sla"];
    assert_eq!(
        seconds_between(&request["opened_at"], &sla["response_due"]),
        7200
    );
    assert_eq!(
        seconds_between(&request["opened_at"], &sla["resolution_due"]),
        72_000
    );
    assert_eq!(sla["paused"], true, "{sla}");
    assert_eq!(sla["responded_at"], Value::Null);
    // An hour of waiting for the manager (moved back in the database).
    sqlx::query(
        "update requests set sla_paused_since = sla_paused_since - interval '1 hour' where number = $1",
    )
    .bind(&req)
    .execute(&app.db)
    .await
    .unwrap();
    let approval: Value = app
        .get(&manager, "/api/v1/approvals")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approval["items"][0]["request"], req.as_str(), "{approval}");
    let res = app
        .post(
            &manager,
            &format!("/api/v1/requests/{req}/approvals"),
            json!({"decision": "approved"}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let after: Value = app
        .get(&agent, &format!("/api/v1/requests/{req}"))
        .await
        .json()
        .await
        .unwrap();
    let moved = seconds_between(
        &request["sla"]["resolution_due"],
        &after["sla"]["resolution_due"],
    );
    assert!(
        (3600..3610).contains(&moved),
        "moved by the hour it stood still: {moved}"
    );
    assert_eq!(after["sla"]["paused"], false);
    assert_eq!(
        after["sla"]["responded_at"],
        Value::Null,
        "a decision is no response"
    );

    // The desk's first public answer is the response; a work note is not.
    let comments = format!("/api/v1/requests/{req}/comments");
    let res = app
        .post(
            &agent,
            &comments,
            json!({"body": "Ordering", "internal": true}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let noted: Value = app
        .get(&agent, &format!("/api/v1/requests/{req}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(noted["sla"]["responded_at"], Value::Null);
    let res = app
        .post(
            &agent,
            &comments,
            json!({"body": "Your laptop is ordered."}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let answered: Value = app
        .get(&agent, &format!("/api/v1/requests/{req}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(answered["sla"]["responded_at"].is_string(), "{answered}");
    assert_eq!(answered["sla"]["response_breached"], false);

    // Overdue: the fulfilment target passed while it is still being worked.
    sqlx::query(
        "update requests set resolution_due = now() - interval '1 minute' where number = $1",
    )
    .bind(&req)
    .execute(&app.db)
    .await
    .unwrap();
    let late: Value = app
        .get(&agent, &format!("/api/v1/requests/{req}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(late["sla"]["resolution_breached"], true, "{late}");
    // Its task is due with it, and overdue in the group's queue.
    let tasks: Value = app
        .get(&agent, &format!("/api/v1/requests/{req}/tasks"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tasks[0]["due"], late["sla"]["resolution_due"], "{tasks}");
    assert_eq!(tasks[0]["overdue"], true);
    // The agent page shows it.
    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    let page = Page::parse(&app.page(&browser, &format!("/requests/{req}")).await);
    assert!(
        page.text("#sla").contains("Default"),
        "{}",
        page.text("#sla")
    );
    assert!(page.has("#sla .sla-breached"));
    // The queue says so too.
    let queue = Page::parse(&app.page(&browser, "/requests").await);
    assert!(
        queue.has("#requests tbody tr .sla-breached"),
        "{}",
        queue.text("#requests")
    );
}

#[tokio::test]
async fn the_sla_worker_marks_a_requests_breached_targets_once_with_events() {
    let app = TestApp::spawn().await;
    default_policy(&app).await;
    app.create_group("workplace", "it").await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.join_groups("agent@example.com", &["workplace"]).await;
    let anna = app.user_with_token("anna@example.com", "caller").await;
    app.created(
        &app.admin_token,
        "/api/v1/request-types",
        json!({"key": "monitor", "department": "it", "name": "Monitor",
               "assignment_group": "workplace", "sla_policy": "default", "sla_priority": 1}),
    )
    .await;
    let request = app
        .created(
            &anna,
            "/api/v1/requests",
            json!({"request_type": "monitor"}),
        )
        .await;
    let req = request["number"].as_str().unwrap().to_owned();
    let db = leitstand::db::Db::new(app.db.clone());
    let now = jiff::Timestamp::now();
    let check = |at| leitstand::service::requests::check_sla(&db, at);
    assert_eq!(check(now).await.unwrap(), 0, "nothing due yet");
    // An hour and a minute on, the response (1 h) is late; eleven hours on, the fulfilment
    // (10 h) too, after it was at risk (75 %). Each is marked once.
    let later = now + jiff::SignedDuration::from_mins(61);
    assert_eq!(check(later).await.unwrap(), 1);
    assert_eq!(check(later).await.unwrap(), 0, "once");
    let much_later = now + jiff::SignedDuration::from_hours(11);
    assert_eq!(check(much_later).await.unwrap(), 2);
    assert_eq!(check(much_later).await.unwrap(), 0);
    let journal = app.journal(&format!("/api/v1/requests/{req}")).await;
    let notes: Vec<&str> = journal
        .iter()
        .filter(|e| e["kind"] == "system")
        .filter_map(|e| e["body"].as_str())
        .collect();
    assert!(notes.contains(&"response target breached"), "{notes:?}");
    assert!(notes.contains(&"resolution target breached"), "{notes:?}");
    assert!(notes.contains(&"resolution target at risk"), "{notes:?}");
    let events: Vec<String> = sqlx::query_scalar(
        "select e.kind from events e join requests r on r.id = e.request_id where r.number = $1 \
         and e.kind like 'sla%' order by e.id",
    )
    .bind(&req)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        events,
        [
            "sla_response_breached",
            "sla_at_risk",
            "sla_resolution_breached"
        ]
    );
    let view: Value = app
        .get(&agent, &format!("/api/v1/requests/{req}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["sla"]["response_breached"], true, "{view}");
    assert_eq!(view["sla"]["resolution_breached"], true);
    assert_eq!(view["sla"]["at_risk"], true);
    // Both marked: the worker has nothing left to look at.
    let waiting: Option<jiff_sqlx::Timestamp> =
        sqlx::query_scalar("select sla_next_check from requests where number = $1")
            .bind(&req)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(waiting.is_none(), "nothing left to look at");
}
