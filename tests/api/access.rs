//! Who may do what: the role matrix on the admin endpoints, tokens, rate limiting, and
//! disabled accounts.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp, fields, problem, unannounced};

#[tokio::test]
async fn every_role_against_the_admin_endpoints() {
    let app = TestApp::spawn().await;
    app.create_group("service-desk", "IT").await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/services",
            json!({"key": "vpn", "name": "VPN"}),
        )
        .await;
    assert_eq!(res.status(), 201);

    let roles = ["caller", "viewer", "agent", "problem_manager", "admin"];
    let mut tokens = Vec::new();
    for role in roles {
        let token = if role == "admin" {
            app.admin_token.clone()
        } else {
            app.user_with_token(&format!("{role}@example.com"), role)
                .await
        };
        tokens.push((role, token));
    }
    for (n, (role, token)) in tokens.iter().enumerate() {
        let may_write = *role == "admin";
        // People are listed and looked up by agents and above; everyone reads their own account.
        let staff = if matches!(*role, "caller" | "viewer") {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::OK
        };
        let own = format!("/api/v1/users/{role}@example.com");
        let write = |status: StatusCode| {
            if may_write {
                status
            } else {
                StatusCode::FORBIDDEN
            }
        };
        let cases: Vec<(&str, String, Option<Value>, StatusCode)> = vec![
            ("GET", "/api/v1/groups".into(), None, StatusCode::OK),
            (
                "GET",
                "/api/v1/groups/service-desk".into(),
                None,
                StatusCode::OK,
            ),
            ("GET", "/api/v1/services".into(), None, StatusCode::OK),
            ("GET", "/api/v1/users".into(), None, staff),
            ("GET", "/api/v1/users/admin@example.com".into(), None, staff),
            ("GET", own, None, StatusCode::OK),
            (
                "POST",
                "/api/v1/groups".into(),
                Some(json!({"key": format!("g{n}"), "name": "G", "department": "HR"})),
                write(StatusCode::CREATED),
            ),
            (
                "PATCH",
                "/api/v1/groups/service-desk".into(),
                Some(json!({"name": format!("Desk {n}")})),
                write(StatusCode::OK),
            ),
            (
                "POST",
                "/api/v1/services".into(),
                Some(json!({"key": format!("s{n}"), "name": "S"})),
                write(StatusCode::CREATED),
            ),
            (
                "PATCH",
                "/api/v1/services/vpn".into(),
                Some(json!({"owner_group": "service-desk"})),
                write(StatusCode::OK),
            ),
            (
                "POST",
                "/api/v1/users".into(),
                Some(
                    json!({"email": format!("new{n}@example.com"), "name": "New", "role": "agent"}),
                ),
                write(StatusCode::CREATED),
            ),
            (
                "PATCH",
                "/api/v1/users/viewer@example.com".into(),
                Some(json!({"locale": "de"})),
                write(StatusCode::OK),
            ),
            (
                "GET",
                "/api/v1/tokens?all=true".into(),
                None,
                write(StatusCode::OK),
            ),
        ];
        for (method, path, body, expected) in cases {
            let mut request = app
                .api
                .request(method.parse().unwrap(), app.url(&path))
                .bearer_auth(token);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let res = request.send().await.unwrap();
            assert_eq!(res.status(), expected, "{role} {method} {path}");
        }
    }
}

