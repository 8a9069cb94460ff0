//! Groups, services and users through the API: create, read, change, and every validation.

use serde_json::{Value, json};

use crate::support::{TestApp, fields, problem, unannounced};

#[tokio::test]
async fn groups_are_created_read_changed_and_deactivated() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/groups",
            json!({"key": "hr-desk", "name": " HR Desk ", "department": "HR"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["location"], "/api/v1/groups/hr-desk");
    let group: Value = res.json().await.unwrap();
    assert_eq!(
        group,
        json!({"key": "hr-desk", "name": "HR Desk", "department": "HR", "active": true, "member_count": 0})
    );

    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/groups/hr-desk",
            json!({"name": "People Desk", "active": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let group: Value = app
        .get(&app.admin_token, "/api/v1/groups/hr-desk")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(group["name"], "People Desk");
    assert_eq!(group["active"], false);
    assert_eq!(group["department"], "HR", "untouched fields stay");

    let body = problem(
        app.patch(
            &app.admin_token,
            "/api/v1/groups/hr-desk",
            json!({"key": "other", "name": ""}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["key", "name"]);
    problem(
        app.patch(
            &app.admin_token,
            "/api/v1/groups/nope",
            json!({"name": "x"}),
        )
        .await,
        404,
    )
    .await;
    let body = problem(
        app.post(
            &app.admin_token,
            "/api/v1/groups",
            json!({"key": "x", "name": "X", "department": "IT", "active": false}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["active"]);
    let long = "d".repeat(101);
    let body = problem(
        app.post(
            &app.admin_token,
            "/api/v1/groups",
            json!({"key": "y", "name": "Y", "department": long}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["department"]);
}

#[tokio::test]
async fn services_name_an_existing_owner_group() {
    let app = TestApp::spawn().await;
    app.create_group("network", "IT").await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/services",
            json!({"key": "vpn", "name": "VPN", "owner_group": "network"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let service: Value = res.json().await.unwrap();
    assert_eq!(
        service,
        json!({"key": "vpn", "name": "VPN", "owner_group": "network", "active": true})
    );

    let body = problem(
        app.post(
            &app.admin_token,
            "/api/v1/services",
            json!({"key": "mail", "name": "Mail", "owner_group": "ghosts"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["owner_group"]);
    problem(
        app.post(
            &app.admin_token,
            "/api/v1/services",
            json!({"key": "vpn", "name": "VPN again"}),
        )
        .await,
        409,
    )
    .await;

    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/services/vpn",
            json!({"owner_group": ""}),
        )
        .await;
    let service: Value = res.json().await.unwrap();
    assert_eq!(
        service["owner_group"],
        Value::Null,
        "an empty owner group clears it"
    );
    let page: Value = app
        .get(&app.admin_token, "/api/v1/services")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn users_are_managed_by_email_with_roles_groups_and_languages() {
    let app = TestApp::spawn().await;
    app.create_group("service-desk", "IT").await;
    app.create_group("facilities", "Facilities").await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/users",
            json!({"email": "Anna.Schmidt@Example.com", "name": "Anna Schmidt", "role": "agent",
                   "groups": ["service-desk", "facilities"], "locale": "de", "password": "lange genug passwort"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()["location"],
        "/api/v1/users/anna.schmidt@example.com"
    );
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["email"], "anna.schmidt@example.com");
    assert_eq!(user["groups"], json!(["facilities", "service-desk"]));
    assert_eq!(user["locale"], "de");
    assert_eq!(user["has_password"], true);
    assert!(user.get("password").is_none() && user.get("password_hash").is_none());

    problem(
        app.post(
            &app.admin_token,
            "/api/v1/users",
            json!({"email": "ANNA.SCHMIDT@example.com", "name": "A", "role": "agent"}),
        )
        .await,
        409,
    )
    .await;
    let body = problem(
        app.post(
            &app.admin_token,
            "/api/v1/users",
            json!({"email": "no-at-sign", "name": "", "role": "root", "locale": "fr", "password": "short", "groups": ["nope"]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        fields(&body),
        ["email", "name", "role", "locale", "password", "groups"]
    );
    let body = problem(
        app.post(&app.admin_token, "/api/v1/users", json!({})).await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["email", "name", "role"]);

    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/users/anna.schmidt@example.com",
            json!({"groups": ["facilities"], "role": "problem_manager"}),
        )
        .await;
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["groups"], json!(["facilities"]));
    assert_eq!(user["role"], "problem_manager");
    let group: Value = app
        .get(&app.admin_token, "/api/v1/groups/facilities")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(group["member_count"], 1);
    let body = problem(
        app.patch(
            &app.admin_token,
            "/api/v1/users/anna.schmidt@example.com",
            json!({"email": "new@example.com"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&body), ["email"]);
    problem(
        app.get(&app.admin_token, "/api/v1/users/nobody@example.com")
            .await,
        404,
    )
    .await;
}

/// The names of the services on the first page of `GET /api/v1/services`.
async fn service_names(app: &TestApp) -> Vec<String> {
    let page: Value = app
        .get(&app.admin_token, "/api/v1/services")
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Reference data (groups, services, SLA policies and calendars) is kept in memory: a change
/// made through the service shows at once, one made elsewhere as soon as the database
/// announces it, and one the database does not announce is not seen (the proof that the
/// copy is served).
#[tokio::test]
async fn reference_data_is_kept_in_memory_until_the_database_announces_a_change() {
    let app = TestApp::spawn().await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/services",
            json!({"key": "vpn", "name": "VPN"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        service_names(&app).await,
        ["VPN"],
        "a new service shows at once"
    );

    // Once the process listens, the copy is served: a change with the notifying triggers off
    // (a change nobody announces) is not seen.
    // Each try starts from what the database holds, and undoes its change announced, so a
    // copy kept while the change was in place (the listener came up just then) is dropped.
    let started = std::time::Instant::now();
    loop {
        while service_names(&app).await != ["VPN"] {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "the announced undo was never heard"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let mut conn = app.db.acquire().await.unwrap();
        unannounced(&mut conn, "update services set name = 'Unannounced'").await;
        let served = service_names(&app).await;
        sqlx::query("update services set name = 'VPN'")
            .execute(&mut *conn)
            .await
            .unwrap();
        if served == ["VPN"] {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "reference data was never served from memory"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Through the service: seen by the very next request.
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/services/vpn",
            json!({"name": "VPN (Cisco)"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(service_names(&app).await, ["VPN (Cisco)"]);

    // Elsewhere (another process, or SQL): seen as soon as the database announces it.
    sqlx::query("update services set name = 'VPN (Fortinet)'")
        .execute(&app.db)
        .await
        .unwrap();
    let changed = std::time::Instant::now();
    while service_names(&app).await != ["VPN (Fortinet)"] {
        assert!(
            changed.elapsed() < std::time::Duration::from_secs(2),
            "a change made elsewhere must show at once"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    eprintln!(
        "the change made elsewhere showed after {:?}",
        changed.elapsed()
    );
}
