//! Problem management through the API: the workflow, known errors, links, and what flows
//! from a problem to its incidents.

use serde_json::{Value, json};

use crate::support::{TestApp, fields, problem};

struct Desk {
    agent: String,
    manager: String,
}

async fn desk(app: &TestApp) -> Desk {
    app.create_group("service-desk", "IT").await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    let manager = app
        .user_with_token("pm@example.com", "problem_manager")
        .await;
    for email in ["agent@example.com", "pm@example.com"] {
        app.join_groups(email, &["service-desk"]).await;
    }
    Desk { agent, manager }
}

fn number(v: &Value) -> String {
    v["number"].as_str().unwrap().to_owned()
}

/// Drives a new problem into `state`.
async fn in_state(app: &TestApp, desk: &Desk, state: &str) -> String {
    let p = number(
        &app.create_problem(&desk.agent, json!({"title": format!("to {state}")}))
            .await,
    );
    let path: &[Value] = match state {
        "new" => &[],
        "assessment" => &[json!({"to": "assessment"})],
        "root_cause_analysis" => &[
            json!({"to": "assessment"}),
            json!({"to": "root_cause_analysis"}),
        ],
        "fix_in_progress" => &[
            json!({"to": "assessment"}),
            json!({"to": "root_cause_analysis"}),
            json!({"to": "fix_in_progress"}),
        ],
        "resolved" => &[
            json!({"to": "assessment"}),
            json!({"to": "root_cause_analysis"}),
            json!({"to": "resolved", "resolution_code": "fix_applied", "fix_notes": "Patched."}),
        ],
        "closed" => &[json!({"to": "closed", "resolution_code": "canceled"})],
        other => panic!("{other}"),
    };
    for step in path {
        assert_eq!(
            app.move_problem(&desk.manager, &p, step.clone())
                .await
                .status(),
            200,
            "{state}: {step}"
        );
    }
    p
}

