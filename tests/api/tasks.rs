//! Tasks across departments: an onboarding request of confidential HR, approved by the
//! caller's manager, goes to HR, IT and Facilities as tasks in their own queues, in order
//! where one needs another; the last task done fulfils it, and the caller sees the progress,
//! not the tasks.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, fields, problem};

struct Desk {
    app: TestApp,
    caller: String,
    manager: String,
    hr: String,
    it: String,
    fm: String,
}

async fn desk() -> Desk {
    let app = TestApp::spawn().await;
    app.create_group("people-ops", "HR").await;
    app.create_group("workplace", "IT").await;
    app.create_group("facility-team", "Facilities").await;
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
    app.join_groups("it@example.com", &["workplace"]).await;
    let fm = app.user_with_token("fm@example.com", "agent").await;
    app.join_groups("fm@example.com", &["facility-team"]).await;
    let manager = app.user_with_token("manfred@example.com", "caller").await;
    let caller = app.user_with_token("anna@example.com", "caller").await;
    app.patch(
        &app.admin_token,
        "/api/v1/users/anna@example.com",
        json!({"manager": "manfred@example.com"}),
    )
    .await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/request-types",
            json!({"key": "onboarding", "department": "hr", "name": "Onboarding",
                   "tasks": [{"key": "contract", "title": "Contract", "group": "nobody-here"}]}),
        )
        .await;
    assert_eq!(fields(&problem(res, 422).await), vec!["tasks[0].group"]);
    app.created(
        &app.admin_token,
        "/api/v1/request-types",
        json!({"key": "onboarding", "department": "hr", "name": "Onboarding", "assignment_group": "people-ops",
               "fields": [{"key": "start_date", "label": "Start date", "kind": "date", "required": true}],
               "approval_stages": [{"name": "Manager", "approvers": {"kind": "manager"}}],
               "tasks": [
                   {"key": "contract", "title": "Prepare the contract", "group": "people-ops"},
                   {"key": "laptop", "title": "Order the laptop", "group": "workplace", "after": ["contract"]},
                   {"key": "account", "title": "Create the account", "group": "workplace", "after": ["contract"]},
                   {"key": "desk", "title": "Prepare the desk", "group": "facility-team",
                    "description": "Second floor, near the window"}]}),
    )
    .await;
    Desk {
        app,
        caller,
        manager,
        hr,
        it,
        fm,
    }
}

