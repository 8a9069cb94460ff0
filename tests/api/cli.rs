//! The command line: creating users and tokens, and one-line errors with a non-zero exit.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use sqlx::ConnectOptions;

use crate::support::{TestApp, problem};

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

/// Kills the server it holds when dropped, so a failing test leaves nothing running.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn leitstand_without_a_subcommand_takes_the_serve_settings_from_the_environment() {
    let app = TestApp::spawn().await;
    app.create_user("agent@example.com", "agent", "en").await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_leitstand"))
            .env("DATABASE_URL", app.db_options.to_url_lossy().as_str())
            .env("RUST_LOG", "warn")
            .env("LEITSTAND_BIND", format!("127.0.0.1:{port}"))
            .env("LEITSTAND_SECURE_COOKIES", "true")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start leitstand"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = crate::support::app::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "leitstand did not listen on LEITSTAND_BIND"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let res = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", "agent@example.com"),
            ("password", crate::support::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookies: Vec<&str> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("leitstand_session=")),
        "{cookies:?}"
    );
    for cookie in &cookies {
        assert!(
            cookie.contains("; Secure"),
            "LEITSTAND_SECURE_COOKIES applies without `serve`: {cookie}"
        );
    }
}

#[test]
fn the_first_readme_command_works_as_root_from_a_private_directory() {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        eprintln!("SKIPPED: the root start is tested when the tests run as root (as in CI)");
        return;
    }
    let home = std::env::temp_dir().join(format!("leitstand-root-home-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_leitstand"))
            .args(args)
            .current_dir(&home)
            .env_remove("DATABASE_URL")
            .env_remove("LEITSTAND_DATA_DIR")
            .env("RUST_LOG", "info")
            .output()
            .expect("run leitstand")
    };
    let out = run(&[
        "user",
        "create",
        "--email",
        "admin@example.com",
        "--name",
        "Admin",
        "--role",
        "admin",
        "--password",
        "a long password for root",
    ]);
    let cluster =
        leitstand::db::cluster::system_home_for(&home.join("data").canonicalize().unwrap());
    let cleanup = || {
        let _ = std::fs::remove_dir_all(&cluster);
        let _ = std::fs::remove_dir_all(&home);
    };
    if !out.status.success() {
        cleanup();
        panic!("the first README command failed as root: {}", stderr(&out));
    }
    let log = stderr(&out);
    let says_where = log.contains(&cluster.display().to_string());
    let exists = cluster.join("pg/PG_VERSION").exists();
    let mode = std::fs::metadata(&home).unwrap().permissions().mode() & 0o777;
    // The second start reuses the cluster and finds the user.
    let again = run(&[
        "token",
        "create",
        "--email",
        "admin@example.com",
        "--name",
        "ci",
    ]);
    cleanup();
    assert!(says_where, "the log says where the cluster lives: {log}");
    assert!(exists, "the cluster is in {}", cluster.display());
    assert_eq!(mode, 0o700, "the user's directory keeps its permissions");
    assert!(again.status.success(), "{}", stderr(&again));
}

#[test]
fn logs_off_a_terminal_have_no_colour_codes_and_never_a_database_password() {
    // Nothing listens on port 1: the command fails after logging, with the URL in hand.
    let out = Command::new(env!("CARGO_BIN_EXE_leitstand"))
        .arg("migrate")
        .env(
            "DATABASE_URL",
            "postgres://leitstand:s3cr3t-pw@127.0.0.1:1/desk?connect_timeout=2",
        )
        .env("RUST_LOG", "debug")
        .output()
        .expect("run leitstand");
    assert!(!out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!log.is_empty(), "it says why it failed");
    assert!(
        !log.contains('\u{1b}'),
        "no ANSI escape codes off a terminal: {log:?}"
    );
    assert!(!log.contains("s3cr3t-pw"), "no password in the log: {log}");
}
