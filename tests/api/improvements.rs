//! The improvement register: an agent submits an idea from an incident, process owners move
//! it on (a decline with a reason the submitter reads, a stale version refused), a done idea
//! becomes a PDCA marker, and an idea about a confidential case stays in its department.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, fields, problem};

async fn submit(app: &TestApp, token: &str, body: Value) -> Value {
    app.created(token, "/api/v1/improvements", body).await
}

#[tokio::test]
async fn an_idea_is_submitted_triaged_with_reasons_and_becomes_a_process_change() {
    let app = TestApp::spawn().await;
    app.create_group("desk", "IT").await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.join_groups("agent@example.com", &["desk"]).await;
    let owner = app
        .user_with_token("owner@example.com", "problem_manager")
        .await;
    let caller = app.user_with_token("caller@example.com", "caller").await;
    let incident = app
        .create_incident(
            &agent,
            json!({"title": "Site asked twice", "assignment_group": "desk"}),
        )
        .await;
    let number = incident["number"].as_str().unwrap();

    // Refused fields are named together; a caller may not submit.
    let res = app
        .post(
            &agent,
            "/api/v1/improvements",
            json!({"title": " ", "description": "x".repeat(4001), "incident": "INC9999999"}),
        )
        .await;
    let mut refused = fields(&problem(res, 422).await);
    refused.sort();
    assert_eq!(refused, ["description", "incident", "title"]);
    let res = app
        .post(
            &agent,
            "/api/v1/improvements",
            json!({"title": "Both", "incident": number, "problem": "PRB0000001"}),
        )
        .await;
    assert_eq!(fields(&problem(res, 422).await), ["problem"]);
    let res = app
        .post(&caller, "/api/v1/improvements", json!({"title": "Mine"}))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Submitted from the incident, once even when retried with its key.
    let body = json!({"title": "The form asks twice for the caller's site",
                      "description": "Fill the site from the caller's account.", "incident": number});
    let mut ideas = Vec::new();
    for _ in 0..2 {
        let res = app
            .api
            .post(app.url("/api/v1/improvements"))
            .bearer_auth(&agent)
            .header("Idempotency-Key", "idea-1")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        assert_eq!(
            res.headers()["location"].to_str().unwrap(),
            "/api/v1/improvements/IMP0000001"
        );
        ideas.push(res.json::<Value>().await.unwrap());
    }
    assert_eq!(ideas[0], ideas[1]);
    let idea = &ideas[0];
    assert_eq!(idea["number"], "IMP0000001");
    assert_eq!(idea["state"], "new");
    assert_eq!(idea["incident"], number);
    assert_eq!(idea["submitted_by"], "agent@example.com");
    assert_eq!(idea["version"], 1);

    // The agent may not decide; the owner must give a reason to decline, and a stale
    // version is refused with the current idea.
    let path = "/api/v1/improvements/IMP0000001";
    let res = app.patch(&agent, path, json!({"state": "accepted"})).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .patch(&owner, path, json!({"state": "declined", "reason": " "}))
        .await;
    assert_eq!(fields(&problem(res, 422).await), ["reason"]);
    let res = app.patch(&owner, path, json!({"state": "sideways"})).await;
    assert_eq!(fields(&problem(res, 422).await), ["state"]);
    let declined = app
        .api
        .patch(app.url(path))
        .bearer_auth(&owner)
        .header("If-Match", "\"1\"")
        .json(&json!({"state": "declined", "reason": "The site comes from the directory next quarter."}))
        .send()
        .await
        .unwrap();
    assert_eq!(declined.status(), StatusCode::OK);
    let stale = app
        .api
        .patch(app.url(path))
        .bearer_auth(&owner)
        .header("If-Match", "\"1\"")
        .json(&json!({"state": "new"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let current: Value = stale.json().await.unwrap();
    assert_eq!(current["state"], "declined");
    assert_eq!(current["version"], 2);

    // The submitter reads the reason, in the idea and its history.
    let read: Value = app.get(&agent, path).await.json().await.unwrap();
    assert_eq!(read["state"], "declined");
    assert_eq!(
        read["reason"],
        "The site comes from the directory next quarter."
    );
    let journal: Value = app
        .get(&agent, &format!("{path}/journal"))
        .await
        .json()
        .await
        .unwrap();
    let moves: Vec<(&str, &str)> = journal
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["changes"]["state"]["to"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(moves, [("change", "new"), ("transition", "declined")]);

    // Taken up again and carried out; done is the end.
    for state in ["new", "accepted", "planned", "done"] {
        let res = app.patch(&owner, path, json!({"state": state})).await;
        assert_eq!(res.status(), StatusCode::OK, "{state}");
    }
    let res = app.patch(&owner, path, json!({"state": "new"})).await;
    assert_eq!(fields(&problem(res, 422).await), ["state"]);

    // A second idea, still new, cannot become a marker; the done one can.
    let open = submit(&app, &agent, json!({"title": "Templates for replies"})).await;
    let marker = |improvement: &str| {
        json!({"effective_on": "2026-03-02", "title": "Site filled from the directory",
               "kpi": "mtta", "expected": "down", "improvement": improvement})
    };
    let res = app
        .post(
            &owner,
            "/api/v1/insight/markers",
            marker(open["number"].as_str().unwrap()),
        )
        .await;
    assert_eq!(fields(&problem(res, 422).await), ["improvement"]);
    let made = app
        .created(&owner, "/api/v1/insight/markers", marker("IMP0000001"))
        .await;
    let read: Value = app.get(&agent, path).await.json().await.unwrap();
    assert_eq!(read["marker"], made["id"]);

    // Counts per state, the lists, and CSV.
    let counts: Value = app
        .get(&owner, "/api/v1/improvements/counts")
        .await
        .json()
        .await
        .unwrap();
    let by_state: Vec<(&str, i64)> = counts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["state"].as_str().unwrap(), c["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        by_state,
        [
            ("new", 1),
            ("accepted", 0),
            ("planned", 0),
            ("done", 1),
            ("declined", 0)
        ]
    );
    let done: Value = app
        .get(&owner, "/api/v1/improvements?state=done")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["items"].as_array().unwrap().len(), 1);
    for query in ["state=nope", "state=", "mine=maybe"] {
        let res = app
            .get(&owner, &format!("/api/v1/improvements?{query}"))
            .await;
        let field = query.split('=').next().unwrap();
        assert_eq!(fields(&problem(res, 400).await), [field], "{query}");
    }
    let res = app.get(&caller, "/api/v1/improvements").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let csv = app
        .api
        .get(app.url("/api/v1/improvements?limit=1"))
        .bearer_auth(&owner)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert!(csv.headers().contains_key("link"), "a next page");
    let csv = csv.text().await.unwrap();
    assert!(
        csv.starts_with("number,title,state,reason,incident,problem,submitted_by,submitted_at,state_since,marker\r\nIMP0000002,Templates for replies,new,"),
        "{csv}"
    );

    // The pages: the agent suggests from the incident page, the owner declines in the form,
    // and a decision made meanwhile by someone else keeps the reader's words.
    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    let page = app.page(&browser, &format!("/incidents/{number}")).await;
    assert!(
        page.contains(&format!("href=\"/improvements/new?incident={number}\"")),
        "{page}"
    );
    let res = app
        .post_form(
            &browser,
            "/improvements",
            &[("incident", number), ("title", "<script>alert(1)</script>")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        "/improvements/IMP0000003"
    );
    let page = app.page(&browser, "/improvements/IMP0000003").await;
    assert!(
        page.contains("alert(1)") && !page.contains("<script>alert(1)"),
        "escaped: {page}"
    );
    assert!(
        !page.contains("id=\"move\""),
        "the agent has no decision form"
    );
    let owners = app.browser();
    app.sign_in(&owners, "owner@example.com").await;
    let page = app.page(&owners, "/improvements/IMP0000003").await;
    assert!(page.contains("id=\"move\""), "{page}");
    app.patch(
        &owner,
        "/api/v1/improvements/IMP0000003",
        json!({"state": "accepted"}),
    )
    .await;
    let res = app
        .post_form(
            &owners,
            "/improvements/IMP0000003/move",
            &[
                ("version", "1"),
                ("state", "declined"),
                ("reason", "Duplicate of IMP0000002"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Duplicate of IMP0000002"),
        "the reason is kept"
    );
    assert!(page.contains("it is now: Accepted"), "{page}");
    assert!(page.contains("name=\"version\" value=\"2\""), "{page}");
    let res = app
        .post_form(
            &owners,
            "/improvements/IMP0000003/move",
            &[
                ("version", "2"),
                ("state", "declined"),
                ("reason", "Duplicate of IMP0000002"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = app.page(&browser, "/improvements?mine=true").await;
    assert!(page.contains("IMP0000003") && page.contains("IMP0000002"));
    let page = app.page(&browser, "/improvements/IMP0000003").await;
    assert!(page.contains("Declined because:") && page.contains("Duplicate of IMP0000002"));
    let page = app.page(&owners, "/insight").await;
    assert!(page.contains("id=\"ideas-heading\""), "{page}");
}

#[tokio::test]
async fn an_idea_about_a_confidential_case_stays_in_its_department() {
    let app = TestApp::spawn().await;
    app.create_group("people-ops", "HR").await;
    app.create_group("desk", "IT").await;
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
    app.join_groups("it@example.com", &["desk"]).await;
    let owner = app
        .user_with_token("owner@example.com", "problem_manager")
        .await;
    let case = app
        .create_incident(
            &hr,
            json!({"title": "Salary letter", "assignment_group": "people-ops"}),
        )
        .await;
    let case = case["number"].as_str().unwrap();
    // Outside HR the case is unknown, so it cannot be linked.
    let res = app
        .post(
            &it,
            "/api/v1/improvements",
            json!({"title": "Peek", "incident": case}),
        )
        .await;
    assert_eq!(fields(&problem(res, 422).await), ["incident"]);
    let idea = submit(
        &app,
        &hr,
        json!({"title": "Salary letters need a template", "incident": case}),
    )
    .await;
    let path = format!("/api/v1/improvements/{}", idea["number"].as_str().unwrap());
    for token in [&it, &owner, &app.admin_token] {
        assert_eq!(app.get(token, &path).await.status(), StatusCode::NOT_FOUND);
        let listed: Value = app
            .get(token, "/api/v1/improvements")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["items"], json!([]));
        let counts: Value = app
            .get(token, "/api/v1/improvements/counts")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(counts[0]["count"], 0, "not even counted");
    }
    assert_eq!(app.get(&hr, &path).await.status(), StatusCode::OK);
}
