//! Attachments: uploaded as a comment or work note carrying files (multipart), stored once per
//! content, served so that nothing hostile runs, limited with `413` naming the limit, read
//! only by the readers of the entry they hang on, removed by their uploader or the desk, and
//! their content deleted once nothing refers to it — in PostgreSQL and in a directory.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, fields, problem};
use leitstand::domain::attachment::Limits;
use leitstand::state::Settings;
use leitstand::store::attachments::{BlobStore, Storage};

/// A part of a multipart body: (field name, file name, claimed type, content).
type Part<'a> = (&'a str, Option<&'a str>, &'a str, &'a [u8]);

const BOUNDARY: &str = "leitstand-test-boundary-7f3a";

fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, claimed, content) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match filename {
            Some(file) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: {claimed}\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(
    app: &TestApp,
    token: &str,
    path: &str,
    parts: &[Part<'_>],
    key: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .api
        .post(app.url(path))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(parts));
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().await.expect("upload")
}

/// A tiny real PNG (1×1).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\0\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";
const SVG: &[u8] = b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(document.cookie)</script></svg>";
const HTML: &[u8] =
    b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>";
const POLYGLOT: &[u8] =
    b"GIF89a/*\x01\0\x01\0*/=1;<html><script>alert(document.cookie)</script></html>";

async fn blobs(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from blobs")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// Lets the clean-up take what nobody refers to now (past its grace period).
async fn age_blobs(app: &TestApp) {
    sqlx::query("update blobs set touched_at = now() - interval '2 hours', created_at = now() - interval '2 hours'")
        .execute(&app.db)
        .await
        .unwrap();
}

async fn incident(app: &TestApp, token: &str, caller: &str) -> String {
    let created = app
        .create_incident(
            token,
            json!({"title": "Printer shows error 0x50", "caller": caller}),
        )
        .await;
    created["number"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn files_are_attached_listed_downloaded_and_stored_once() {
    let app = TestApp::spawn().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.create_user("caller@example.com", "caller", "en").await;
    let number = incident(&app, &agent, "caller@example.com").await;
    let path = format!("/api/v1/incidents/{number}/attachments");

    let res = upload(
        &app,
        &agent,
        &path,
        &[
            ("body", None, "", "The error on the display".as_bytes()),
            ("file", Some("display.png"), "image/png", PNG),
            (
                "file",
                Some("C:\\Users\\anna\\Bericht März.pdf"),
                "application/pdf",
                b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n",
            ),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["kind"], "comment");
    assert_eq!(entry["body"], "The error on the display");
    let files = entry["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{entry}");
    assert_eq!(files[0]["filename"], "display.png");
    assert_eq!(files[0]["content_type"], "image/png");
    assert_eq!(files[0]["size"], PNG.len());
    assert_eq!(files[1]["filename"], "Bericht März.pdf", "the path is gone");
    assert_eq!(files[1]["content_type"], "application/pdf");
    assert!(
        location.ends_with(files[0]["id"].as_str().unwrap()),
        "{location}"
    );

    // The journal carries them, and so does the list.
    let journal = app.incident_journal(&number).await;
    let carrying = journal.iter().find(|e| e["id"] == entry["id"]).unwrap();
    assert_eq!(carrying["attachments"].as_array().unwrap().len(), 2);
    let listed: Value = app.get(&agent, &path).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // Downloaded as it was, shown inline as the raster image it is, with the guards.
    let res = app.get(&agent, &location).await;
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'none'; sandbox"
    );
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline;")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let res = app
        .api
        .get(app.url(&location))
        .bearer_auth(&agent)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    let pdf = files[1]["id"].as_str().unwrap();
    let res = app.get(&agent, &format!("{path}/{pdf}")).await;
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"Bericht M_rz.pdf\"; filename*=UTF-8''Bericht%20M%C3%A4rz.pdf"
    );

    // The same picture again is a second attachment of the same stored content.
    assert_eq!(blobs(&app).await, 2);
    let res = upload(
        &app,
        &agent,
        &path,
        &[("file", Some("again.png"), "image/png", PNG)],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["body"], Value::Null, "files need no words");
    assert_eq!(blobs(&app).await, 2, "stored once per content");

    // A retried upload with its Idempotency-Key is answered as before and adds nothing.
    let mut answers = Vec::new();
    for _ in 0..2 {
        let res = upload(
            &app,
            &agent,
            &path,
            &[
                ("body", None, "", b"retry me"),
                ("file", Some("r.png"), "image/png", PNG),
            ],
            Some("upload-1"),
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        answers.push(res.json::<Value>().await.unwrap());
    }
    assert_eq!(answers[0]["id"], answers[1]["id"]);
    let listed: Value = app.get(&agent, &path).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 4);

    // Problems and requests take files the same way.
    let manager = app
        .user_with_token("pm@example.com", "problem_manager")
        .await;
    let created = app
        .create_problem(&manager, json!({"title": "Printers lose their queue"}))
        .await;
    let prb = created["number"].as_str().unwrap();
    let res = upload(
        &app,
        &manager,
        &format!("/api/v1/problems/{prb}/attachments"),
        &[(
            "file",
            Some("trace.txt"),
            "text/plain",
            b"spooler: queue lost\n",
        )],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["attachments"][0]["content_type"], "text/plain");

    // Bad uploads are named: no file, an unknown field, not multipart.
    let res = upload(
        &app,
        &agent,
        &path,
        &[("body", None, "", b"words only")],
        None,
    )
    .await;
    let body = problem(res, 422).await;
    assert!(fields(&body).contains(&"file".to_owned()), "{body}");
    let res = upload(
        &app,
        &agent,
        &path,
        &[
            ("colour", None, "", b"red"),
            ("file", Some("a.png"), "image/png", PNG),
        ],
        None,
    )
    .await;
    let body = problem(res, 422).await;
    assert!(fields(&body).contains(&"colour".to_owned()), "{body}");
    let res = app.post(&agent, &path, json!({"file": "x"})).await;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = upload(
        &app,
        &agent,
        "/api/v1/incidents/INC9999999/attachments",
        &[("file", Some("a.png"), "image/png", PNG)],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn hostile_files_are_named_by_their_content_and_never_served_to_run() {
    let app = TestApp::spawn().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.create_user("caller@example.com", "caller", "en").await;
    let number = incident(&app, &agent, "caller@example.com").await;
    let path = format!("/api/v1/incidents/{number}/attachments");
    let res = upload(
        &app,
        &agent,
        &path,
        &[
            ("file", Some("harmless.png"), "image/png", SVG),
            ("file", Some("page.html"), "text/html", HTML),
            (
                "file",
                Some("../../poly\u{202e}fig.gif"),
                "image/gif",
                POLYGLOT,
            ),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let entry: Value = res.json().await.unwrap();
    let files = entry["attachments"].as_array().unwrap();
    let expect = [
        ("harmless.png", "image/svg+xml", "attachment;"),
        ("page.html", "text/html", "attachment;"),
        ("polyfig.gif", "image/gif", "inline;"),
    ];
    for (file, (name, sniffed, disposition)) in files.iter().zip(expect) {
        assert_eq!(file["filename"], name);
        assert_eq!(file["content_type"], sniffed, "{file}");
        let res = app
            .get(&agent, &format!("{path}/{}", file["id"].as_str().unwrap()))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let headers = res.headers();
        assert_eq!(headers["content-type"], sniffed);
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with(disposition),
            "{name}: {:?}",
            headers["content-disposition"]
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(
            headers["content-security-policy"],
            "default-src 'none'; sandbox"
        );
    }
}

#[tokio::test]
async fn files_over_a_limit_are_refused_with_413_naming_the_limit_and_nothing_is_kept() {
    let settings = Settings {
        attachments: Storage {
            scanner: None,
            store: BlobStore::Database,
            limits: Limits {
                file: 1024,
                comment: 1536,
                record: 2048,
            },
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with(settings).await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.create_user("caller@example.com", "caller", "en").await;
    let number = incident(&app, &agent, "caller@example.com").await;
    let path = format!("/api/v1/incidents/{number}/attachments");
    let big = vec![b'a'; 1025];
    let fits = vec![b'b'; 800];

    let res = upload(
        &app,
        &agent,
        &path,
        &[("file", Some("big.txt"), "text/plain", &big)],
        None,
    )
    .await;
    let body = problem(res, 413).await;
    assert_eq!(body["detail"], "A file may be at most 1 KB.", "{body}");
    assert_eq!(fields(&body), vec!["file".to_owned()]);

    let res = upload(
        &app,
        &agent,
        &path,
        &[
            ("file", Some("one.txt"), "text/plain", &fits),
            ("file", Some("two.txt"), "text/plain", &[b'c'; 800]),
        ],
        None,
    )
    .await;
    let body = problem(res, 413).await;
    assert_eq!(
        body["detail"], "The files of one comment may be at most 1.5 KB together.",
        "{body}"
    );

    for (n, content) in [b'd', b'e', b'f'].into_iter().enumerate() {
        let res = upload(
            &app,
            &agent,
            &path,
            &[("file", Some("part.txt"), "text/plain", &[content; 800])],
            None,
        )
        .await;
        if n < 2 {
            assert_eq!(res.status(), StatusCode::CREATED);
        } else {
            let body = problem(res, 413).await;
            assert_eq!(
                body["detail"],
                "The files of one record may be at most 2 KB together; remove some first.",
                "{body}"
            );
        }
    }
    let listed: Value = app.get(&agent, &path).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2, "only what fitted");
    // The refused uploads left nothing once the clean-up has run.
    age_blobs(&app).await;
    let db = leitstand::db::Db::new(app.db.clone());
    leitstand::service::attachments::collect_garbage(&db)
        .await
        .unwrap();
    assert_eq!(blobs(&app).await, 2);
}

#[tokio::test]
async fn a_work_notes_files_reach_only_agents_and_a_confidential_records_nobody_outside() {
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
    let hr = app.user_with_token("hr@example.com", "agent").await;
    app.join_groups("hr@example.com", &["people-ops"]).await;
    let it = app.user_with_token("it@example.com", "agent").await;
    app.join_groups("it@example.com", &["service-desk"]).await;
    let caller = app.user_with_token("caller@example.com", "caller").await;
    let other = app.user_with_token("other@example.com", "caller").await;

    let number = incident(&app, &it, "caller@example.com").await;
    let path = format!("/api/v1/incidents/{number}/attachments");
    let res = upload(
        &app,
        &it,
        &path,
        &[
            ("body", None, "", b"Firewall log"),
            ("internal", None, "", b"true"),
            (
                "file",
                Some("firewall.log"),
                "text/plain",
                b"DROP 10.0.0.7\n",
            ),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let note: Value = res.json().await.unwrap();
    assert_eq!(note["kind"], "work_note");
    let log = format!("{path}/{}", note["attachments"][0]["id"].as_str().unwrap());

    // The caller attaches to their own incident, publicly; never as a work note.
    let res = upload(
        &app,
        &caller,
        &path,
        &[("file", Some("screen.png"), "image/png", PNG)],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let shot: Value = res.json().await.unwrap();
    let screen = format!("{path}/{}", shot["attachments"][0]["id"].as_str().unwrap());
    let res = upload(
        &app,
        &caller,
        &path,
        &[
            ("internal", None, "", b"true"),
            ("file", Some("x.png"), "image/png", PNG),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The caller reads their screenshot, not the work note's file: not in the list, the
    // journal or as a download.
    let listed = app.get(&caller, &path).await.text().await.unwrap();
    assert!(
        listed.contains("screen.png") && !listed.contains("firewall.log"),
        "{listed}"
    );
    let journal = app
        .get(&caller, &format!("/api/v1/incidents/{number}/journal"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!journal.contains("firewall.log"), "{journal}");
    assert_eq!(app.get(&caller, &log).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&caller, &screen).await.status(), StatusCode::OK);
    assert_eq!(app.get(&it, &log).await.status(), StatusCode::OK);
    // Another caller reads neither.
    assert_eq!(
        app.get(&other, &screen).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&other, &path).await.status(), StatusCode::NOT_FOUND);

    // A confidential HR case's files are unknown to IT.
    let case = app
        .create_incident(
            &hr,
            json!({"title": "Salary statement", "caller": "caller@example.com",
                   "assignment_group": "people-ops"}),
        )
        .await;
    let case = case["number"].as_str().unwrap();
    let hr_path = format!("/api/v1/incidents/{case}/attachments");
    let res = upload(
        &app,
        &hr,
        &hr_path,
        &[(
            "file",
            Some("salary.pdf"),
            "application/pdf",
            b"%PDF-1.4 salary",
        )],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let salary: Value = res.json().await.unwrap();
    let salary = format!(
        "{hr_path}/{}",
        salary["attachments"][0]["id"].as_str().unwrap()
    );
    assert_eq!(app.get(&it, &salary).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&it, &hr_path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&app.admin_token, &salary).await.status(),
        StatusCode::NOT_FOUND
    );
    let res = upload(
        &app,
        &it,
        &hr_path,
        &[("file", Some("x.png"), "image/png", PNG)],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&hr, &salary).await.status(), StatusCode::OK);
    assert_eq!(
        app.get(&caller, &salary).await.status(),
        StatusCode::OK,
        "the case's caller"
    );
    // An attachment id of another record is no way in either.
    let crossed = salary.replace(case, &number);
    assert_eq!(app.get(&it, &crossed).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_removed_file_is_gone_its_entry_says_so_and_its_content_is_deleted_when_unreferenced() {
    let app = TestApp::spawn().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    let caller = app.user_with_token("caller@example.com", "caller").await;
    let number = incident(&app, &agent, "caller@example.com").await;
    let path = format!("/api/v1/incidents/{number}/attachments");
    let mut ids = Vec::new();
    for (token, name) in [
        (&caller, "mine.png"),
        (&agent, "copy.png"),
        (&agent, "desk.txt"),
    ] {
        let content: &[u8] = if name == "desk.txt" {
            b"desk notes"
        } else {
            PNG
        };
        let res = upload(
            &app,
            token,
            &path,
            &[("file", Some(name), "application/octet-stream", content)],
            None,
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let entry: Value = res.json().await.unwrap();
        ids.push(entry["attachments"][0]["id"].as_str().unwrap().to_owned());
    }
    // The caller may not remove the desk's file, only their own.
    let res = app.delete(&caller, &format!("{path}/{}", ids[2])).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.delete(&caller, &format!("{path}/{}", ids[0])).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&caller, &format!("{path}/{}", ids[0]))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let res = app.delete(&caller, &format!("{path}/{}", ids[0])).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "removed already");
    // The agent removes the desk's file.
    let res = app.delete(&agent, &format!("{path}/{}", ids[2])).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let journal = app.incident_journal(&number).await;
    let removals: Vec<&Value> = journal
        .iter()
        .filter(|e| e["changes"]["attachment"].is_object())
        .collect();
    assert_eq!(removals.len(), 2);
    assert_eq!(removals[0]["changes"]["attachment"]["from"], "mine.png");
    let listed: Value = app.get(&agent, &path).await.json().await.unwrap();
    let removed = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["removed_at"].is_string())
        .count();
    assert_eq!(removed, 2, "{listed}");

    // The PNG is still the agent's copy; the text is nobody's: the clean-up deletes it alone.
    assert_eq!(blobs(&app).await, 2);
    let db = leitstand::db::Db::new(app.db.clone());
    let deleted = leitstand::service::attachments::collect_garbage(&db)
        .await
        .unwrap();
    assert_eq!(deleted, 0, "within the grace period");
    age_blobs(&app).await;
    let deleted = leitstand::service::attachments::collect_garbage(&db)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    let res = app.get(&agent, &format!("{path}/{}", ids[1])).await;
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
}

#[tokio::test]
async fn content_can_live_in_a_directory_streamed_in_and_out() {
    let dir = std::env::temp_dir().join(format!("leitstand-blobs-{}", uuid::Uuid::now_v7()));
    let settings = Settings {
        attachments: Storage {
            scanner: None,
            store: BlobStore::Directory(dir.clone()),
            limits: Limits::default(),
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with(settings.clone()).await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.create_user("caller@example.com", "caller", "en").await;
    let number = incident(&app, &agent, "caller@example.com").await;
    let path = format!("/api/v1/incidents/{number}/attachments");
    // 3 MiB and a bit, not a multiple of the chunk size.
    let content: Vec<u8> = (0..3 * 1024 * 1024 + 4321)
        .map(|i: u32| (i * 7 % 251) as u8)
        .collect();
    let res = upload(
        &app,
        &agent,
        &path,
        &[(
            "file",
            Some("dump.bin"),
            "application/octet-stream",
            &content,
        )],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let entry: Value = res.json().await.unwrap();
    let id = entry["attachments"][0]["id"].as_str().unwrap().to_owned();

    let hex = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(&content))
    };
    let file = dir.join(&hex[..2]).join(&hex[2..4]).join(&hex);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        content,
        "stored under its hash"
    );
    let chunks: i64 = sqlx::query_scalar("select count(*) from blob_chunks")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(chunks, 0, "nothing of it in the database");

    let res = app.get(&agent, &format!("{path}/{id}")).await;
    assert_eq!(
        res.headers()["content-length"],
        content.len().to_string().as_str()
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), content.as_slice());

    let res = app.delete(&agent, &format!("{path}/{id}")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    age_blobs(&app).await;
    let db = leitstand::db::Db::new(app.db.clone()).with_storage(settings.attachments.clone());
    assert_eq!(
        leitstand::service::attachments::collect_garbage(&db)
            .await
            .unwrap(),
        1
    );
    assert!(!file.exists(), "the file went with its last reference");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn content_can_live_in_an_s3_bucket_streamed_in_parts_stored_once_and_deleted_with_its_last_reference()
 {
    let moto = crate::support::moto::Moto::start().await;
    let options = moto.options();
    let options: Vec<(&str, &str)> = options.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bucket = leitstand::store::bucket::Bucket::with_options(
        &format!("s3://{}/desk/files", moto.bucket),
        &options,
    )
    .unwrap();
    let settings = Settings {
        attachments: Storage {
            scanner: None,
            store: BlobStore::Bucket(bucket),
            limits: Limits {
                file: 6 * 1024 * 1024,
                ..Limits::default()
            },
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with(settings.clone()).await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.create_user("caller@example.com", "caller", "en").await;
    let number = incident(&app, &agent, "caller@example.com").await;
    let path = format!("/api/v1/incidents/{number}/attachments");
    // Over the limit after its first part went up: refused, and nothing of it is left.
    let too_big = vec![7u8; 7 * 1024 * 1024];
    let res = upload(
        &app,
        &agent,
        &path,
        &[(
            "file",
            Some("core.dump"),
            "application/octet-stream",
            &too_big,
        )],
        None,
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        res.text().await.unwrap()
    );
    assert!(moto.objects("desk/").await.is_empty());
    assert_eq!(blobs(&app).await, 0);
    // Over one 5 MiB part (a multipart upload of two parts) and not a multiple of anything.
    let big: Vec<u8> = (0..5 * 1024 * 1024 + 777_777)
        .map(|i: u32| (i * 13 % 251) as u8)
        .collect();
    let mut ids = Vec::new();
    for (name, content) in [
        ("dump.bin", big.as_slice()),
        ("shot.png", PNG),
        ("again.png", PNG),
    ] {
        let res = upload(
            &app,
            &agent,
            &path,
            &[("file", Some(name), "application/octet-stream", content)],
            None,
        )
        .await;
        assert_eq!(res.status(), StatusCode::CREATED, "{name}");
        let entry: Value = res.json().await.unwrap();
        ids.push(entry["attachments"][0]["id"].as_str().unwrap().to_owned());
    }
    // One object per content, named by its blob, whole; the second copy of the picture gave
    // way to the first.
    let blob_of = |size: usize| {
        let db = app.db.clone();
        async move {
            let id: uuid::Uuid = sqlx::query_scalar("select id from blobs where size = $1")
                .bind(i64::try_from(size).unwrap())
                .fetch_one(&db)
                .await
                .unwrap();
            format!("desk/files/{id}")
        }
    };
    let (big_key, png_key) = (blob_of(big.len()).await, blob_of(PNG.len()).await);
    let mut expected = vec![(big_key.clone(), big.len()), (png_key.clone(), PNG.len())];
    expected.sort();
    assert_eq!(moto.objects("desk/").await, expected);
    let chunks: i64 = sqlx::query_scalar("select count(*) from blob_chunks")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(chunks, 0, "nothing of it in the database");
    let locations: Vec<String> = sqlx::query_scalar("select location from blobs")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(locations, ["s3", "s3"]);

    let res = app.get(&agent, &format!("{path}/{}", ids[0])).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-length"],
        big.len().to_string().as_str()
    );
    assert!(
        res.bytes().await.unwrap().as_ref() == big.as_slice(),
        "the same bytes back"
    );
    let res = app.get(&agent, &format!("{path}/{}", ids[2])).await;
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);

    // The big file removed: its object goes with the clean-up; the picture, still referred
    // to once, stays.
    let res = app.delete(&agent, &format!("{path}/{}", ids[0])).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app.delete(&agent, &format!("{path}/{}", ids[1])).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    age_blobs(&app).await;
    let db = leitstand::db::Db::new(app.db.clone()).with_storage(settings.attachments.clone());
    assert_eq!(
        leitstand::service::attachments::collect_garbage(&db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(moto.objects("desk/").await, [(png_key, PNG.len())]);
    let res = app.get(&agent, &format!("{path}/{}", ids[2])).await;
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
}

/// Settings scanning with this clamd.
fn scanning(clamd: &std::path::Path, fail_closed: bool) -> Settings {
    Settings {
        attachments: Storage {
            scanner: Some(leitstand::domain::attachment::Scanner {
                clamd: leitstand::domain::attachment::ClamdAddress::Unix(clamd.to_owned()),
                fail_closed,
            }),
            store: BlobStore::Database,
            limits: Limits::default(),
        },
        ..Settings::default()
    }
}

#[tokio::test]
async fn clamd_scans_every_file_once_infected_ones_are_quarantined_and_fail_closed_serves_only_clean()
 {
    use crate::support::clamd::{Clamd, EICAR, SIGNATURE};
    let clamd = Clamd::start().await;
    let settings = scanning(&clamd.socket, true);
    let app = TestApp::spawn_with(settings.clone()).await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    let caller = app.user_with_token("caller@example.com", "caller").await;
    let number = incident(&app, &agent, "caller@example.com").await;
    let path = format!("/api/v1/incidents/{number}/attachments");
    let res = upload(
        &app,
        &caller,
        &path,
        &[
            ("file", Some("eicar.com"), "application/octet-stream", EICAR),
            ("file", Some("screenshot.png"), "image/png", PNG),
            ("body", None, "", b"Here is what the screen shows."),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["attachments"][0]["scan"], "pending");
    assert_eq!(entry["attachments"][1]["scan"], "pending");
    let (virus, picture) = (
        entry["attachments"][0]["id"].as_str().unwrap().to_owned(),
        entry["attachments"][1]["id"].as_str().unwrap().to_owned(),
    );
    // The same virus in a work note, under a name the caller must never learn.
    let res = upload(
        &app,
        &agent,
        &path,
        &[
            (
                "file",
                Some("vendor-escalation.com"),
                "application/octet-stream",
                EICAR,
            ),
            ("internal", None, "", b"true"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // Fail closed: nothing is served before clamd has called it clean.
    for id in [&virus, &picture] {
        let res = app.get(&agent, &format!("{path}/{id}")).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let problem: Value = res.json().await.unwrap();
        assert!(
            problem["type"]
                .as_str()
                .unwrap()
                .ends_with("attachment-not-scanned"),
            "{problem}"
        );
    }

    let db = leitstand::db::Db::new(app.db.clone()).with_storage(settings.attachments.clone());
    let scanner = settings.attachments.scanner.clone().unwrap();
    let looked_at = leitstand::worker::virus_scan::pass(&db, &scanner, jiff::Timestamp::now())
        .await
        .unwrap();
    assert_eq!(looked_at, 2);
    assert_eq!(
        leitstand::worker::virus_scan::pass(&db, &scanner, jiff::Timestamp::now())
            .await
            .unwrap(),
        0,
        "each content once"
    );

    let res = app.get(&agent, &format!("{path}/{picture}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    for who in [&agent, &caller] {
        let res = app.get(who, &format!("{path}/{virus}")).await;
        assert_eq!(
            res.status(),
            StatusCode::CONFLICT,
            "quarantined for everyone"
        );
        let problem: Value = res.json().await.unwrap();
        assert!(
            problem["type"]
                .as_str()
                .unwrap()
                .ends_with("attachment-infected"),
            "{problem}"
        );
    }
    let listed: Value = app.get(&agent, &path).await.json().await.unwrap();
    let listed = listed.as_array().unwrap();
    let by_id = |id: &str| listed.iter().find(|a| a["id"] == id).unwrap().clone();
    assert_eq!(by_id(&virus)["scan"], "infected");
    assert_eq!(by_id(&virus)["scan_signature"], SIGNATURE);
    assert_eq!(by_id(&picture)["scan"], "clean");
    assert!(by_id(&picture)["scan_signature"].is_null());

    // The record says so, in the desk's journal.
    let journal: Value = app
        .get(&agent, &format!("/api/v1/incidents/{number}/journal"))
        .await
        .json()
        .await
        .unwrap();
    let note = format!("virus found in eicar.com, quarantined: {SIGNATURE}");
    assert!(journal.to_string().contains(&note), "{journal}");
    // Not the work note's file: a system entry reaches the caller too.
    let callers: Value = app
        .get(&caller, &format!("/api/v1/incidents/{number}/journal"))
        .await
        .json()
        .await
        .unwrap();
    assert!(callers.to_string().contains(&note), "{callers}");
    assert!(
        !callers.to_string().contains("vendor-escalation"),
        "{callers}"
    );
    assert!(
        !journal
            .to_string()
            .contains("virus found in vendor-escalation"),
        "{journal}"
    );

    // The same content uploaded again is known: quarantined at once, not scanned again.
    let res = upload(
        &app,
        &agent,
        &path,
        &[("file", Some("harmless.txt"), "text/plain", EICAR)],
        None,
    )
    .await;
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["attachments"][0]["scan"], "infected");
    assert_eq!(
        leitstand::worker::virus_scan::pass(&db, &scanner, jiff::Timestamp::now())
            .await
            .unwrap(),
        0
    );

    // The page shows the file quarantined, without a link to it.
    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    let page = app.page(&browser, &format!("/incidents/{number}")).await;
    assert!(page.contains(SIGNATURE), "the signature is named");
    assert!(
        !page.contains(&format!("/attachments/{virus}\"")),
        "no link to the quarantined file"
    );
}

#[tokio::test]
async fn a_scanner_that_cannot_be_reached_is_an_error_retried_later_and_fail_open_serves_meanwhile()
{
    let nowhere = std::env::temp_dir().join(format!("no-clamd-{}.sock", uuid::Uuid::now_v7()));
    let settings = scanning(&nowhere, false);
    let app = TestApp::spawn_with(settings.clone()).await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.create_user("caller@example.com", "caller", "en").await;
    let number = incident(&app, &agent, "caller@example.com").await;
    let path = format!("/api/v1/incidents/{number}/attachments");
    let res = upload(
        &app,
        &agent,
        &path,
        &[("file", Some("log.txt"), "text/plain", b"spooler stopped")],
        None,
    )
    .await;
    let entry: Value = res.json().await.unwrap();
    let id = entry["attachments"][0]["id"].as_str().unwrap().to_owned();
    let db = leitstand::db::Db::new(app.db.clone()).with_storage(settings.attachments.clone());
    let scanner = settings.attachments.scanner.clone().unwrap();
    let now = jiff::Timestamp::now();
    assert_eq!(
        leitstand::worker::virus_scan::pass(&db, &scanner, now)
            .await
            .unwrap(),
        1
    );
    let (scan, error): (String, String) = sqlx::query_as("select scan, scan_error from blobs")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(scan, "error");
    assert!(error.contains("clamd at unix:"), "{error}");
    // Fail open: served meanwhile, and marked so.
    let res = app.get(&agent, &format!("{path}/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let listed: Value = app.get(&agent, &path).await.json().await.unwrap();
    assert_eq!(listed[0]["scan"], "error");
    // Not again before its backoff, then again.
    assert_eq!(
        leitstand::worker::virus_scan::pass(&db, &scanner, now)
            .await
            .unwrap(),
        0
    );
    let later = now + jiff::SignedDuration::from_mins(2);
    assert_eq!(
        leitstand::worker::virus_scan::pass(&db, &scanner, later)
            .await
            .unwrap(),
        1
    );
    let attempts: i32 = sqlx::query_scalar("select scan_attempts from blobs")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(attempts, 2);
}

/// Sends an upload over a plain connection, its body in `pieces` pieces `gap` apart (a slow
/// uplink); the response's status line.
async fn trickle(
    app: &TestApp,
    token: &str,
    path: &str,
    content: &[u8],
    pieces: usize,
    gap: std::time::Duration,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = multipart(&[(
        "file",
        Some("capture.pcap"),
        "application/octet-stream",
        content,
    )]);
    let mut conn = tokio::net::TcpStream::connect(app.address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        app.address,
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    for piece in body.chunks(body.len().div_ceil(pieces)) {
        conn.write_all(piece).await.unwrap();
        conn.flush().await.unwrap();
        tokio::time::sleep(gap).await;
    }
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn an_upload_over_a_slow_uplink_is_not_cut_at_the_30_s_every_other_request_gets() {
    let app = TestApp::spawn().await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.create_user("caller@example.com", "caller", "en").await;
    let number = incident(&app, &agent, "caller@example.com").await;
    let path = format!("/api/v1/incidents/{number}/attachments");
    let content = vec![42u8; 64 * 1024];
    // 32 s in all, a piece every 2 s.
    let status = trickle(
        &app,
        &agent,
        &path,
        &content,
        16,
        std::time::Duration::from_secs(2),
    )
    .await;
    assert!(status.contains(" 201 "), "{status}");
    let listed: Value = app.get(&agent, &path).await.json().await.unwrap();
    assert_eq!(listed[0]["size"], content.len());
}

fn b64(content: &[u8]) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(content);
    text.as_bytes()
        .chunks(76)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// A mail with HTML showing a `cid:` image, a PDF, and a file over the test's limit.
fn mail_with_files(message_id: &str, subject: &str, extra: &str) -> String {
    format!(
        "From: Anna Berg <anna@example.com>\r\nTo: desk@example.com\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nDate: Sun, 6 Dec 2026 08:00:00 +0000\r\n{extra}\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
         --outer\r\nContent-Type: multipart/related; boundary=\"inner\"\r\n\r\n\
         --inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <html><body><p>Der Drucker zeigt diesen Fehler:</p><img src=\"cid:shot@mail\"><script>alert(1)</script></body></html>\r\n\
         --inner\r\nContent-Type: image/png\r\nContent-ID: <shot@mail>\r\nContent-Transfer-Encoding: base64\r\n\r\n{png}\r\n\
         --inner--\r\n\
         --outer\r\nContent-Type: application/pdf; name=\"Fehlerbericht.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"Fehlerbericht.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n\
         --outer\r\nContent-Type: application/octet-stream\r\n\
         Content-Disposition: attachment; filename=\"memory.dmp\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{big}\r\n\
         --outer--\r\n",
        png = b64(PNG),
        pdf = b64(b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\n"),
        big = b64(&[7u8; 5000]),
    )
}

#[tokio::test]
async fn a_mails_files_arrive_with_it_and_one_over_the_limit_is_named_not_dropped_silently() {
    let settings = Settings {
        attachments: Storage {
            scanner: None,
            store: BlobStore::Database,
            limits: Limits {
                file: 4096,
                ..Limits::default()
            },
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with(settings).await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/mailboxes",
            json!({"key": "default", "name": "Service Desk", "address": "desk@example.com"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let send = |raw: String| {
        let app = &app;
        async move {
            let res = app
                .api
                .post(app.url("/api/v1/mail/inbound?mailbox=default"))
                .bearer_auth(&app.admin_token)
                .header("content-type", "message/rfc822")
                .body(raw)
                .send()
                .await
                .unwrap();
            assert!(
                res.status() == 201 || res.status() == 200,
                "{}",
                res.status()
            );
            res.json::<Value>().await.unwrap()
        }
    };

    let first = mail_with_files("files-1@mail.example.com", "Drucker Fehler", "");
    let message = send(first.clone()).await;
    assert_eq!(message["state"], "processed", "{message}");
    let number = message["record"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/incidents/{number}/attachments");
    let listed: Value = app.get(&agent, &path).await.json().await.unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0]["content_type"], "image/png");
    assert_eq!(listed[0]["inline"], true, "the HTML's cid: image");
    assert_eq!(listed[1]["filename"], "Fehlerbericht.pdf");
    assert_eq!(listed[1]["inline"], false);
    let incident: Value = app
        .get(&agent, &format!("/api/v1/incidents/{number}"))
        .await
        .json()
        .await
        .unwrap();
    let description = incident["description"].as_str().unwrap();
    assert!(
        description.contains("Der Drucker zeigt diesen Fehler"),
        "{description}"
    );
    assert!(!description.contains("alert"), "{description}");
    assert!(
        description.contains("[Not attached: memory.dmp. A file may be at most 4 KB.]"),
        "{description}"
    );
    // The logging entry carries them.
    let journal = app.incident_journal(&number).await;
    assert_eq!(journal[0]["attachments"].as_array().unwrap().len(), 2);

    // The same mail again is the same message: no second set of files.
    assert_eq!(send(first).await["duplicate"], true);
    let again: Value = app.get(&agent, &path).await.json().await.unwrap();
    assert_eq!(again.as_array().unwrap().len(), 2);

    // A reply's files come with the comment it becomes.
    let reply = mail_with_files(
        "files-2@mail.example.com",
        &format!("AW: [{number}] Drucker Fehler"),
        "In-Reply-To: <files-1@mail.example.com>\r\n",
    );
    let message = send(reply).await;
    assert_eq!(message["record"], number.as_str());
    let journal = app.incident_journal(&number).await;
    let comment = journal
        .iter()
        .rev()
        .find(|e| e["kind"] == "comment")
        .unwrap();
    assert_eq!(
        comment["attachments"].as_array().unwrap().len(),
        2,
        "{comment}"
    );
    let blobs = blobs(&app).await;
    assert_eq!(blobs, 2, "the same picture and PDF are stored once");
}

async fn post_files(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    parts: &[Part<'_>],
) -> reqwest::Response {
    browser
        .post(app.url(path))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(parts))
        .send()
        .await
        .expect("POST multipart form")
}

#[tokio::test]
async fn pages_take_files_with_comments_and_show_them_to_the_right_readers() {
    let settings = Settings {
        attachments: Storage {
            scanner: None,
            store: BlobStore::Database,
            limits: Limits {
                file: 2048,
                ..Limits::default()
            },
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with(settings).await;
    let agent_token = app.user_with_token("agent@example.com", "agent").await;
    app.create_user("caller@example.com", "caller", "de").await;
    let number = incident(&app, &agent_token, "caller@example.com").await;
    let agent = app.browser();
    app.sign_in(&agent, "agent@example.com").await;

    // The agent's comment form carries a file and the picker says the limit.
    let page = app.page(&agent, &format!("/incidents/{number}")).await;
    assert!(
        page.contains("enctype=\"multipart/form-data\""),
        "comment form"
    );
    assert!(page.contains("up to 2 KB each"), "the limit is named");
    let res = post_files(
        &app,
        &agent,
        &format!("/incidents/{number}/comments"),
        &[
            ("body", None, "", b"Screenshot of the error"),
            ("file", Some("fehler.png"), "image/png", PNG),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // A work note's file.
    let res = post_files(
        &app,
        &agent,
        &format!("/incidents/{number}/comments"),
        &[
            ("body", None, "", b"Vendor log"),
            ("internal", None, "", b"on"),
            ("file", Some("vendor.log"), "text/plain", b"E4711 spooler\n"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Too large: refused at the picker, the words kept.
    let res = post_files(
        &app,
        &agent,
        &format!("/incidents/{number}/comments"),
        &[
            ("body", None, "", b"Words I typed"),
            (
                "file",
                Some("dump.bin"),
                "application/octet-stream",
                &[1u8; 3000],
            ),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = res.text().await.unwrap();
    assert!(
        refused.contains("A file may be at most 2 KB."),
        "named at the picker"
    );
    assert!(refused.contains("Words I typed"), "the words are kept");

    let page = app.page(&agent, &format!("/incidents/{number}")).await;
    assert!(page.contains("fehler.png") && page.contains("vendor.log"));
    assert!(page.contains("loading=\"lazy\""), "pictures load lazily");

    // The caller sees the picture on the portal page, in German, not the work note's file,
    // and downloads the picture through the page's link.
    let caller = app.browser();
    app.sign_in(&caller, "caller@example.com").await;
    let portal = app
        .page(&caller, &format!("/portal/incidents/{number}"))
        .await;
    assert!(portal.contains("fehler.png"), "{portal}");
    assert!(!portal.contains("vendor.log"));
    let listed: Value = app
        .get(
            &agent_token,
            &format!("/api/v1/incidents/{number}/attachments"),
        )
        .await
        .json()
        .await
        .unwrap();
    let picture = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["filename"] == "fehler.png")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let log = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["filename"] == "vendor.log")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(portal.contains(&format!("/incidents/{number}/attachments/{picture}")));
    let res = caller
        .get(app.url(&format!("/incidents/{number}/attachments/{picture}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    let res = caller
        .get(app.url(&format!("/incidents/{number}/attachments/{log}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The caller replies with a file from the portal; German words on the picker.
    assert!(portal.contains("Dateien auswählen, hineinziehen oder einfügen"));
    let res = post_files(
        &app,
        &caller,
        &format!("/portal/incidents/{number}/reply"),
        &[
            ("body", None, "", b"Hier noch ein Foto"),
            ("internal", None, "", b"on"),
            (
                "file",
                Some("foto.jpg"),
                "image/jpeg",
                b"\xff\xd8\xff\xe0\0\x10JFIF\0",
            ),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let journal = app.incident_journal(&number).await;
    let reply = journal
        .iter()
        .rev()
        .find(|e| e["body"] == "Hier noch ein Foto")
        .unwrap();
    assert_eq!(reply["kind"], "comment", "the portal's words are public");
    assert_eq!(reply["attachments"][0]["filename"], "foto.jpg");

    // The agent removes the picture from the page.
    let res = agent
        .post(app.url(&format!("/incidents/{number}/attachments/{picture}/remove")))
        .form(&[("back", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = app.page(&agent, &format!("/incidents/{number}")).await;
    assert!(page.contains("<s>fehler.png</s>"), "shown as removed");

    // "Something is broken" with a screenshot: the new incident carries it.
    let res = post_files(
        &app,
        &caller,
        "/portal/report",
        &[
            ("title", None, "", "Bildschirm flackert".as_bytes()),
            ("description", None, "", b"Seit dem Update"),
            ("file", Some("flackern.png"), "image/png", PNG),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let reported = location.rsplit('/').next().unwrap();
    let listed: Value = app
        .get(
            &agent_token,
            &format!("/api/v1/incidents/{reported}/attachments"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["filename"], "flackern.png");
}
