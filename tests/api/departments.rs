//! Departments and confidentiality: an HR case reaches the members of HR's groups and its
//! caller, and nobody else — not an IT agent, not a viewer, not an admin outside HR — on any
//! surface, each answering as if the record did not exist.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Page, TestApp, fields, problem};

/// An HR case and an HR known error beside an IT incident, and the people around them.
struct Desk {
    app: TestApp,
    hr_agent: String,
    it_agent: String,
    viewer: String,
    caller: String,
    other_caller: String,
    hr_case: String,
    hr_problem: String,
    it_incident: String,
}

async fn desk() -> Desk {
    let app = TestApp::spawn().await;
    app.create_group("people-ops", "HR").await;
    app.create_group("service-desk", "IT").await;
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/departments/hr",
            json!({"confidential": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let hr_agent = app
        .user_with_token("hr@example.com", "problem_manager")
        .await;
    app.join_groups("hr@example.com", &["people-ops"]).await;
    let it_agent = app.user_with_token("it@example.com", "agent").await;
    app.join_groups("it@example.com", &["service-desk"]).await;
    let viewer = app.user_with_token("viewer@example.com", "viewer").await;
    let caller = app.user_with_token("caller@example.com", "caller").await;
    let other_caller = app.user_with_token("other@example.com", "caller").await;
    app.created(
        &app.admin_token,
        "/api/v1/services",
        json!({"key": "payroll", "name": "Payroll", "owner_group": "people-ops"}),
    )
    .await;

    let number = |v: &Value| v["number"].as_str().unwrap().to_owned();
    let hr_case = number(
        &app.create_incident(
            &hr_agent,
            json!({"title": "Salary statement shows the wrong grade", "service": "payroll",
                   "caller": "caller@example.com", "assignment_group": "people-ops"}),
        )
        .await,
    );
    let hr_problem = number(
        &app.create_problem(
            &hr_agent,
            json!({"title": "Salary grades imported twice", "service": "payroll"}),
        )
        .await,
    );
    let res = app
        .patch(
            &hr_agent,
            &format!("/api/v1/problems/{hr_problem}"),
            json!({"known_error": true, "root_cause": "Grade import ran twice",
                   "workaround": "Salary statement corrected by hand"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let it_incident = number(
        &app.create_incident(
            &it_agent,
            json!({"title": "Salary statement printer jams", "assignment_group": "service-desk",
                   "caller": "other@example.com"}),
        )
        .await,
    );
    Desk {
        app,
        hr_agent,
        it_agent,
        viewer,
        caller,
        other_caller,
        hr_case,
        hr_problem,
        it_incident,
    }
}

async fn numbers(app: &TestApp, token: &str, path: &str) -> Vec<String> {
    let res = app.get(token, path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    let page: Value = res.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_owned())
        .collect()
}

async fn csv(app: &TestApp, token: &str) -> String {
    app.api
        .get(app.url("/api/v1/incidents"))
        .bearer_auth(token)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_confidential_case_is_unknown_to_everyone_outside_its_department_through_the_api() {
    let d = desk().await;
    let app = &d.app;
    let outsiders = [
        ("IT agent", d.it_agent.clone()),
        ("viewer", d.viewer.clone()),
        ("admin outside HR", app.admin_token.clone()),
    ];
    let case = format!("/api/v1/incidents/{}", d.hr_case);
    let prb = format!("/api/v1/problems/{}", d.hr_problem);
    for (who, token) in &outsiders {
        for path in [
            case.clone(),
            format!("{case}/journal"),
            prb.clone(),
            format!("{prb}/journal"),
        ] {
            problem(app.get(token, &path).await, 404).await;
        }
        let listed = numbers(app, token, "/api/v1/incidents").await;
        assert!(
            listed.contains(&d.it_incident) && !listed.contains(&d.hr_case),
            "{who}: {listed:?}"
        );
        let found = numbers(app, token, "/api/v1/incidents?q=salary").await;
        assert_eq!(
            found,
            std::slice::from_ref(&d.it_incident),
            "{who} searches"
        );
        let by_number = numbers(app, token, &format!("/api/v1/incidents?q={}", d.hr_case)).await;
        assert!(by_number.is_empty(), "{who} types the number");
        let export = csv(app, token).await;
        assert!(
            export.contains("printer jams") && !export.contains("wrong grade"),
            "{who}: {export}"
        );
        assert!(
            numbers(app, token, "/api/v1/problems").await.is_empty(),
            "{who}"
        );
        let known: Vec<Value> = app
            .get(token, "/api/v1/known-errors?q=salary")
            .await
            .json()
            .await
            .unwrap();
        assert!(known.is_empty(), "{who}: {known:?}");
    }
    // Naming the hidden problem in a list filter is naming an unknown one.
    let res = app
        .get(
            &d.it_agent,
            &format!("/api/v1/incidents?problem={}", d.hr_problem),
        )
        .await;
    assert_eq!(fields(&problem(res, 422).await), ["problem"]);
    assert!(
        numbers(
            app,
            &d.it_agent,
            &format!("/api/v1/incidents?q={}", d.hr_problem)
        )
        .await
        .is_empty()
    );
    // Writing is no way around it: the same 404 for every change.
    let it = &d.it_agent;
    problem(app.patch(it, &case, json!({"title": "x"})).await, 404).await;
    problem(
        app.move_incident(it, &d.hr_case, json!({"to": "in_progress"}))
            .await,
        404,
    )
    .await;
    problem(
        app.post(it, &format!("{case}/comments"), json!({"body": "x"}))
            .await,
        404,
    )
    .await;
    let res = app
        .post(
            it,
            &format!("{prb}/incidents"),
            json!({"incident": d.it_incident}),
        )
        .await;
    problem(res, 404).await;
    let it_problem = app
        .create_problem(it, json!({"title": "Printers jam"}))
        .await;
    let res = app
        .post(
            it,
            &format!(
                "/api/v1/problems/{}/incidents",
                it_problem["number"].as_str().unwrap()
            ),
            json!({"incident": d.hr_case}),
        )
        .await;
    assert_eq!(
        fields(&problem(res, 422).await),
        ["incident"],
        "linking it from outside: as unknown as a number never used"
    );
    // Naming it as a parent is naming an unknown incident.
    let res = app
        .post(
            it,
            "/api/v1/incidents",
            json!({"title": "Follow-up", "parent": d.hr_case}),
        )
        .await;
    assert_eq!(fields(&problem(res, 422).await), ["parent"]);
    // Linked to an open problem by a member, it stays out of that problem's incidents and
    // journal for everyone else.
    let it_number = it_problem["number"].as_str().unwrap();
    let res = app
        .post(
            &d.hr_agent,
            &format!("/api/v1/problems/{it_number}/incidents"),
            json!({"incident": d.hr_case}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "members may link it");
    let linked: Vec<Value> = app
        .get(it, &format!("/api/v1/problems/{it_number}/incidents"))
        .await
        .json()
        .await
        .unwrap();
    assert!(linked.is_empty(), "{linked:?}");
    let journal: Vec<Value> = app
        .get(it, &format!("/api/v1/problems/{it_number}/journal"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !journal.iter().any(|e| e.to_string().contains(&d.hr_case)),
        "{journal:?}"
    );
    let members_journal = app
        .get(
            &d.hr_agent,
            &format!("/api/v1/problems/{it_number}/journal"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(members_journal.contains(&d.hr_case), "members see the link");
    // Problem candidates cluster what the reader may read.
    for title in ["Payslip grade wrong again", "Payslip grade wrong for March"] {
        app.create_incident(
            &d.hr_agent,
            json!({"title": title, "service": "payroll", "assignment_group": "people-ops"}),
        )
        .await;
    }
    let candidates = |token: String| async move {
        app.get(&token, "/api/v1/problem-candidates?days=30&min_size=2")
            .await
            .text()
            .await
            .unwrap()
    };
    assert!(
        candidates(d.hr_agent.clone())
            .await
            .contains("Payslip grade")
    );
    let outside = candidates(it.clone()).await;
    assert!(!outside.contains("Payslip"), "{outside}");
    // Another caller of the desk does not see it either.
    problem(app.get(&d.other_caller, &case).await, 404).await;
}

#[tokio::test]
async fn members_and_the_caller_read_the_confidential_case() {
    let d = desk().await;
    let app = &d.app;
    let case = format!("/api/v1/incidents/{}", d.hr_case);
    for (path, department) in [
        (case.clone(), "hr"),
        (format!("/api/v1/incidents/{}", d.it_incident), "it"),
        (format!("/api/v1/problems/{}", d.hr_problem), "hr"),
    ] {
        let record: Value = app.get(&d.hr_agent, &path).await.json().await.unwrap();
        assert_eq!(record["department"], department, "{path}");
    }
    let listed: Value = app
        .get(&d.hr_agent, "/api/v1/incidents?q=salary")
        .await
        .json()
        .await
        .unwrap();
    let departments: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["department"].as_str().unwrap())
        .collect();
    assert_eq!(departments.len(), 2);
    assert!(departments.contains(&"hr") && departments.contains(&"it"));
    for token in [&d.hr_agent, &d.caller] {
        assert_eq!(app.get(token, &case).await.status(), StatusCode::OK);
        assert_eq!(
            app.get(token, &format!("{case}/journal")).await.status(),
            StatusCode::OK
        );
    }
    assert_eq!(
        numbers(app, &d.hr_agent, "/api/v1/incidents?q=salary")
            .await
            .len(),
        2,
        "members find both"
    );
    assert_eq!(
        numbers(app, &d.caller, "/api/v1/incidents").await,
        std::slice::from_ref(&d.hr_case),
        "the caller their own"
    );
    problem(
        app.get(&d.caller, &format!("/api/v1/problems/{}", d.hr_problem))
            .await,
        403,
    )
    .await;
    let known: Vec<Value> = app
        .get(&d.hr_agent, "/api/v1/known-errors?q=salary")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(known.len(), 1, "members are offered their known errors");
    // An admin who joins HR reads it; leaving makes it unknown again.
    app.create_user("hradmin@example.com", "admin", "en").await;
    let hr_admin =
        leitstand::service::auth::create_token_as_operator(&app.db, "hradmin@example.com", "tests")
            .await
            .unwrap()
            .secret;
    problem(app.get(&hr_admin, &case).await, 404).await;
    app.join_groups("hradmin@example.com", &["people-ops"])
        .await;
    assert_eq!(app.get(&hr_admin, &case).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn pages_keep_the_confidential_case_to_its_department() {
    let d = desk().await;
    let app = &d.app;
    let it = app.browser();
    app.sign_in(&it, "it@example.com").await;
    let res = it
        .get(app.url(&format!("/incidents/{}", d.hr_case)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let queue = app.page(&it, "/incidents?queue=all").await;
    assert!(queue.contains(&d.it_incident) && !queue.contains(&d.hr_case));
    let search = app.page(&it, "/incidents?queue=all&q=salary").await;
    assert!(!search.contains("wrong grade"), "{search}");
    let export = app.page(&it, "/incidents.csv?queue=all").await;
    assert!(!export.contains("wrong grade"));
    let res = it
        .get(app.url(&format!("/problems/{}", d.hr_problem)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The caller's journey on an incident page shows what the reader may read.
    let it_call = app
        .create_incident(
            &d.it_agent,
            json!({"title": "Laptop for the new contract", "caller": "caller@example.com"}),
        )
        .await;
    let it_call = it_call["number"].as_str().unwrap();
    let page = Page::parse(&app.page(&it, &format!("/incidents/{it_call}")).await);
    assert!(
        !page.has("#journey"),
        "the HR case is not part of it for IT"
    );

    let hr = app.browser();
    app.sign_in(&hr, "hr@example.com").await;
    let page = Page::parse(&app.page(&hr, &format!("/incidents/{}", d.hr_case)).await);
    assert!(page.has("#edit"), "members work it");
    let journey = page.texts("#journey li a");
    assert_eq!(
        journey,
        [it_call],
        "HR sees the caller's IT incident beside the case"
    );
}

#[tokio::test]
async fn lists_filter_by_caller_within_the_readers_scope() {
    let d = desk().await;
    let app = &d.app;
    let of_caller = numbers(
        app,
        &d.hr_agent,
        "/api/v1/incidents?caller=caller@example.com",
    )
    .await;
    assert_eq!(of_caller, std::slice::from_ref(&d.hr_case));
    assert!(
        numbers(
            app,
            &d.it_agent,
            "/api/v1/incidents?caller=caller@example.com"
        )
        .await
        .is_empty(),
        "the HR case stays hidden from IT"
    );
    assert_eq!(
        numbers(
            app,
            &d.it_agent,
            "/api/v1/incidents?caller=other@example.com"
        )
        .await,
        std::slice::from_ref(&d.it_incident)
    );
    let res = app
        .get(&d.it_agent, "/api/v1/incidents?caller=nobody@example.com")
        .await;
    assert_eq!(fields(&problem(res, 422).await), ["caller"]);
    assert!(
        numbers(
            app,
            &d.viewer,
            "/api/v1/incidents?caller=nobody@example.com"
        )
        .await
        .is_empty(),
        "a viewer does not learn which addresses have accounts"
    );
}

#[tokio::test]
async fn admins_keep_departments_and_their_confidentiality() {
    let app = TestApp::spawn().await;
    app.create_group("people-ops", " HR ").await;
    let listed: Value = app
        .get(&app.admin_token, "/api/v1/departments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["items"],
        json!([{"key": "hr", "name": "HR", "confidential": false, "group_count": 1}]),
        "a group's department text makes the department"
    );
    let created = app
        .created(
            &app.admin_token,
            "/api/v1/departments",
            json!({"key": "finance", "name": "Finance", "confidential": true}),
        )
        .await;
    assert_eq!(created["confidential"], true);
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/departments",
            json!({"key": "finance", "name": "Twice"}),
        )
        .await;
    problem(res, 409).await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/departments",
            json!({"key": "Bad Key", "name": ""}),
        )
        .await;
    assert_eq!(fields(&problem(res, 422).await), ["key", "name"]);
    // A rename reaches the groups; a group naming it by another spelling joins it.
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/departments/hr",
            json!({"name": "People & Culture"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let group: Value = app
        .get(&app.admin_token, "/api/v1/groups/people-ops")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(group["department"], "People & Culture");
    let second = app.create_group("hr-payroll", "hr").await;
    assert_eq!(second["department"], "People & Culture");
    // Only admins change departments.
    let agent = app.user_with_token("agent@example.com", "agent").await;
    problem(
        app.patch(
            &agent,
            "/api/v1/departments/hr",
            json!({"confidential": true}),
        )
        .await,
        403,
    )
    .await;
    assert_eq!(
        app.get(&agent, "/api/v1/departments/hr").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn admins_mark_a_department_confidential_on_its_page() {
    let app = TestApp::spawn().await;
    app.create_group("people-ops", "HR").await;
    let browser = app.browser();
    app.sign_in(&browser, "admin@example.com").await;
    let page = Page::parse(&app.page(&browser, "/admin/departments").await);
    assert_eq!(page.texts("#departments tbody td a"), ["hr"]);
    let groups = Page::parse(&app.page(&browser, "/admin/groups").await);
    assert_eq!(
        groups.attr("datalist#departments option", "value"),
        Some("HR".into()),
        "a new group is offered the departments there are"
    );

    let res = app
        .post_form(
            &browser,
            "/admin/departments/hr",
            &[("name", "HR"), ("confidential", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = Page::parse(&app.page(&browser, "/admin/departments").await);
    assert_eq!(page.texts("#departments .badge.confidential").len(), 1);

    let res = app
        .post_form(
            &browser,
            "/admin/departments",
            &[("key", "Bad Key"), ("name", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&res.text().await.unwrap());
    assert_eq!(page.count(".field-error"), 2, "both fields named");
    let res = app
        .post_form(
            &browser,
            "/admin/departments",
            &[("key", "finance"), ("name", "Finance")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let department: Value = app
        .get(&app.admin_token, "/api/v1/departments/finance")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(department["confidential"], false);
    // Agents have no business here.
    app.create_user("agent@example.com", "agent", "en").await;
    let agent = app.browser();
    app.sign_in(&agent, "agent@example.com").await;
    let res = agent
        .get(app.url("/admin/departments"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
