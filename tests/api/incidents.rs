//! Incidents through the API: the record, the workflow, the journal, concurrency,
//! idempotency, lists and search.

use serde_json::{Value, json};

use crate::support::{TestApp, fields, problem};

/// An agent in the service desk, with a token.
async fn desk(app: &TestApp) -> String {
    app.create_group("service-desk", "IT").await;
    let token = app.user_with_token("agent@example.com", "agent").await;
    app.join_groups("agent@example.com", &["service-desk"])
        .await;
    token
}

#[tokio::test]
async fn an_incident_is_created_with_its_derived_fields_and_one_journal_entry() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    let res = app
        .post(
            &agent,
            "/api/v1/incidents",
            json!({"title": "VPN drops every five minutes", "description": "Since this morning",
                   "impact": "high", "urgency": "low", "caller": "Anna.Schmidt@Example.com",
                   "assignment_group": "service-desk", "assignee": "agent@example.com", "category": "network"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let number = res.json::<Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .get(&agent, &format!("/api/v1/incidents/{number}"))
        .await;
    assert_eq!(res.headers()["etag"], "\"1\"");
    let incident: Value = res.json().await.unwrap();
    assert!(number.starts_with("INC") && number.len() == 10, "{number}");
    assert_eq!(incident["state"], "new");
    assert_eq!(incident["priority"], 3, "high impact, low urgency");
    assert_eq!(incident["caller"], "anna.schmidt@example.com");
    assert_eq!(incident["assignee"], "agent@example.com");
    assert_eq!(incident["opened_by"], "agent@example.com");
    assert_eq!(incident["version"], 1);
    assert_eq!(incident["sla"]["responded_at"], Value::Null);
    assert_eq!(incident["sla"]["paused"], false);
    for field in [
        "hold_reason",
        "problem",
        "parent",
        "resolution_code",
        "resolved_at",
        "closed_at",
    ] {
        assert_eq!(incident[field], Value::Null, "{field}");
    }
    let entries = app.incident_journal(&number).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["kind"], "change");
    assert_eq!(entries[0]["author"], "agent@example.com");
    assert_eq!(
        entries[0]["changes"]["title"]["to"],
        "VPN drops every five minutes"
    );
    assert_eq!(entries[0]["changes"]["priority"]["to"], 3);

    let minimal = app
        .create_incident(&agent, json!({"title": "Printer jam"}))
        .await;
    assert_eq!(
        (
            minimal["impact"].as_str(),
            minimal["urgency"].as_str(),
            minimal["priority"].as_i64()
        ),
        (Some("medium"), Some("medium"), Some(3))
    );
    assert_ne!(minimal["number"], number, "numbers are never reused");
}

#[tokio::test]
async fn every_invalid_field_is_named() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    app.create_group("network", "IT").await;
    let body = problem(
        app.post(
            &agent,
            "/api/v1/incidents",
            json!({"title": "x".repeat(201), "impact": "huge", "urgency": "now", "caller": "not-an-email",
                   "service": "nope", "assignment_group": "ghosts", "assignee": "nobody@example.com",
                   "parent": "INC9999999", "category": "c".repeat(101), "description": "d".repeat(100_001)}),
        )
        .await,
        422,
    )
    .await;
    let mut named = fields(&body);
    named.sort();
    let mut expected = [
        "title",
        "impact",
        "urgency",
        "caller",
        "service",
        "assignment_group",
        "assignee",
        "parent",
        "category",
        "description",
    ];
    expected.sort_unstable();
    assert_eq!(named, expected);
    let body = problem(
        app.post(
            &agent,
            "/api/v1/incidents",
            json!({"description": "no title"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["title"]);
    // The assignee must be a member of the group.
    let body = problem(
        app.post(
            &agent,
            "/api/v1/incidents",
            json!({"title": "t", "assignment_group": "network", "assignee": "agent@example.com"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["assignee"]);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("member")
    );
    let body = problem(
        app.post(
            &agent,
            "/api/v1/incidents",
            json!({"title": "t", "colour": "red"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["colour"]);
}

#[tokio::test]
async fn patch_changes_fields_recomputes_priority_and_refuses_read_only_ones() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    app.create_group("network", "IT").await;
    let incident = app
        .create_incident(
            &agent,
            json!({"title": "Slow mail", "assignment_group": "service-desk"}),
        )
        .await;
    let number = incident["number"].as_str().unwrap();
    let path = format!("/api/v1/incidents/{number}");

    let res = app
        .patch(
            &agent,
            &path,
            json!({"impact": "high", "urgency": "high", "category": "mail"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["priority"], 1);
    assert_eq!(changed["version"], 2);

    let body = problem(
        app.patch(
            &agent,
            &path,
            json!({"state": "closed", "priority": 5, "number": "INC1", "version": 9}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["state", "priority", "number", "version"]);
    problem(app.patch(&agent, &path, json!({"sla": {}})).await, 422).await;
    let body = problem(app.patch(&agent, &path, json!({"title": null})).await, 422).await;
    assert_eq!(fields(&body), ["title"]);

    // Passing the incident to another team counts as a reassignment; null clears a field.
    let res = app
        .patch(
            &agent,
            &path,
            json!({"assignment_group": "network", "category": null}),
        )
        .await;
    let moved: Value = res.json().await.unwrap();
    assert_eq!(moved["reassignment_count"], 1);
    assert_eq!(moved["category"], Value::Null);
    let res = app
        .patch(&agent, &path, json!({"assignment_group": "service-desk"}))
        .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["reassignment_count"],
        2,
        "ping-pong counts each time"
    );

    let entries = app.incident_journal(number).await;
    let change = &entries[1];
    assert_eq!(change["kind"], "change");
    assert_eq!(change["changes"]["priority"], json!({"from": 3, "to": 1}));
    assert_eq!(
        change["changes"]["impact"],
        json!({"from": "medium", "to": "high"})
    );
    assert!(
        change["changes"].get("title").is_none(),
        "only what changed"
    );

    // Nothing changed: no new version, no journal entry.
    let same: Value = app
        .patch(&agent, &path, json!({"category": null}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(same["version"], 4);
    assert_eq!(app.incident_journal(number).await.len(), 4);
    problem(
        app.patch(
            &agent,
            "/api/v1/incidents/INC9999999",
            json!({"title": "x"}),
        )
        .await,
        404,
    )
    .await;
}

/// Drives a new incident into `state` and returns its number.
async fn in_state(app: &TestApp, token: &str, state: &str) -> String {
    let incident = app
        .create_incident(token, json!({"title": format!("to {state}")}))
        .await;
    let number = incident["number"].as_str().unwrap().to_owned();
    let steps: &[Value] = match state {
        "new" => &[],
        "in_progress" => &[json!({"to": "in_progress"})],
        "on_hold" => &[json!({"to": "on_hold", "hold_reason": "awaiting_vendor"})],
        "resolved" => &[
            json!({"to": "resolved", "resolution_code": "workaround", "resolution_notes": "Restarted."}),
        ],
        "closed" => &[
            json!({"to": "resolved", "resolution_code": "permanent_fix", "resolution_notes": "Fixed."}),
            json!({"to": "closed"}),
        ],
        "canceled" => &[json!({"to": "canceled", "reason": "Logged twice."})],
        other => panic!("no such state {other}"),
    };
    for step in steps {
        assert_eq!(
            app.move_incident(token, &number, step.clone())
                .await
                .status(),
            200,
            "{state}: {step}"
        );
    }
    number
}

fn complete_body(to: &str) -> Value {
    json!({"to": to, "hold_reason": "awaiting_caller", "resolution_code": "workaround",
           "resolution_notes": "Cleared the cache.", "reason": "The caller called back."})
}

#[tokio::test]
async fn every_row_of_the_workflow_table_is_allowed_or_refused_with_409() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    let table = [
        (
            "new",
            vec!["in_progress", "on_hold", "resolved", "canceled"],
        ),
        ("in_progress", vec!["on_hold", "resolved", "canceled"]),
        ("on_hold", vec!["in_progress", "resolved", "canceled"]),
        ("resolved", vec!["in_progress", "closed"]),
        ("closed", vec![]),
        ("canceled", vec![]),
    ];
    let all = [
        "new",
        "in_progress",
        "on_hold",
        "resolved",
        "closed",
        "canceled",
    ];
    for (from, allowed) in table {
        for to in all {
            let number = in_state(&app, &agent, from).await;
            let res = app.move_incident(&agent, &number, complete_body(to)).await;
            if allowed.contains(&to) {
                assert_eq!(res.status(), 200, "{from} -> {to}");
                let incident: Value = res.json().await.unwrap();
                assert_eq!(incident["state"], to);
            } else {
                let body = problem(res, 409).await;
                let detail = body["detail"].as_str().unwrap();
                assert!(detail.contains(from) && detail.contains(to), "{detail}");
                for target in &allowed {
                    assert!(
                        detail.contains(target),
                        "{from} -> {to} names {target}: {detail}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn each_transition_names_the_fields_it_needs() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    let number = in_state(&app, &agent, "new").await;
    let cases = [
        (json!({"to": "on_hold"}), vec!["hold_reason"]),
        (
            json!({"to": "on_hold", "hold_reason": "lunch"}),
            vec!["hold_reason"],
        ),
        (
            json!({"to": "resolved"}),
            vec!["resolution_code", "resolution_notes"],
        ),
        (
            json!({"to": "resolved", "resolution_code": "workaround", "resolution_notes": " "}),
            vec!["resolution_notes"],
        ),
        (json!({"to": "canceled"}), vec!["reason"]),
        (json!({"to": "sideways"}), vec!["to"]),
    ];
    for (body, expected) in cases {
        let problem_body =
            problem(app.move_incident(&agent, &number, body.clone()).await, 422).await;
        assert_eq!(fields(&problem_body), expected, "{body}");
    }
    problem(app.move_incident(&agent, &number, json!({})).await, 422).await;
    let resolved = in_state(&app, &agent, "resolved").await;
    let body = problem(
        app.move_incident(&agent, &resolved, json!({"to": "in_progress"}))
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["reason"], "reopening needs a reason");
}

#[tokio::test]
async fn transitions_set_what_the_workflow_says() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    let incident = app
        .create_incident(
            &agent,
            json!({"title": "Laptop will not boot", "assignment_group": "service-desk"}),
        )
        .await;
    let number = incident["number"].as_str().unwrap();

    // Taking it: assigns the acting agent and counts as the first response.
    let taken: Value = app
        .move_incident(&agent, number, json!({"to": "in_progress"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(taken["assignee"], "agent@example.com");
    assert!(taken["sla"]["responded_at"].is_string());

    let held: Value = app
        .move_incident(
            &agent,
            number,
            json!({"to": "on_hold", "hold_reason": "awaiting_caller"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(held["hold_reason"], "awaiting_caller");
    assert_eq!(held["sla"]["paused"], true);
    let resolved: Value = app.move_incident(&agent, number, json!({"to": "resolved", "resolution_code": "permanent_fix", "resolution_notes": "Replaced the disk."}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resolved["hold_reason"], Value::Null);
    assert_eq!(resolved["resolution_code"], "permanent_fix");
    assert!(resolved["resolved_at"].is_string());
    let reopened: Value = app
        .move_incident(
            &agent,
            number,
            json!({"to": "in_progress", "reason": "It broke again."}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reopened["resolution_code"], Value::Null);
    assert_eq!(reopened["resolved_at"], Value::Null);
    app.move_incident(&agent, number, json!({"to": "resolved", "resolution_code": "workaround", "resolution_notes": "Booted from USB."})).await;
    let closed: Value = app
        .move_incident(&agent, number, json!({"to": "closed"}))
        .await
        .json()
        .await
        .unwrap();
    assert!(closed["closed_at"].is_string());
    assert_eq!(closed["resolution_notes"], "Booted from USB.");
    problem(
        app.patch(
            &agent,
            &format!("/api/v1/incidents/{number}"),
            json!({"title": "late edit"}),
        )
        .await,
        422,
    )
    .await;

    let entries = app.incident_journal(number).await;
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "change",
            "transition",
            "transition",
            "transition",
            "transition",
            "transition",
            "transition"
        ]
    );
    assert_eq!(
        entries[1]["changes"]["state"],
        json!({"from": "new", "to": "in_progress"})
    );
    assert_eq!(
        entries[1]["changes"]["assignee"],
        json!({"from": null, "to": "agent@example.com"})
    );
    assert_eq!(entries[4]["body"], "It broke again.");

    // Taking an incident of a group one is not in is refused, naming the assignee.
    app.create_group("network", "IT").await;
    let other = app
        .create_incident(
            &agent,
            json!({"title": "Switch down", "assignment_group": "network"}),
        )
        .await;
    let body = problem(
        app.move_incident(
            &agent,
            other["number"].as_str().unwrap(),
            json!({"to": "in_progress"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["assignee"]);
}

async fn responded(app: &TestApp, number: &str) -> Value {
    let incident: Value = app
        .get(&app.admin_token, &format!("/api/v1/incidents/{number}"))
        .await
        .json()
        .await
        .unwrap();
    incident["sla"]["responded_at"].clone()
}

#[tokio::test]
async fn the_first_public_comment_by_someone_else_than_the_caller_is_the_response() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    let caller = app.user_with_token("caller@example.com", "agent").await;
    let incident = app
        .create_incident(
            &agent,
            json!({"title": "No sound", "caller": "caller@example.com"}),
        )
        .await;
    let number = incident["number"].as_str().unwrap();
    let comments = format!("/api/v1/incidents/{number}/comments");

    let res = app
        .post(&caller, &comments, json!({"body": "Still no sound."}))
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        responded(&app, number).await,
        Value::Null,
        "the caller's own comment"
    );
    let res = app
        .post(
            &agent,
            &comments,
            json!({"body": "Checked the driver.", "internal": true}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["kind"], "work_note");
    assert_eq!(responded(&app, number).await, Value::Null, "a work note");
    let res = app
        .post(&agent, &comments, json!({"body": "We are on it."}))
        .await;
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["kind"], "comment");
    assert_eq!(entry["author"], "agent@example.com");
    assert!(responded(&app, number).await.is_string());

    let body = problem(
        app.post(&agent, &comments, json!({"body": "  "})).await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["body"]);
    let kinds: Vec<String> = app
        .incident_journal(number)
        .await
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["change", "comment", "work_note", "comment"]);
}

#[tokio::test]
async fn the_journal_is_append_only_in_the_database() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    app.create_incident(&agent, json!({"title": "Keep my history"}))
        .await;
    for statement in [
        "update journal_entries set body = 'rewritten'",
        "delete from journal_entries",
        // (A plain `truncate` is refused before the trigger runs: attachments refer to the
        // entries. With `cascade` it reaches the trigger.)
        "truncate journal_entries cascade",
    ] {
        let error = sqlx::query(statement)
            .execute(&app.db)
            .await
            .expect_err(statement);
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    sqlx::query("truncate journal_entries")
        .execute(&app.db)
        .await
        .expect_err("truncate journal_entries");
}

#[tokio::test]
async fn concurrent_patches_with_the_same_if_match_let_exactly_one_win() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    let incident = app.create_incident(&agent, json!({"title": "Race"})).await;
    let path = format!("/api/v1/incidents/{}", incident["number"].as_str().unwrap());
    let attempts = (0..8).map(|n| {
        let request = app
            .api
            .patch(app.url(&path))
            .bearer_auth(&agent)
            .header("if-match", "\"1\"")
            .json(&json!({"title": format!("Writer {n}")}));
        async move { request.send().await.unwrap() }
    });
    let responses = futures_join_all(attempts).await;
    let mut ok = 0;
    for res in responses {
        match res.status().as_u16() {
            200 => ok += 1,
            412 => {
                let current: Value = res.json().await.unwrap();
                assert_eq!(
                    current["version"], 2,
                    "the 412 body is the current incident"
                );
                assert!(current["title"].as_str().unwrap().starts_with("Writer"));
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(ok, 1, "exactly one writer wins");
    let res = app
        .api
        .patch(app.url(&path))
        .bearer_auth(&agent)
        .header("if-match", "\"1\"")
        .json(&json!({"title": "Late"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 412);
    let res = app
        .api
        .patch(app.url(&path))
        .bearer_auth(&agent)
        .header("if-match", "\"2\"")
        .json(&json!({"title": "Fresh"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .api
        .patch(app.url(&path))
        .bearer_auth(&agent)
        .header("if-match", "yesterday")
        .json(&json!({"title": "x"}))
        .send()
        .await
        .unwrap();
    problem(res, 400).await;
    let res = app
        .api
        .post(app.url(&format!("{path}/transitions")))
        .bearer_auth(&agent)
        .header("if-match", "\"1\"")
        .json(&json!({"to": "in_progress"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 412, "transitions honour If-Match too");
}

/// Runs futures concurrently on this task.
async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.into_iter().map(|f| Box::pin(f)).collect();
    let mut outputs = Vec::new();
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => {
                        *result = Some(output);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.extend(
        results
            .into_iter()
            .map(|r| r.expect("every future finished")),
    );
    outputs
}

#[tokio::test]
async fn idempotency_keys_replay_the_first_answer_and_create_once_even_when_concurrent() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    let send = |key: &str, body: Value| {
        let request = app
            .api
            .post(app.url("/api/v1/incidents"))
            .bearer_auth(&agent)
            .header("idempotency-key", key)
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let first = send(
        "monitoring-4711",
        json!({"title": "Disk full", "urgency": "high"}),
    )
    .await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    // The same JSON with other key order and spacing is the same request.
    let again = app
        .api
        .post(app.url("/api/v1/incidents"))
        .bearer_auth(&agent)
        .header("idempotency-key", "monitoring-4711")
        .header("content-type", "application/json")
        .body(r#"{ "urgency" : "high", "title":"Disk full" }"#)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    let body = problem(
        send("monitoring-4711", json!({"title": "Disk nearly full"})).await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["Idempotency-Key"]);

    let responses =
        futures_join_all((0..8).map(|_| send("burst-1", json!({"title": "Burst"})))).await;
    let mut numbers = std::collections::BTreeSet::new();
    for res in responses {
        assert_eq!(res.status(), 201);
        numbers.insert(
            res.json::<Value>().await.unwrap()["number"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(
        numbers.len(),
        1,
        "one incident for eight concurrent retries"
    );
    let count: i64 = sqlx::query_scalar("select count(*) from incidents where title = 'Burst'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1);

    // Keys belong to their user, and comments take them too.
    let other = app.user_with_token("other@example.com", "agent").await;
    let res = app
        .api
        .post(app.url("/api/v1/incidents"))
        .bearer_auth(&other)
        .header("idempotency-key", "burst-1")
        .json(&json!({"title": "Burst"}))
        .send()
        .await
        .unwrap();
    assert_ne!(
        res.json::<Value>().await.unwrap()["number"]
            .as_str()
            .unwrap(),
        numbers.first().unwrap()
    );
    let comments = format!(
        "/api/v1/incidents/{}/comments",
        first["number"].as_str().unwrap()
    );
    for _ in 0..2 {
        let res = app
            .api
            .post(app.url(&comments))
            .bearer_auth(&agent)
            .header("idempotency-key", "c-1")
            .json(&json!({"body": "Once"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    let entries = app
        .incident_journal(first["number"].as_str().unwrap())
        .await;
    assert_eq!(entries.iter().filter(|e| e["body"] == "Once").count(), 1);
    let res = app
        .api
        .post(app.url("/api/v1/incidents"))
        .bearer_auth(&agent)
        .header("idempotency-key", "k".repeat(256))
        .json(&json!({"title": "x"}))
        .send()
        .await
        .unwrap();
    problem(res, 400).await;
}

#[tokio::test]
async fn viewers_read_but_change_nothing() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    let viewer = app.user_with_token("viewer@example.com", "viewer").await;
    let incident = app
        .create_incident(&agent, json!({"title": "Read me"}))
        .await;
    let number = incident["number"].as_str().unwrap();
    assert_eq!(
        app.get(&viewer, &format!("/api/v1/incidents/{number}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get(&viewer, &format!("/api/v1/incidents/{number}/journal"))
            .await
            .status(),
        200
    );
    assert_eq!(app.get(&viewer, "/api/v1/incidents").await.status(), 200);
    problem(
        app.post(&viewer, "/api/v1/incidents", json!({"title": "x"}))
            .await,
        403,
    )
    .await;
    problem(
        app.patch(
            &viewer,
            &format!("/api/v1/incidents/{number}"),
            json!({"title": "x"}),
        )
        .await,
        403,
    )
    .await;
    problem(
        app.move_incident(&viewer, number, json!({"to": "in_progress"}))
            .await,
        403,
    )
    .await;
    problem(
        app.post(
            &viewer,
            &format!("/api/v1/incidents/{number}/comments"),
            json!({"body": "x"}),
        )
        .await,
        403,
    )
    .await;
    let unchanged: Value = app
        .get(&viewer, &format!("/api/v1/incidents/{number}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unchanged["version"], 1);
}

/// Three incidents for the list tests: A (VPN, priority 1, network), B (mouse, priority 5,
/// in progress, the agent's), C (printer, with a comma and quotes in its title).
struct ListDesk {
    app: TestApp,
    agent: String,
    a: Value,
    b: Value,
    c: Value,
}

async fn list_desk() -> ListDesk {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    app.create_group("network", "IT").await;
    app.post(
        &app.admin_token,
        "/api/v1/services",
        json!({"key": "vpn", "name": "VPN"}),
    )
    .await;
    let a = app.create_incident(&agent, json!({"title": "VPN down", "service": "vpn", "impact": "high", "urgency": "high", "assignment_group": "network"})).await;
    let b = app.create_incident(&agent, json!({"title": "Mouse broken", "impact": "low", "urgency": "low", "assignment_group": "service-desk"})).await;
    let c = app
        .create_incident(
            &agent,
            json!({"title": "Printer, \"urgent\"", "assignment_group": "service-desk"}),
        )
        .await;
    app.move_incident(
        &agent,
        b["number"].as_str().unwrap(),
        json!({"to": "in_progress"}),
    )
    .await;

    ListDesk {
        app,
        agent,
        a,
        b,
        c,
    }
}

fn number(v: &Value) -> String {
    v["number"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn lists_filter_and_sort() {
    let ListDesk {
        app,
        agent,
        a,
        b,
        c,
    } = list_desk().await;
    let list = |query: &'static str| {
        let token = agent.clone();
        let app = &app;
        async move {
            let res = app.get(&token, &format!("/api/v1/incidents{query}")).await;
            assert_eq!(res.status(), 200, "{query}");
            let page: Value = res.json().await.unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["number"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        list("").await,
        [number(&b), number(&c), number(&a)],
        "most recently updated first"
    );
    assert_eq!(
        list("?sort=-priority").await,
        [number(&a), number(&c), number(&b)]
    );
    assert_eq!(
        list("?sort=opened_at").await,
        [number(&a), number(&b), number(&c)]
    );
    assert_eq!(list("?state=in_progress").await, [number(&b)]);
    assert_eq!(
        list("?state=new&state=on_hold").await,
        [number(&c), number(&a)]
    );
    assert_eq!(
        list("?state=new,in_progress&assignment_group=service-desk").await,
        [number(&b), number(&c)]
    );
    assert_eq!(list("?assignee=me").await, [number(&b)]);
    assert_eq!(
        list("?assignee=none&assignment_group=service-desk").await,
        [number(&c)]
    );
    assert_eq!(list("?priority=1").await, [number(&a)]);
    assert_eq!(list("?service=vpn").await, [number(&a)]);
    assert!(list("?updated_since=2999-01-01T00:00:00Z").await.is_empty());
}

#[tokio::test]
async fn lists_page_by_keyset_under_every_sort() {
    let ListDesk { app, agent, .. } = list_desk().await;
    // Keyset pages under every sort.
    for sort in ["-updated_at", "-priority", "opened_at"] {
        let mut seen = Vec::new();
        let mut path = format!("/api/v1/incidents?limit=1&sort={sort}");
        loop {
            let page: Value = app.get(&agent, &path).await.json().await.unwrap();
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["number"].as_str().unwrap().to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(cursor) => {
                    path = format!("/api/v1/incidents?limit=1&sort={sort}&cursor={cursor}");
                }
                None => break,
            }
        }
        assert_eq!(seen.len(), 3, "{sort}: {seen:?}");
    }
}

#[tokio::test]
async fn bad_list_parameters_are_named() {
    let ListDesk { app, agent, .. } = list_desk().await;
    // Malformed filters are 400; well-formed ones naming nothing known are 422.
    for (bad, status) in [
        ("?state=lost", 400),
        ("?priority=9", 400),
        ("?sort=title", 400),
        ("?updated_since=yesterday", 400),
        ("?sort=", 400),
        ("?assignment_group=nope", 422),
        ("?assignee=nobody@example.com", 422),
    ] {
        let body = problem(
            app.get(&agent, &format!("/api/v1/incidents{bad}")).await,
            status,
        )
        .await;
        assert_eq!(fields(&body).len(), 1, "{bad}: the parameter is named");
    }
    let cursor_of_other_sort: Value = app
        .get(&agent, "/api/v1/incidents?limit=1")
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .get(
            &agent,
            &format!(
                "/api/v1/incidents?sort=-priority&cursor={}",
                cursor_of_other_sort["next_cursor"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(fields(&problem(res, 422).await), ["cursor"]);
}

#[tokio::test]
async fn lists_export_csv_with_the_next_page_linked() {
    let ListDesk { app, agent, .. } = list_desk().await;
    let res = app
        .api
        .get(app.url("/api/v1/incidents?assignment_group=service-desk&limit=1"))
        .bearer_auth(&agent)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        link.contains("rel=\"next\"") && link.contains("assignment_group=service-desk"),
        "{link}"
    );
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("number,title,state,priority"));
    assert_eq!(lines.len(), 2, "one row, as limit=1: {csv}");
    let all = app
        .api
        .get(app.url("/api/v1/incidents?sort=opened_at"))
        .bearer_auth(&agent)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(all.contains("\"Printer, \"\"urgent\"\"\""), "{all}");
}

#[tokio::test]
async fn search_matches_german_and_english_word_forms_in_titles_descriptions_and_comments() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    let de = app
        .create_incident(
            &agent,
            json!({"title": "Keine Verbindung zum Server", "description": "Seit heute morgen"}),
        )
        .await;
    let en = app
        .create_incident(
            &agent,
            json!({"title": "Paper jam", "description": "Both printers on floor 3 stopped"}),
        )
        .await;
    let note = app
        .create_incident(&agent, json!({"title": "Laptop slow"}))
        .await;
    let number = |v: &Value| v["number"].as_str().unwrap().to_owned();
    app.post(
        &agent,
        &format!("/api/v1/incidents/{}/comments", number(&note)),
        json!({"body": "Festplatte ist fast voll", "internal": false}),
    )
    .await;

    let search = |q: &str| {
        let path = format!("/api/v1/incidents?q={}", q.replace(' ', "%20"));
        let token = agent.clone();
        let app = &app;
        async move {
            let page: Value = app.get(&token, &path).await.json().await.unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["number"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        search("Verbindungen").await,
        [number(&de)],
        "German plural finds the singular"
    );
    assert_eq!(
        search("printer").await,
        [number(&en)],
        "English singular finds the plural"
    );
    assert_eq!(
        search("Festplatten").await,
        [number(&note)],
        "public comments are searched (work notes are not: tests/api/confidential.rs)"
    );
    assert!(search("Drucker").await.is_empty());
    assert_eq!(search("verbindung server").await, [number(&de)]);

    // Ranked: the title outweighs the description.
    let title_hit = app
        .create_incident(&agent, json!({"title": "Printer offline"}))
        .await;
    let results = search("printer").await;
    assert_eq!(results.first(), Some(&number(&title_hit)), "{results:?}");
}

#[tokio::test]
async fn an_idempotency_key_is_scoped_to_its_operation() {
    let app = TestApp::spawn().await;
    let post = |path: &'static str, body: Value| {
        let app = &app;
        async move {
            let res = app
                .api
                .post(app.url(path))
                .bearer_auth(&app.admin_token)
                .header("idempotency-key", "same-key")
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201, "{path}");
            res.json::<Value>().await.unwrap()
        }
    };
    let body = json!({"title": "Mail server down"});
    let incident = post("/api/v1/incidents", body.clone()).await;
    assert!(incident["number"].as_str().unwrap().starts_with("INC"));
    let problem = post("/api/v1/problems", body.clone()).await;
    assert!(
        problem["number"].as_str().unwrap().starts_with("PRB"),
        "a new problem, not the incident replayed: {problem}"
    );
    // The same key and body again on each operation replays its own answer.
    assert_eq!(post("/api/v1/incidents", body.clone()).await, incident);
    assert_eq!(post("/api/v1/problems", body).await, problem);

    // The same comment to two incidents is two comments.
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/incidents",
            json!({"title": "Other"}),
        )
        .await;
    let other = res.json::<Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_owned();
    for number in [incident["number"].as_str().unwrap(), other.as_str()] {
        let res = app
            .api
            .post(app.url(&format!("/api/v1/incidents/{number}/comments")))
            .bearer_auth(&app.admin_token)
            .header("idempotency-key", "same-key")
            .json(&json!({"body": "Rebooted the mail relay"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let journal = app
            .get(
                &app.admin_token,
                &format!("/api/v1/incidents/{number}/journal"),
            )
            .await
            .text()
            .await
            .unwrap();
        assert!(journal.contains("Rebooted the mail relay"), "{number}");
    }
}

#[tokio::test]
async fn ticket_numbers_typed_into_search_find_the_ticket() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    let first = app
        .create_incident(&agent, json!({"title": "Printer jam"}))
        .await;
    let second = app
        .create_incident(&agent, json!({"title": "INC1 is not a title word"}))
        .await;
    let number = |v: &Value| v["number"].as_str().unwrap().to_owned();
    let found = |q: &'static str| {
        let app = &app;
        let agent = agent.clone();
        async move {
            let page: Value = app
                .get(
                    &agent,
                    &format!("/api/v1/incidents?q={}", leitstand::url::encode(q)),
                )
                .await
                .json()
                .await
                .unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["number"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    for typed in ["INC1", "inc0000001", "INC 1", "#INC1"] {
        assert_eq!(found(typed).await, [number(&first)], "{typed}");
    }
    assert_eq!(found("INC2").await, [number(&second)]);
    assert!(found("INC99").await.is_empty());

    // A problem's number finds its incidents; in the problem list, the problem.
    let res = app
        .post(
            &agent,
            &format!("/api/v1/incidents/{}/problem", number(&first)),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let problem: Value = res.json().await.unwrap();
    let prb = problem["number"].as_str().unwrap().to_owned();
    assert_eq!(found("PRB1").await, [number(&first)]);
    let problems: Value = app
        .get(&agent, "/api/v1/problems?q=PRB1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(problems["items"][0]["number"], prb.as_str());
    let problems: Value = app
        .get(&agent, "/api/v1/problems?q=INC1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        problems["items"][0]["number"],
        prb.as_str(),
        "the incident's problem"
    );

    // In the pages, the search opens the ticket.
    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    let res = browser
        .get(app.url("/incidents?q=inc2"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/incidents/{}", number(&second)).as_str()
    );
    let res = browser
        .get(app.url("/incidents?q=PRB1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["location"],
        format!("/problems/{prb}").as_str()
    );
}

#[tokio::test]
async fn one_incident_names_what_it_points_at_exactly_as_the_list_does() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/services",
            json!({"key": "vpn", "name": "VPN"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let parent = app
        .create_incident(&agent, json!({"title": "VPN down for the whole floor"}))
        .await;
    let parent = parent["number"].as_str().unwrap().to_owned();
    let child = app
        .create_incident(
            &agent,
            json!({"title": "VPN drops", "service": "vpn", "assignment_group": "service-desk",
               "assignee": "agent@example.com", "parent": parent}),
        )
        .await;
    let child = child["number"].as_str().unwrap().to_owned();
    let res = app
        .post(
            &agent,
            "/api/v1/problems",
            json!({"title": "VPN concentrator"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let problem = res.json::<Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post(
            &agent,
            &format!("/api/v1/problems/{problem}/incidents"),
            json!({"incident": child}),
        )
        .await;
    assert_eq!(res.status(), 200);

    // Read twice: the second read takes the names from the process's cache.
    for _ in 0..2 {
        let one: Value = app
            .get(&agent, &format!("/api/v1/incidents/{child}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(one["service"], "vpn");
        assert_eq!(one["assignment_group"], "service-desk");
        assert_eq!(one["assignee"], "agent@example.com");
        assert_eq!(one["parent"], parent.as_str());
        assert_eq!(one["problem"], problem.as_str());
        assert_eq!(one["opened_by"], "agent@example.com");
        let list: Value = app
            .get(&agent, "/api/v1/incidents?service=vpn")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            list["items"][0], one,
            "the list's joined row is the same incident"
        );
    }
}

#[tokio::test]
async fn resolved_incidents_close_by_themselves_after_their_working_days() {
    let app = TestApp::spawn().await;
    let agent = desk(&app).await;
    let resolve = json!({"to": "resolved", "resolution_code": "workaround", "resolution_notes": "Restarted."});
    let mut numbers = Vec::new();
    for title in [
        "Long resolved",
        "Recently resolved",
        "Resolved, then reopened",
    ] {
        let incident = app.create_incident(&agent, json!({"title": title})).await;
        let number = incident["number"].as_str().unwrap().to_owned();
        let res = app.move_incident(&agent, &number, resolve.clone()).await;
        assert_eq!(res.status(), 200);
        numbers.push(number);
    }
    let res = app
        .move_incident(
            &agent,
            &numbers[2],
            json!({"to": "in_progress", "reason": "Still broken."}),
        )
        .await;
    assert_eq!(res.status(), 200);
    for (number, days) in [(&numbers[0], 6), (&numbers[1], 2), (&numbers[2], 6)] {
        sqlx::query("update incidents set resolved_at = now() - make_interval(days => $2) where number = $1")
            .bind(number)
            .bind(days)
            .execute(&app.db)
            .await
            .unwrap();
    }
    let db = leitstand::db::Db::new(app.db.clone());
    let now = jiff::Timestamp::now();
    assert_eq!(
        leitstand::service::incidents::close_resolved(&db, 0, now)
            .await
            .unwrap(),
        0,
        "0 days: never"
    );
    assert_eq!(
        leitstand::service::incidents::close_resolved(&db, 5, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        leitstand::service::incidents::close_resolved(&db, 5, now)
            .await
            .unwrap(),
        0,
        "once only"
    );

    let state = |number: &str| {
        let app = &app;
        let path = format!("/api/v1/incidents/{number}");
        async move {
            let incident: Value = app.get(&app.admin_token, &path).await.json().await.unwrap();
            incident["state"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(state(&numbers[0]).await, "closed");
    assert_eq!(
        state(&numbers[1]).await,
        "resolved",
        "its five days have not passed"
    );
    assert_eq!(
        state(&numbers[2]).await,
        "in_progress",
        "reopened, so not closed"
    );
    let journal = app.incident_journal(&numbers[0]).await;
    let last = journal.last().unwrap();
    assert_eq!(last["kind"], "system");
    assert_eq!(last["author"], Value::Null, "the system closed it");
    assert_eq!(
        last["body"],
        "closed by itself after working days resolved: 5"
    );
    assert_eq!(last["changes"]["state"]["to"], "closed");
}
