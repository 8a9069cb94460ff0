//! Service requests and request types through the API: forms checked field by field, the
//! request workflow with `If-Match` and `Idempotency-Key`, comments and work notes, lists and
//! CSV, and a confidential department's requests kept to its members and the caller.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, fields, problem};

/// The onboarding form: a date, a choice that shows a reason field, software, a manager.
fn onboarding_fields() -> Value {
    json!([
        {"key": "start_date", "label": "Start date", "kind": "date", "required": true,
         "help": "The first working day"},
        {"key": "laptop", "label": "Laptop", "kind": "choice", "choices": ["Standard", "Developer"], "required": true},
        {"key": "reason", "label": "Why a developer laptop?", "kind": "long_text", "required": true,
         "show_when": {"field": "laptop", "equals": "Developer"}},
        {"key": "software", "label": "Software", "kind": "multi_choice", "choices": ["Office", "SAP"]},
        {"key": "manager", "label": "Manager", "kind": "person"}
    ])
}

struct Desk {
    app: TestApp,
    agent: String,
    caller: String,
    other_caller: String,
}

async fn desk() -> Desk {
    let app = TestApp::spawn().await;
    app.create_group("service-desk", "IT").await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.join_groups("agent@example.com", &["service-desk"])
        .await;
    let caller = app.user_with_token("anna@example.com", "caller").await;
    let other_caller = app.user_with_token("ben@example.com", "caller").await;
    app.user_with_token("manager@example.com", "viewer").await;
    app.created(
        &app.admin_token,
        "/api/v1/request-types",
        json!({"key": "onboarding", "department": "it", "name": "Onboarding",
               "description": "Everything a new colleague needs", "fields": onboarding_fields(),
               "assignment_group": "service-desk",
               "status_names": {"de": {"in_progress": "Wird vorbereitet"}}}),
    )
    .await;
    Desk {
        app,
        agent,
        caller,
        other_caller,
    }
}