#[tokio::test]
async fn tokens_are_shown_once_stored_hashed_and_stop_working_when_revoked() {
    let app = TestApp::spawn().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;

    let res = app
        .post(&agent, "/api/v1/tokens", json!({"name": "chat bot"}))
        .await;
    assert_eq!(res.status(), 201);
    assert!(res.headers().get("location").is_some());
    let made: Value = res.json().await.unwrap();
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("lst_"));
    assert_eq!(made["user"], "agent@example.com");

    // Only the hash is stored.
    let stored: i64 =
        sqlx::query_scalar("select count(*) from api_tokens where token_hash = sha256($1::bytea)")
            .bind(secret.as_bytes())
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, 1);
    let plain: i64 = sqlx::query_scalar(
        "select count(*) from api_tokens where position($1::bytea in token_hash) > 0",
    )
    .bind(secret.as_bytes())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(plain, 0);

    // Listing never shows a secret.
    let list: Value = app
        .get(&secret, "/api/v1/tokens")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("secret").is_none())
    );
    let me: Value = app.get(&secret, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["email"], "agent@example.com");

    // Someone else cannot see or revoke it; its owner can.
    let other = app.user_with_token("other@example.com", "agent").await;
    let id = made["id"].as_str().unwrap();
    problem(
        app.delete(&other, &format!("/api/v1/tokens/{id}")).await,
        404,
    )
    .await;
    let res = app.delete(&agent, &format!("/api/v1/tokens/{id}")).await;
    assert_eq!(res.status(), 200);
    let revoked: Value = res.json().await.unwrap();
    assert!(revoked["revoked_at"].is_string());
    problem(app.get(&secret, "/api/v1/me").await, 401).await;

    // Only admins make tokens for someone else.
    problem(
        app.post(
            &agent,
            "/api/v1/tokens",
            json!({"name": "x", "email": "other@example.com"}),
        )
        .await,
        403,
    )
    .await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/tokens",
            json!({"name": "for other", "email": "other@example.com"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    assert_eq!(made["user"], "other@example.com");
    let body = problem(
        app.post(&agent, "/api/v1/tokens", json!({"name": ""}))
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["name"]);
    problem(app.delete(&agent, "/api/v1/tokens/not-a-uuid").await, 400).await;
}

#[tokio::test]
async fn a_token_can_be_had_with_a_password_and_failures_are_rate_limited() {
    let app = TestApp::spawn().await;
    app.create_user("anna@example.com", "agent", "en").await;
    let ask = |password: &str| {
        let body = json!({"name": "laptop", "email": "Anna@Example.com", "password": password});
        app.api.post(app.url("/api/v1/tokens")).json(&body).send()
    };
    let res = ask(PASSWORD).await.unwrap();
    assert_eq!(res.status(), 201);
    for _ in 0..5 {
        problem(ask("wrong password!").await.unwrap(), 401).await;
    }
    // The sixth failure in the window is refused before the password is even checked.
    let res = ask(PASSWORD).await.unwrap();
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0 && retry_after <= 15 * 60, "{retry_after}");
    problem(res, 429).await;

    // Per address too: the 5 failures above and 15 more on other accounts reach the 20 allowed.
    for n in 0..15 {
        let body = json!({"name": "x", "email": format!("nobody{n}@example.com"), "password": "guess guess guess"});
        let res = app
            .api
            .post(app.url("/api/v1/tokens"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
    app.create_user("bert@example.com", "agent", "en").await;
    let body = json!({"name": "x", "email": "bert@example.com", "password": PASSWORD});
    problem(
        app.api
            .post(app.url("/api/v1/tokens"))
            .json(&body)
            .send()
            .await
            .unwrap(),
        429,
    )
    .await;
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_and_their_tokens_stop_working() {
    let app = TestApp::spawn().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    assert_eq!(
        browser.get(app.url("/")).send().await.unwrap().status(),
        200
    );

    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/users/agent@example.com",
            json!({"active": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    problem(app.get(&agent, "/api/v1/me").await, 401).await;
    let res = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 303, "the open session ends");
    let res = app
        .post_form(
            &browser,
            "/login",
            &[("email", "agent@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 401);

    // Re-enabled, the same token works again (it was never revoked).
    app.patch(
        &app.admin_token,
        "/api/v1/users/agent@example.com",
        json!({"active": true}),
    )
    .await;
    assert_eq!(app.get(&agent, "/api/v1/me").await.status(), 200);
}

#[tokio::test]
async fn a_new_password_ends_the_users_browser_sessions() {
    let app = TestApp::spawn().await;
    app.create_user("agent@example.com", "agent", "en").await;
    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    assert_eq!(
        browser
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/users/agent@example.com",
            json!({"password": "another long password"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        browser
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
}

#[tokio::test]
async fn admins_cannot_lock_themselves_out() {
    let app = TestApp::spawn().await;
    let body = problem(
        app.patch(
            &app.admin_token,
            "/api/v1/users/admin@example.com",
            json!({"active": false}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["active"]);
    let body = problem(
        app.patch(
            &app.admin_token,
            "/api/v1/users/admin@example.com",
            json!({"role": "agent"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["role"]);
}

/// Creates an incident of `group` (or of none) as the admin; returns its number.
async fn incident_of(app: &TestApp, group: Option<&str>) -> String {
    let body = json!({"title": "Scoped", "assignment_group": group});
    let created = app.create_incident(&app.admin_token, body).await;
    created["number"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn with_the_group_write_scope_agents_change_only_their_groups_incidents() {
    for scoped in [true, false] {
        let app = TestApp::spawn_with(leitstand::state::Settings {
            group_write_scope: scoped,
            ..Default::default()
        })
        .await;
        app.create_group("service-desk", "IT").await;
        app.create_group("network", "IT").await;
        let agent = app.user_with_token("agent@example.com", "agent").await;
        app.patch(
            &app.admin_token,
            "/api/v1/users/agent@example.com",
            json!({"groups": ["service-desk"]}),
        )
        .await;
        let theirs = incident_of(&app, Some("network")).await;
        let ours = incident_of(&app, Some("service-desk")).await;
        let nobodys = incident_of(&app, None).await;

        let attempts = |number: &str| {
            vec![
                (
                    "PATCH",
                    format!("/api/v1/incidents/{number}"),
                    json!({"urgency": "high"}),
                ),
                (
                    "POST",
                    format!("/api/v1/incidents/{number}/comments"),
                    json!({"body": "On it"}),
                ),
                (
                    "POST",
                    format!("/api/v1/incidents/{number}/transitions"),
                    json!({"to": "on_hold", "hold_reason": "awaiting_caller"}),
                ),
            ]
        };
        for (method, path, body) in attempts(&theirs) {
            let res = app
                .api
                .request(method.parse().unwrap(), app.url(&path))
                .bearer_auth(&agent)
                .json(&body)
                .send()
                .await
                .unwrap();
            if scoped {
                let problem = problem(res, 403).await;
                assert_eq!(problem["type"], "/problems/outside-group-scope");
                assert!(
                    problem["detail"].as_str().unwrap().contains("network"),
                    "the reason names the group: {problem}"
                );
            } else {
                assert!(
                    res.status().is_success(),
                    "{method} {path} without the scope"
                );
            }
        }
        for number in [&ours, &nobodys] {
            for (method, path, body) in attempts(number) {
                let res = app
                    .api
                    .request(method.parse().unwrap(), app.url(&path))
                    .bearer_auth(&agent)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert!(
                    res.status().is_success(),
                    "{method} {path}: {}",
                    res.status()
                );
            }
        }
        // Reads are unchanged, and admins are not limited.
        assert_eq!(
            app.get(&agent, &format!("/api/v1/incidents/{theirs}"))
                .await
                .status(),
            200
        );
        let res = app
            .patch(
                &app.admin_token,
                &format!("/api/v1/incidents/{theirs}"),
                json!({"urgency": "low"}),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
}

#[tokio::test]
async fn tokens_are_served_from_memory_until_the_database_announces_a_change() {
    let app = TestApp::spawn().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    // The first request reads the database and, once the cache listens, remembers the actor.
    let started = std::time::Instant::now();
    loop {
        assert_eq!(app.get(&agent, "/api/v1/me").await.status(), 200);
        let mut conn = app.db.acquire().await.unwrap();
        // Revoke with the notifying triggers off: a change the cache cannot know of.
        unannounced(&mut conn, "update api_tokens set revoked_at = now()").await;
        let served = app.get(&agent, "/api/v1/me").await.status();
        unannounced(&mut conn, "update api_tokens set revoked_at = null").await;
        if served == 200 {
            break; // served from memory
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the token was never served from the cache"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The session's user is remembered too.
    assert_eq!(
        browser.get(app.url("/")).send().await.unwrap().status(),
        200
    );
    // A change made elsewhere (another process, or SQL): the database announces it and the
    // cache forgets the user at once.
    sqlx::query("update users set active = false where email = 'agent@example.com'")
        .execute(&app.db)
        .await
        .unwrap();
    let changed = std::time::Instant::now();
    while app.get(&agent, "/api/v1/me").await.status() != 401 {
        assert!(
            changed.elapsed() < std::time::Duration::from_secs(2),
            "a deactivated user's token must stop working at once"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    eprintln!("deactivation took effect after {:?}", changed.elapsed());
    let res = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        res.status(),
        303,
        "the open session of the cached user ends too"
    );
}
