//! Inbound e-mail: a mail becomes an incident, a reply threads, machine mail (out-of-office
//! answers of Exchange and Gmail in German and English, a bounce, a mailing list) is kept and
//! changes nothing, the same message twice is one, nothing unreadable is dropped, and the
//! MTA's pipe (`leitstand mailgate`) is told to retry when the database is away.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::ConnectOptions;

use crate::support::{TestApp, fields, problem};

fn mail(from: &str, subject: &str, message_id: &str, extra: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: Service Desk <desk@example.com>\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nDate: Thu, 3 Dec 2026 08:00:00 +0000\r\n{extra}\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
}

/// A corpus message with the record's number and the Message-ID it answers filled in.
fn corpus(name: &str, number: &str, reply_to: &str) -> String {
    let path = format!("{}/tests/mail/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap()
        .replace("{{NUMBER}}", number)
        .replace("{{REPLY_TO}}", reply_to)
        .replace('\n', "\r\n")
}

async fn send(app: &TestApp, mailbox: &str, raw: impl Into<Vec<u8>>) -> reqwest::Response {
    app.api
        .post(app.url(&format!("/api/v1/mail/inbound?mailbox={mailbox}")))
        .bearer_auth(&app.admin_token)
        .header("content-type", "message/rfc822")
        .body(raw.into())
        .send()
        .await
        .unwrap()
}

async fn received(app: &TestApp, mailbox: &str, raw: impl Into<Vec<u8>>) -> Value {
    let res = send(app, mailbox, raw).await;
    assert!(
        res.status() == 201 || res.status() == 200,
        "{}",
        res.status()
    );
    res.json().await.unwrap()
}

async fn mailbox(app: &TestApp, key: &str, unknown: &str) {
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/mailboxes",
            json!({"key": key, "name": "Service Desk", "address": format!("{key}@example.com"),
                   "unknown_senders": unknown}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

#[tokio::test]
async fn a_mail_becomes_an_incident_a_reply_threads_and_the_same_mail_twice_is_one() {
    let app = TestApp::spawn().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    mailbox(&app, "default", "create").await;

    let first = mail(
        "Anna Berg <Anna@Example.com>",
        "Drucker im 3. OG druckt nicht",
        "anna-1@mail.example.com",
        "",
        "Seit heute früh kommt nichts aus dem Drucker.\r\n\r\nGruß Anna",
    );
    let res = send(&app, "default", first.clone()).await;
    assert_eq!(res.status(), 201);
    let message: Value = res.json().await.unwrap();
    assert_eq!(message["state"], "processed");
    assert_eq!(message["kind"], "conversation");
    assert_eq!(message["duplicate"], false);
    let number = message["record"].as_str().unwrap().to_owned();
    let incident: Value = app
        .get(&agent, &format!("/api/v1/incidents/{number}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(incident["title"], "Drucker im 3. OG druckt nicht");
    assert_eq!(
        incident["caller"], "anna@example.com",
        "an unknown sender became a caller"
    );
    assert!(
        incident["description"]
            .as_str()
            .unwrap()
            .starts_with("Seit heute früh")
    );
    let role: String =
        sqlx::query_scalar("select role from users where email = 'anna@example.com'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(role, "caller");

    // The same message again (an MTA's retry, a second fetch): one message, one incident.
    let again = send(&app, "default", first.clone()).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(
        (again["duplicate"].clone(), again["id"].clone()),
        (json!(true), message["id"].clone())
    );
    // The same Message-ID with other trace headers is the same message too.
    let relayed = format!("Received: from relay2.example.com\r\n{first}");
    assert_eq!(received(&app, "default", relayed).await["duplicate"], true);
    assert_eq!(count(&app, "select count(*) from incidents").await, 1);

    // A reply threads by In-Reply-To; the quoted history is stripped.
    let reply = mail(
        "anna@example.com",
        "AW: Drucker im 3. OG druckt nicht",
        "anna-2@mail.example.com",
        "In-Reply-To: <anna-1@mail.example.com>\r\nReferences: <anna-1@mail.example.com>\r\n",
        "Jetzt blinkt er rot.\r\n\r\nAm 03.12.2026 um 08:00 schrieb Anna Berg <anna@example.com>:\r\n> Seit heute früh kommt nichts aus dem Drucker.",
    );
    let threaded = received(&app, "default", reply).await;
    assert_eq!(threaded["record"], number.as_str());
    // By the subject's tag alone, too.
    let tagged = mail(
        "anna@example.com",
        &format!("Re: [{number}] Drucker"),
        "anna-3@mail.example.com",
        "",
        "Und jetzt geht er wieder aus.",
    );
    assert_eq!(
        received(&app, "default", tagged).await["record"],
        number.as_str()
    );
    // Never by the subject's words alone: a new incident.
    let same_words = mail(
        "anna@example.com",
        "Drucker im 3. OG druckt nicht",
        "anna-4@mail.example.com",
        "",
        "Der andere Drucker auch.",
    );
    let other = received(&app, "default", same_words).await;
    assert_ne!(other["record"], number.as_str());

    let journal = app.incident_journal(&number).await;
    let comments: Vec<&str> = journal
        .iter()
        .filter(|e| e["kind"] == "comment")
        .map(|e| e["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        comments,
        ["Jetzt blinkt er rot.", "Und jetzt geht er wieder aus."]
    );
    // The quoted history stays with its entry, shown on request.
    let with_quote = journal
        .iter()
        .find(|e| e["body"] == "Jetzt blinkt er rot.")
        .unwrap();
    assert!(
        with_quote["quoted"]
            .as_str()
            .is_some_and(|q| q.contains("Seit heute früh kommt nichts")),
        "{with_quote}"
    );
    let agent_page = app.browser();
    app.sign_in(&agent_page, "agent@example.com").await;
    let page = app.page(&agent_page, &format!("/incidents/{number}")).await;
    assert!(
        page.contains("<details class=\"quoted\"><summary>Show the quoted mail</summary>"),
        "the toggle"
    );
    assert!(
        journal
            .iter()
            .filter(|e| e["kind"] == "comment")
            .all(|e| e["author"] == "anna@example.com")
    );
    let quoted: Option<String> = sqlx::query_scalar(
        "select quoted from mail_messages where message_id = 'anna-2@mail.example.com'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(quoted.unwrap().contains("schrieb Anna Berg"));

    // Someone who may not write to a record is not let in by its tag: their own incident.
    let stranger = mail(
        "mallory@example.net",
        &format!("Re: [{number}] Drucker"),
        "mallory-1@example.net",
        "",
        "Let me in.",
    );
    let own = received(&app, "default", stranger).await;
    assert_ne!(own["record"], number.as_str());
    assert_eq!(app.incident_journal(&number).await.len(), journal.len());

    // Exactly once: a process killed after writing the comment, before marking the message,
    // leaves it `received`; reading it through again writes nothing twice.
    let reply_id = threaded["id"].as_i64().unwrap();
    sqlx::query("update mail_messages set state = 'received' where id = $1")
        .bind(reply_id)
        .execute(&app.db)
        .await
        .unwrap();
    let db = leitstand::db::Db::new(app.db.clone());
    leitstand::service::mail::process(&db, reply_id)
        .await
        .unwrap();
    assert_eq!(app.incident_journal(&number).await.len(), journal.len());
    let state: String = sqlx::query_scalar("select state from mail_messages where id = $1")
        .bind(reply_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(state, "processed");
}

#[tokio::test]
async fn machine_mail_is_kept_in_the_journal_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    mailbox(&app, "default", "create").await;
    let first = mail(
        "anna@example.com",
        "Printer",
        "anna-1@mail.example.com",
        "",
        "It jams.",
    );
    let number = received(&app, "default", first).await["record"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .move_incident(
            &agent,
            &number,
            json!({"to": "resolved", "resolution_code": "workaround", "resolution_notes": "Cleared the jam."}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let before: Value = app
        .get(&agent, &format!("/api/v1/incidents/{number}"))
        .await
        .json()
        .await
        .unwrap();
    let events_before = count(&app, "select count(*) from events").await;
    let entries_before = app.incident_journal(&number).await.len();

    let corpus_names = [
        ("ooo-exchange-de.eml", "automatic"),
        ("ooo-exchange-en.eml", "automatic"),
        ("ooo-gmail-en.eml", "automatic"),
        ("ooo-gmail-de.eml", "automatic"),
        ("list.eml", "automatic"),
        ("dsn.eml", "bounce"),
    ];
    for (name, kind) in corpus_names {
        let message = received(
            &app,
            "default",
            corpus(name, &number, "anna-1@mail.example.com"),
        )
        .await;
        assert_eq!(message["state"], "processed", "{name}");
        assert_eq!(message["kind"], kind, "{name}");
        assert_eq!(message["record"], number.as_str(), "{name}: threaded");
    }
    let after: Value = app
        .get(&agent, &format!("/api/v1/incidents/{number}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        after["state"], "resolved",
        "no out-of-office answer reopened it"
    );
    assert_eq!(after["version"], before["version"]);
    assert_eq!(
        count(&app, "select count(*) from incidents").await,
        1,
        "none opened one"
    );
    assert_eq!(
        count(&app, "select count(*) from events").await,
        events_before,
        "nothing for notifications, webhooks or rules"
    );
    let journal = app.incident_journal(&number).await;
    let notes: Vec<&str> = journal[entries_before..]
        .iter()
        .map(|e| {
            assert_eq!(e["kind"], "system");
            assert_eq!(e["author"], Value::Null);
            e["body"].as_str().unwrap()
        })
        .collect();
    assert_eq!(notes.len(), 6, "{notes:?}");
    assert!(
        notes[0].starts_with("automatic mail from anna@example.com (Auto-Submitted)"),
        "{notes:?}"
    );
    assert!(notes[4].contains("announce@lists.example.org"), "{notes:?}");
    assert_eq!(
        notes[5],
        "mail to anna@example.com could not be delivered: 5.1.1"
    );
    let (at, reason): (Option<jiff_sqlx::Timestamp>, Option<String>) = sqlx::query_as(
        "select email_undeliverable_at, email_undeliverable_reason from users where email = 'anna@example.com'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(at.is_some());
    assert!(reason.unwrap().starts_with("5.1.1 smtp; 550 5.1.1"));

    // The page shows the notes in the reader's language.
    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    let page = app.page(&browser, &format!("/incidents/{number}")).await;
    assert!(
        page.contains("Automatic mail from anna@example.com"),
        "journal note shown"
    );
    assert!(page.contains("could not be delivered"));

    // Machine mail about no record opens nothing either.
    let list = corpus("list.eml", "nothing", "nothing").replace(
        "announce-2026-12-03@lists.example.org",
        "announce-2@lists.example.org",
    );
    let message = received(&app, "default", list).await;
    assert_eq!(
        (message["kind"].clone(), message["record"].clone()),
        (json!("automatic"), Value::Null)
    );
    assert_eq!(count(&app, "select count(*) from incidents").await, 1);
}

#[tokio::test]
async fn nothing_is_dropped_unreadable_mail_waits_unknown_senders_are_quarantined_and_size_is_limited()
 {
    let app = TestApp::spawn().await;
    mailbox(&app, "default", "create").await;
    mailbox(&app, "strict", "quarantine").await;

    problem(send(&app, "nowhere", "Subject: x\r\n\r\nx").await, 422).await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/mailboxes",
            json!({"key": "default", "name": "x", "address": "d@example.com"}),
        )
        .await;
    problem(res, 409).await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/mailboxes",
            json!({"key": "Bad Key", "name": "", "address": "nope", "unknown_senders": "x"}),
        )
        .await;
    let mut named = fields(&problem(res, 422).await);
    named.sort();
    assert_eq!(named, ["address", "key", "name", "unknown_senders"]);

    // Bytes that are no message are kept as failed, with the reason, and listed.
    let garbage = send(&app, "default", vec![0xffu8, 0xfe, 0x00, 0x01]).await;
    assert_eq!(garbage.status(), 201);
    let garbage: Value = garbage.json().await.unwrap();
    assert_eq!(garbage["state"], "failed");
    assert!(!garbage["error"].as_str().unwrap().is_empty(), "{garbage}");
    let no_sender = received(
        &app,
        "default",
        "Subject: who am I\r\nMessage-ID: <x@y>\r\n\r\nhello",
    )
    .await;
    assert_eq!(no_sender["state"], "failed");

    let stranger = mail(
        "Sam Stranger <sam@partner.example>",
        "Access to the share",
        "sam-1@partner.example",
        "",
        "Please grant me access.",
    );
    let held = received(&app, "strict", stranger).await;
    assert_eq!(held["state"], "quarantined");
    assert_eq!(count(&app, "select count(*) from incidents").await, 0);
    assert_eq!(
        count(
            &app,
            "select count(*) from users where email = 'sam@partner.example'"
        )
        .await,
        0
    );

    let list: Value = app
        .get(&app.admin_token, "/api/v1/mail/messages?state=quarantined")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["sender"], "sam@partner.example");
    let all: Value = app
        .get(&app.admin_token, "/api/v1/mail/messages?limit=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert!(all["next_cursor"].is_string());
    problem(
        app.get(&app.admin_token, "/api/v1/mail/messages?state=lost")
            .await,
        400,
    )
    .await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    problem(app.get(&agent, "/api/v1/mail/messages").await, 403).await;
    let res = app
        .api
        .post(app.url("/api/v1/mail/inbound"))
        .bearer_auth(&agent)
        .body("Subject: x\r\n\r\nx")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // The admin makes the account; the retry reads it through.
    app.create_user("sam@partner.example", "caller", "en").await;
    let id = held["id"].as_i64().unwrap();
    let retried: Value = app
        .post(
            &app.admin_token,
            &format!("/api/v1/mail/messages/{id}/retry"),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(retried["state"], "processed");
    assert!(retried["record"].as_str().unwrap().starts_with("INC"));
    problem(
        app.post(
            &app.admin_token,
            &format!("/api/v1/mail/messages/{id}/retry"),
            json!({}),
        )
        .await,
        409,
    )
    .await;

    // Over 25 MB: refused with the limit named, nothing stored.
    let mut big = mail("anna@example.com", "Huge", "huge@x", "", "").into_bytes();
    big.resize(25 * 1024 * 1024 + 1, b'a');
    let res = send(&app, "default", big).await;
    let refused = problem(res, 413).await;
    assert!(
        refused["detail"].as_str().unwrap().contains("25 MB"),
        "{refused}"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from mail_messages where message_id = 'huge@x'"
        )
        .await,
        0
    );
}

fn mailgate(app: &TestApp, database_url: &str, mailbox: &str, raw: &[u8]) -> (i32, String) {
    let _ = app;
    let mut child = Command::new(env!("CARGO_BIN_EXE_leitstand"))
        .args(["mailgate", "--mailbox", mailbox])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(raw).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_mta_pipe_takes_a_message_and_asks_for_a_retry_when_the_database_is_away() {
    let app = TestApp::spawn().await;
    mailbox(&app, "default", "create").await;
    let url = app.db_options.to_url_lossy().to_string();
    let raw = mail(
        "anna@example.com",
        "VPN drops",
        "pipe-1@example.com",
        "",
        "Every five minutes.",
    );
    let (code, stderr) = mailgate(&app, &url, "default", raw.as_bytes());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        count(
            &app,
            "select count(*) from incidents where title = 'VPN drops'"
        )
        .await,
        1
    );
    let (code, _) = mailgate(&app, &url, "default", raw.as_bytes());
    assert_eq!(code, 0, "a repeated delivery is accepted and ignored");
    assert_eq!(count(&app, "select count(*) from incidents").await, 1);

    let (code, stderr) = mailgate(&app, &url, "nowhere", raw.as_bytes());
    assert_eq!(code, 67, "EX_NOUSER: {stderr}");
    assert!(stderr.contains("no enabled mailbox nowhere"), "{stderr}");
    let mut big = raw.clone().into_bytes();
    big.resize(25 * 1024 * 1024 + 10, b'x');
    let (code, stderr) = mailgate(&app, &url, "default", &big);
    assert_eq!(code, 65, "EX_DATAERR: {stderr}");
    assert!(stderr.contains("25 MB"), "{stderr}");
    // No database: EX_TEMPFAIL, so the MTA keeps the message and tries again.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, stderr) = mailgate(
        &app,
        &format!("postgres://postgres@127.0.0.1:{closed}/nothing?connect_timeout=2"),
        "default",
        raw.as_bytes(),
    );
    assert_eq!(code, 75, "EX_TEMPFAIL: {stderr}");
}

#[tokio::test]
async fn admins_see_the_messages_not_read_through_and_read_them_again_on_the_mail_page() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    app.sign_in(&admin, "admin@example.com").await;
    let res = app
        .post_form(
            &admin,
            "/admin/mail/mailboxes",
            &[
                ("key", "Bad Key"),
                ("name", "Desk"),
                ("address", "desk@example.com"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .post_form(
            &admin,
            "/admin/mail/mailboxes",
            &[
                ("key", "strict"),
                ("name", "Desk"),
                ("address", "desk@example.com"),
                ("unknown_senders", "quarantine"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let raw = mail(
        "<b>Eve</b> <eve@example.net>",
        "<script>alert(1)</script>",
        "eve-1@example.net",
        "",
        "Hi",
    );
    let held = received(&app, "strict", raw).await;
    assert_eq!(held["state"], "quarantined", "{held}");
    assert_eq!(held["sender"], "eve@example.net", "{held}");
    let page = app.page(&admin, "/admin/mail").await;
    assert!(
        page.contains("eve@example.net") && page.contains("quarantined"),
        "{page}"
    );
    assert!(!page.contains("<script>alert"), "escaped");
    app.create_user("eve@example.net", "caller", "en").await;
    let id = held["id"].as_i64().unwrap();
    let res = app
        .post_form(&admin, &format!("/admin/mail/messages/{id}/retry"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let page = app.page(&admin, "/admin/mail").await;
    assert!(
        page.contains("INC0000001"),
        "the flash names the record: {page}"
    );
    let agent = app.browser();
    app.create_user("agent@example.com", "agent", "en").await;
    app.sign_in(&agent, "agent@example.com").await;
    assert_eq!(
        agent
            .get(app.url("/admin/mail"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}

/// The Python that has aiosmtpd: the one on PATH, else Debian's (python3-aiosmtpd), as
/// scripts/install-test-deps installs it.
fn python_with_aiosmtpd() -> &'static str {
    ["python3", "/usr/bin/python3"]
        .into_iter()
        .find(|python| {
            Command::new(python)
                .args(["-c", "import aiosmtpd"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .unwrap_or("python3")
}

/// A real SMTP server (aiosmtpd) on `port`, writing what it accepts into a directory; the
/// first `fails` messages are answered 451. Stopped when dropped.
struct SmtpSink {
    child: std::process::Child,
    dir: std::path::PathBuf,
}

impl SmtpSink {
    fn start(port: u16, fails: u32) -> SmtpSink {
        let dir =
            std::env::temp_dir().join(format!("leitstand-smtp-{port}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = Command::new(python_with_aiosmtpd())
            .arg(format!(
                "{}/tests/support/smtp_sink.py",
                env!("CARGO_MANIFEST_DIR")
            ))
            .arg(port.to_string())
            .arg(&dir)
            .arg(fails.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/install-test-deps)");
        let mut ready = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut ready,
        )
        .unwrap();
        assert_eq!(ready.trim(), "ready", "the SMTP sink started");
        SmtpSink { child, dir }
    }

    fn messages(&self) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap().replace("\r\n", "\n"))
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn header<'a>(mail: &'a str, name: &str) -> Option<&'a str> {
    mail.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

#[tokio::test]
async fn notifications_go_out_through_a_real_smtp_server_thread_back_and_survive_it_being_down() {
    use leitstand::worker::mail_out::{Mailer, pass};
    let app = TestApp::spawn().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.create_user("anna@example.com", "caller", "de").await;
    mailbox(&app, "default", "create").await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mailer = Mailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        "Service Desk <desk@example.com>",
        Some("https://desk.example.com/".to_owned()),
    )
    .unwrap();
    let incident = app
        .create_incident(
            &agent,
            json!({"title": "Drucker im 3. OG", "caller": "anna@example.com"}),
        )
        .await;
    let number = incident["number"].as_str().unwrap().to_owned();
    let sent_notes = |journal: &[Value]| {
        journal
            .iter()
            .filter(|e| {
                e["kind"] == "system" && e["body"].as_str().unwrap().starts_with("mail sent to")
            })
            .count()
    };

    // The SMTP server is down: the mail waits, nothing is journaled as sent.
    // A moment ahead: the mails made in the pass are due at once.
    let mut now = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(5);
    pass(&app.db, &mailer, now).await.unwrap();
    let (state, error): (String, Option<String>) =
        sqlx::query_as("select state, last_error from mail_outbox order by id limit 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(state, "pending");
    assert!(error.is_some());
    assert_eq!(sent_notes(&app.incident_journal(&number).await), 0);

    // It comes back, answering 451 twice first: retried with backoff, then sent once.
    let sink = SmtpSink::start(port, 2);
    for _ in 0..3 {
        now += jiff::SignedDuration::from_hours(1);
        pass(&app.db, &mailer, now).await.unwrap();
    }
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let ack = &mails[0];
    assert!(
        header(ack, "Subject")
            .unwrap()
            .contains(&format!("[{number}]")),
        "{ack}"
    );
    assert!(
        ack.contains("Wir haben Ihr Anliegen"),
        "in the caller's language: {ack}"
    );
    assert_eq!(header(ack, "Auto-Submitted"), Some("auto-generated"));
    assert!(header(ack, "X-Leitstand-Loop").is_some());
    assert!(header(ack, "To").unwrap().contains("anna@example.com"));
    let ours = header(ack, "Message-ID")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_owned();
    assert!(ours.ends_with("@example.com"), "{ours}");
    assert_eq!(sent_notes(&app.incident_journal(&number).await), 1);

    // A public answer reaches the caller with its words; a work note does not.
    for (body, internal) in [
        ("Bitte den Drucker neu starten.", false),
        ("Toner leer, Lieferant anrufen", true),
    ] {
        let res = app
            .post(
                &agent,
                &format!("/api/v1/incidents/{number}/comments"),
                json!({"body": body, "internal": internal}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    pass(&app.db, &mailer, now).await.unwrap();
    let mails = sink.messages();
    assert_eq!(mails.len(), 2);
    assert!(mails[1].contains("Bitte den Drucker neu starten."));
    assert!(
        mails.iter().all(|m| !m.contains("Toner")),
        "no work note in mail"
    );
    assert!(header(&mails[1], "In-Reply-To").is_some());

    // The caller's reply to our mail threads back to the incident.
    let reply = mail(
        "anna@example.com",
        "AW: Drucker",
        "anna-reply@mail.example.com",
        &format!("In-Reply-To: <{ours}>\r\n"),
        "Hat geholfen, danke.",
    );
    assert_eq!(
        received(&app, "default", reply).await["record"],
        number.as_str()
    );

    // Resolved: the caller is asked to confirm, with the portal's link.
    let res = app
        .move_incident(&agent, &number, json!({"to": "resolved", "resolution_code": "workaround", "resolution_notes": "Neu gestartet."}))
        .await;
    assert_eq!(res.status(), 200);
    pass(&app.db, &mailer, now).await.unwrap();
    let mails = sink.messages();
    let resolved = mails.last().unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse(resolved.as_bytes())
        .unwrap();
    assert_eq!(
        parsed.subject(),
        Some(format!("[{number}] Gelöst: Drucker im 3. OG").as_str()),
        "{resolved}"
    );
    let text = parsed.body_text(0).unwrap_or_default();
    assert!(
        text.contains(&format!(
            "https://desk.example.com/portal/incidents/{number}"
        )),
        "{text}"
    );

    // No more than 10 automatic mails per record an hour; the rest are kept as suppressed.
    let before = sink.messages().len();
    for n in 0..12 {
        let res = app
            .post(
                &agent,
                &format!("/api/v1/incidents/{number}/comments"),
                json!({"body": format!("Update {n}")}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    pass(&app.db, &mailer, now).await.unwrap();
    pass(&app.db, &mailer, now).await.unwrap();
    let recent: i64 = count(
        &app,
        "select count(*) from mail_outbox where state in ('pending', 'sent')",
    )
    .await;
    assert_eq!(recent, 10, "capped at 10 an hour");
    assert!(
        count(
            &app,
            "select count(*) from mail_outbox where state = 'suppressed'"
        )
        .await
            >= 5
    );
    assert!(sink.messages().len() - before <= 10);

    // A person who turned mail off gets none.
    sqlx::query("update users set notify_email = false where email = 'anna@example.com'")
        .execute(&app.db)
        .await
        .unwrap();
    let quiet = app
        .create_incident(
            &agent,
            json!({"title": "Beamer", "caller": "anna@example.com"}),
        )
        .await;
    pass(&app.db, &mailer, now).await.unwrap();
    let about_quiet: i64 = sqlx::query_scalar("select count(*) from mail_outbox o join incidents i on i.id = o.incident_id where i.number = $1")
        .bind(quiet["number"].as_str().unwrap())
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(about_quiet, 0);
}

#[tokio::test]
async fn people_turn_their_mail_notifications_off_and_on_themselves() {
    let app = TestApp::spawn().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    let me: Value = app.get(&agent, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["notify_email"], true, "on by default");
    assert_eq!(me["email_undeliverable"], Value::Null);

    let res = app
        .patch(&agent, "/api/v1/me", json!({"notify_email": false}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["notify_email"], false);
    let stored: bool =
        sqlx::query_scalar("select notify_email from users where email = 'agent@example.com'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(!stored, "the outbox's recipients read this column");
    let res = app
        .patch(&agent, "/api/v1/me", json!({"role": "admin"}))
        .await;
    let body = problem(res, 422).await;
    assert!(fields(&body).contains(&"role".to_owned()), "{body}");

    // On the account page, as a checkbox.
    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    let page = app.page(&browser, "/account").await;
    assert!(page.contains("Tell me by e-mail"));
    assert!(
        !page.contains("name=\"notify_email\" checked"),
        "off, as set"
    );
    let res = app
        .post_form(
            &browser,
            "/account/notifications",
            &[("notify_email", "on")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let me: Value = app.get(&agent, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["notify_email"], true);
}

#[tokio::test]
async fn admins_see_the_notifications_that_did_not_go_out_and_send_them_again() {
    let app = TestApp::spawn().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    // As the sender leaves them: one refused for good, one failing and retried, one sent.
    sqlx::query(
        "insert into mail_outbox (reason, recipient, subject, body, message_id, state, attempts, last_error, sent_at) values \
         ('assigned', 'gone@example.com', '[INC0000001] Printer', 'x', 'a@leitstand', 'failed', 9, '550 5.1.1 no such user', null), \
         ('commented', 'anna@example.com', '[INC0000002] VPN', 'x', 'b@leitstand', 'pending', 2, 'connection refused', null), \
         ('created', 'bernd@example.com', '[INC0000003] Laptop', 'x', 'c@leitstand', 'sent', 1, null, now())",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let res = app.get(&app.admin_token, "/api/v1/mail/outbound").await;
    assert_eq!(res.status(), StatusCode::OK);
    let page: Value = res.json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    let recipients: Vec<&str> = items
        .iter()
        .map(|i| i["recipient"].as_str().unwrap())
        .collect();
    assert_eq!(
        recipients,
        ["anna@example.com", "gone@example.com"],
        "newest first, the sent one left out"
    );
    assert_eq!(items[1]["state"], "failed");
    assert_eq!(items[1]["last_error"], "550 5.1.1 no such user");
    assert_eq!(
        app.get(&agent, "/api/v1/mail/outbound").await.status(),
        StatusCode::FORBIDDEN
    );

    // On the mail page, with a button to send it again.
    let browser = app.browser();
    app.sign_in(&browser, "admin@example.com").await;
    let page = app.page(&browser, "/admin/mail").await;
    assert!(
        page.contains("Notifications not delivered") && page.contains("550 5.1.1 no such user")
    );
    let id = items[1]["id"].as_i64().unwrap();
    let res = app
        .post_form(&browser, &format!("/admin/mail/outbound/{id}/retry"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (state, due): (String, bool) =
        sqlx::query_as("select state, next_attempt_at <= now() from mail_outbox where id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((state.as_str(), due), ("pending", true));
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/mail/outbound/999999/retry",
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
