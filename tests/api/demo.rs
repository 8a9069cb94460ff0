//! `leitstand demo`: consistent, reproducible data on a real PostgreSQL, refused on a database
//! with other data, and usable through the API and the pages afterwards.

use leitstand::demo::{ADMIN, Options, PASSWORD, run};
use leitstand::state::{AppState, Settings};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::support::{TestApp, fresh_database, serve};

fn options(incidents: u64, seed: u64) -> Options {
    Options {
        incidents,
        problems: Some(incidents / 100),
        requests: Some(0),
        seed,
        force: false,
        until: "2026-11-23T15:30:00Z".parse().unwrap(),
    }
}

async fn fresh_pool() -> PgPool {
    leitstand::db::pool(fresh_database().await, 3)
        .await
        .unwrap()
}

async fn scalar(db: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
}

async fn index_definitions(db: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "select indexdef from pg_indexes where tablename in ('incidents', 'journal_entries', 'requests') order by indexname",
    )
    .fetch_all(db)
    .await
    .unwrap()
}

#[tokio::test]
async fn demo_data_is_consistent_and_browsable() {
    let db = fresh_pool().await;
    let indexes = index_definitions(&db).await;
    let summary = run(&db, &options(3_000, 7)).await.unwrap();
    assert_eq!((summary.incidents, summary.problems), (3_000, 30));

    // Every index is back, with the search index's finer statistics.
    assert_eq!(index_definitions(&db).await, indexes);
    let statistics = scalar(
        &db,
        "select attstattarget::bigint from pg_attribute where attrelid = 'incidents_search_idx'::regclass",
    )
    .await;
    assert_eq!(statistics, 1000);

    // Numbers are contiguous and the sequences continue after them.
    assert_eq!(scalar(&db, "select count(*) from incidents").await, 3_000);
    assert_eq!(
        scalar(&db, "select count(distinct number) from incidents where number between 'INC0000001' and 'INC0003000'").await,
        3_000
    );
    assert_eq!(scalar(&db, "select count(*) from problems").await, 30);
    assert_eq!(
        scalar(&db, "select nextval('incident_number_seq')").await,
        3_001
    );

    // A realistic mix: every state, hold reasons, links, known errors, both languages.
    for state in [
        "new",
        "in_progress",
        "on_hold",
        "resolved",
        "closed",
        "canceled",
    ] {
        let n = scalar(
            &db,
            &format!("select count(*) from incidents where state = '{state}'"),
        )
        .await;
        assert!(n > 0, "no {state} incidents");
    }
    assert!(scalar(&db, "select count(*) from incidents where state = 'closed'").await > 1_500);
    assert!(
        scalar(
            &db,
            "select count(*) from incidents where problem_id is not null"
        )
        .await
            > 0
    );
    assert!(
        scalar(
            &db,
            "select count(*) from incidents where reassignment_count > 1"
        )
        .await
            > 0
    );
    assert!(scalar(&db, "select count(*) from problems where known_error").await > 0);
    assert!(
        scalar(
            &db,
            "select count(*) from incidents where doc_vector @@ to_tsquery('german', 'drucker')"
        )
        .await
            > 0
    );
    assert!(
        scalar(
            &db,
            "select count(*) from incidents where doc_vector @@ to_tsquery('english', 'printer')"
        )
        .await
            > 0
    );
    assert!(
        scalar(
            &db,
            "select count(*) from incidents where comments_vector <> ''::tsvector"
        )
        .await
            > 0
    );

    // The journal tells each incident's story: created first, resolved ones moved to resolved,
    // the state the row holds is the last state the journal moved it to.
    assert_eq!(
        scalar(
            &db,
            "select count(*) from incidents i where (select j.body from journal_entries j \
             where j.incident_id = i.id order by j.id limit 1) is distinct from 'created'"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &db,
            "select count(*) from incidents i where i.state <> coalesce((select j.changes->'state'->>'to' \
             from journal_entries j where j.incident_id = i.id and j.changes ? 'state' order by j.id desc limit 1), '?')"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &db,
            "select count(*) from incidents i where i.problem_id is not null and not exists \
             (select 1 from journal_entries j where j.problem_id = i.problem_id and j.kind = 'link' and j.body = i.number)"
        )
        .await,
        0
    );
    // Service levels: due dates from the policy, and nothing left for the worker in the past.
    assert_eq!(
        scalar(
            &db,
            "select count(*) from incidents where sla_policy_id is null or resolution_due is null"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &db,
            "select count(*) from incidents where sla_next_check < '2026-11-23T15:00:00Z'"
        )
        .await,
        0
    );

    // The demo administrator signs in and works with the data.
    let address = serve(AppState::new(db.clone(), Settings::default())).await;
    let api = crate::support::app::client();
    let token: Value = api
        .post(format!("http://{address}/api/v1/tokens"))
        .json(&json!({"email": ADMIN, "password": PASSWORD, "name": "demo test"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["secret"].as_str().expect("a token").to_owned();
    // HR is confidential: the demo admin, no member of HR's groups, does not read its cases.
    let newest = |confidential: bool| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "select i.number from incidents i join departments d on d.id = i.department_id \
                 where d.confidential = $1 order by i.number desc limit 1",
            )
            .bind(confidential)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    let (open, hr) = (newest(false).await, newest(true).await);
    let res = api
        .get(format!("http://{address}/api/v1/incidents/{hr}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "{hr} is an HR case");
    for path in [
        format!("/api/v1/incidents/{open}"),
        format!("/api/v1/incidents/{open}/journal"),
        "/api/v1/incidents?state=in_progress&limit=50".to_owned(),
        "/api/v1/incidents?q=Drucker".to_owned(),
        "/api/v1/known-errors?q=VPN".to_owned(),
        "/api/v1/problems".to_owned(),
    ] {
        let res = api
            .get(format!("http://{address}{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_data() {
    let fingerprint = "select md5(string_agg(i.number || i.title || i.state || i.priority || g.key || \
        coalesce(u.email, '') || i.opened_at::text, ',' order by i.number)) \
        from incidents i join groups g on g.id = i.assignment_group_id left join users u on u.id = i.assignee_id";
    let mut prints = Vec::new();
    for seed in [3, 3, 4] {
        let db = fresh_pool().await;
        run(&db, &options(500, seed)).await.unwrap();
        let print: String = sqlx::query_scalar(fingerprint)
            .fetch_one(&db)
            .await
            .unwrap();
        prints.push(print);
    }
    assert_eq!(prints[0], prints[1]);
    assert_ne!(prints[0], prints[2]);
}

#[tokio::test]
async fn demo_refuses_a_database_with_other_data_unless_forced() {
    let app = TestApp::spawn().await; // holds admin@example.com
    let error = run(&app.db, &options(100, 1))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("not demo data") && error.contains("--force"),
        "{error}"
    );
    assert_eq!(scalar(&app.db, "select count(*) from incidents").await, 0);
    assert_eq!(scalar(&app.db, "select count(*) from groups").await, 0);

    // Forced, it adds to what is there; a second run adds more and reuses the people.
    let forced = Options {
        force: true,
        ..options(100, 1)
    };
    run(&app.db, &forced).await.unwrap();
    let users = scalar(&app.db, "select count(*) from users").await;
    run(&app.db, &forced).await.unwrap();
    assert_eq!(scalar(&app.db, "select count(*) from incidents").await, 200);
    assert_eq!(scalar(&app.db, "select count(*) from users").await, users);
    assert_eq!(
        scalar(&app.db, "select count(distinct number) from incidents").await,
        200
    );
}

#[tokio::test]
async fn the_demo_asks_every_department_for_something_through_the_real_workflow() {
    let db = fresh_pool().await;
    let summary = run(&db, &options(1_000, 5)).await.unwrap();
    assert_eq!(summary.requests, 20);
    assert_eq!(
        scalar(
            &db,
            "select count(distinct department_id) from request_types"
        )
        .await,
        4,
        "IT, HR, Facilities and Finance"
    );
    assert_eq!(scalar(&db, "select count(*) from requests").await, 20);
    assert!(
        scalar(&db, "select count(distinct state) from requests").await >= 4,
        "requests in several states"
    );
    assert_eq!(
        scalar(
            &db,
            "select count(*) from requests r where not exists (select 1 from journal_entries j where j.request_id = r.id)"
        )
        .await,
        0,
        "every request has its journal"
    );
    assert!(
        scalar(
            &db,
            "select count(*) from approvals where decision <> 'pending'"
        )
        .await
            > 0
    );
    assert!(
        scalar(
            &db,
            "select count(*) from request_tasks where state = 'done'"
        )
        .await
            > 0
    );
    assert!(
        scalar(
            &db,
            "select count(*) from users where role = 'caller' and manager_id is not null"
        )
        .await
            > 0
    );
    // A second run on the same data adds requests and keeps the types.
    let forced = Options {
        force: true,
        ..options(100, 6)
    };
    run(&db, &forced).await.unwrap();
    assert_eq!(scalar(&db, "select count(*) from request_types").await, 5);
}

#[tokio::test]
async fn the_request_history_is_copied_in_with_the_journal_the_service_would_write() {
    let db = fresh_pool().await;
    let indexes = index_definitions(&db).await;
    let history = Options {
        requests: Some(3_000),
        ..options(200, 8)
    };
    let summary = run(&db, &history).await.unwrap();
    assert_eq!(
        summary.requests,
        3_000 + 10,
        "the history and ten made by the service"
    );
    assert_eq!(index_definitions(&db).await, indexes, "every index is back");
    assert_eq!(scalar(&db, "select count(*) from requests").await, 3_010);
    assert_eq!(
        scalar(&db, "select nextval('request_number_seq')").await,
        3_011,
        "the sequence continues after the history"
    );
    // Spread over the demo's days (30 for 3,000 requests), numbers rising with time.
    assert_eq!(
        scalar(
            &db,
            "select count(*) from requests where opened_at < timestamptz '2026-11-23T15:00:00Z' - interval '30 days'"
        )
        .await,
        0
    );
    assert!(
        scalar(
            &db,
            "select count(*) from requests where opened_at < timestamptz '2026-11-23T15:00:00Z' - interval '20 days'"
        )
        .await
            > 500
    );
    assert_eq!(
        scalar(
            &db,
            "select count(*) from (select opened_at < lag(opened_at) over (order by number) as back from requests) x where back"
        )
        .await,
        0
    );
    for state in ["new", "in_progress", "fulfilled", "closed", "canceled"] {
        let n = scalar(
            &db,
            &format!(
                "select count(*) from requests where state = '{state}' and number <= 'REQ0003000'"
            ),
        )
        .await;
        assert!(n > 0, "no {state} requests in the history");
    }
    // The journal tells each story: created first, the row's state is the last one the
    // journal moved it to, and the version counts the entries.
    assert_eq!(
        scalar(
            &db,
            "select count(*) from requests r where (select j.body from journal_entries j \
             where j.request_id = r.id order by j.at, j.id limit 1) is distinct from 'created'"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &db,
            "select count(*) from requests r where r.state <> (select j.changes->'state'->>'to' \
             from journal_entries j where j.request_id = r.id and j.changes ? 'state' order by j.at desc, j.id desc limit 1)"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &db,
            "select count(*) from requests r where number <= 'REQ0003000' and r.version <> \
             (select count(*) from journal_entries j where j.request_id = r.id)"
        )
        .await,
        0
    );
    // Every request has its type's service level, the history's as the service's.
    assert_eq!(
        scalar(
            &db,
            "select count(*) from requests r join request_types t on t.id = r.request_type_id \
             where t.sla_policy_id is null or r.sla_policy_id is distinct from t.sla_policy_id \
             or r.response_due is null or r.resolution_due is null"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &db,
            "select count(*) from requests where (assignee_id is null) <> (responded_at is null) \
             and number <= 'REQ0003000'"
        )
        .await,
        0,
        "taken is answered"
    );
    // Nothing left in the past for the SLA worker: the history's marks are made.
    assert_eq!(
        scalar(
            &db,
            "select count(*) from requests where sla_next_check < '2026-11-23T15:00:00Z'"
        )
        .await,
        0
    );
    assert!(
        scalar(
            &db,
            "select count(*) from journal_entries j join requests r on r.id = j.request_id \
             where j.body = 'resolution target breached' and r.number <= 'REQ0003000'"
        )
        .await
            > 0,
        "some open requests of the history are late"
    );
    // Open requests of the history only where no approval or task would be missing.
    assert_eq!(
        scalar(
            &db,
            "select count(*) from requests r join request_types t on t.id = r.request_type_id \
             where r.number <= 'REQ0003000' and r.state not in ('closed', 'canceled') \
             and (t.approval_stages <> '[]'::jsonb or t.tasks <> '[]'::jsonb)"
        )
        .await,
        0
    );

    // A caller reads their own requests from the history through the API.
    let (caller, number): (String, String) = sqlx::query_as(
        "select u.email, r.number from requests r join users u on u.id = r.caller_id \
         where r.number <= 'REQ0003000' and r.state = 'in_progress' order by r.number limit 1",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let address = serve(AppState::new(db.clone(), Settings::default())).await;
    let api = crate::support::app::client();
    let token: Value = api
        .post(format!("http://{address}/api/v1/tokens"))
        .json(&json!({"email": caller, "password": PASSWORD, "name": "history test"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["secret"].as_str().expect("a token").to_owned();
    let request: Value = api
        .get(format!("http://{address}/api/v1/requests/{number}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(request["state"], "in_progress", "{request}");
    assert_eq!(request["caller"], caller.as_str());
    assert!(request["assignee"].is_string(), "{request}");
    let journal: Value = api
        .get(format!("http://{address}/api/v1/requests/{number}/journal"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Created and taken (and, when it is late by now, the worker's mark).
    assert_eq!(journal[0]["body"], "created", "{journal}");
    assert_eq!(
        journal[1]["changes"]["state"]["to"], "in_progress",
        "{journal}"
    );
    assert!(
        journal.as_array().unwrap()[2..]
            .iter()
            .all(|e| e["kind"] == "system" && e["author"].is_null()),
        "{journal}"
    );
    let mine: Value = api
        .get(format!(
            "http://{address}/api/v1/requests?caller=me&limit=100"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        mine["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|r| r["number"] == number.as_str())),
        "{mine}"
    );
}

/// A demo of 10,000 incidents or more spans 18 months, with two dated process changes whose
/// effect the figures show, recorded as PDCA markers: the triage checklist cuts ping-pong,
/// the quick first answer cuts MTTA, and both verdicts say so.
#[tokio::test]
async fn the_demo_history_spans_18_months_and_its_process_changes_show_in_the_verdicts() {
    let db = fresh_pool().await;
    run(&db, &options(10_000, 3)).await.unwrap();
    let days = scalar(
        &db,
        "select extract(day from timestamptz '2026-11-23T15:00:00Z' - min(opened_at))::bigint from incidents",
    )
    .await;
    assert!((545..=548).contains(&days), "{days} days of history");
    leitstand::service::insight::facts::rebuild(&db, &|_| {})
        .await
        .unwrap();
    let address = serve(AppState::new(db.clone(), Settings::default())).await;
    let api = crate::support::app::client();
    let token: Value = api
        .post(format!("http://{address}/api/v1/tokens"))
        .json(&json!({"email": ADMIN, "password": PASSWORD, "name": "demo test"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["secret"].as_str().expect("a token").to_owned();
    let get = |path: String| {
        let (api, token) = (api.clone(), token.clone());
        async move {
            let res = api
                .get(format!("http://{address}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{path}");
            res.json::<Value>().await.unwrap()
        }
    };
    let markers = get("/api/v1/insight/markers".to_owned()).await;
    let markers = markers["items"].as_array().unwrap().clone();
    let kpis: Vec<&str> = markers.iter().map(|m| m["kpi"].as_str().unwrap()).collect();
    assert_eq!(kpis, ["mtta", "ping_pong"], "newest first");
    for marker in &markers {
        let id = marker["id"].as_str().unwrap();
        let read = get(format!("/api/v1/insight/markers/{id}")).await;
        assert_eq!(
            marker["department"],
            if marker["kpi"] == "ping_pong" {
                json!("it")
            } else {
                Value::Null
            }
        );
        assert_eq!(
            read["comparison"]["verdict"], "better",
            "{}: {read}",
            marker["title"]
        );
    }
}
