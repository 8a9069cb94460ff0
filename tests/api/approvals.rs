//! Approvals of service requests: stages one after another, the caller's manager, a group
//! with "2 of 3", decisions journaled, rejection with a reason the caller reads, "my
//! approvals", and nobody approving their own request or deciding for someone else.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, fields, problem};

struct Desk {
    app: TestApp,
    caller: String,
    manager: String,
    agent: String,
    owners: Vec<String>,
}

async fn desk() -> Desk {
    let app = TestApp::spawn().await;
    app.create_group("service-desk", "IT").await;
    app.create_group("sap-owners", "IT").await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.join_groups("agent@example.com", &["service-desk"])
        .await;
    let mut owners = Vec::new();
    for n in 1..=3 {
        let email = format!("owner{n}@example.com");
        owners.push(app.user_with_token(&email, "agent").await);
        app.join_groups(&email, &["sap-owners"]).await;
    }
    let manager = app.user_with_token("manfred@example.com", "caller").await;
    let caller = app.user_with_token("anna@example.com", "caller").await;
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/users/anna@example.com",
            json!({"manager": "manfred@example.com"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let anna: Value = res.json().await.unwrap();
    assert_eq!(anna["manager"], "manfred@example.com");
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/users/manfred@example.com",
            json!({"manager": "manfred@example.com"}),
        )
        .await;
    assert_eq!(fields(&problem(res, 422).await), vec!["manager"]);
    app.created(
        &app.admin_token,
        "/api/v1/request-types",
        json!({"key": "sap-access", "department": "it", "name": "Access to SAP", "assignment_group": "service-desk",
               "fields": [{"key": "role", "label": "SAP role", "kind": "text", "required": true}],
               "approval_stages": [
                   {"name": "Manager", "approvers": {"kind": "manager"}},
                   {"name": "SAP owners", "approvers": {"kind": "group", "group": "sap-owners"},
                    "rule": "n_of_m", "required": 2}]}),
    )
    .await;
    Desk {
        app,
        caller,
        manager,
        agent,
        owners,
    }
}

fn number(v: &Value) -> String {
    v["number"].as_str().unwrap().to_owned()
}

async fn decide(app: &TestApp, token: &str, req: &str, body: Value) -> reqwest::Response {
    app.post(token, &format!("/api/v1/requests/{req}/approvals"), body)
        .await
}

async fn approvals(app: &TestApp, token: &str, req: &str) -> Vec<Value> {
    let res = app
        .get(token, &format!("/api/v1/requests/{req}/approvals"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

#[tokio::test]
async fn the_manager_then_two_of_three_owners_approve_and_the_desk_works_it() {
    let Desk {
        app,
        caller,
        manager,
        agent,
        owners,
    } = desk().await;
    let request = app
        .created(
            &caller,
            "/api/v1/requests",
            json!({"request_type": "sap-access", "values": {"role": "FI accountant"}}),
        )
        .await;
    let req = number(&request);
    assert_eq!(request["state"], "awaiting_approval");
    let asked = approvals(&app, &caller, &req).await;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0]["approver"], "manfred@example.com");
    assert_eq!(asked[0]["decision"], "pending");

    // The manager finds it among their approvals and reads it, though it is not theirs.
    let mine: Value = app
        .get(&manager, "/api/v1/approvals")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["request"], req.as_str());
    assert_eq!(mine["items"][0]["stage_name"], "Manager");
    let res = app.get(&manager, &format!("/api/v1/requests/{req}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let nothing: Value = app
        .get(&caller, "/api/v1/approvals")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        nothing["items"],
        json!([]),
        "the caller approves nothing of their own"
    );

    // Nobody moves it past approval by hand, nor decides in someone else's place.
    let res = app
        .post(
            &agent,
            &format!("/api/v1/requests/{req}/transitions"),
            json!({"to": "approved"}),
        )
        .await;
    let body = problem(res, 409).await;
    assert!(
        body["detail"].as_str().unwrap().contains("canceled"),
        "{body}"
    );
    problem(
        decide(&app, &agent, &req, json!({"decision": "approved"})).await,
        403,
    )
    .await;
    problem(
        decide(&app, &owners[0], &req, json!({"decision": "approved"})).await,
        403,
    )
    .await;
    let res = decide(&app, &manager, &req, json!({"decision": "maybe"})).await;
    assert_eq!(fields(&problem(res, 422).await), vec!["decision"]);

    let after: Value = decide(
        &app,
        &manager,
        &req,
        json!({"decision": "approved", "comment": "Needed for the close"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(after["state"], "awaiting_approval", "the owners come next");
    let asked = approvals(&app, &manager, &req).await;
    assert_eq!(asked.len(), 4);
    assert_eq!(asked[0]["decision"], "approved");
    assert_eq!(asked[0]["comment"], "Needed for the close");
    assert!(
        asked[1..]
            .iter()
            .all(|a| a["decision"] == "pending" && a["stage"] == 1)
    );
    problem(
        decide(&app, &manager, &req, json!({"decision": "approved"})).await,
        403,
    )
    .await;

    // Two of three: one yes and one no leave it open; the second yes approves it.
    decide(&app, &owners[0], &req, json!({"decision": "approved"})).await;
    let open: Value = decide(
        &app,
        &owners[1],
        &req,
        json!({"decision": "rejected", "comment": "Too broad"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(open["state"], "awaiting_approval");
    let stale = app
        .api
        .post(app.url(&format!("/api/v1/requests/{req}/approvals")))
        .bearer_auth(&owners[2])
        .header("If-Match", "\"1\"")
        .json(&json!({"decision": "approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let approved: Value = decide(&app, &owners[2], &req, json!({"decision": "approved"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(approved["state"], "approved");
    let moved = app
        .post(
            &agent,
            &format!("/api/v1/requests/{req}/transitions"),
            json!({"to": "in_progress"}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);

    let journal = app.journal(&format!("/api/v1/requests/{req}")).await;
    let kinds: Vec<&str> = journal
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "change",
            "transition",
            "change",
            "system",
            "change",
            "change",
            "change",
            "transition",
            "transition"
        ],
        "{journal:#?}"
    );
    assert_eq!(
        journal[1]["body"],
        "approval asked from manfred@example.com for stage Manager"
    );
    assert!(
        journal[3]["body"]
            .as_str()
            .unwrap()
            .contains("owner1@example.com, owner2@example.com, owner3@example.com")
    );
    assert_eq!(journal[5]["author"], "owner2@example.com");
    assert_eq!(journal[5]["body"], "Too broad");
    assert_eq!(journal[7]["changes"]["state"]["to"], "approved");
}

#[tokio::test]
async fn a_rejection_ends_the_request_with_its_reason_and_nobody_to_ask_waits() {
    let Desk {
        app,
        caller,
        manager,
        owners,
        ..
    } = desk().await;
    let req = number(
        &app.created(
            &caller,
            "/api/v1/requests",
            json!({"request_type": "sap-access", "values": {"role": "Basis admin"}}),
        )
        .await,
    );
    let res = decide(&app, &manager, &req, json!({"decision": "rejected"})).await;
    assert_eq!(fields(&problem(res, 422).await), vec!["comment"]);
    let rejected: Value = decide(
        &app,
        &manager,
        &req,
        json!({"decision": "rejected", "comment": "Not in your role"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(rejected["outcome"], "Not in your role");
    assert!(
        rejected["closed_at"].is_string(),
        "a rejected request is over"
    );
    assert_eq!(
        approvals(&app, &caller, &req).await.len(),
        1,
        "the owners were never asked"
    );
    let res = decide(&app, &manager, &req, json!({"decision": "approved"})).await;
    problem(res, 409).await;
    let theirs: Value = app
        .get(&caller, &format!("/api/v1/requests/{req}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        theirs["outcome"], "Not in your role",
        "the caller reads why"
    );
    let none: Value = app
        .get(&owners[0], "/api/v1/approvals?all=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["items"], json!([]));

    // Someone without a manager: the stage finds nobody, says so, and waits; the caller cancels.
    let lone = app.user_with_token("lone@example.com", "caller").await;
    let waiting = app
        .created(
            &lone,
            "/api/v1/requests",
            json!({"request_type": "sap-access", "values": {"role": "Reader"}}),
        )
        .await;
    let lone_req = number(&waiting);
    assert_eq!(waiting["state"], "awaiting_approval");
    let journal = app.journal(&format!("/api/v1/requests/{lone_req}")).await;
    assert_eq!(journal[1]["body"], "no approver found for stage Manager");
    let res = app
        .post(
            &lone,
            &format!("/api/v1/requests/{lone_req}/transitions"),
            json!({"to": "canceled", "reason": "Asked my team lead instead"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // A stage naming a field that is no person field is refused, named.
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/request-types",
            json!({"key": "broken", "department": "it", "name": "Broken",
                   "fields": [{"key": "note", "label": "Note", "kind": "text"}],
                   "approval_stages": [{"name": "By note", "approvers": {"kind": "field", "field": "note"}},
                                       {"name": "Owners", "approvers": {"kind": "group", "group": "sap-owners"}, "rule": "n_of_m"}]}),
        )
        .await;
    assert_eq!(
        fields(&problem(res, 422).await),
        vec![
            "approval_stages[0].approvers.field",
            "approval_stages[1].required"
        ]
    );
}
