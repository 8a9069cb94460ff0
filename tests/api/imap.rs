//! Mail fetched from a real IMAP server (Dovecot): over STARTTLS and IMAPS with the server's
//! certificate trusted as `LEITSTAND_IMAP_CA` would, each message once even when its flags
//! are lost (a kill -9 between storing it and flagging it seen), new mail at once through
//! IDLE, and a refused sign-in kept on the mailbox for the admin.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::dovecot::Dovecot;
use crate::support::{TestApp, fields};
use leitstand::worker::imap::{Fetched, fetch_once, tls_config};

fn mail(n: u32, subject: &str) -> String {
    format!(
        "From: Anna Berg <anna@example.com>\r\nTo: desk@example.com\r\nSubject: {subject}\r\n\
         Message-ID: <imap-{n}@mail.example.com>\r\nDate: Fri, 4 Dec 2026 08:00:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo, {subject}.\r\n"
    )
}

async fn mailbox_with_imap(app: &TestApp, imap: Value) -> reqwest::Response {
    app.post(
        &app.admin_token,
        "/api/v1/mailboxes",
        json!({"key": "default", "name": "Service Desk", "address": "desk@example.com",
               "imap": imap}),
    )
    .await
}

async fn incidents_from_mail(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select count(*) from mail_messages where via = 'imap' and incident_id is not null",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

async fn journal_entries(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select count(*) from journal_entries j join mail_messages m on m.incident_id = j.incident_id \
         where m.via = 'imap'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn mail_is_fetched_over_starttls_once_even_when_its_flags_are_lost() {
    let server = Dovecot::start();
    let app = TestApp::spawn().await;
    let db = leitstand::db::Db::new(app.db.clone());
    let tls = tls_config(Some(&server.ca())).unwrap();

    // Settings are checked field by field; the secret never comes back.
    let res = mailbox_with_imap(
        &app,
        json!({"host": "mail.example.com", "security": "none", "username": "desk",
               "auth": "magic", "port": 70000}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let named = fields(&body);
    for field in ["imap.security", "imap.auth", "imap.port", "imap.secret"] {
        assert!(named.iter().any(|f| f == field), "{field} in {body}");
    }
    let res = mailbox_with_imap(
        &app,
        json!({"host": "localhost", "port": server.port, "security": "starttls",
               "username": server.user, "secret": server.password}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["imap"]["security"], "starttls");
    assert!(!created.to_string().contains(server.password), "{created}");

    server.deliver(&mail(1, "Drucker druckt nicht")).await;
    server.deliver(&mail(2, "VPN bricht ab")).await;
    let fetched = fetch_once(&db, "default", &tls).await.unwrap();
    assert_eq!(
        fetched,
        Fetched {
            stored: 2,
            duplicates: 0,
            too_large: 0
        }
    );
    assert_eq!(incidents_from_mail(&app).await, 2);
    assert_eq!(
        server.unseen().await,
        0,
        "flagged seen after they were stored"
    );

    // Nothing new: nothing happens.
    let again = fetch_once(&db, "default", &tls).await.unwrap();
    assert_eq!(again, Fetched::default());

    let entries = journal_entries(&app).await;
    // The flags and our place in the folder are lost (killed between storing and flagging):
    // the messages come again and are recognised, one journal entry each.
    server.mark_all_unseen().await;
    sqlx::query("update mailboxes set imap_last_uid = 0")
        .execute(&app.db)
        .await
        .unwrap();
    let refetched = fetch_once(&db, "default", &tls).await.unwrap();
    assert_eq!(
        refetched,
        Fetched {
            stored: 0,
            duplicates: 2,
            too_large: 0
        }
    );
    assert_eq!(incidents_from_mail(&app).await, 2);
    assert_eq!(
        journal_entries(&app).await,
        entries,
        "nothing journaled twice"
    );

    // The view says how fetching goes.
    let res = app.get(&app.admin_token, "/api/v1/mailboxes").await;
    let list: Value = res.json().await.unwrap();
    let imap = &list[0]["imap"];
    assert!(imap["checked_at"].is_string(), "{list}");
    assert_eq!(imap["idle"], true);
    assert_eq!(imap["last_uid"], 2);
}

#[tokio::test]
async fn imaps_with_idle_brings_new_mail_at_once_and_a_refused_sign_in_is_kept() {
    let server = Dovecot::start();
    let app = TestApp::spawn().await;
    let db = leitstand::db::Db::new(app.db.clone());

    // An untrusted certificate is refused (the system's roots do not know the test's CA).
    let untrusted = tls_config(None).unwrap();
    let res = mailbox_with_imap(
        &app,
        json!({"host": "localhost", "port": server.tls_port, "security": "imaps",
               "username": server.user, "secret": server.password}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let refused = fetch_once(&db, "default", &untrusted).await.unwrap_err();
    assert!(refused.to_string().contains("connection"), "{refused}");

    // The worker, as `leitstand serve` runs it: claimed, signed in, IDLE.
    let tls = tls_config(Some(&server.ca())).unwrap();
    let worker = tokio::spawn(leitstand::worker::imap::run(db.clone(), tls.clone()));
    server.deliver(&mail(10, "Erste Mail")).await;
    let arrived = |n: i64| {
        let pool = app.db.clone();
        async move {
            for _ in 0..150 {
                let count: i64 =
                    sqlx::query_scalar("select count(*) from mail_messages where via = 'imap'")
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                if count >= n {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            false
        }
    };
    assert!(arrived(1).await, "the worker fetched the first mail");
    // The worker now waits in IDLE: the next mail arrives within seconds, not at a poll.
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.deliver(&mail(11, "Zweite Mail")).await;
    assert!(arrived(2).await, "IDLE brought the second mail at once");
    let idle: Option<bool> = sqlx::query_scalar("select imap_idle from mailboxes")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(idle, Some(true));
    worker.abort();

    // A wrong password: the reason is kept on the mailbox and it waits before trying again.
    sqlx::query("update mailboxes set imap_lease = null, imap_leased_until = null")
        .execute(&app.db)
        .await
        .unwrap();
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/mailboxes/default",
            json!({"imap": {"secret": "falsch"}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let worker = tokio::spawn(leitstand::worker::imap::run(db.clone(), tls));
    let mut error: Option<String> = None;
    for _ in 0..100 {
        error = sqlx::query_scalar("select imap_error from mailboxes")
            .fetch_one(&app.db)
            .await
            .unwrap();
        if error.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    worker.abort();
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("sign-in refused")),
        "{error:?}"
    );
    let waits: bool = sqlx::query_scalar("select imap_retry_at > now() from mailboxes")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(waits);
}

#[tokio::test]
async fn xoauth2_exchanges_the_refresh_token_at_the_token_endpoint() {
    use axum::response::IntoResponse;
    use axum::routing::post;
    let endpoint = axum::Router::new().route(
        "/token",
        post(|body: String| async move {
            // Plain values: no percent-encoding to undo.
            let form: std::collections::HashMap<String, String> = body
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            if form.get("grant_type").map(String::as_str) == Some("refresh_token")
                && form.get("refresh_token").map(String::as_str) == Some("refresh-1")
                && form.get("client_id").map(String::as_str) == Some("desk-app")
            {
                axum::Json(json!({"access_token": "access-1", "expires_in": 3599})).into_response()
            } else {
                (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({"error": "invalid_grant", "error_description": "expired"})),
                )
                    .into_response()
            }
        }),
    );
    let addr = crate::support::serve_router(endpoint).await;
    let mut row = leitstand::store::mail::ImapRow {
        host: "imap.example.com".to_owned(),
        port: 993,
        security: "imaps".to_owned(),
        username: "desk@example.com".to_owned(),
        auth: "xoauth2".to_owned(),
        secret: "refresh-1".to_owned(),
        folder: "INBOX".to_owned(),
        token_url: Some(format!("http://{addr}/token")),
        client_id: Some("desk-app".to_owned()),
        client_secret: Some("s3cret".to_owned()),
        uidvalidity: None,
        last_uid: 0,
        failures: 0,
        error: None,
        checked_at: None,
        retry_at: None,
        idle: None,
    };
    let token = leitstand::worker::imap::access_token(&row).await.unwrap();
    assert_eq!(token, "access-1");
    row.secret = "refresh-old".to_owned();
    let refused = leitstand::worker::imap::access_token(&row)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("expired"), "{refused}");
}

#[tokio::test]
async fn admins_give_a_mailbox_its_imap_server_on_its_page_and_never_see_the_password_again() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    app.sign_in(&admin, "admin@example.com").await;
    let form = |security: &'static str| {
        vec![
            ("key", "desk"),
            ("name", "Desk"),
            ("address", "desk@example.com"),
            ("enabled", "on"),
            ("imap.host", "imap.example.com"),
            ("imap.security", security),
            ("imap.username", "desk@example.com"),
            ("imap.secret", "Pa55-word<script>"),
        ]
    };
    // A password in the clear over the network is refused, named at its field.
    let res = app
        .post_form(&admin, "/admin/mail/mailboxes", &form("none"))
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("in the clear"), "{page}");
    assert!(!page.contains("Pa55-word"), "the secret is not sent back");
    let res = app
        .post_form(&admin, "/admin/mail/mailboxes", &form("imaps"))
        .await;
    assert_eq!(res.status(), 303);
    let list = app.page(&admin, "/admin/mail").await;
    assert!(
        list.contains("desk@example.com @ imap.example.com:993"),
        "{list}"
    );
    let edit = app.page(&admin, "/admin/mail/mailboxes/desk").await;
    assert!(
        edit.contains("imap.example.com") && !edit.contains("Pa55-word"),
        "{edit}"
    );

    // Saved without a secret: the current one is kept; an emptied server stops fetching.
    let version = crate::support::Page::parse(&edit)
        .attr("input[name=version]", "value")
        .unwrap();
    let res = app
        .post_form(
            &admin,
            "/admin/mail/mailboxes/desk",
            &[
                ("version", version.as_str()),
                ("name", "Desk"),
                ("address", "desk@example.com"),
                ("enabled", "on"),
                ("imap.host", "imap.example.com"),
                ("imap.security", "starttls"),
                ("imap.username", "desk@example.com"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (security, port, secret): (String, i32, String) = sqlx::query_as(
        "select imap_security, imap_port, imap_secret from mailboxes where key = 'desk'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (security.as_str(), port, secret.as_str()),
        ("starttls", 143, "Pa55-word<script>")
    );
    let edit = app.page(&admin, "/admin/mail/mailboxes/desk").await;
    let version = crate::support::Page::parse(&edit)
        .attr("input[name=version]", "value")
        .unwrap();
    let res = app
        .post_form(
            &admin,
            "/admin/mail/mailboxes/desk",
            &[
                ("version", version.as_str()),
                ("name", "Desk"),
                ("address", "desk@example.com"),
                ("enabled", "on"),
                ("imap.host", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let host: Option<String> =
        sqlx::query_scalar("select imap_host from mailboxes where key = 'desk'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(host, None);
}
