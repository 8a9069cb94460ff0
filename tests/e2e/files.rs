//! Attachments in Chromium: a screenshot pasted into the comment form and a file dropped on
//! the picker are sent with the comment and shown as a thumbnail; a file over the limit is
//! named before anything is sent; and hostile uploads (SVG with script, HTML, a GIF/HTML
//! polyglot) opened in the browser run nothing.

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::browser::{
    assert_accessible, browser, click, screenshot, sign_in_as, start_driver, wait_for_text,
};
use crate::support::TestApp;
use leitstand::domain::attachment::Limits;
use leitstand::state::Settings;
use leitstand::store::attachments::{BlobStore, Storage};

/// What each hostile file tries: leave a mark on the desk's origin (a cookie) and the title.
const PROBE: &str =
    "document.cookie='pwned=1; path=/'; try { top.document.title='PWNED' } catch (e) {}";

fn multipart(parts: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "e2e-files-boundary";
    let mut body = Vec::new();
    for (name, claimed, content) in parts {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {claimed}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn marked(client: &Client, app: &TestApp) -> bool {
    client.goto(&app.url("/")).await.unwrap();
    let cookie = client
        .execute("return document.cookie", vec![])
        .await
        .unwrap();
    cookie.as_str().unwrap_or_default().contains("pwned")
        || client.title().await.unwrap_or_default() == "PWNED"
}

/// Dispatches a paste of a 320×200 picture drawn on a canvas into `#body`.
const PASTE: &str = r"
const done = arguments[arguments.length - 1];
const canvas = document.createElement('canvas');
canvas.width = 320; canvas.height = 200;
const g = canvas.getContext('2d');
g.fillStyle = '#1f5fbf'; g.fillRect(0, 0, 320, 200);
g.fillStyle = '#fff'; g.font = '28px sans-serif'; g.fillText('Error 0x50', 60, 110);
canvas.toBlob(blob => {
  const data = new DataTransfer();
  data.items.add(new File([blob], 'image.png', { type: 'image/png' }));
  const body = document.getElementById('body');
  body.focus();
  body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  done(document.getElementById('file').files.length);
}, 'image/png');
";

/// Dispatches a drop of a text file of `arguments[0]` bytes on the picker.
const DROP: &str = r"
const size = arguments[0];
const data = new DataTransfer();
data.items.add(new File(['x'.repeat(size)], 'notes.txt', { type: 'text/plain' }));
const zone = document.querySelector('[data-dropzone]');
zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
const input = document.getElementById('file');
return [input.files.length, input.validity.valid, document.querySelector('[data-picked]').innerText];
";

#[tokio::test]
async fn files_are_pasted_and_dropped_and_hostile_ones_never_run_in_chromium() {
    let Some(driver) = start_driver() else { return };
    let settings = Settings {
        attachments: Storage {
            scanner: None,
            store: BlobStore::Database,
            limits: Limits {
                file: 64 * 1024,
                ..Limits::default()
            },
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with(settings).await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.create_user("caller@example.com", "caller", "de").await;
    let created = app
        .create_incident(
            &agent,
            json!({"title": "Printer shows error 0x50", "caller": "caller@example.com"}),
        )
        .await;
    let number = created["number"].as_str().unwrap().to_owned();

    // Hostile files, uploaded as an integration might.
    let svg = format!(
        "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"{PROBE}\"><script>{PROBE}</script></svg>"
    );
    let html = format!("<!doctype html><html><body><script>{PROBE}</script></body></html>");
    let polyglot =
        format!("GIF89a/*\x01\0\x01\0*/=1;<html><body><script>{PROBE}</script></body></html>");
    let (content_type, body) = multipart(&[
        ("chart.png", "image/png", svg.as_bytes()),
        ("invoice.html", "text/html", html.as_bytes()),
        ("spinner.gif", "image/gif", polyglot.as_bytes()),
    ]);
    let res = app
        .api
        .post(app.url(&format!("/api/v1/incidents/{number}/attachments")))
        .bearer_auth(&agent)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let entry: Value = res.json().await.unwrap();
    let ids: Vec<String> = entry["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();

    let client = browser(&driver).await;
    sign_in_as(&client, &app, "agent@example.com").await;
    // The probe works: run on the desk's own page it leaves its mark.
    client.execute(PROBE, vec![]).await.unwrap();
    assert!(
        marked(&client, &app).await,
        "the probe must be able to leave a mark"
    );
    client.delete_cookie("pwned").await.unwrap();
    assert!(!marked(&client, &app).await);
    // Opened as a person would (the link, in the tab), none of the files runs it.
    for id in &ids {
        let url = app.url(&format!("/incidents/{number}/attachments/{id}"));
        let _ = client.goto(&url).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!marked(&client, &app).await, "{url} ran its script");
    }
    // Nor as the API serves them.
    for id in &ids {
        let url = app.url(&format!("/api/v1/incidents/{number}/attachments/{id}"));
        let _ = client.goto(&url).await;
        assert!(!marked(&client, &app).await, "{url} ran its script");
    }

    // A screenshot pasted into the comment, a file dropped on the picker.
    client
        .goto(&app.url(&format!("/incidents/{number}")))
        .await
        .unwrap();
    let pasted = client.execute_async(PASTE, vec![]).await.unwrap();
    assert_eq!(pasted, json!(1), "the pasted picture joins the picker");
    let dropped = client.execute(DROP, vec![json!(120)]).await.unwrap();
    assert_eq!(dropped[0], 2, "{dropped}");
    assert_eq!(dropped[1], true);
    assert!(
        dropped[2].as_str().unwrap().contains("screenshot-"),
        "{dropped}"
    );
    client
        .find(Locator::Id("body"))
        .await
        .unwrap()
        .send_keys("The error on the display, and my notes")
        .await
        .unwrap();
    screenshot(&client, "incident-files-picked-en").await;
    click(&client, "#comment button[type=submit]").await;
    let page = wait_for_text(&client, "notes.txt").await;
    assert!(
        page.contains("class=\"thumb\""),
        "the picture is shown as a thumbnail"
    );
    screenshot(&client, "incident-files-en").await;
    assert_accessible(&client, "incident page with files").await;

    // A file over the limit is named before anything is sent.
    let refused = client.execute(DROP, vec![json!(70 * 1024)]).await.unwrap();
    assert_eq!(refused[1], false, "{refused}");
    assert!(
        refused[2]
            .as_str()
            .unwrap()
            .contains("A file may be at most 64 KB."),
        "{refused}"
    );
    click(&client, "#comment button[type=submit]").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let files: Value = app
        .get(&agent, &format!("/api/v1/incidents/{number}/attachments"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(files.as_array().unwrap().len(), 5, "nothing more was sent");

    // The caller, on a phone in German, sees the pictures and files of the conversation.
    sign_in_as(&client, &app, "caller@example.com").await;
    client.set_window_size(390, 844).await.unwrap();
    client
        .goto(&app.url(&format!("/portal/incidents/{number}")))
        .await
        .unwrap();
    let page = wait_for_text(&client, "notes.txt").await;
    assert!(page.contains("Dateien"), "the German picker");
    let wide = client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(wide, json!(false), "no sideways scrolling on a phone");
    screenshot(&client, "portal-files-de-phone").await;
    assert_accessible(&client, "portal incident with files").await;
    // The caller's "Something is broken" with its file picker, and their notification switch.
    client.goto(&app.url("/portal/report")).await.unwrap();
    wait_for_text(&client, "Dateien auswählen").await;
    screenshot(&client, "portal-report-files-de-phone").await;
    client.goto(&app.url("/account")).await.unwrap();
    wait_for_text(&client, "Per E-Mail benachrichtigen").await;
    screenshot(&client, "account-notifications-de-phone").await;

    // The admin's mail page with the notifications that did not go out, in English.
    sqlx::query(
        "insert into mail_outbox (reason, recipient, subject, body, message_id, state, attempts, last_error) \
         values ('assigned', 'gone@example.com', '[INC0000001] Printer', 'x', 'e2e@leitstand', 'failed', 9, '550 5.1.1 no such user')",
    )
    .execute(&app.db)
    .await
    .unwrap();
    sign_in_as(&client, &app, "admin@example.com").await;
    client.set_window_size(1280, 900).await.unwrap();
    client.goto(&app.url("/admin/mail")).await.unwrap();
    wait_for_text(&client, "550 5.1.1 no such user").await;
    screenshot(&client, "admin-mail-outgoing-en").await;
    client.goto(&app.url("/account")).await.unwrap();
    wait_for_text(&client, "Tell me by e-mail").await;
    screenshot(&client, "account-notifications-en").await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_quarantined_file_shows_without_a_link_and_a_pending_one_says_so_in_chromium() {
    use crate::support::clamd::{Clamd, EICAR, SIGNATURE};
    let Some(driver) = start_driver() else { return };
    let clamd = Clamd::start().await;
    let scanner = leitstand::domain::attachment::Scanner {
        clamd: leitstand::domain::attachment::ClamdAddress::Unix(clamd.socket.clone()),
        fail_closed: false,
    };
    let settings = Settings {
        attachments: Storage {
            scanner: Some(scanner.clone()),
            store: BlobStore::Database,
            limits: Limits::default(),
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with(settings.clone()).await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.create_user("agentin@example.com", "agent", "de").await;
    app.create_user("caller@example.com", "caller", "de").await;
    let created = app
        .create_incident(
            &agent,
            json!({"title": "Rechnung lässt sich nicht öffnen", "caller": "caller@example.com"}),
        )
        .await;
    let number = created["number"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/incidents/{number}/attachments");
    let post = |parts: Vec<(&'static str, &'static str, &'static [u8])>| {
        let (content_type, body) = multipart(&parts);
        app.api
            .post(app.url(&path))
            .bearer_auth(&agent)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let res = post(vec![("rechnung.com", "application/octet-stream", EICAR)])
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let entry: Value = res.json().await.unwrap();
    let virus = entry["attachments"][0]["id"].as_str().unwrap().to_owned();
    let db = leitstand::db::Db::new(app.db.clone()).with_storage(settings.attachments.clone());
    leitstand::worker::virus_scan::pass(&db, &scanner, jiff::Timestamp::now())
        .await
        .unwrap();
    // Uploaded after the scanner's pass: still pending.
    let res = post(vec![(
        "protokoll.txt",
        "text/plain",
        b"Druckerwarteschlange gestoppt",
    )])
    .await
    .unwrap();
    assert_eq!(res.status(), 201);

    let client = browser(&driver).await;
    sign_in_as(&client, &app, "agentin@example.com").await;
    client.set_window_size(1400, 1000).await.unwrap();
    client
        .goto(&app.url(&format!("/incidents/{number}")))
        .await
        .unwrap();
    let text = wait_for_text(&client, "In Quarantäne").await;
    assert!(text.contains(SIGNATURE), "the signature is named");
    assert!(
        text.contains("wird auf Viren geprüft"),
        "the pending file says so"
    );
    let links = client
        .find_all(Locator::Css(&format!("a[href$='/attachments/{virus}']")))
        .await
        .unwrap();
    assert!(links.is_empty(), "no link to the quarantined file");
    assert_accessible(&client, "incident with a quarantined file").await;
    let show = "document.querySelector('.scan-infected').scrollIntoView({block: 'center'})";
    client.execute(show, vec![]).await.unwrap();
    screenshot(&client, "quarantined-file-de-wide").await;
    client.set_window_size(390, 844).await.unwrap();
    client.execute(show, vec![]).await.unwrap();
    screenshot(&client, "quarantined-file-de-phone").await;
    client.close().await.unwrap();
}
