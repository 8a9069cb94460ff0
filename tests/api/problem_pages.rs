//! The problem pages, and known errors offered to agents while they log an incident.

use serde_json::{Value, json};

use crate::support::{Page, TestApp};

async fn setup(app: &TestApp) -> (reqwest::Client, reqwest::Client) {
    app.create_group("service-desk", "IT").await;
    app.create_user("agent@example.com", "agent", "en").await;
    app.create_user("pm@example.com", "problem_manager", "en")
        .await;
    app.patch(
        &app.admin_token,
        "/api/v1/users/agent@example.com",
        json!({"groups": ["service-desk"]}),
    )
    .await;
    let (agent, pm) = (app.browser(), app.browser());
    app.sign_in(&agent, "agent@example.com").await;
    app.sign_in(&pm, "pm@example.com").await;
    (agent, pm)
}

/// A known error made through the API.
async fn known_error(app: &TestApp, title: &str, workaround: &str) -> String {
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/problems",
            json!({"title": title}),
        )
        .await;
    let number = res.json::<Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .patch(
            &app.admin_token,
            &format!("/api/v1/problems/{number}"),
            json!({"root_cause": "Known cause", "workaround": workaround, "known_error": true}),
        )
        .await;
    assert_eq!(res.status(), 200);
    number
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_problem_manager_works_a_problem_through_its_pages() {
    let app = TestApp::spawn().await;
    let (agent, pm) = setup(&app).await;
    let res = app
        .post_form(
            &agent,
            "/problems",
            &[
                ("title", "Mail delays every Monday"),
                ("impact", "high"),
                ("urgency", "medium"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page_path = location(&res);
    let number = page_path.trim_start_matches("/problems/").to_owned();

    // Agents see no root-cause fields; problem managers do.
    let root_cause_field = |page: String| Page::parse(&page).has("[name=root_cause]");
    assert!(!root_cause_field(app.page(&agent, &page_path).await));
    assert!(root_cause_field(app.page(&pm, &page_path).await));

    let inc = app
        .post(
            &app.admin_token,
            "/api/v1/incidents",
            json!({"title": "Mail slow"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post_form(
            &agent,
            &format!("/problems/{number}/incidents"),
            &[("incident", &inc)],
        )
        .await;
    assert_eq!(res.status(), 303);

    // A known error without a workaround is refused next to the field.
    let res = app
        .post_form(
            &pm,
            &page_path,
            &[
                ("version", "1"),
                ("title", "Mail delays every Monday"),
                ("impact", "high"),
                ("urgency", "medium"),
                ("root_cause", "Backup job locks the store"),
                ("known_error", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("A known error needs a root cause and a workaround.")
    );
    let form = [
        ("version", "1"),
        ("title", "Mail delays every Monday"),
        ("impact", "high"),
        ("urgency", "medium"),
        ("root_cause", "Backup job locks the store"),
        ("workaround", "Move the backup to Sunday night"),
        ("known_error", "on"),
    ];
    assert_eq!(app.post_form(&pm, &page_path, &form).await.status(), 303);
    let incident_page = app.page(&agent, &format!("/incidents/{inc}")).await;
    assert!(
        incident_page.contains("Move the backup to Sunday night")
            && incident_page.contains(&number),
        "the incident shows the workaround"
    );

    for step in [
        vec![("to", "assessment")],
        vec![("to", "root_cause_analysis")],
        vec![
            ("to", "resolved"),
            ("resolution_code", "fix_applied"),
            ("fix_notes", "Backup rescheduled"),
            ("resolve_incidents", "on"),
        ],
    ] {
        let res = app
            .post_form(&pm, &format!("/problems/{number}/transitions"), &step)
            .await;
        assert_eq!(res.status(), 303, "{step:?}");
    }
    let page = app.page(&pm, &page_path).await;
    assert!(page.contains("is now: Resolved."), "{page}");
    let incident: Value = app
        .get(&app.admin_token, &format!("/api/v1/incidents/{inc}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incident["state"], "resolved");
    assert_eq!(incident["resolution_code"], "solved_by_problem");

    let queue = app.page(&pm, "/problems?known_error=true").await;
    assert!(queue.contains(&number));
    let csv = pm
        .get(app.url("/problems.csv?known_error=true"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("number,title,state,known_error"));
    assert!(
        csv.contains(&format!("{number},Mail delays every Monday,resolved,true")),
        "{csv}"
    );
}

#[tokio::test]
async fn agents_are_offered_known_errors_while_logging_and_on_the_incident_page() {
    let app = TestApp::spawn().await;
    let (agent, _) = setup(&app).await;
    let prb = known_error(
        &app,
        "VPN-Verbindung bricht ab",
        "Mit dem Ersatzprofil verbinden",
    )
    .await;

    let fragment = app
        .page(
            &agent,
            "/incidents/suggest?title=Keine%20VPN%20Verbindungen&description=",
        )
        .await;
    assert!(
        fragment.contains(&prb) && fragment.contains("Mit dem Ersatzprofil verbinden"),
        "{fragment}"
    );
    assert!(fragment.contains(&format!(r#"name="apply_known_error" value="{prb}""#)));
    assert!(
        app.page(&agent, "/incidents/suggest?title=Drucker&description=")
            .await
            .trim()
            .is_empty()
    );

    // One click: logged, linked, the workaround applied and the incident resolved.
    let res = app
        .post_form(
            &agent,
            "/incidents",
            &[
                ("title", "Keine VPN Verbindung"),
                ("impact", "medium"),
                ("urgency", "medium"),
                ("apply_known_error", &prb),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let path = location(&res);
    let page = app.page(&agent, &path).await;
    assert!(page.contains("the workaround was applied"), "{page}");
    let incident: Value = app
        .get(&app.admin_token, &format!("/api/v1{path}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incident["problem"], prb);
    assert_eq!(incident["state"], "resolved");
    assert_eq!(incident["resolution_code"], "workaround");

    // Logged without applying: the incident page suggests the known error, and links it.
    let res = app
        .post_form(
            &agent,
            "/incidents",
            &[
                ("title", "VPN Verbindung weg"),
                ("impact", "medium"),
                ("urgency", "medium"),
            ],
        )
        .await;
    let path = location(&res);
    let page = app.page(&agent, &path).await;
    assert!(page.contains("Known errors that match") && page.contains(&prb));
    let number = path.trim_start_matches("/incidents/");
    let res = app
        .post_form(
            &agent,
            &format!("/problems/{prb}/incidents"),
            &[("incident", number)],
        )
        .await;
    assert_eq!(res.headers()["location"], path.as_str());
    assert!(app.page(&agent, &path).await.contains(r#"id="problem""#));

    let known = app.page(&agent, "/known-errors?q=Verbindungen").await;
    assert!(known.contains(&prb) && known.contains("Mit dem Ersatzprofil verbinden"));
}

#[tokio::test]
async fn a_problem_is_made_from_an_incident_page() {
    let app = TestApp::spawn().await;
    let (agent, _) = setup(&app).await;
    let inc = app
        .post(
            &app.admin_token,
            "/api/v1/incidents",
            json!({"title": "Disk errors on file server"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post_form(&agent, &format!("/incidents/{inc}/problem"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let path = location(&res);
    assert!(path.starts_with("/problems/PRB"));
    let page = app.page(&agent, &path).await;
    assert!(page.contains("Disk errors on file server") && page.contains(&inc));
    let res = app
        .post_form(&agent, &format!("/incidents/{inc}/problem"), &[])
        .await;
    assert_eq!(
        location(&res),
        format!("/incidents/{inc}"),
        "already linked: back with a message"
    );
    assert!(
        app.page(&agent, &format!("/incidents/{inc}"))
            .await
            .contains("is linked to problem")
    );
}

#[tokio::test]
async fn the_candidates_page_turns_a_cluster_into_a_problem_in_one_click() {
    let app = TestApp::spawn().await;
    let (agent, _) = setup(&app).await;
    let mut numbers = Vec::new();
    for title in [
        "Printer on floor 3 jams",
        "Printers floor 3 jam paper",
        "printer jams on floor 3 again",
    ] {
        let res = app
            .post(
                &app.admin_token,
                "/api/v1/incidents",
                json!({"title": title}),
            )
            .await;
        numbers.push(
            res.json::<Value>().await.unwrap()["number"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let page = app.page(&agent, "/problems/candidates").await;
    assert!(numbers.iter().all(|n| page.contains(n.as_str())), "{page}");
    let form: Vec<(&str, &str)> = numbers.iter().map(|n| ("incidents", n.as_str())).collect();
    let res = app.post_form(&agent, "/problems/candidates", &form).await;
    assert_eq!(res.status(), 303);
    let problem_page = app.page(&agent, &location(&res)).await;
    assert!(
        numbers.iter().all(|n| problem_page.contains(n.as_str())),
        "all linked"
    );
    assert!(
        app.page(&agent, "/problems/candidates")
            .await
            .contains("No clusters of similar incidents right now.")
    );
}

#[tokio::test]
async fn a_stale_problem_edit_keeps_the_other_change_and_marks_fields_both_changed() {
    let app = TestApp::spawn().await;
    let (_agent, pm) = setup(&app).await;
    let number = known_error(&app, "Mail delays", "Restart the connector").await;
    let path = format!("/problems/{number}");
    let page = app.page(&pm, &path).await;
    assert_eq!(
        Page::parse(&page).attr(r#"input[name="base.title"]"#, "value"),
        Some("Mail delays".into())
    );

    // A colleague changes the title and the workaround while the page is open.
    let res = app
        .patch(
            &app.admin_token,
            &format!("/api/v1/problems/{number}"),
            json!({"title": "Mail delays every Monday", "workaround": "Restart the mail connector"}),
        )
        .await;
    assert_eq!(res.status(), 200);

    // We change the urgency and the workaround from the stale page.
    let stale = [
        ("version", "2"),
        ("base.title", "Mail delays"),
        ("title", "Mail delays"),
        ("base.description", ""),
        ("description", ""),
        ("base.impact", "medium"),
        ("impact", "medium"),
        ("base.urgency", "medium"),
        ("urgency", "high"),
        ("base.assignment_group", ""),
        ("assignment_group", ""),
        ("base.root_cause", "Known cause"),
        ("root_cause", "Known cause"),
        ("base.workaround", "Restart the connector"),
        ("workaround", "Reboot the server"),
        ("base.known_error", "on"),
        ("known_error", "on"),
    ];
    let res = app.post_form(&pm, &path, &stale).await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert_eq!(
        Page::parse(&page).attr("input#title", "value"),
        Some("Mail delays every Monday".into()),
        "the untouched title holds the colleague's change"
    );
    assert!(
        page.contains("Changed by someone else too; it is now: Restart the mail connector."),
        "the workaround both changed is marked"
    );
    assert!(page.contains("Reboot the server"), "our typing is kept");

    // Saving the re-rendered form: both changes survive.
    let again = [
        ("version", "3"),
        ("base.title", "Mail delays every Monday"),
        ("title", "Mail delays every Monday"),
        ("base.urgency", "medium"),
        ("urgency", "high"),
        ("base.impact", "medium"),
        ("impact", "medium"),
        ("base.root_cause", "Known cause"),
        ("root_cause", "Known cause"),
        ("base.workaround", "Restart the mail connector"),
        ("workaround", "Reboot the server"),
        ("base.known_error", "on"),
        ("known_error", "on"),
    ];
    assert_eq!(app.post_form(&pm, &path, &again).await.status(), 303);
    let problem: Value = app
        .get(&app.admin_token, &format!("/api/v1/problems/{number}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(problem["title"], "Mail delays every Monday");
    assert_eq!(problem["urgency"], "high");
    assert_eq!(problem["workaround"], "Reboot the server");
    assert_eq!(problem["known_error"], true);
}
