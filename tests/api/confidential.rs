//! Who reads what: callers read only their own incidents, work notes reach agents and above
//! only, on every surface (API, pages, CSV, search), and people are listed only to agents.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Page, TestApp};

const NOTE: &str = "Firewall rule 4711 was changed by Bernd without a change request";
const REPLY: &str = "Please restart the laptop while connected to the docking station";

struct Desk {
    agent: String,
    viewer: String,
    caller: String,
    /// The caller's incident, with a public reply and a work note.
    own: String,
    /// Another caller's incident.
    other: String,
}

async fn desk(app: &TestApp) -> Desk {
    let agent = app.user_with_token("agent@example.com", "agent").await;
    let viewer = app.user_with_token("viewer@example.com", "viewer").await;
    let caller = app.user_with_token("caller@example.com", "caller").await;
    app.create_user("other@example.com", "caller", "en").await;
    let mut numbers = Vec::new();
    for (title, who) in [
        ("Docking station not detected", "caller@example.com"),
        ("Payroll export fails", "other@example.com"),
    ] {
        let res = app
            .post(
                &agent,
                "/api/v1/incidents",
                json!({"title": title, "caller": who}),
            )
            .await;
        assert_eq!(res.status(), 201);
        let created: Value = res.json().await.unwrap();
        numbers.push(created["number"].as_str().unwrap().to_owned());
    }
    let own = numbers[0].clone();
    for (body, internal) in [(REPLY, false), (NOTE, true)] {
        let res = app
            .post(
                &agent,
                &format!("/api/v1/incidents/{own}/comments"),
                json!({"body": body, "internal": internal}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    Desk {
        agent,
        viewer,
        caller,
        own,
        other: numbers[1].clone(),
    }
}

async fn journal_text(app: &TestApp, token: &str, number: &str) -> String {
    let res = app
        .get(token, &format!("/api/v1/incidents/{number}/journal"))
        .await;
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

async fn numbers(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let res = app.get(token, path).await;
    assert_eq!(res.status(), 200, "{path}");
    let page: Value = res.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn work_notes_reach_agents_only_through_the_api() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    assert!(journal_text(&app, &d.agent, &d.own).await.contains(NOTE));
    for reader in [&d.viewer, &d.caller] {
        let journal = journal_text(&app, reader, &d.own).await;
        assert!(journal.contains(REPLY), "public replies are read");
        assert!(
            !journal.contains(NOTE),
            "no work note for a viewer or caller"
        );
        assert!(!journal.contains("work_note"));
    }
    // A work note's words do not find the incident in anyone's search (the index every reader
    // searches holds public text only); public words do.
    for reader in [&d.agent, &d.viewer, &d.caller] {
        assert!(
            numbers(&app, reader, "/api/v1/incidents?q=Bernd")
                .await
                .is_empty(),
            "a work note's words are not searchable"
        );
        assert_eq!(
            numbers(&app, reader, "/api/v1/incidents?q=docking").await,
            vec![d.own.clone()]
        );
    }
}

#[tokio::test]
async fn callers_read_their_own_incidents_and_nothing_else() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    assert_eq!(
        numbers(&app, &d.caller, "/api/v1/incidents").await,
        vec![d.own.clone()]
    );
    assert_eq!(
        numbers(&app, &d.caller, "/api/v1/incidents?q=payroll").await,
        Vec::<String>::new()
    );
    let mut all = numbers(&app, &d.viewer, "/api/v1/incidents").await;
    all.sort();
    assert_eq!(
        all,
        vec![d.own.clone(), d.other.clone()],
        "viewers read all"
    );

    let other = format!("/api/v1/incidents/{}", d.other);
    for path in [
        other.clone(),
        format!("{other}/journal"),
        format!("/api/v1/incidents/{}", d.own),
    ] {
        let expected = if path.contains(&d.own) {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(app.get(&d.caller, &path).await.status(), expected, "{path}");
    }
    for path in [
        "/api/v1/problems",
        "/api/v1/known-errors?q=docking",
        "/api/v1/users",
        "/api/v1/users/other@example.com",
    ] {
        assert_eq!(
            app.get(&d.caller, path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        app.get(&d.caller, "/api/v1/users/caller@example.com")
            .await
            .status(),
        StatusCode::OK,
        "their own account"
    );

    // CSV carries the same rows as the list.
    let csv = app
        .api
        .get(app.url("/api/v1/incidents"))
        .bearer_auth(&d.caller)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains(&d.own) && !csv.contains(&d.other), "{csv}");
}

#[tokio::test]
async fn pages_show_readers_their_scope_without_work_notes() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let (viewer, caller, agent) = (app.browser(), app.browser(), app.browser());
    app.sign_in(&viewer, "viewer@example.com").await;
    app.sign_in(&caller, "caller@example.com").await;
    app.sign_in(&agent, "agent@example.com").await;

    let own = format!("/incidents/{}", d.own);
    let page = app.page(&agent, &own).await;
    assert!(page.contains(NOTE), "agents read work notes");
    for reader in [&viewer, &caller] {
        let res = reader.get(app.url(&own)).send().await.unwrap();
        assert_eq!(res.status(), 200, "the caller's own incident opens");
        let page = res.text().await.unwrap();
        assert!(page.contains(REPLY));
        assert!(!page.contains(NOTE), "no work note on the page");
        assert!(!Page::parse(&page).has("#edit"), "no edit form");
    }
    let res = caller
        .get(app.url(&format!("/incidents/{}", d.other)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "another caller's incident is unknown");
    let queue = app.page(&caller, "/incidents?queue=all").await;
    assert!(queue.contains(&d.own) && !queue.contains(&d.other));
    assert!(
        !Page::parse(&queue).has(r#"a[href="/problems"]"#),
        "no problem navigation"
    );
    let res = caller.get(app.url("/problems")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let csv = app.page(&caller, "/incidents.csv?queue=all").await;
    assert!(csv.contains(&d.own) && !csv.contains(&d.other), "{csv}");
}

#[tokio::test]
async fn problem_work_notes_reach_agents_only() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let res = app
        .post(&d.agent, "/api/v1/problems", json!({"title": "Docking"}))
        .await;
    let number = res.json::<Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post(
            &d.agent,
            &format!("/api/v1/problems/{number}/comments"),
            json!({"body": NOTE, "internal": true}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let path = format!("/api/v1/problems/{number}/journal");
    let text = app.get(&d.agent, &path).await.text().await.unwrap();
    assert!(text.contains(NOTE));
    let res = app.get(&d.viewer, &path).await;
    assert_eq!(res.status(), 200);
    assert!(!res.text().await.unwrap().contains(NOTE));
    assert_eq!(app.get(&d.caller, &path).await.status(), 403);
}
