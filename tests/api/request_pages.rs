//! The agent pages of requests and tasks: the queue, one request moved and noted on, and a
//! task finished from the group's task queue, which fulfils the request.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Page, TestApp};

#[tokio::test]
async fn an_agent_works_a_request_and_its_task_in_the_pages() {
    let app = TestApp::spawn().await;
    app.create_group("building-services", "Facilities").await;
    app.create_group("service-desk", "IT").await;
    app.create_user("fm@example.com", "agent", "en").await;
    app.join_groups("fm@example.com", &["building-services"])
        .await;
    let caller = app.user_with_token("anna@example.com", "caller").await;
    app.created(
        &app.admin_token,
        "/api/v1/request-types",
        json!({"key": "desk-repair", "department": "facilities", "name": "Desk repair",
               "assignment_group": "building-services",
               "fields": [{"key": "room", "label": "Room", "kind": "text", "required": true}],
               "tasks": [{"key": "repair", "title": "Repair the chair", "group": "building-services"}]}),
    )
    .await;
    let other = app
        .created(
            &caller,
            "/api/v1/requests",
            json!({"request_type": "desk-repair", "title": "Lamp flickers", "values": {"room": "B2.14"}}),
        )
        .await;
    let request = app
        .created(
            &caller,
            "/api/v1/requests",
            json!({"request_type": "desk-repair", "title": "Chair is broken", "values": {"room": "B2.14"}}),
        )
        .await;
    let number = request["number"].as_str().unwrap().to_owned();
    assert_eq!(
        request["state"], "in_progress",
        "no approval: straight to work"
    );

    let fm = app.browser();
    app.sign_in(&fm, "fm@example.com").await;
    let queue = Page::parse(&app.page(&fm, "/requests?state=in_progress").await);
    assert_eq!(
        queue.texts("#requests tbody td:first-child a"),
        vec![number.clone(), other["number"].as_str().unwrap().to_owned()]
    );
    let page = Page::parse(&app.page(&fm, &format!("/requests/{number}")).await);
    assert!(
        page.text(".facts").contains("Room B2.14"),
        "answers under their labels: {}",
        page.text(".facts")
    );
    assert_eq!(
        page.texts("table.queue td:nth-child(2)"),
        vec!["Repair the chair"]
    );
    // The caller's other records, this one left out.
    let incident = app
        .create_incident(
            &app.admin_token,
            json!({"title": "Badge reader at door 3", "caller": "anna@example.com"}),
        )
        .await;
    let page = Page::parse(&app.page(&fm, &format!("/requests/{number}")).await);
    assert_eq!(
        page.texts("#journey li a"),
        vec![
            other["number"].as_str().unwrap().to_owned(),
            incident["number"].as_str().unwrap().to_owned()
        ]
    );
    assert!(page.has("#journey a[href='/requests?caller=anna%40example.com']"));
    // Moves made by approvals are not offered by hand.
    assert!(!page.has("select#to option[value=approved]"));

    let res = app
        .post_form(
            &fm,
            &format!("/requests/{number}/comments"),
            &[("body", "Spare part ordered"), ("internal", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app
        .post_form(
            &fm,
            &format!("/requests/{number}/move"),
            &[("to", "fulfilled"), ("reason", ""), ("version", "1")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "a stale version is said, not applied"
    );
    let version = app
        .get(&caller, &format!("/api/v1/requests/{number}"))
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["version"]
        .to_string();
    let res = app
        .post_form(
            &fm,
            &format!("/requests/{number}/move"),
            &[("to", "fulfilled"), ("reason", ""), ("version", &version)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        Page::parse(&res.text().await.unwrap()).has(".field-error"),
        "the reason is asked for"
    );

    // The group's task queue: start, then done; the request is fulfilled.
    let tasks = Page::parse(&app.page(&fm, "/tasks").await);
    let titles = tasks.texts("#tasks tbody td:nth-child(3)");
    assert!(
        titles.iter().all(|t| t == "Repair the chair") && titles.len() == 2,
        "{titles:?}"
    );
    let task: serde_json::Value = app
        .get(
            &app.admin_token,
            &format!("/api/v1/requests/{number}/tasks"),
        )
        .await
        .json()
        .await
        .unwrap();
    let task_number = task[0]["number"].as_str().unwrap().to_owned();
    let res = app
        .post_form(
            &fm,
            &format!("/tasks/{task_number}/move"),
            &[("to", "done"), ("version", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let done: serde_json::Value = app
        .get(&caller, &format!("/api/v1/requests/{number}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["state"], "fulfilled");
    let theirs: Vec<serde_json::Value> = app
        .get(&caller, &format!("/api/v1/requests/{number}/journal"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        theirs.iter().all(|e| e["body"] != "Spare part ordered"),
        "the work note stays with agents"
    );

    // A caller does not get the agent pages.
    let anna = app.browser();
    app.sign_in(&anna, "anna@example.com").await;
    let res = anna.get(app.url("/requests")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
