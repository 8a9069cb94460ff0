//! `LEITSTAND_READ_DATABASE_URL`: service insight's figures read from a real PostgreSQL
//! streaming replica, made with `pg_basebackup` from a private cluster of the machine's own
//! binaries, and from the primary while the replica is away.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::app::{client_builder, serve};

/// The backlog now, as the dashboard counts it.
async fn backlog(app: &TestApp) -> Value {
    let figures: Value = app
        .get(&app.admin_token, "/api/v1/insight/figures")
        .await
        .json()
        .await
        .unwrap();
    figures["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kpi"] == "backlog")
        .map(|f| f["value"].clone())
        .unwrap()
}

/// Polls until the backlog reads `expected` (the replica replays within milliseconds; a
/// minute is the limit).
async fn backlog_becomes(app: &TestApp, expected: f64) {
    for _ in 0..600 {
        if backlog(app).await == json!(expected) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the backlog never read {expected}: {}", backlog(app).await);
}

#[tokio::test]
async fn insight_reads_go_to_a_streaming_replica_and_to_the_primary_while_it_is_away() {
    use leitstand::db::PrivateCluster;
    use leitstand::service::insight::facts;

    let dir = std::env::temp_dir().join(format!("leitstand-replica-{}", uuid::Uuid::now_v7()));
    let (primary, replica) = {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || {
            let primary = PrivateCluster::prepare(&dir.join("primary")).expect("the primary");
            primary.start(&[]).expect("start the primary");
            let replica = primary
                .replica(&dir.join("replica"))
                .expect("pg_basebackup the replica");
            replica.start(&[]).expect("start the replica");
            (primary, replica)
        })
        .await
        .unwrap()
    };
    let db_options = primary.connect_options("postgres");
    let db = leitstand::db::pool(db_options.clone(), 5).await.unwrap();
    leitstand::db::migrate(&db).await.unwrap();
    let replica_pool = leitstand::db::replica(replica.connect_options("postgres"), 3);
    let in_recovery: bool = sqlx::query_scalar("select pg_is_in_recovery()")
        .fetch_one(&replica_pool)
        .await
        .unwrap();
    assert!(in_recovery, "a standby");
    let settings = leitstand::state::Settings {
        insight_reads: Some(replica_pool.clone()),
        ..Default::default()
    };
    let address = serve(leitstand::state::AppState::new(db.clone(), settings)).await;
    let mut app = TestApp {
        address,
        db,
        db_options,
        api: client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        admin_token: String::new(),
    };
    app.admin_token = app.user_with_token("admin@example.com", "admin").await;
    app.create_group("service-desk", "IT").await;
    let open = |title: &'static str| {
        let app = &app;
        async move {
            app.create_incident(
                &app.admin_token,
                json!({"title": title, "assignment_group": "service-desk"}),
            )
            .await;
            facts::fold_pending(&app.db).await.unwrap();
        }
    };

    open("Printer jams").await;
    backlog_becomes(&app, 1.0).await;
    // With the replica's replay paused, the figures stay as the replica has them while the
    // primary moves on: they are read there.
    sqlx::query("select pg_wal_replay_pause()")
        .execute(&replica_pool)
        .await
        .unwrap();
    open("Scanner offline").await;
    let on_primary: i64 = sqlx::query_scalar(
        "select count(*) from insight_spans where ended_at is null and state = 'new'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(on_primary, 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        backlog(&app).await,
        json!(1.0),
        "read from the paused replica"
    );
    sqlx::query("select pg_wal_replay_resume()")
        .execute(&replica_pool)
        .await
        .unwrap();
    backlog_becomes(&app, 2.0).await;

    // The replica goes away: the figures come from the primary (after one read that waits a
    // second for it, for the next 30 s without asking).
    tokio::task::spawn_blocking(move || replica.stop().expect("stop the replica"))
        .await
        .unwrap();
    open("Monitor flickers").await;
    backlog_becomes(&app, 3.0).await;

    app.db.close().await;
    tokio::task::spawn_blocking(move || primary.stop().expect("stop the primary"))
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
