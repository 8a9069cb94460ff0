//! The incident pages through a browser-like client: queues, saved views, CSV, bulk edit,
//! the new-incident form, editing with conflicts, workflow buttons and comments.

use serde_json::{Value, json};

use crate::support::{Page, TestApp};

async fn setup(app: &TestApp) -> reqwest::Client {
    app.create_group("service-desk", "IT").await;
    app.create_user("agent@example.com", "agent", "en").await;
    app.join_groups("agent@example.com", &["service-desk"])
        .await;
    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    browser
}

async fn create(app: &TestApp, body: Value) -> String {
    let created = app.create_incident(&app.admin_token, body).await;
    created["number"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_new_incident_form_logs_an_incident_or_shows_errors_at_the_fields() {
    let app = TestApp::spawn().await;
    let browser = setup(&app).await;
    let page = app.page(&browser, "/incidents/new").await;
    assert_eq!(
        Page::parse(&page).attr("#assignment_group option[selected]", "value"),
        Some("service-desk".into()),
        "the agent's only group is preselected"
    );

    let res = app
        .post_form(
            &browser,
            "/incidents",
            &[
                ("title", ""),
                ("impact", "high"),
                ("urgency", "high"),
                ("caller", "nope"),
                ("assignment_group", "service-desk"),
                ("description", "typed text"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("This field is required.")
            && page.contains("This is not a valid e-mail address.")
    );
    assert!(page.contains("typed text"), "what was typed stays");

    let res = app
        .post_form(
            &browser,
            "/incidents",
            &[
                ("title", "Beamer im Raum 4 flackert"),
                ("impact", "high"),
                ("urgency", "medium"),
                ("caller", "anna@example.com"),
                ("assignment_group", "service-desk"),
                ("assignee", "agent@example.com"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let page = app.page(&browser, &location).await;
    assert!(page.contains("Beamer im Raum 4 flackert") && page.contains(">P2<"));
    assert!(page.contains("logged."), "flash");
}

#[tokio::test]
async fn queues_filter_save_views_export_and_page() {
    let app = TestApp::spawn().await;
    let browser = setup(&app).await;
    let mine = create(&app, json!({"title": "Mine", "assignment_group": "service-desk", "assignee": "agent@example.com"})).await;
    let unassigned = create(&app, json!({"title": "Nobody's", "assignment_group": "service-desk", "impact": "high", "urgency": "high"})).await;
    let elsewhere = create(&app, json!({"title": "Somewhere else"})).await;

    let page = app.page(&browser, "/incidents?queue=mine").await;
    assert!(page.contains(&mine) && !page.contains(&unassigned) && !page.contains(&elsewhere));
    let page = app.page(&browser, "/incidents?queue=groups").await;
    assert!(page.contains(&mine) && page.contains(&unassigned) && !page.contains(&elsewhere));
    let page = app.page(&browser, "/incidents?queue=unassigned").await;
    assert!(!page.contains(&mine) && page.contains(&unassigned) && page.contains(&elsewhere));
    let page = app.page(&browser, "/incidents?queue=open&priority=1").await;
    assert!(page.contains(&unassigned) && !page.contains(&mine));
    let page = app.page(&browser, "/incidents?queue=open&q=nobody").await;
    assert!(page.contains(&unassigned) && !page.contains(&elsewhere));

    let res = app
        .post_form(
            &browser,
            "/incidents/views",
            &[
                ("name", "Urgent desk"),
                ("query", "queue=groups&priority=1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = app.page(&browser, "/").await;
    assert!(
        page.contains(r#"href="/incidents?queue=groups&#38;priority=1""#)
            && page.contains("Urgent desk"),
        "the view is in the navigation"
    );

    // The view can be deleted again from the queue page.
    let queue = app.page(&browser, "/incidents").await;
    let start = queue.find("/incidents/views/").expect("a delete button");
    let action = &queue[start..start + queue[start..].find('"').unwrap()];
    assert_eq!(app.post_form(&browser, action, &[]).await.status(), 303);
    assert!(
        !app.page(&browser, "/").await.contains("Urgent desk"),
        "the view is gone"
    );

    let res = browser
        .get(app.url("/incidents.csv?queue=groups"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("incidents.csv")
    );
    let csv = res.text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "header and two rows: {csv}");

    for n in 0..55 {
        create(&app, json!({"title": format!("Bulk {n}")})).await;
    }
    let page = app.page(&browser, "/incidents?queue=open").await;
    let next_start =
        page.find(r#"rel="next" href=""#).expect("a next page") + r#"rel="next" href=""#.len();
    let next = page[next_start..next_start + page[next_start..].find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let second = app.page(&browser, &next).await;
    assert!(second.contains(&mine), "the oldest rows are on page two");
}

#[tokio::test]
async fn bulk_edit_applies_row_by_row_and_reports_failures_by_number() {
    let app = TestApp::spawn().await;
    let browser = setup(&app).await;
    let a = create(&app, json!({"title": "A"})).await;
    let b = create(&app, json!({"title": "B"})).await;
    let closed = create(&app, json!({"title": "C"})).await;
    app.post(
        &app.admin_token,
        &format!("/api/v1/incidents/{closed}/transitions"),
        json!({"to": "canceled", "reason": "dup"}),
    )
    .await;

    let res = app
        .post_form(
            &browser,
            "/incidents/bulk",
            &[
                ("numbers", &a),
                ("numbers", &b),
                ("numbers", &closed),
                ("action", "transition"),
                ("to", "on_hold"),
                ("hold_reason", "awaiting_vendor"),
                ("back", "queue=all"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/incidents?queue=all");
    let page = app.page(&browser, "/incidents?queue=all").await;
    assert!(page.contains(&format!("Done: {a}, {b}")), "{page}");
    assert!(page.contains(&format!(
        "{closed}: An incident in state canceled cannot move to on_hold"
    )));
    for number in [&a, &b] {
        let incident: Value = app
            .get(&app.admin_token, &format!("/api/v1/incidents/{number}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(incident["state"], "on_hold");
    }
    let res = app
        .post_form(
            &browser,
            "/incidents/bulk",
            &[
                ("numbers", &a),
                ("action", "assign"),
                ("assignment_group", "service-desk"),
                ("assignee", "agent@example.com"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let incident: Value = app
        .get(&app.admin_token, &format!("/api/v1/incidents/{a}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incident["assignee"], "agent@example.com");
}

#[tokio::test]
async fn a_stale_edit_shows_the_other_change_and_keeps_the_typing() {
    let app = TestApp::spawn().await;
    let browser = setup(&app).await;
    let number = create(
        &app,
        json!({"title": "Shared screen", "assignment_group": "service-desk"}),
    )
    .await;
    let page = app.page(&browser, &format!("/incidents/{number}")).await;
    assert_eq!(
        Page::parse(&page).attr("input[name=version]", "value"),
        Some("1".into())
    );
    let seen_start = page.find(r#"name="seen" value=""#).unwrap() + r#"name="seen" value=""#.len();
    let seen = page[seen_start..seen_start + page[seen_start..].find('"').unwrap()].to_owned();

    // Someone else changes the title first.
    let res = app
        .patch(
            &app.admin_token,
            &format!("/api/v1/incidents/{number}"),
            json!({"title": "Shared screen flickers"}),
        )
        .await;
    assert_eq!(res.status(), 200);

    // The form as the page posts it: each field with the value it was rendered with.
    let base = [
        ("base.title", "Shared screen"),
        ("base.description", ""),
        ("base.impact", "medium"),
        ("base.urgency", "medium"),
        ("base.caller", ""),
        ("base.service", ""),
        ("base.category", ""),
        ("base.assignment_group", "service-desk"),
        ("base.assignee", ""),
        ("base.parent", ""),
        ("base.major", ""),
    ];
    let mut form = vec![
        ("version", "1"),
        ("seen", seen.as_str()),
        ("title", "Shared screen"),
        ("description", "My careful notes"),
        ("impact", "medium"),
        ("urgency", "high"),
        ("assignment_group", "service-desk"),
    ];
    form.extend(base);
    let res = app
        .post_form(&browser, &format!("/incidents/{number}"), &form)
        .await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains("Someone else saved this first."));
    let form = Page::parse(&page);
    assert_eq!(
        form.attr("input#title", "value"),
        Some("Shared screen flickers".into()),
        "the title we did not touch now holds the other change"
    );
    assert_eq!(
        form.attr(r#"input[name="base.title"]"#, "value"),
        Some("Shared screen flickers".into()),
        "saving again compares with the current values"
    );
    assert!(page.contains("My careful notes"), "the typing is kept");
    assert!(
        !page.contains("Changed by someone else too"),
        "no field changed by both"
    );
    assert_eq!(
        form.attr("input[name=version]", "value"),
        Some("2".into()),
        "saving again applies on top"
    );
    let incident: Value = app
        .get(&app.admin_token, &format!("/api/v1/incidents/{number}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incident["description"], "", "nothing was overwritten");

    // Saving the re-rendered form keeps both changes, even with the stale title still typed
    // by a client that posts every field: only the fields that differ from the base are sent.
    let again = [
        ("version", "2"),
        ("base.title", "Shared screen flickers"),
        ("title", "Shared screen flickers"),
        ("base.description", ""),
        ("description", "My careful notes"),
        ("base.impact", "medium"),
        ("impact", "medium"),
        ("base.urgency", "medium"),
        ("urgency", "high"),
        ("base.assignment_group", "service-desk"),
        ("assignment_group", "service-desk"),
    ];
    assert_eq!(
        app.post_form(&browser, &format!("/incidents/{number}"), &again)
            .await
            .status(),
        303
    );
    let incident: Value = app
        .get(&app.admin_token, &format!("/api/v1/incidents/{number}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        incident["title"], "Shared screen flickers",
        "the other change survives"
    );
    assert_eq!(incident["description"], "My careful notes");
    assert_eq!(incident["urgency"], "high");
}

#[tokio::test]
async fn a_field_changed_by_both_is_marked_and_keeps_the_readers_value() {
    let app = TestApp::spawn().await;
    let browser = setup(&app).await;
    let number = create(&app, json!({"title": "Printer jam"})).await;
    let res = app
        .patch(
            &app.admin_token,
            &format!("/api/v1/incidents/{number}"),
            json!({"title": "Printer jam on floor 2"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let form = [
        ("version", "1"),
        ("base.title", "Printer jam"),
        ("title", "Printer jams every morning"),
        ("base.impact", "medium"),
        ("impact", "medium"),
        ("base.urgency", "medium"),
        ("urgency", "medium"),
    ];
    let res = app
        .post_form(&browser, &format!("/incidents/{number}"), &form)
        .await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains("Changed by someone else too; it is now: Printer jam on floor 2."));
    assert_eq!(
        Page::parse(&page).attr("input#title", "value"),
        Some("Printer jams every morning".into())
    );
}

#[tokio::test]
async fn workflow_buttons_offer_only_allowed_moves_and_comments_land_in_the_timeline() {
    let app = TestApp::spawn().await;
    let browser = setup(&app).await;
    let number = create(
        &app,
        json!({"title": "Keyboard sticky", "assignment_group": "service-desk"}),
    )
    .await;
    let page = app.page(&browser, &format!("/incidents/{number}")).await;
    for to in ["in_progress", "on_hold", "resolved", "canceled"] {
        assert!(
            Page::parse(&page).has(&format!("[data-to={to}]")),
            "{to} offered"
        );
    }
    assert!(
        !Page::parse(&page).has("[data-to=closed]"),
        "closing needs a resolution first"
    );

    let res = app
        .post_form(
            &browser,
            &format!("/incidents/{number}/transitions"),
            &[
                ("to", "resolved"),
                ("version", "1"),
                ("resolution_code", "workaround"),
                ("resolution_notes", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("This field is required.")
    );
    let res = app
        .post_form(
            &browser,
            &format!("/incidents/{number}/transitions"),
            &[("to", "in_progress"), ("version", "1")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(
            &browser,
            &format!("/incidents/{number}/comments"),
            &[("body", "Sent a new keyboard."), ("internal", "on")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = app.page(&browser, &format!("/incidents/{number}")).await;
    assert!(page.contains("is now: In progress."));
    assert!(page.contains("kind-work_note") && page.contains("Sent a new keyboard."));
    let moves = Page::parse(&page);
    assert!(moves.has("[data-to=on_hold]") && !moves.has("[data-to=in_progress]"));

    // A move the workflow forbids (a stale button) is explained, not a crash.
    let res = app
        .post_form(
            &browser,
            &format!("/incidents/{number}/transitions"),
            &[("to", "closed")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        app.page(&browser, &format!("/incidents/{number}"))
            .await
            .contains("cannot move to closed")
    );
}

#[tokio::test]
async fn viewers_see_incidents_without_forms_and_pages_speak_german() {
    let app = TestApp::spawn().await;
    app.create_user("viewer@example.com", "viewer", "de").await;
    let number = create(&app, json!({"title": "Nur lesen"})).await;
    let browser = app.browser();
    app.sign_in(&browser, "viewer@example.com").await;
    let page = app.page(&browser, &format!("/incidents/{number}")).await;
    assert!(page.contains("Nur lesen") && page.contains("Verlauf") && page.contains("Neu"));
    let read_only = Page::parse(&page);
    assert!(
        !read_only.has("#edit") && !read_only.has("[data-to]"),
        "no forms for viewers"
    );
    let res = app
        .post_form(
            &browser,
            &format!("/incidents/{number}/comments"),
            &[("body", "x")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let queue = app.page(&browser, "/incidents").await;
    assert!(queue.contains("Alle offenen") && queue.contains(&number));
}
