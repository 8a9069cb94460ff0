//! `TestApp`: a real server on 127.0.0.1:0 over a fresh database (`db.rs`), and the operations
//! tests perform on it, named after what they do.

use std::net::SocketAddr;

use leitstand::state::{AppState, Settings};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

use super::db::fresh_database;

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: SocketAddr,
    pub db: PgPool,
    pub db_options: PgConnectOptions,
    /// A client without cookies, for the API.
    pub api: Client,
    /// An admin's API token.
    pub admin_token: String,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Settings::default()).await
    }

    pub async fn spawn_with(settings: Settings) -> TestApp {
        let db_options = fresh_database().await;
        let db = leitstand::db::pool(db_options.clone(), 5)
            .await
            .expect("connect to the test database");
        let address = serve(AppState::new(db.clone(), settings)).await;
        let api = client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let mut app = TestApp {
            address,
            db,
            db_options,
            api,
            admin_token: String::new(),
        };
        app.admin_token = app.user_with_token("admin@example.com", "admin").await;
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Creates a user with `PASSWORD` directly through the service, and a token for them.
    pub async fn user_with_token(&self, email: &str, role: &str) -> String {
        self.create_user(email, role, "en").await;
        leitstand::service::auth::create_token_as_operator(&self.db, email, "tests")
            .await
            .expect("token")
            .secret
    }

    pub async fn create_user(&self, email: &str, role: &str, locale: &str) {
        let input = leitstand::service::users::UserInput {
            email: Some(email.to_owned()),
            name: Some(format!("Test {role}")),
            role: Some(role.to_owned()),
            password: Some(PASSWORD.to_owned()),
            locale: Some(locale.to_owned()),
            ..Default::default()
        };
        leitstand::service::users::create_as_operator(&self.db, input)
            .await
            .expect("create the user");
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.api
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET")
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> Response {
        self.api
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> Response {
        self.api
            .patch(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("PATCH")
    }

    pub async fn delete(&self, token: &str, path: &str) -> Response {
        self.api
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("DELETE")
    }

    pub async fn create_group(&self, key: &str, department: &str) -> Value {
        let res = self
            .post(
                &self.admin_token,
                "/api/v1/groups",
                json!({"key": key, "name": key, "department": department}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.expect("group json")
    }

    /// Puts the user in exactly these groups (as an admin).
    pub async fn join_groups(&self, email: &str, groups: &[&str]) {
        let res = self
            .patch(
                &self.admin_token,
                &format!("/api/v1/users/{email}"),
                json!({"groups": groups}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "groups of {email}");
    }

    /// POSTs `body` to `path` and expects `201 Created`; returns the created record.
    pub async fn created(&self, token: &str, path: &str, body: Value) -> Value {
        let res = self.post(token, path, body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "POST {path}");
        res.json().await.expect("created json")
    }

    /// Logs an incident through the API; returns it.
    pub async fn create_incident(&self, token: &str, body: Value) -> Value {
        self.created(token, "/api/v1/incidents", body).await
    }

    /// Opens a problem through the API; returns it.
    pub async fn create_problem(&self, token: &str, body: Value) -> Value {
        self.created(token, "/api/v1/problems", body).await
    }

    /// Moves an incident (`{"to": …}` and what the move needs); the response as it came.
    pub async fn move_incident(&self, token: &str, number: &str, body: Value) -> Response {
        self.post(
            token,
            &format!("/api/v1/incidents/{number}/transitions"),
            body,
        )
        .await
    }

    /// Moves a problem; the response as it came.
    pub async fn move_problem(&self, token: &str, number: &str, body: Value) -> Response {
        self.post(
            token,
            &format!("/api/v1/problems/{number}/transitions"),
            body,
        )
        .await
    }

    /// The journal of the record at `path` (`/api/v1/incidents/INC…`), as an admin reads it.
    pub async fn journal(&self, path: &str) -> Vec<Value> {
        let res = self
            .get(&self.admin_token, &format!("{path}/journal"))
            .await;
        assert_eq!(res.status(), StatusCode::OK, "journal of {path}");
        res.json().await.expect("journal json")
    }

    /// An incident's journal, as an admin reads it.
    pub async fn incident_journal(&self, number: &str) -> Vec<Value> {
        self.journal(&format!("/api/v1/incidents/{number}")).await
    }

    /// A browser-like client with its own cookie jar.
    #[expect(clippy::unused_self, reason = "reads as app.browser(), beside app.api")]
    pub fn browser(&self) -> Client {
        client_builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Posts a form as a browser would.
    pub async fn post_form(&self, browser: &Client, path: &str, form: &[(&str, &str)]) -> Response {
        browser
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST form")
    }

    /// The HTML of a page.
    pub async fn page(&self, browser: &Client, path: &str) -> String {
        browser
            .get(self.url(path))
            .send()
            .await
            .expect("GET page")
            .text()
            .await
            .expect("page text")
    }

    /// Signs a browser client in; panics unless the sign-in redirects.
    pub async fn sign_in(&self, browser: &Client, email: &str) {
        let res = browser
            .post(self.url("/login"))
            .form(&[("email", email), ("password", PASSWORD), ("next", "/")])
            .send()
            .await
            .expect("POST /login");
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
    }
}

/// Serves the application on an ephemeral port for the rest of the test.
/// An HTTP client builder, once the process has its TLS crypto provider (reqwest's rustls
/// is built without one; the server installs ring, and so must every test process).
pub fn client_builder() -> reqwest::ClientBuilder {
    leitstand::http::install_crypto_provider();
    Client::builder()
}

/// A plain client (`client_builder`).
pub fn client() -> Client {
    client_builder().build().expect("client")
}

pub async fn serve(state: AppState) -> SocketAddr {
    serve_router(leitstand::app::router(state).expect("router")).await
}

/// Serves any router (with the middleware applied) on an ephemeral port.
pub async fn serve_router(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    address
}

/// A problem+json response, checked for its shape: returns the document.
pub async fn problem(res: Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        content_type, "application/problem+json",
        "problem media type"
    );
    let body: Value = res.json().await.expect("problem json");
    assert_eq!(body["status"], status, "status member: {body}");
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")),
        "type member: {body}"
    );
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "title member: {body}"
    );
    body
}

/// The fields a 422 (or 400) problem names.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
