//! The portal as a caller uses it without JavaScript: the catalogue and self-help, a form
//! refused field by field with the typing kept, the request's journey in the type's words,
//! replies, an approval decided by the manager, canceling; callers never land on agent pages.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Page, TestApp};

async fn desk() -> TestApp {
    let app = TestApp::spawn().await;
    app.create_group("workplace", "IT").await;
    app.user_with_token("anna@example.com", "caller").await;
    app.create_user("manfred@example.com", "caller", "de").await;
    app.patch(
        &app.admin_token,
        "/api/v1/users/anna@example.com",
        json!({"manager": "manfred@example.com"}),
    )
    .await;
    app.created(
        &app.admin_token,
        "/api/v1/request-types",
        json!({"key": "new-laptop", "department": "it", "name": "New laptop",
               "description": "A replacement or a first laptop", "assignment_group": "workplace",
               "fields": [
                   {"key": "model", "label": "Model", "kind": "choice", "choices": ["Standard", "Developer"], "required": true},
                   {"key": "reason", "label": "Why a developer model?", "kind": "long_text", "required": true,
                    "show_when": {"field": "model", "equals": "Developer"}},
                   {"key": "needed_by", "label": "Needed by", "kind": "date", "help": "The day you need it"},
                   {"key": "dock", "label": "With a docking station", "kind": "checkbox"}],
               "approval_stages": [{"name": "Manager", "approvers": {"kind": "manager"}}],
               "status_names": {"de": {"awaiting_approval": "Beim Vorgesetzten"},
                                "en": {"awaiting_approval": "With your manager"}}}),
    )
    .await;
    let problem = app
        .create_problem(
            &app.admin_token,
            json!({"title": "Laptop docking station flickers"}),
        )
        .await;
    let number = problem["number"].as_str().unwrap();
    let res = app
        .patch(
            &app.admin_token,
            &format!("/api/v1/problems/{number}"),
            json!({"root_cause": "Firmware 1.2 of the dock", "workaround": "Unplug the dock for ten seconds", "known_error": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app
}

#[tokio::test]
async fn a_caller_asks_in_the_portal_and_follows_the_request() {
    let app = desk().await;
    let anna = app.browser();
    app.sign_in(&anna, "anna@example.com").await;
    let res = anna.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "/portal",
        "callers start at the portal"
    );

    let home = Page::parse(&app.page(&anna, "/portal?q=docking").await);
    assert_eq!(
        home.texts("#self-help ~ .card b"),
        vec!["Laptop docking station flickers"]
    );
    assert!(
        home.text("body")
            .contains("Unplug the dock for ten seconds")
    );
    assert!(
        !home.text("body").contains("Firmware"),
        "no root cause for callers"
    );
    let home = Page::parse(&app.page(&anna, "/portal").await);
    assert_eq!(
        home.texts(".tiles a[href='/portal/ask/new-laptop']"),
        vec!["New laptop"]
    );
    assert!(
        !home.has("nav a[href='/incidents']"),
        "no agent pages in the navigation"
    );

    let form = Page::parse(&app.page(&anna, "/portal/ask/new-laptop").await);
    assert!(form.has("select[name='values.model'][aria-required='true']"));
    assert!(form.has("input[type=date][name='values.needed_by']"));
    assert!(
        form.text("form")
            .contains("Only needed when “Model” is “Developer”.")
    );

    let res = app
        .post_form(
            &anna,
            "/portal/ask/new-laptop",
            &[
                ("title", "Laptop for the new job"),
                ("values.model", "Developer"),
                ("values.needed_by", "soon"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = Page::parse(&res.text().await.unwrap());
    assert_eq!(refused.count(".field-error"), 2, "reason and date");
    assert!(
        refused.has("input[name=title][value='Laptop for the new job']"),
        "typing kept"
    );
    assert!(refused.has("select[name='values.model'] option[selected]"));

    let res = app
        .post_form(
            &anna,
            "/portal/ask/new-laptop",
            &[
                ("title", "Laptop for the new job"),
                ("values.model", "Standard"),
                ("values.dock", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let number = location.rsplit('/').next().unwrap().to_owned();
    let page = Page::parse(&app.page(&anna, &location).await);
    assert!(
        page.text(".facts").contains("With your manager"),
        "the type's status name"
    );
    let body = page.text("body");
    let (model, dock) = (
        body.find("Model Standard"),
        body.find("With a docking station Yes"),
    );
    assert!(
        model.is_some() && model < dock,
        "answers in the form's order: {body}"
    );
    assert!(
        !page.has("form[action$='/decision']"),
        "nobody approves their own"
    );

    let res = app
        .post_form(
            &anna,
            &format!("/portal/requests/{number}/reply"),
            &[("body", "  ")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .post_form(
            &anna,
            &format!("/portal/requests/{number}/reply"),
            &[("body", "Could it come with a German keyboard?")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let list = Page::parse(&app.page(&anna, "/portal/requests").await);
    assert_eq!(list.texts(".portal-list td a"), vec![number.clone()]);

    // The manager decides in German from "my approvals".
    let manfred = app.browser();
    app.sign_in(&manfred, "manfred@example.com").await;
    let mine = Page::parse(&app.page(&manfred, "/portal/approvals").await);
    assert_eq!(mine.texts(".card a"), vec![number.clone()]);
    let page = Page::parse(
        &app.page(&manfred, &format!("/portal/requests/{number}"))
            .await,
    );
    assert!(page.text(".facts").contains("Beim Vorgesetzten"));
    assert!(
        page.text(".portal-journal")
            .contains("Genehmigung in Stufe Manager angefragt bei manfred@example.com"),
        "the system's note in the reader's language: {}",
        page.text(".portal-journal")
    );
    let res = app
        .post_form(
            &manfred,
            &format!("/portal/requests/{number}/decision"),
            &[("decision", "rejected"), ("comment", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Sagen Sie, warum Sie ablehnen")
    );
    let res = app
        .post_form(
            &manfred,
            &format!("/portal/requests/{number}/decision"),
            &[("decision", "approved"), ("comment", "Go ahead")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = Page::parse(&app.page(&anna, &location).await);
    assert!(
        page.text(".facts").contains("Approved"),
        "{}",
        page.text(".facts")
    );
    assert!(
        page.text(".portal-journal")
            .contains("Could it come with a German keyboard?")
    );

    // Anna cancels it, saying why; then there is nothing more to do.
    let res = app
        .post_form(
            &anna,
            &format!("/portal/requests/{number}/cancel"),
            &[("reason", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .post_form(
            &anna,
            &format!("/portal/requests/{number}/cancel"),
            &[("reason", "Got one from a colleague")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = Page::parse(&app.page(&anna, &location).await);
    assert!(page.text(".facts").contains("Got one from a colleague"));
    assert!(!page.has("form[action$='/reply']"));

    // Another caller knows nothing of it.
    app.create_user("ben@example.com", "caller", "en").await;
    let ben = app.browser();
    app.sign_in(&ben, "ben@example.com").await;
    let res = ben.get(app.url(&location)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn something_broken_is_checked_against_known_errors_before_it_is_reported() {
    let app = desk().await;
    let anna = app.browser();
    app.sign_in(&anna, "anna@example.com").await;
    let page = Page::parse(
        &app.page(
            &anna,
            "/portal/report?title=Docking+station+flickers&description=",
        )
        .await,
    );
    assert!(
        page.text("#self-help ~ .card")
            .contains("Unplug the dock for ten seconds")
    );
    let problem = page
        .attr("form[action='/portal/solved'] input[name=problem]", "value")
        .unwrap();
    let res = app
        .post_form(
            &anna,
            "/portal/solved",
            &[("problem", &problem), ("query", "Docking station flickers")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{problem}: {}",
        res.text().await.unwrap()
    );
    let count = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        count("select count(*) from deflections").await,
        1,
        "counted"
    );
    assert_eq!(
        count("select count(*) from incidents").await,
        0,
        "and no ticket"
    );
    let res = app
        .post_form(
            &anna,
            "/portal/solved",
            &[("problem", "PRB0009999"), ("query", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Nothing helped: the report becomes Anna's incident, for the desk to triage.
    let res = app
        .post_form(
            &anna,
            "/portal/report",
            &[("title", " "), ("description", "x")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        Page::parse(&res.text().await.unwrap()).has("textarea#description"),
        "typing kept"
    );
    let res = app
        .post_form(
            &anna,
            "/portal/report",
            &[
                ("title", "Printer on floor 2 jams"),
                ("description", "Since Monday"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/incidents/INC"), "{location}");
    let number = location.rsplit('/').next().unwrap();
    let incident: serde_json::Value = app
        .get(&app.admin_token, &format!("/api/v1/incidents/{number}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incident["caller"], "anna@example.com");
    assert_eq!(incident["opened_by"], "anna@example.com");
    assert_eq!(incident["state"], "new");
    let page = app.page(&anna, &location).await;
    assert!(
        page.contains("Printer on floor 2 jams"),
        "Anna follows her report"
    );
}