#[tokio::test]
async fn every_row_of_the_problem_workflow_is_allowed_or_refused_with_409() {
    let app = TestApp::spawn().await;
    let desk = desk(&app).await;
    let table = [
        ("new", vec!["assessment", "closed"]),
        ("assessment", vec!["root_cause_analysis", "closed"]),
        (
            "root_cause_analysis",
            vec!["fix_in_progress", "resolved", "closed"],
        ),
        ("fix_in_progress", vec!["resolved"]),
        ("resolved", vec!["closed", "root_cause_analysis"]),
        ("closed", vec![]),
    ];
    let all = [
        "new",
        "assessment",
        "root_cause_analysis",
        "fix_in_progress",
        "resolved",
        "closed",
    ];
    for (from, allowed) in table {
        for to in all {
            let p = in_state(&app, &desk, from).await;
            let body = json!({"to": to, "resolution_code": "duplicate", "fix_notes": "Fixed.", "reason": "Back again."});
            let res = app.move_problem(&desk.manager, &p, body).await;
            if allowed.contains(&to) {
                assert_eq!(res.status(), 200, "{from} -> {to}");
            } else {
                let body = problem(res, 409).await;
                assert!(
                    body["detail"].as_str().unwrap().contains(to),
                    "{from} -> {to}"
                );
            }
        }
    }
    let p = in_state(&app, &desk, "root_cause_analysis").await;
    let body = problem(
        app.move_problem(&desk.manager, &p, json!({"to": "resolved"}))
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["resolution_code", "fix_notes"]);
    let body = problem(
        app.move_problem(
            &desk.manager,
            &p,
            json!({"to": "closed", "resolution_code": "fix_applied"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["resolution_code"]);
    let resolved = in_state(&app, &desk, "resolved").await;
    let body = problem(
        app.move_problem(
            &desk.manager,
            &resolved,
            json!({"to": "root_cause_analysis"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["reason"]);
}

#[tokio::test]
async fn roles_agents_create_and_link_managers_move_and_set_root_causes() {
    let app = TestApp::spawn().await;
    let desk = desk(&app).await;
    let viewer = app.user_with_token("viewer@example.com", "viewer").await;
    problem(
        app.post(&viewer, "/api/v1/problems", json!({"title": "x"}))
            .await,
        403,
    )
    .await;
    let p = number(
        &app.create_problem(
            &desk.agent,
            json!({"title": "Mail queue stalls", "impact": "high"}),
        )
        .await,
    );
    assert_eq!(
        app.get(&viewer, &format!("/api/v1/problems/{p}"))
            .await
            .status(),
        200
    );
    problem(
        app.move_problem(&desk.agent, &p, json!({"to": "assessment"}))
            .await,
        403,
    )
    .await;
    problem(
        app.patch(
            &desk.agent,
            &format!("/api/v1/problems/{p}"),
            json!({"root_cause": "A full disk"}),
        )
        .await,
        403,
    )
    .await;
    let res = app
        .patch(
            &desk.agent,
            &format!("/api/v1/problems/{p}"),
            json!({"description": "Every morning at 9"}),
        )
        .await;
    assert_eq!(res.status(), 200, "agents may describe the problem");
    let res = app
        .patch(
            &desk.manager,
            &format!("/api/v1/problems/{p}"),
            json!({"root_cause": "A full disk"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"], "\"3\"");

    // Comments take an Idempotency-Key like every creating POST.
    for _ in 0..2 {
        let res = app
            .api
            .post(app.url(&format!("/api/v1/problems/{p}/comments")))
            .bearer_auth(&desk.agent)
            .header("idempotency-key", "note-1")
            .json(&json!({"body": "Seen again on Monday", "internal": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    let entries = app.journal(&format!("/api/v1/problems/{p}")).await;
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["body"] == "Seen again on Monday")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_known_error_needs_a_root_cause_and_a_workaround() {
    let app = TestApp::spawn().await;
    let desk = desk(&app).await;
    let p = number(
        &app.create_problem(&desk.agent, json!({"title": "VPN certificate"}))
            .await,
    );
    let path = format!("/api/v1/problems/{p}");
    let body = problem(
        app.patch(&desk.manager, &path, json!({"known_error": true}))
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["root_cause", "workaround"]);
    let body = problem(
        app.patch(
            &desk.manager,
            &path,
            json!({"known_error": true, "root_cause": "Expired certificate"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["workaround"]);
    let res = app.patch(&desk.manager, &path, json!({"known_error": true, "root_cause": "Expired certificate", "workaround": "Reconnect with the backup profile"})).await;
    assert_eq!(res.status(), 200);
    let body = problem(
        app.patch(&desk.manager, &path, json!({"workaround": null}))
            .await,
        422,
    )
    .await;
    assert_eq!(
        fields(&body),
        ["workaround"],
        "a known error keeps its workaround"
    );
    let stale = app
        .api
        .patch(app.url(&path))
        .bearer_auth(&desk.manager)
        .header("if-match", "\"1\"")
        .json(&json!({"title": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    assert_eq!(
        stale.json::<Value>().await.unwrap()["known_error"],
        true,
        "412 carries the current problem"
    );
}

#[tokio::test]
async fn linking_writes_both_journals_and_an_incident_has_one_problem() {
    let app = TestApp::spawn().await;
    let desk = desk(&app).await;
    let a = number(&app.create_problem(&desk.agent, json!({"title": "A"})).await);
    let b = number(&app.create_problem(&desk.agent, json!({"title": "B"})).await);
    let inc = number(
        &app.create_incident(&desk.agent, json!({"title": "Symptom"}))
            .await,
    );

    let res = app
        .post(
            &desk.agent,
            &format!("/api/v1/problems/{a}/incidents"),
            json!({"incident": inc}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["problem"], a);
    let again = app
        .post(
            &desk.agent,
            &format!("/api/v1/problems/{a}/incidents"),
            json!({"incident": inc}),
        )
        .await;
    assert_eq!(again.status(), 200, "linking twice is harmless");
    let body = problem(
        app.post(
            &desk.agent,
            &format!("/api/v1/problems/{b}/incidents"),
            json!({"incident": inc}),
        )
        .await,
        409,
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains(&a), "{body}");
    let body = problem(
        app.post(
            &desk.agent,
            &format!("/api/v1/problems/{b}/incidents"),
            json!({"incident": "INC9999999"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["incident"]);

    let prb: Value = app
        .get(&desk.agent, &format!("/api/v1/problems/{a}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(prb["incident_count"], 1);
    let linked: Vec<Value> = app
        .get(&desk.agent, &format!("/api/v1/problems/{a}/incidents"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0]["number"], inc);
    let listed: Value = app
        .get(&desk.agent, &format!("/api/v1/incidents?problem={a}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["number"], inc);

    let kinds = |entries: &[Value]| {
        entries
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(&app.journal(&format!("/api/v1/incidents/{inc}")).await),
        ["change", "link"]
    );
    assert_eq!(
        kinds(&app.journal(&format!("/api/v1/problems/{a}")).await),
        ["change", "link"]
    );

    let res = app
        .delete(
            &desk.agent,
            &format!("/api/v1/problems/{a}/incidents/{inc}"),
        )
        .await;
    assert_eq!(res.status(), 204);
    problem(
        app.delete(
            &desk.agent,
            &format!("/api/v1/problems/{a}/incidents/{inc}"),
        )
        .await,
        404,
    )
    .await;
    assert_eq!(
        kinds(&app.journal(&format!("/api/v1/incidents/{inc}")).await),
        ["change", "link", "link"]
    );
    let res = app
        .post(
            &desk.agent,
            &format!("/api/v1/problems/{b}/incidents"),
            json!({"incident": inc}),
        )
        .await;
    assert_eq!(res.status(), 200, "free to link elsewhere now");
}

#[tokio::test]
async fn a_problem_is_created_from_an_incident_with_its_fields_and_linked() {
    let app = TestApp::spawn().await;
    let desk = desk(&app).await;
    app.post(
        &app.admin_token,
        "/api/v1/services",
        json!({"key": "vpn", "name": "VPN"}),
    )
    .await;
    let inc = app.create_incident(&desk.agent, json!({"title": "VPN drops", "description": "Every 5 minutes", "service": "vpn", "impact": "high", "urgency": "low"})).await;
    let res = app
        .post(
            &desk.agent,
            &format!("/api/v1/incidents/{}/problem", number(&inc)),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/api/v1/problems/PRB")
    );
    let prb: Value = res.json().await.unwrap();
    for field in [
        "title",
        "description",
        "service",
        "impact",
        "urgency",
        "priority",
    ] {
        assert_eq!(prb[field], inc[field], "{field}");
    }
    assert_eq!(prb["incident_count"], 1);
    let linked: Value = app
        .get(&desk.agent, &format!("/api/v1/incidents/{}", number(&inc)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(linked["problem"], prb["number"]);
    problem(
        app.post(
            &desk.agent,
            &format!("/api/v1/incidents/{}/problem", number(&inc)),
            json!({}),
        )
        .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn a_workaround_reaches_every_open_linked_incident_and_no_closed_one() {
    let app = TestApp::spawn().await;
    let desk = desk(&app).await;
    let p = number(
        &app.create_problem(&desk.agent, json!({"title": "Printer spooler"}))
            .await,
    );
    let open = number(
        &app.create_incident(&desk.agent, json!({"title": "Cannot print"}))
            .await,
    );
    let held = number(
        &app.create_incident(&desk.agent, json!({"title": "Print queue stuck"}))
            .await,
    );
    let closed = number(
        &app.create_incident(&desk.agent, json!({"title": "Printed twice"}))
            .await,
    );
    for inc in [&open, &held, &closed] {
        app.post(
            &desk.agent,
            &format!("/api/v1/problems/{p}/incidents"),
            json!({"incident": inc}),
        )
        .await;
    }
    app.post(
        &desk.agent,
        &format!("/api/v1/incidents/{held}/transitions"),
        json!({"to": "on_hold", "hold_reason": "awaiting_problem"}),
    )
    .await;
    app.post(
        &desk.agent,
        &format!("/api/v1/incidents/{closed}/transitions"),
        json!({"to": "canceled", "reason": "Duplicate call"}),
    )
    .await;

    let res = app
        .patch(
            &desk.manager,
            &format!("/api/v1/problems/{p}"),
            json!({"workaround": "Restart the spooler service"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let system = |entries: Vec<Value>| {
        entries
            .into_iter()
            .filter(|e| e["kind"] == "system")
            .map(|e| e["body"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    for inc in [&open, &held] {
        let notes = system(app.journal(&format!("/api/v1/incidents/{inc}")).await);
        assert_eq!(
            notes,
            [format!("Workaround from {p}: Restart the spooler service")],
            "{inc}"
        );
    }
    assert!(
        system(app.journal(&format!("/api/v1/incidents/{closed}")).await).is_empty(),
        "none on a closed incident"
    );

    // Changed again: another entry; an incident linked later gets the current workaround at once.
    app.patch(
        &desk.manager,
        &format!("/api/v1/problems/{p}"),
        json!({"workaround": "Clear the queue, then restart the spooler"}),
    )
    .await;
    assert_eq!(
        system(app.journal(&format!("/api/v1/incidents/{open}")).await).len(),
        2
    );
    let late = number(
        &app.create_incident(&desk.agent, json!({"title": "Late caller"}))
            .await,
    );
    app.post(
        &desk.agent,
        &format!("/api/v1/problems/{p}/incidents"),
        json!({"incident": late}),
    )
    .await;
    assert_eq!(
        system(app.journal(&format!("/api/v1/incidents/{late}")).await),
        [format!(
            "Workaround from {p}: Clear the queue, then restart the spooler"
        )]
    );
}

#[tokio::test]
async fn resolving_a_problem_resolves_its_open_incidents_unless_told_not_to() {
    let app = TestApp::spawn().await;
    let desk = desk(&app).await;
    let p = in_state(&app, &desk, "root_cause_analysis").await;
    let mut incidents = Vec::new();
    for (title, step) in [
        ("new one", None),
        ("working", Some(json!({"to": "in_progress"}))),
        (
            "waiting",
            Some(json!({"to": "on_hold", "hold_reason": "awaiting_problem"})),
        ),
        (
            "done already",
            Some(
                json!({"to": "resolved", "resolution_code": "workaround", "resolution_notes": "Rebooted"}),
            ),
        ),
    ] {
        let inc = number(
            &app.create_incident(
                &desk.agent,
                json!({"title": title, "assignment_group": "service-desk"}),
            )
            .await,
        );
        if let Some(step) = step {
            assert_eq!(
                app.post(
                    &desk.agent,
                    &format!("/api/v1/incidents/{inc}/transitions"),
                    step
                )
                .await
                .status(),
                200
            );
        }
        app.post(
            &desk.agent,
            &format!("/api/v1/problems/{p}/incidents"),
            json!({"incident": inc}),
        )
        .await;
        incidents.push(inc);
    }
    let res = app.move_problem(&desk.manager, &p, json!({"to": "resolved", "resolution_code": "fix_applied", "fix_notes": "Replaced the switch"})).await;
    assert_eq!(res.status(), 200);
    for inc in &incidents[..3] {
        let incident: Value = app
            .get(&app.admin_token, &format!("/api/v1/incidents/{inc}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(incident["state"], "resolved", "{inc}");
        assert_eq!(incident["resolution_code"], "solved_by_problem");
        assert_eq!(
            incident["resolution_notes"],
            format!("Resolved by problem {p}: Replaced the switch")
        );
        assert_eq!(incident["hold_reason"], Value::Null);
        let last = app
            .journal(&format!("/api/v1/incidents/{inc}"))
            .await
            .pop()
            .unwrap();
        assert_eq!(last["kind"], "transition");
    }
    let untouched: Value = app
        .get(
            &app.admin_token,
            &format!("/api/v1/incidents/{}", incidents[3]),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        untouched["resolution_code"], "workaround",
        "an incident resolved before keeps its own resolution"
    );

    // resolve_incidents: false leaves them alone.
    let q = in_state(&app, &desk, "root_cause_analysis").await;
    let inc = number(
        &app.create_incident(&desk.agent, json!({"title": "stays open"}))
            .await,
    );
    app.post(
        &desk.agent,
        &format!("/api/v1/problems/{q}/incidents"),
        json!({"incident": inc}),
    )
    .await;
    let res = app.move_problem(&desk.manager, &q, json!({"to": "resolved", "resolution_code": "risk_accepted", "fix_notes": "Living with it", "resolve_incidents": false})).await;
    assert_eq!(res.status(), 200);
    let incident: Value = app
        .get(&app.admin_token, &format!("/api/v1/incidents/{inc}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incident["state"], "new");
}

#[tokio::test]
async fn the_resolve_cascade_survives_a_concurrent_edit_of_a_linked_incident() {
    let app = TestApp::spawn().await;
    let desk = desk(&app).await;
    let p = in_state(&app, &desk, "root_cause_analysis").await;
    let mut incidents = Vec::new();
    for n in 0..10 {
        let inc = number(
            &app.create_incident(&desk.agent, json!({"title": format!("Outage report {n}")}))
                .await,
        );
        app.post(
            &desk.agent,
            &format!("/api/v1/problems/{p}/incidents"),
            json!({"incident": inc}),
        )
        .await;
        incidents.push(inc);
    }
    // An agent edits one linked incident while the problem is being resolved.
    let edit = app
        .api
        .patch(app.url(&format!("/api/v1/incidents/{}", incidents[5])))
        .bearer_auth(&desk.agent)
        .json(&json!({"category": "network"}))
        .send();
    let resolve = app
        .api
        .post(app.url(&format!("/api/v1/problems/{p}/transitions")))
        .bearer_auth(&desk.manager)
        .json(&json!({"to": "resolved", "resolution_code": "fix_applied", "fix_notes": "Router firmware"}))
        .send();
    let (edit, resolve) = tokio::join!(edit, resolve);
    assert_eq!(
        edit.unwrap().status(),
        200,
        "the edit waits for the row, then applies"
    );
    assert_eq!(resolve.unwrap().status(), 200);
    for inc in &incidents {
        let incident: Value = app
            .get(&app.admin_token, &format!("/api/v1/incidents/{inc}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(incident["state"], "resolved", "{inc} was not left behind");
    }
    let edited: Value = app
        .get(
            &app.admin_token,
            &format!("/api/v1/incidents/{}", incidents[5]),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(edited["category"], "network", "and the edit is not lost");
}

#[tokio::test]
async fn known_errors_and_suggestions_match_german_and_english_word_forms() {
    let app = TestApp::spawn().await;
    let desk = desk(&app).await;
    let mut known = Vec::new();
    for (title, root_cause, workaround) in [
        (
            "VPN-Verbindung bricht ab",
            "Abgelaufenes Zertifikat",
            "Mit dem Ersatzprofil verbinden",
        ),
        (
            "Printers lose their queue",
            "Spooler memory leak",
            "Restart the spooler service",
        ),
    ] {
        let p = number(
            &app.create_problem(&desk.agent, json!({"title": title}))
                .await,
        );
        let res = app
            .patch(
                &desk.manager,
                &format!("/api/v1/problems/{p}"),
                json!({"root_cause": root_cause, "workaround": workaround, "known_error": true}),
            )
            .await;
        assert_eq!(res.status(), 200);
        known.push(p);
    }
    app.create_problem(
        &desk.agent,
        json!({"title": "Printer driver crash (not a known error)"}),
    )
    .await;

    let search = |q: &str| {
        let path = format!("/api/v1/known-errors?q={}", q.replace(' ', "%20"));
        let token = desk.agent.clone();
        let app = &app;
        async move {
            let found: Vec<Value> = app.get(&token, &path).await.json().await.unwrap();
            found
                .iter()
                .map(|p| {
                    (
                        p["number"].as_str().unwrap().to_owned(),
                        p["workaround"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let found = search("Verbindungen").await;
    assert_eq!(
        found,
        [(
            known[0].clone(),
            "Mit dem Ersatzprofil verbinden".to_owned()
        )]
    );
    assert_eq!(
        search("printer")
            .await
            .into_iter()
            .map(|f| f.0)
            .collect::<Vec<_>>(),
        [known[1].clone()],
        "only known errors"
    );
    assert!(search("").await.is_empty());

    let inc = number(
        &app.create_incident(
            &desk.agent,
            json!({"title": "Keine VPN Verbindung seit heute"}),
        )
        .await,
    );
    let suggestions: Vec<Value> = app
        .get(&desk.agent, &format!("/api/v1/incidents/{inc}/suggestions"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        suggestions.first().map(|p| p["number"].clone()),
        Some(json!(known[0]))
    );
}

#[tokio::test]
async fn problem_candidates_cluster_similar_recent_unlinked_incidents_of_one_service() {
    let app = TestApp::spawn().await;
    let desk = desk(&app).await;
    for (key, name) in [("vpn", "VPN"), ("mail", "Mail")] {
        app.post(
            &app.admin_token,
            "/api/v1/services",
            json!({"key": key, "name": name}),
        )
        .await;
    }
    let mut made = std::collections::HashMap::new();
    for (label, title, service) in [
        ("v1", "VPN Verbindung bricht ab", "vpn"),
        ("v2", "Keine VPN Verbindungen mehr", "vpn"),
        ("v3", "VPN-Verbindung bricht ständig ab", "vpn"),
        ("v4", "vpn verbindung bricht ab nach update", "vpn"),
        ("other_service", "VPN Verbindung bricht ab", "mail"),
        ("m1", "Mailbox full", "mail"),
        ("m2", "Mailbox is full", "mail"),
        ("linked", "VPN Verbindung bricht ab", "vpn"),
        ("old", "VPN Verbindung bricht ab", "vpn"),
        ("unrelated", "Drucker druckt nicht", "vpn"),
    ] {
        let n = number(
            &app.create_incident(&desk.agent, json!({"title": title, "service": service}))
                .await,
        );
        made.insert(label, n);
    }
    let p = number(
        &app.create_problem(&desk.agent, json!({"title": "Existing"}))
            .await,
    );
    app.post(
        &desk.agent,
        &format!("/api/v1/problems/{p}/incidents"),
        json!({"incident": made["linked"]}),
    )
    .await;
    sqlx::query("update incidents set opened_at = now() - interval '10 days' where number = $1")
        .bind(&made["old"])
        .execute(&app.db)
        .await
        .unwrap();

    let items = |page: Value| page["items"].as_array().unwrap().clone();
    let clusters: Vec<Value> = items(
        app.get(&desk.agent, "/api/v1/problem-candidates")
            .await
            .json()
            .await
            .unwrap(),
    );
    assert_eq!(clusters.len(), 1, "{clusters:#?}");
    assert_eq!(clusters[0]["service"], "vpn");
    let mut numbers: Vec<String> = clusters[0]["incident_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect();
    let shown: Vec<String> = clusters[0]["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(number)
        .collect();
    assert_eq!(
        shown, numbers,
        "a small cluster shows every incident, newest first"
    );
    numbers.sort();
    let mut expected: Vec<String> = ["v1", "v2", "v3", "v4"]
        .iter()
        .map(|l| made[l].clone())
        .collect();
    expected.sort();
    assert_eq!(numbers, expected, "same service, similar, recent, unlinked");

    let wider: Vec<Value> = items(
        app.get(&desk.agent, "/api/v1/problem-candidates?days=30&min_size=2")
            .await
            .json()
            .await
            .unwrap(),
    );
    // A page at a time: the largest cluster first, then the next.
    let first: Value = app
        .get(
            &desk.agent,
            "/api/v1/problem-candidates?days=30&min_size=2&limit=1",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["items"][0]["size"], 5);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(
            &desk.agent,
            &format!("/api/v1/problem-candidates?days=30&min_size=2&limit=1&cursor={cursor}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"][0]["size"], 2);
    assert_eq!(second["next_cursor"], Value::Null);
    assert_eq!(
        wider.len(),
        2,
        "the old one joins the VPN cluster and the mailboxes form one: {wider:#?}"
    );
    assert_eq!(wider[0]["size"], 5);
    problem(
        app.get(&desk.agent, "/api/v1/problem-candidates?days=0")
            .await,
        400,
    )
    .await;

    let res = app
        .post(
            &desk.agent,
            "/api/v1/problem-candidates",
            json!({"incidents": expected}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let prb: Value = res.json().await.unwrap();
    assert_eq!(prb["incident_count"], 4);
    assert_eq!(prb["service"], "vpn");
    problem(
        app.post(
            &desk.agent,
            "/api/v1/problem-candidates",
            json!({"incidents": expected}),
        )
        .await,
        409,
    )
    .await;
    let after: Vec<Value> = items(
        app.get(&desk.agent, "/api/v1/problem-candidates")
            .await
            .json()
            .await
            .unwrap(),
    );
    assert!(
        after.is_empty(),
        "a cluster covered by a problem is no candidate any more"
    );
}

#[tokio::test]
async fn applying_a_known_error_links_and_resolves_in_one_step_or_changes_nothing() {
    let app = TestApp::spawn().await;
    let desk = desk(&app).await;
    let new_problem = |title: &'static str| {
        let (app, desk) = (&app, &desk);
        async move {
            number(
                &app.create_problem(&desk.agent, json!({"title": title}))
                    .await,
            )
        }
    };
    let known = new_problem("VPN certificate").await;
    let res = app
        .patch(
            &desk.manager,
            &format!("/api/v1/problems/{known}"),
            json!({"known_error": true, "root_cause": "Expired certificate",
                   "workaround": "Reconnect with the backup profile"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let plain = new_problem("Printer queue stalls").await;
    let incident = |title: &'static str| {
        let (app, desk) = (&app, &desk);
        async move {
            number(
                &app.create_incident(&desk.agent, json!({"title": title}))
                    .await,
            )
        }
    };
    let apply = |inc: String, body: Value, if_match: Option<&'static str>| {
        let app = &app;
        let token = desk.agent.clone();
        async move {
            let mut request = app
                .api
                .post(app.url(&format!("/api/v1/incidents/{inc}/apply-known-error")))
                .bearer_auth(token)
                .json(&body);
            if let Some(version) = if_match {
                request = request.header("If-Match", version);
            }
            request.send().await.unwrap()
        }
    };
    let read = |inc: String| {
        let app = &app;
        async move {
            app.get(&app.admin_token, &format!("/api/v1/incidents/{inc}"))
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };

    // Applied: linked, resolved with the workaround, journaled, the ETag of the new version.
    let inc = incident("VPN drops").await;
    let res = apply(inc.clone(), json!({"problem": known}), Some("\"1\"")).await;
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let view: Value = res.json().await.unwrap();
    assert_eq!(view["problem"], known.as_str());
    assert_eq!(view["state"], "resolved");
    assert_eq!(view["resolution_code"], "workaround");
    assert_eq!(
        view["resolution_notes"],
        format!("{known}: Reconnect with the backup profile")
    );
    assert_eq!(etag, format!("\"{}\"", view["version"]));
    let kinds: Vec<String> = app
        .journal(&format!("/api/v1/incidents/{inc}"))
        .await
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(kinds.contains(&"link".to_owned()), "{kinds:?}");
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("transition"),
        "{kinds:?}"
    );

    // Refusals change nothing: not a known error (422), stale version (412), linked to
    // another problem (409), already resolved (409), no problem named (422).
    let other = incident("VPN drops again").await;
    let body = problem(
        apply(other.clone(), json!({"problem": plain}), None).await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["problem"]);
    let body = problem(
        apply(other.clone(), json!({"problem": "PRB9999999"}), None).await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["problem"]);
    let body = problem(apply(other.clone(), json!({}), None).await, 422).await;
    assert_eq!(fields(&body), ["problem"]);
    let stale = apply(other.clone(), json!({"problem": known}), Some("\"7\"")).await;
    assert_eq!(stale.status(), 412);
    let res = app
        .post(
            &desk.agent,
            &format!("/api/v1/problems/{plain}/incidents"),
            json!({"incident": other}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let linked = read(other.clone()).await;
    problem(
        apply(other.clone(), json!({"problem": known}), None).await,
        409,
    )
    .await;
    assert_eq!(
        read(other.clone()).await,
        linked,
        "a refused apply leaves the incident as it was"
    );
    problem(
        apply(inc.clone(), json!({"problem": known}), None).await,
        409,
    )
    .await;
    assert_eq!(read(inc).await["version"], view["version"]);
    let untouched = incident("Fresh call").await;
    problem(
        apply(untouched.clone(), json!({"problem": plain}), None).await,
        422,
    )
    .await;
    let untouched = read(untouched).await;
    assert_eq!(untouched["problem"], Value::Null);
    assert_eq!(untouched["version"], 1);
}

/// The words of a suggestion query: each German or English form once, however often the
/// text repeats it or both languages agree on it.
#[tokio::test]
async fn a_suggestion_query_names_each_word_form_once() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.acquire().await.unwrap();
    let tsquery = leitstand::store::search::as_any_word_tsquery(
        &mut conn,
        "Drucker im 2. OG druckt nicht. Der Drucker im 2. OG meldet Papierstau, printer jam",
    )
    .await
    .unwrap();
    let mut forms: Vec<&str> = tsquery.split(" | ").collect();
    let named = forms.len();
    forms.sort_unstable();
    forms.dedup();
    assert_eq!(forms.len(), named, "every form once: {tsquery}");
    for form in [
        "'druck'",
        "'drucker'",
        "'2'",
        "'og'",
        "'papierstau'",
        "'printer'",
        "'jam'",
    ] {
        assert!(forms.contains(&form), "{form} in {tsquery}");
    }
    let empty = leitstand::store::search::as_any_word_tsquery(&mut conn, " ... ")
        .await
        .unwrap();
    assert_eq!(empty, "", "no words, no query");
}