async fn tasks_of(app: &TestApp, token: &str, group: &str) -> Vec<Value> {
    let res = app
        .get(token, &format!("/api/v1/tasks?assignment_group={group}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

fn by_key<'a>(tasks: &'a [Value], key: &str) -> &'a Value {
    tasks.iter().find(|t| t["key"] == key).unwrap()
}

async fn move_task(app: &TestApp, token: &str, number: &Value, body: Value) -> reqwest::Response {
    app.post(
        token,
        &format!("/api/v1/tasks/{}/transitions", number.as_str().unwrap()),
        body,
    )
    .await
}

#[tokio::test]
async fn onboarding_runs_through_hr_it_and_facilities_and_the_caller_sees_progress() {
    let Desk {
        app,
        caller,
        manager,
        hr,
        it,
        fm,
    } = desk().await;
    let request = app
        .created(
            &caller,
            "/api/v1/requests",
            json!({"request_type": "onboarding", "values": {"start_date": "2027-01-04"}}),
        )
        .await;
    let req = request["number"].as_str().unwrap().to_owned();
    assert_eq!(request["state"], "awaiting_approval");
    assert_eq!(request["tasks_total"], 0, "no work before the approval");
    let approved: Value = app
        .post(
            &manager,
            &format!("/api/v1/requests/{req}/approvals"),
            json!({"decision": "approved"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        approved["state"], "in_progress",
        "approved, and the tasks started"
    );
    assert_eq!(approved["tasks_total"], 4);
    assert_eq!(approved["tasks_done"], 0);

    // Each group finds its own tasks; IT works on an HR case it cannot read.
    let hr_tasks = tasks_of(&app, &hr, "people-ops").await;
    assert_eq!(hr_tasks.len(), 1);
    assert_eq!(hr_tasks[0]["state"], "open");
    let it_tasks = tasks_of(&app, &it, "workplace").await;
    assert_eq!(it_tasks.len(), 2);
    assert!(it_tasks.iter().all(|t| t["state"] == "waiting"));
    assert_eq!(it_tasks[0]["request"], req.as_str());
    let res = app.get(&it, &format!("/api/v1/requests/{req}")).await;
    problem(res, 404).await;
    let res = app.get(&it, &format!("/api/v1/requests/{req}/tasks")).await;
    problem(res, 404).await;
    assert_eq!(
        tasks_of(&app, &it, "people-ops").await,
        Vec::<Value>::new(),
        "HR's task stays HR's"
    );
    let res = app
        .get(
            &it,
            &format!("/api/v1/tasks/{}", hr_tasks[0]["number"].as_str().unwrap()),
        )
        .await;
    problem(res, 404).await;
    let res = move_task(
        &app,
        &it,
        &by_key(&it_tasks, "laptop")["number"],
        json!({"to": "done"}),
    )
    .await;
    problem(res, 409).await;

    // HR starts and finishes the contract: the two IT tasks open.
    let started: Value = move_task(
        &app,
        &hr,
        &hr_tasks[0]["number"],
        json!({"to": "in_progress"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(started["assignee"], "hr@example.com");
    let stale = app
        .api
        .post(app.url(&format!(
            "/api/v1/tasks/{}/transitions",
            hr_tasks[0]["number"].as_str().unwrap()
        )))
        .bearer_auth(&hr)
        .header("If-Match", "\"1\"")
        .json(&json!({"to": "done"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    move_task(&app, &hr, &hr_tasks[0]["number"], json!({"to": "done"})).await;
    let it_tasks = tasks_of(&app, &it, "workplace").await;
    assert!(
        it_tasks.iter().all(|t| t["state"] == "open"),
        "{it_tasks:?}"
    );

    // IT notes and finishes its tasks, assigning one to a member only.
    let laptop = by_key(&it_tasks, "laptop")["number"].clone();
    let res = move_task(&app, &it, &laptop, json!({"assignee": "fm@example.com"})).await;
    assert_eq!(fields(&problem(res, 422).await), vec!["assignee"]);
    let res = app
        .post(
            &it,
            &format!("/api/v1/tasks/{}/comments", laptop.as_str().unwrap()),
            json!({"body": "Ordered a 14 inch model", "internal": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    for key in ["laptop", "account"] {
        let res = move_task(
            &app,
            &it,
            &by_key(&it_tasks, key)["number"],
            json!({"to": "done", "assignee": "me"}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let progress: Value = app
        .get(&caller, &format!("/api/v1/requests/{req}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (progress["tasks_done"].as_i64(), progress["state"].as_str()),
        (Some(3), Some("in_progress"))
    );

    // Facilities finishes the last one: the request is fulfilled.
    let desk = tasks_of(&app, &fm, "facility-team").await;
    assert_eq!(desk[0]["description"], "Second floor, near the window");
    move_task(&app, &fm, &desk[0]["number"], json!({"to": "done"})).await;
    let done: Value = app
        .get(&caller, &format!("/api/v1/requests/{req}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["state"], "fulfilled");
    assert_eq!(done["outcome"], "Every task is done.");
    assert_eq!(done["tasks_done"], 4);
    let res = app
        .get(&caller, &format!("/api/v1/requests/{req}/tasks"))
        .await;
    problem(res, 403).await;
    let res = app.get(&caller, "/api/v1/tasks").await;
    problem(res, 403).await;
    let all: Vec<Value> = app
        .get(&hr, &format!("/api/v1/requests/{req}/tasks"))
        .await
        .json()
        .await
        .unwrap();
    let keys: Vec<&str> = all.iter().map(|t| t["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["contract", "laptop", "account", "desk"]);

    let journal: Vec<Value> = app
        .get(
            &it,
            &format!("/api/v1/tasks/{}/journal", laptop.as_str().unwrap()),
        )
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = journal
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["transition", "work_note", "transition"],
        "{journal:#?}"
    );
    assert!(journal[0]["author"].is_null(), "opened by the system");
    // The admin outside HR sees none of the HR case, only the other departments' tasks.
    let res = app
        .get(&app.admin_token, &format!("/api/v1/requests/{req}"))
        .await;
    problem(res, 404).await;
    let theirs: Value = app
        .get(&app.admin_token, "/api/v1/tasks")
        .await
        .json()
        .await
        .unwrap();
    let groups: Vec<&str> = theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["assignment_group"].as_str().unwrap())
        .collect();
    assert!(
        !groups.contains(&"people-ops") && groups.len() == 3,
        "{groups:?}"
    );
}

#[tokio::test]
async fn canceling_a_request_cancels_what_is_left_of_its_tasks() {
    let Desk {
        app,
        caller,
        manager,
        it,
        ..
    } = desk().await;
    let req = app
        .created(
            &caller,
            "/api/v1/requests",
            json!({"request_type": "onboarding", "values": {"start_date": "2027-02-01"}}),
        )
        .await["number"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &manager,
        &format!("/api/v1/requests/{req}/approvals"),
        json!({"decision": "approved"}),
    )
    .await;
    let res = app
        .post(
            &caller,
            &format!("/api/v1/requests/{req}/transitions"),
            json!({"to": "canceled", "reason": "The start was called off"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let left = tasks_of(&app, &it, "workplace").await;
    assert!(left.iter().all(|t| t["state"] == "canceled"), "{left:?}");
    let res = move_task(&app, &it, &left[0]["number"], json!({"to": "open"})).await;
    problem(res, 409).await;
}
