//! The command line: creating users and tokens, and one-line errors with a non-zero exit.

use std::process::{Command, Output};

use sqlx::ConnectOptions;

use crate::helpers::{TestApp, problem};

fn leitstand(app: &TestApp, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leitstand"))
        .args(args)
        .env("DATABASE_URL", app.db_options.to_url_lossy().as_str())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run leitstand")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).trim().to_owned()
}

#[tokio::test]
async fn users_and_tokens_are_made_on_the_command_line() {
    let app = TestApp::spawn().await;
    let out = leitstand(
        &app,
        &[
            "user",
            "create",
            "--email",
            "Ops@Example.com",
            "--name",
            "Ops",
            "--role",
            "problem_manager",
            "--locale",
            "de",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = leitstand(
        &app,
        &[
            "token",
            "create",
            "--email",
            "ops@example.com",
            "--name",
            "monitoring",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.lines().last().unwrap();
    let me: serde_json::Value = app.get(token, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["email"], "ops@example.com");
    assert_eq!(me["role"], "problem_manager");
    assert_eq!(me["locale"], "de");
}

#[tokio::test]
async fn bad_input_on_the_command_line_is_one_clear_line_and_a_failure() {
    let app = TestApp::spawn().await;
    let out = leitstand(
        &app,
        &[
            "user",
            "create",
            "--email",
            "admin@example.com",
            "--name",
            "Again",
            "--role",
            "admin",
        ],
    );
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out),
        "error: A user with this e-mail address already exists."
    );

    let out = leitstand(
        &app,
        &[
            "user",
            "create",
            "--email",
            "not-an-email",
            "--name",
            "X",
            "--role",
            "root",
        ],
    );
    assert!(!out.status.success());
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("email: This is not a valid e-mail address")
            && message.contains("role: Choose one of"),
        "{message}"
    );

    let out = leitstand(
        &app,
        &[
            "user",
            "create",
            "--email",
            "x@example.com",
            "--name",
            "X",
            "--role",
            "agent",
            "--password",
            "short",
        ],
    );
    assert!(stderr(&out).contains("password: The password needs at least 12 characters"));

    let out = leitstand(
        &app,
        &[
            "token",
            "create",
            "--email",
            "nobody@example.com",
            "--name",
            "x",
        ],
    );
    assert!(!out.status.success());
    assert_eq!(stderr(&out), "error: email: No such user");
    problem(app.get("not-a-token", "/api/v1/me").await, 401).await;
}
