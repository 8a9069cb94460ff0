//! The API frame: problem+json for every error status, body limit, pagination, OpenAPI,
//! probes and metrics.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, fields, problem};

#[tokio::test]
async fn every_client_error_status_is_problem_json() {
    let app = TestApp::spawn().await;
    let viewer = app.user_with_token("viewer@example.com", "viewer").await;

    // 400: malformed JSON, and a parameter out of range naming the parameter.
    let res = app
        .api
        .post(app.url("/api/v1/groups"))
        .bearer_auth(&app.admin_token)
        .header("content-type", "application/json")
        .body("{\"key\": ")
        .send()
        .await
        .unwrap();
    let body = problem(res, 400).await;
    assert!(
        body["detail"].as_str().unwrap().contains("not valid JSON"),
        "{body}"
    );
    let body = problem(
        app.get(&app.admin_token, "/api/v1/groups?limit=0").await,
        400,
    )
    .await;
    assert_eq!(fields(&body), ["limit"]);
    // A cursor outside the cursor alphabet is malformed (400); one well formed but never
    // issued is invalid (422). Either names the parameter.
    let body = problem(
        app.get(&app.admin_token, "/api/v1/groups?cursor=not%20a%20cursor")
            .await,
        400,
    )
    .await;
    assert_eq!(fields(&body), ["cursor"]);
    let body = problem(
        app.get(&app.admin_token, "/api/v1/groups?cursor=garbage")
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["cursor"]);
    let res = app
        .api
        .post(app.url("/api/v1/groups"))
        .bearer_auth(&app.admin_token)
        .body("key=x")
        .send()
        .await
        .unwrap();
    // 415: a body that is not JSON.
    problem(res, 415).await;

    // 401 with WWW-Authenticate, for a missing and for an unknown token.
    let res = app.api.get(app.url("/api/v1/groups")).send().await.unwrap();
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    problem(res, 401).await;
    let res = app.get("lst_not-a-real-token", "/api/v1/groups").await;
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    problem(res, 401).await;

    // 403, 404, 405.
    problem(
        app.post(
            &viewer,
            "/api/v1/groups",
            json!({"key": "x", "name": "X", "department": "IT"}),
        )
        .await,
        403,
    )
    .await;
    problem(
        app.get(&app.admin_token, "/api/v1/groups/no-such-group")
            .await,
        404,
    )
    .await;
    problem(
        app.get(&app.admin_token, "/api/v1/no-such-endpoint").await,
        404,
    )
    .await;
    problem(app.delete(&app.admin_token, "/api/v1/groups").await, 405).await;

    // 409 on a duplicate key.
    app.create_group("service-desk", "IT").await;
    let body = problem(
        app.post(
            &app.admin_token,
            "/api/v1/groups",
            json!({"key": "service-desk", "name": "Again", "department": "IT"}),
        )
        .await,
        409,
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("already exists"),
        "{body}"
    );

    // 422 names every offending field.
    let body = problem(
        app.post(
            &app.admin_token,
            "/api/v1/groups",
            json!({"key": "Not A Slug", "name": " "}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["key", "name", "department"]);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("lowercase"),
        "{body}"
    );
    let body = problem(
        app.post(
            &app.admin_token,
            "/api/v1/groups",
            json!({"key": "a", "name": 7}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["name"]);
    let body = problem(
        app.post(
            &app.admin_token,
            "/api/v1/groups",
            json!({"key": "a", "colour": "red"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["colour"]);
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_413_problem_json() {
    let app = TestApp::spawn().await;
    let big = json!({"key": "big", "name": "x".repeat(1024 * 1024), "department": "IT"});
    let res = app.post(&app.admin_token, "/api/v1/groups", big).await;
    let body = problem(res, 413).await;
    assert!(body["detail"].as_str().unwrap().contains("1 MiB"), "{body}");
    // Just under the limit is read (and then refused for its content, not its size).
    let near = json!({"key": "near", "name": "x".repeat(1000 * 1000), "department": "IT"});
    let body = problem(
        app.post(&app.admin_token, "/api/v1/groups", near).await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["name"]);
}

#[tokio::test]
async fn stale_versions_answer_412_with_the_current_body() {
    // No ticket exists yet in this foundation; the error type carries the contract.
    use axum::response::IntoResponse;
    let current = json!({"number": "INC0000001", "version": 3});
    let res = leitstand::error::AppError::PreconditionFailed(current.clone()).into_response();
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    let bytes = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), current);
}

#[tokio::test]
async fn lists_are_keyset_paginated_with_an_opaque_cursor() {
    let app = TestApp::spawn().await;
    for i in 0..7 {
        app.create_group(&format!("group-{i}"), "IT").await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/groups?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let res = app.get(&app.admin_token, &path).await;
        assert_eq!(res.status(), 200);
        let page: Value = res.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|g| g["key"].as_str().unwrap().to_owned()));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/groups?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..7).map(|i| format!("group-{i}")).collect();
    assert_eq!(seen, expected, "every row once, in key order");

    let page: Value = app
        .get(&app.admin_token, "/api/v1/groups")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        7,
        "default limit is 50"
    );
    assert_eq!(page["next_cursor"], Value::Null);
    problem(
        app.get(&app.admin_token, "/api/v1/groups?limit=201").await,
        400,
    )
    .await;
}

#[tokio::test]
async fn the_openapi_document_lists_the_routes_and_the_docs_render_offline() {
    let app = TestApp::spawn().await;
    let res = app
        .api
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "OpenAPI 3.1"
    );
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/v1/groups", &["get", "post"][..]),
        ("/api/v1/groups/{key}", &["get", "patch"]),
        ("/api/v1/services", &["get", "post"]),
        ("/api/v1/services/{key}", &["get", "patch"]),
        ("/api/v1/users", &["get", "post"]),
        ("/api/v1/users/{email}", &["get", "patch"]),
        ("/api/v1/tokens", &["get", "post"]),
        ("/api/v1/tokens/{id}", &["delete"]),
        ("/api/v1/me", &["get"]),
        ("/api/v1/incidents", &["get", "post"]),
        ("/api/v1/incidents/{number}", &["get", "patch"]),
        ("/api/v1/incidents/{number}/transitions", &["post"]),
        ("/api/v1/incidents/{number}/comments", &["post"]),
        ("/api/v1/incidents/{number}/journal", &["get"]),
        ("/api/v1/incidents/{number}/problem", &["post"]),
        ("/api/v1/incidents/{number}/suggestions", &["get"]),
        ("/api/v1/problems", &["get", "post"]),
        ("/api/v1/problems/{number}", &["get", "patch"]),
        ("/api/v1/problems/{number}/transitions", &["post"]),
        ("/api/v1/problems/{number}/comments", &["post"]),
        ("/api/v1/problems/{number}/journal", &["get"]),
        ("/api/v1/problems/{number}/incidents", &["get", "post"]),
        (
            "/api/v1/problems/{number}/incidents/{incident}",
            &["delete"],
        ),
        ("/api/v1/known-errors", &["get"]),
        ("/api/v1/problem-candidates", &["get", "post"]),
        ("/api/v1/sla/calendars", &["get", "post"]),
        ("/api/v1/sla/policies", &["get", "post"]),
    ] {
        for method in methods {
            assert!(
                paths.get(path).and_then(|p| p.get(*method)).is_some(),
                "{method} {path} is documented"
            );
        }
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for schema in [
        "Problem",
        "GroupView",
        "ServiceView",
        "UserView",
        "TokenView",
        "NewToken",
        "IncidentView",
        "NewIncidentInput",
        "IncidentPatch",
        "TransitionInput",
        "JournalView",
        "ProblemView",
        "ProblemPatch",
        "ProblemTransitionInput",
    ] {
        assert!(schemas.contains_key(schema), "schema {schema}");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );

    let res = app.api.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "the bundled Swagger UI page");
    assert!(
        !html.contains("https://"),
        "nothing is loaded from the internet"
    );
    let res = app
        .api
        .get(app.url("/api/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "the UI's script is served from the binary"
    );
}

#[tokio::test]
async fn readyz_follows_the_database_and_recovers_by_itself() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.api
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        app.api
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // A server whose database does not exist yet: alive, not ready; ready once it exists.
    let missing = format!("{}_later", app.db_options.get_database().unwrap());
    let options = app.db_options.clone().database(&missing);
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(1))
        .connect_lazy_with(options);
    let address = crate::support::serve(leitstand::state::AppState::new(
        pool,
        leitstand::state::Settings::default(),
    ))
    .await;
    let client = crate::support::app::client();
    assert_eq!(
        client
            .get(format!("http://{address}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client
            .get(format!("http://{address}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        503
    );
    sqlx::query(&format!(
        "create database {}",
        leitstand::db::quote_ident(&missing)
    ))
    .execute(&app.db)
    .await
    .unwrap();
    assert_eq!(
        client
            .get(format!("http://{address}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn metrics_count_requests_per_route_and_status() {
    let app = TestApp::spawn().await;
    app.get(&app.admin_token, "/api/v1/services").await;
    app.get(&app.admin_token, "/api/v1/services/nope").await;
    let text = app
        .api
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/api/v1/services",status="200"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/api/v1/services/{key}",status="404""#),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "latency histogram"
    );
    assert!(text.contains("db_pool_max_connections 5"), "pool usage");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let a = app.api.get(app.url("/healthz")).send().await.unwrap();
    let b = app.api.get(app.url("/api/v1/groups")).send().await.unwrap();
    let id = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(id(&a).len(), 36);
    assert_ne!(id(&a), id(&b));
    let echoed = app
        .api
        .get(app.url("/healthz"))
        .header("x-request-id", "from-the-proxy")
        .send()
        .await
        .unwrap();
    assert_eq!(id(&echoed), "from-the-proxy", "an incoming id is kept");
}

async fn boom() -> &'static str {
    panic!("a bug in a handler")
}

#[tokio::test]
async fn a_panic_is_answered_with_a_500_problem_and_the_server_keeps_serving() {
    let app = TestApp::spawn().await;
    let routes = axum::Router::new()
        .route("/api/v1/boom", axum::routing::get(boom))
        .route("/healthz", axum::routing::get(|| async { "ok" }));
    let state =
        leitstand::state::AppState::new(app.db.clone(), leitstand::state::Settings::default());
    let address =
        crate::support::serve_router(leitstand::app::with_middleware(routes, state).unwrap()).await;
    let client = crate::support::app::client();
    let res = client
        .get(format!("http://{address}/api/v1/boom"))
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("x-request-id"));
    let body = problem(res, 500).await;
    assert!(
        !body.to_string().contains("a bug in a handler"),
        "internals are not shown: {body}"
    );
    assert_eq!(
        client
            .get(format!("http://{address}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn nul_characters_are_refused_naming_the_field_never_a_500() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/known-errors?q=%C3%91%00",
        "/api/v1/incidents?q=vpn%00",
        "/api/v1/problems?q=%00",
    ] {
        let res = app.get(&app.admin_token, path).await;
        let body = problem(res, 400).await;
        assert_eq!(body["errors"][0]["field"], "q", "{path}: {body}");
    }
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/incidents",
            json!({"title": "VPN\u{0}down"}),
        )
        .await;
    let body = problem(res, 422).await;
    assert_eq!(fields(&body), ["title"]);
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/groups",
            json!({"key": "a", "name": "A", "department": "I\u{0}T"}),
        )
        .await;
    assert_eq!(fields(&problem(res, 422).await), ["department"]);

    // A form post from the pages: the same refusal.
    let browser = app.browser();
    app.sign_in(&browser, "admin@example.com").await;
    let res = app
        .post_form(&browser, "/incidents", &[("title", "Printer\u{0}jam")])
        .await;
    assert_eq!(res.status(), 422);
    let created: i64 = sqlx::query_scalar("select count(*) from incidents")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(created, 0);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.sign_in(&browser, "admin@example.com").await;
    for (path, script_src) in [
        ("/incidents", "script-src 'self';"),
        ("/login", "script-src 'self';"),
        ("/no-such-page", "script-src 'self';"),
        ("/api/v1/incidents", "script-src 'self';"),
        ("/api/docs/", "script-src 'self' 'unsafe-inline';"),
    ] {
        let res = browser.get(app.url(path)).send().await.unwrap();
        let header = |name: &str| {
            res.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let csp = header("content-security-policy");
        assert!(csp.contains(script_src), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
        assert_eq!(
            header("strict-transport-security"),
            "",
            "no HSTS over plain HTTP"
        );
    }
    // No page of ours carries an inline script or handler for the policy to block.
    let page = app.page(&browser, "/incidents/new").await;
    assert!(!page.contains("<script>") && !page.contains(" onclick="));

    let secure = TestApp::spawn_with(leitstand::state::Settings {
        secure_cookies: true,
        ..Default::default()
    })
    .await;
    let res = secure.api.get(secure.url("/login")).send().await.unwrap();
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000",
        "HSTS when served over HTTPS"
    );
}

#[tokio::test]
async fn metrics_ask_for_their_token_when_one_is_set() {
    let app = TestApp::spawn_with(leitstand::state::Settings {
        metrics_token: Some("scrape-secret".to_owned()),
        ..Default::default()
    })
    .await;
    let res = app.api.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = app
        .api
        .get(app.url("/metrics"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = app
        .api
        .get(app.url("/metrics"))
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("db_pool_connections"));
}