fn number(v: &Value) -> String {
    v["number"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_admin_defines_a_form_and_every_mistake_in_it_is_named() {
    let Desk { app, agent, .. } = desk().await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/request-types",
            json!({"key": "broken", "department": "nowhere", "name": " ",
                   "fields": [{"key": "Bad Key", "label": "x", "kind": "choice"},
                              {"key": "b", "label": "B", "kind": "text", "show_when": {"field": "zzz", "equals": "x"}}],
                   "status_names": {"fr": {}, "de": {"someday": "Irgendwann"}}}),
        )
        .await;
    let body = problem(res, 422).await;
    let named = fields(&body);
    for field in [
        "department",
        "name",
        "fields[0].key",
        "fields[0].choices",
        "fields[1].show_when.field",
        "status_names.fr",
        "status_names.de.someday",
    ] {
        assert!(named.contains(&field.to_owned()), "{field} in {named:?}");
    }
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/request-types",
            json!({"key": "x", "department": "it", "name": "X", "fields": [{"key": "a", "label": "A", "kind": "colour"}]}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an unknown kind"
    );
    // Only admins define the catalogue; a duplicate key is a conflict.
    let res = app
        .post(
            &agent,
            "/api/v1/request-types",
            json!({"key": "y", "department": "it", "name": "Y"}),
        )
        .await;
    problem(res, 403).await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/request-types",
            json!({"key": "onboarding", "department": "it", "name": "Again"}),
        )
        .await;
    problem(res, 409).await;

    // Everyone reads the catalogue; a change needs the current version.
    let res = app.get(&agent, "/api/v1/request-types?department=it").await;
    assert_eq!(res.status(), StatusCode::OK);
    let list: Value = res.json().await.unwrap();
    assert_eq!(list["items"][0]["key"], "onboarding");
    assert_eq!(
        list["items"][0]["fields"][2]["show_when"]["equals"],
        "Developer"
    );
    let res = app
        .api
        .patch(app.url("/api/v1/request-types/onboarding"))
        .bearer_auth(&app.admin_token)
        .header("If-Match", "\"7\"")
        .json(&json!({"name": "Onboarding a colleague"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    let res = app
        .api
        .patch(app.url("/api/v1/request-types/onboarding"))
        .bearer_auth(&app.admin_token)
        .header("If-Match", "\"1\"")
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let caller = app.user_with_token("c@example.com", "caller").await;
    let res = app.get(&caller, "/api/v1/request-types/onboarding").await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "retired: offered to nobody"
    );
    let res = app
        .post(
            &caller,
            "/api/v1/requests",
            json!({"request_type": "onboarding"}),
        )
        .await;
    let body = problem(res, 422).await;
    assert_eq!(fields(&body), vec!["request_type"]);
}

#[tokio::test]
async fn a_caller_asks_with_the_form_answered_and_bad_answers_are_named() {
    let Desk {
        app,
        agent,
        caller,
        other_caller,
    } = desk().await;
    let res = app
        .post(
            &caller,
            "/api/v1/requests",
            json!({"request_type": "onboarding", "values": {
                "start_date": "1.2.2027", "laptop": "Developer", "software": ["SAP", "Games"],
                "manager": "nobody@example.com", "colour": "red"}}),
        )
        .await;
    let body = problem(res, 422).await;
    assert_eq!(
        fields(&body),
        vec![
            "values.colour",
            "values.start_date",
            "values.reason",
            "values.software",
            "values.manager"
        ]
    );
    // Someone else's behalf needs an agent.
    let res = app
        .post(
            &caller,
            "/api/v1/requests",
            json!({"request_type": "onboarding", "caller": "ben@example.com"}),
        )
        .await;
    problem(res, 403).await;

    let res = app
        .post(
            &caller,
            "/api/v1/requests",
            json!({"request_type": "onboarding", "description": "Starts in January",
                   "values": {"start_date": "2027-01-04", "laptop": "Standard", "software": "Office",
                              "manager": "Manager@Example.com", "reason": "hidden: not asked"}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["etag"], "\"1\"");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let request: Value = res.json().await.unwrap();
    let req = number(&request);
    assert!(req.starts_with("REQ") && req.len() == 10, "{req}");
    assert_eq!(location, format!("/api/v1/requests/{req}"));
    assert_eq!(request["title"], "Onboarding", "the type's name");
    assert_eq!(request["state"], "new");
    assert_eq!(request["department"], "it");
    assert_eq!(request["caller"], "anna@example.com");
    assert_eq!(request["assignment_group"], "service-desk");
    assert_eq!(
        request["values"],
        json!({"start_date": "2027-01-04", "laptop": "Standard", "software": ["Office"],
               "manager": "manager@example.com"})
    );

    // The caller reads it; another caller does not know it exists.
    let res = app.get(&caller, &format!("/api/v1/requests/{req}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .get(&other_caller, &format!("/api/v1/requests/{req}"))
        .await;
    problem(res, 404).await;
    let list: Value = app
        .get(&other_caller, "/api/v1/requests")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
    let list: Value = app
        .get(&caller, "/api/v1/requests?caller=me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["number"], req.as_str());

    // An agent logs one on someone's behalf, and finds both in the group's queue and by number.
    let on_behalf = app
        .created(
            &agent,
            "/api/v1/requests",
            json!({"request_type": "onboarding", "caller": "ben@example.com", "title": "Laptop for Ben",
                   "values": {"start_date": "2027-02-01", "laptop": "Standard"}}),
        )
        .await;
    assert_eq!(on_behalf["caller"], "ben@example.com");
    assert_eq!(on_behalf["opened_by"], "agent@example.com");
    let list: Value = app
        .get(
            &agent,
            "/api/v1/requests?assignment_group=service-desk&state=new&limit=1",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"][0]["number"],
        number(&on_behalf).as_str(),
        "newest first"
    );
    let cursor = list["next_cursor"].as_str().unwrap();
    let next: Value = app
        .get(
            &agent,
            &format!(
                "/api/v1/requests?assignment_group=service-desk&state=new&limit=1&cursor={cursor}"
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["items"][0]["number"], req.as_str());
    assert!(next["next_cursor"].is_null());
    let found: Value = app
        .get(
            &agent,
            &format!("/api/v1/requests?q={}", req.to_lowercase()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let found: Value = app
        .get(&agent, "/api/v1/requests?q=Laptops")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"][0]["title"], "Laptop for Ben", "word forms");
    let csv = app
        .api
        .get(app.url("/api/v1/requests"))
        .bearer_auth(&agent)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("number,request_type,department,title,state,caller"));
    assert_eq!(csv.lines().count(), 3, "{csv}");
    let res = app.get(&agent, "/api/v1/requests?state=someday").await;
    problem(res, 400).await;
    // A name that is no address is an unknown person (found by the OpenAPI fuzzer as a 400).
    let res = app.get(&agent, "/api/v1/requests?assignee=it").await;
    assert_eq!(fields(&problem(res, 422).await), vec!["assignee"]);

    let journal = app.journal(&format!("/api/v1/requests/{req}")).await;
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["kind"], "change");
    assert_eq!(journal[0]["changes"]["values"]["to"]["laptop"], "Standard");
}

#[tokio::test]
async fn requests_move_through_their_workflow_under_if_match_and_idempotency_keys() {
    let Desk {
        app, agent, caller, ..
    } = desk().await;
    let body = json!({"request_type": "onboarding", "values": {"start_date": "2027-01-04", "laptop": "Standard"}});
    let send = |key: &str, body: &Value| {
        app.api
            .post(app.url("/api/v1/requests"))
            .bearer_auth(&caller)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
    };
    let first: Value = send("onb-1", &body).await.unwrap().json().await.unwrap();
    let again = send("onb-1", &body).await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["number"], first["number"], "a retry creates nothing");
    let mut other = body.clone();
    other["title"] = json!("Something else");
    problem(send("onb-1", &other).await.unwrap(), 422).await;
    let req = number(&first);
    let path = format!("/api/v1/requests/{req}/transitions");

    let res = app
        .post(&agent, &path, json!({"to": "fulfilled", "reason": "done"}))
        .await;
    let body = problem(res, 409).await;
    assert!(
        body["detail"].as_str().unwrap().contains("in_progress"),
        "{body}"
    );
    let res = app.post(&caller, &path, json!({"to": "in_progress"})).await;
    problem(res, 403).await;
    let moved: Value = app
        .post(&agent, &path, json!({"to": "in_progress"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["state"], "in_progress");
    assert_eq!(
        moved["assignee"], "agent@example.com",
        "who starts it takes it"
    );
    let res = app.post(&agent, &path, json!({"to": "fulfilled"})).await;
    assert_eq!(fields(&problem(res, 422).await), vec!["reason"]);
    let stale = app
        .api
        .post(app.url(&path))
        .bearer_auth(&agent)
        .header("If-Match", "\"1\"")
        .json(&json!({"to": "fulfilled", "reason": "Laptop handed over"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let current: Value = stale.json().await.unwrap();
    assert_eq!(
        current["state"], "in_progress",
        "412 carries the current request"
    );
    let done: Value = app
        .api
        .post(app.url(&path))
        .bearer_auth(&agent)
        .header("If-Match", format!("\"{}\"", current["version"]))
        .json(&json!({"to": "fulfilled", "reason": "Laptop handed over"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(done["state"], "fulfilled");
    assert_eq!(done["outcome"], "Laptop handed over");
    assert!(done["fulfilled_at"].is_string());
    let closed: Value = app
        .post(&agent, &path, json!({"to": "closed"}))
        .await
        .json()
        .await
        .unwrap();
    assert!(closed["closed_at"].is_string());
    let res = app
        .patch(
            &agent,
            &format!("/api/v1/requests/{req}"),
            json!({"title": "Late change"}),
        )
        .await;
    assert_eq!(fields(&problem(res, 422).await), vec!["state"]);
    let res = app
        .patch(
            &agent,
            &format!("/api/v1/requests/{req}"),
            json!({"state": "new"}),
        )
        .await;
    assert_eq!(
        fields(&problem(res, 422).await),
        vec!["state"],
        "not a field to patch"
    );

    // The caller cancels their own request, saying why; nothing else of the workflow is theirs.
    let second = number(
        &send("onb-2", &body_for_second())
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap(),
    );
    let res = app
        .post(
            &caller,
            &format!("/api/v1/requests/{second}/transitions"),
            json!({"to": "canceled", "reason": "Found one in the drawer"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let canceled: Value = res.json().await.unwrap();
    assert_eq!(canceled["state"], "canceled");
    assert_eq!(canceled["outcome"], "Found one in the drawer");
    let transitions: Vec<Value> = app
        .journal(&format!("/api/v1/requests/{req}"))
        .await
        .into_iter()
        .filter(|e| e["kind"] == "transition")
        .collect();
    assert_eq!(transitions.len(), 3);
    assert_eq!(transitions[1]["body"], "Laptop handed over");
    assert_eq!(transitions[1]["changes"]["state"]["from"], "in_progress");
}

fn body_for_second() -> Value {
    json!({"request_type": "onboarding", "title": "Second laptop",
           "values": {"start_date": "2027-03-01", "laptop": "Standard"}})
}

#[tokio::test]
async fn callers_reply_on_their_requests_and_work_notes_stay_with_agents() {
    let Desk {
        app,
        agent,
        caller,
        other_caller,
    } = desk().await;
    let req = number(
        &app.created(
            &caller,
            "/api/v1/requests",
            json!({"request_type": "onboarding", "values": {"start_date": "2027-01-04", "laptop": "Standard"}}),
        )
        .await,
    );
    let comments = format!("/api/v1/requests/{req}/comments");
    let res = app
        .post(
            &caller,
            &comments,
            json!({"body": "Can it be a 14 inch one?"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .post(
            &caller,
            &comments,
            json!({"body": "secret", "internal": true}),
        )
        .await;
    problem(res, 403).await;
    let res = app
        .post(&other_caller, &comments, json!({"body": "me too"}))
        .await;
    problem(res, 404).await;
    let res = app
        .post(
            &agent,
            &comments,
            json!({"body": "Stock is low; order today", "internal": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app.post(&agent, &comments, json!({"body": "  "})).await;
    assert_eq!(fields(&problem(res, 422).await), vec!["body"]);

    let theirs: Vec<Value> = app
        .get(&caller, &format!("/api/v1/requests/{req}/journal"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        theirs.iter().all(|e| e["kind"] != "work_note"),
        "{theirs:?}"
    );
    assert!(
        theirs
            .iter()
            .any(|e| e["body"] == "Can it be a 14 inch one?")
    );
    let agents: Vec<Value> = app
        .get(&agent, &format!("/api/v1/requests/{req}/journal"))
        .await
        .json()
        .await
        .unwrap();
    assert!(agents.iter().any(|e| e["kind"] == "work_note"));
}

#[tokio::test]
async fn a_confidential_departments_requests_reach_its_members_and_the_caller_only() {
    let Desk {
        app, agent, caller, ..
    } = desk().await;
    app.create_group("people-ops", "HR").await;
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/departments/hr",
            json!({"confidential": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let hr_agent = app.user_with_token("hr@example.com", "agent").await;
    app.join_groups("hr@example.com", &["people-ops"]).await;
    let viewer = app.user_with_token("viewer@example.com", "viewer").await;
    app.created(
        &app.admin_token,
        "/api/v1/request-types",
        json!({"key": "salary-question", "department": "hr", "name": "Question about my salary",
               "assignment_group": "people-ops",
               "fields": [{"key": "month", "label": "Month", "kind": "text", "required": true}]}),
    )
    .await;
    // Asking HR is no secret: the catalogue shows the type to everyone.
    let res = app
        .get(&agent, "/api/v1/request-types/salary-question")
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let case = number(
        &app.created(
            &caller,
            "/api/v1/requests",
            json!({"request_type": "salary-question", "title": "Overtime missing from Gehaltsabrechnung",
                   "values": {"month": "November"}}),
        )
        .await,
    );
    let path = format!("/api/v1/requests/{case}");
    for (who, token) in [
        ("IT agent", &agent),
        ("viewer", &viewer),
        ("admin", &app.admin_token),
    ] {
        for url in [path.clone(), format!("{path}/journal")] {
            let res = app.get(token, &url).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{who}: {url}");
        }
        for list in [
            "/api/v1/requests".to_owned(),
            format!("/api/v1/requests?q={case}"),
            "/api/v1/requests?q=Gehaltsabrechnung".to_owned(),
            "/api/v1/requests?request_type=salary-question".to_owned(),
        ] {
            let body: Value = app.get(token, &list).await.json().await.unwrap();
            assert_eq!(body["items"], json!([]), "{who}: {list}");
        }
        let csv = app
            .api
            .get(app.url("/api/v1/requests"))
            .bearer_auth(token)
            .header("Accept", "text/csv")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!csv.contains(&case), "{who}: CSV");
        let res = app
            .post(
                token,
                &format!("{path}/comments"),
                json!({"body": "curious"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{who}: comment");
        let res = app
            .post(
                token,
                &format!("{path}/transitions"),
                json!({"to": "in_progress"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{who}: move");
        // A viewer may change no request at all, known or not.
        let res = app.patch(token, &path, json!({"title": "x"})).await;
        let expected = if who == "viewer" {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(res.status(), expected, "{who}: change");
    }
    for (who, token) in [("HR member", &hr_agent), ("caller", &caller)] {
        let res = app.get(token, &path).await;
        assert_eq!(res.status(), StatusCode::OK, "{who}");
        let body: Value = app
            .get(token, "/api/v1/requests?q=Gehaltsabrechnung")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["items"][0]["number"], case.as_str(), "{who}: search");
    }
}
