//! Service insight: the KPI catalogue, served from docs/metrics.md to staff on a page and in
//! the API, and to nobody else.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::TestApp;

#[tokio::test]
async fn the_kpi_catalogue_is_served_to_staff_as_docs_metrics_md_defines_it() {
    let app = TestApp::spawn().await;
    let viewer = app.user_with_token("viewer@example.com", "viewer").await;
    let caller = app.user_with_token("caller@example.com", "caller").await;

    let res = app.get(&viewer, "/api/v1/insight/kpis").await;
    assert_eq!(res.status(), StatusCode::OK);
    let catalogue: Value = res.json().await.unwrap();
    assert_eq!(catalogue["version"], 3);
    let kpis = catalogue["kpis"].as_array().unwrap();
    assert_eq!(kpis.len(), 13);
    let mttr = kpis.iter().find(|k| k["id"] == "mttr").unwrap();
    assert_eq!(mttr["name"], "time to resolve");
    assert!(
        mttr["formula"].as_str().unwrap().contains("paused time"),
        "{mttr}"
    );
    assert!(mttr["excluded"].as_str().unwrap().contains("canceled"));
    // The text is the document's, word for word.
    let document = std::fs::read_to_string("docs/metrics.md").unwrap();
    for kpi in kpis {
        let heading = format!(
            "### `{}`: {}",
            kpi["id"].as_str().unwrap(),
            kpi["name"].as_str().unwrap()
        );
        assert!(document.contains(&heading), "{heading}");
    }

    assert_eq!(
        app.get(&caller, "/api/v1/insight/kpis").await.status(),
        StatusCode::FORBIDDEN
    );
    let res = app
        .api
        .get(app.url("/api/v1/insight/kpis"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // The page, in German, with every KPI and its id as an anchor.
    app.create_user("agentin@example.com", "agent", "de").await;
    let browser = app.browser();
    app.sign_in(&browser, "agentin@example.com").await;
    let page = app.page(&browser, "/insight/kpis").await;
    assert!(page.contains("Kennzahlen-Definitionen"), "{page}");
    for kpi in kpis {
        assert!(
            page.contains(&format!("id=\"{}\"", kpi["id"].as_str().unwrap())),
            "{}",
            kpi["id"]
        );
    }
    assert!(
        page.contains("<code>solved_by_problem</code>"),
        "code marked up"
    );
    let home = app.page(&browser, "/").await;
    assert!(home.contains("href=\"/insight/kpis\""));

    let callers_browser = app.browser();
    app.sign_in(&callers_browser, "caller@example.com").await;
    let res = callers_browser
        .get(app.url("/insight/kpis"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// Reassigns an incident to `group` as the admin (If-Match from a fresh read).
async fn reassign(app: &TestApp, number: &str, group: &str) {
    let path = format!("/api/v1/incidents/{number}");
    let res = app.get(&app.admin_token, &path).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = app
        .api
        .patch(app.url(&path))
        .bearer_auth(&app.admin_token)
        .header("if-match", etag)
        .json(&serde_json::json!({"assignment_group": group, "assignee": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "reassign {number} to {group}");
}

/// The figures round durations in SQL (`insight_rounded`, from the facts) and in Rust (from
/// the rollups' buckets): both must agree on every duration, or a figure would depend on
/// which way it was read.
#[tokio::test]
async fn sql_and_rust_put_every_duration_in_the_same_bucket() {
    use leitstand::domain::insight::rollup::{bucket, rounded};
    let app = TestApp::spawn().await;
    let mut values: Vec<i64> = vec![-1, 0, 59, 60, 3_839, 3_840, i64::MAX / 2, 2_013_265_920];
    let mut v = 1i64;
    while v < 4_000_000_000 {
        values.extend([v - 1, v, v + 1, v * 60 - 1, v * 60]);
        v = v * 3 / 2 + 7;
    }
    let sql: Vec<(i64, i16, i64)> = sqlx::query_as(
        "select v, insight_bucket(v), insight_rounded(v) from unnest($1::bigint[]) v",
    )
    .bind(&values)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(sql.len(), values.len());
    for (v, b, r) in sql {
        assert_eq!(
            (i64::from(b), r),
            (i64::from(bucket(v)), rounded(v)),
            "{v} s"
        );
    }
    let null: (Option<i16>, Option<i64>) =
        sqlx::query_as("select insight_bucket(null), insight_rounded(null)")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(null, (None, None), "no value, no bucket");
}

#[tokio::test]
async fn the_worker_folds_each_change_into_facts_that_a_rebuild_and_the_check_agree_with() {
    use leitstand::service::insight::facts;
    use serde_json::json;

    let app = TestApp::spawn().await;
    app.create_group("service-desk", "IT").await;
    app.create_group("network", "IT").await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.join_groups("agent@example.com", &["service-desk", "network"])
        .await;
    let incident = app
        .create_incident(
            &agent,
            json!({"title": "VPN drops", "assignment_group": "service-desk", "impact": "high"}),
        )
        .await;
    let number = incident["number"].as_str().unwrap();
    // Service desk → network → service desk: two reassignments, one ping-pong.
    reassign(&app, number, "network").await;
    reassign(&app, number, "service-desk").await;
    let moved = |body| app.move_incident(&agent, number, body);
    assert_eq!(moved(json!({"to": "in_progress"})).await.status(), 200);
    let resolve = json!({"to": "resolved", "resolution_code": "workaround", "resolution_notes": "Profile reset."});
    assert_eq!(moved(resolve.clone()).await.status(), 200);
    assert_eq!(
        moved(json!({"to": "in_progress", "reason": "Dropped again"}))
            .await
            .status(),
        200
    );
    assert_eq!(moved(resolve).await.status(), 200);

    // Nothing is counted before the worker takes the events in; then everything is.
    let count = |table: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("select count(*) from {table}"))
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(count("insight_incidents").await, 0);
    assert_eq!(facts::fold_pending(&app.db).await.unwrap(), 1);
    assert_eq!(
        facts::fold_pending(&app.db).await.unwrap(),
        0,
        "each event once"
    );
    let (reassignments, ping_pongs, reopens, state, impact): (i32, i32, i32, String, String) =
        sqlx::query_as(
            "select reassignments, ping_pongs, reopens, state, impact from insight_incidents",
        )
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        (reassignments, ping_pongs, reopens),
        (2, 1, 1),
        "desk → network → desk, one reopen"
    );
    assert_eq!((state.as_str(), impact.as_str()), ("resolved", "high"));
    let resolutions: Vec<(i32, i32, Option<bool>, bool)> = sqlx::query_as(
        "select reassignments, ping_pongs, first_contact, reopened_at is not null \
         from insight_resolutions order by seq",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        resolutions,
        [(2, 1, Some(false), true), (2, 1, Some(false), false)],
        "reassigned: no first-contact resolution; the first one was reopened"
    );
    let handoffs: Vec<bool> =
        sqlx::query_scalar("select returned from insight_handoffs order by seq")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(handoffs, [false, true]);
    // new (desk), new (network), new (desk), in progress, resolved, in progress, resolved.
    assert_eq!(count("insight_spans").await, 7);

    // The kept facts and the journal folded afresh agree exactly; a tampered fact is found,
    // and a rebuild puts it right.
    let differences = facts::check(&app.db).await.unwrap();
    assert!(differences.agree(), "{differences:?}");
    assert_eq!(differences.incidents, 1);
    sqlx::query("update insight_incidents set ping_pongs = 0")
        .execute(&app.db)
        .await
        .unwrap();
    let differences = facts::check(&app.db).await.unwrap();
    assert_eq!(
        differences.tables,
        [
            ("insight_incidents", 2),
            ("insight_resolutions", 0),
            ("insight_spans", 0),
            ("insight_handoffs", 0),
            ("insight_rollups", 0)
        ]
    );
    let rebuilt = facts::rebuild(&app.db, &|_| {}).await.unwrap();
    assert_eq!(rebuilt.incidents, 1);
    assert!(facts::check(&app.db).await.unwrap().agree());
    let rebuilt_at: Option<jiff_sqlx::Timestamp> =
        sqlx::query_scalar("select rebuilt_at from insight_state")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(rebuilt_at.is_some());
    assert!(
        facts::rebuild_if_never(&app.db).await.unwrap().is_none(),
        "built once already"
    );
}

/// A caller's journey: their incidents of the period on one timeline, each with its lanes and
/// contacts; a confidential case only for its department; agents and up; as a page too.
#[tokio::test]
async fn a_callers_journey_shows_their_incidents_the_reader_may_read() {
    let app = TestApp::spawn().await;
    app.create_group("desk", "IT").await;
    app.create_group("people-ops", "HR").await;
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/departments/hr",
            serde_json::json!({"confidential": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.join_groups("agent@example.com", &["desk"]).await;
    let hr = app.user_with_token("hr@example.com", "agent").await;
    app.join_groups("hr@example.com", &["people-ops"]).await;
    let viewer = app.user_with_token("viewer@example.com", "viewer").await;
    app.create_user("anna@example.com", "caller", "de").await;
    let mut numbers = Vec::new();
    for (token, title, group) in [
        (&agent, "VPN drops", "desk"),
        (&agent, "Printer jams", "desk"),
        (&hr, "Payslip wrong", "people-ops"),
    ] {
        let created = app
            .create_incident(
                token,
                serde_json::json!({"title": title, "caller": "anna@example.com", "assignment_group": group}),
            )
            .await;
        numbers.push(created["number"].as_str().unwrap().to_owned());
    }
    let res = app
        .post(
            &agent,
            &format!("/api/v1/incidents/{}/comments", numbers[0]),
            serde_json::json!({"body": "Which VPN client version?"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    leitstand::service::insight::facts::rebuild(&app.db, &|_| {})
        .await
        .unwrap();
    let path = "/api/v1/insight/callers/anna@example.com/journey";
    let journey: Value = app.get(&agent, path).await.json().await.unwrap();
    assert_eq!(journey["caller"], "anna@example.com");
    let shown: Vec<&str> = journey["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["journey"]["number"].as_str().unwrap())
        .collect();
    assert_eq!(
        shown,
        [numbers[0].as_str(), numbers[1].as_str()],
        "not the HR case"
    );
    let first = &journey["incidents"][0];
    assert_eq!(first["title"], "VPN drops");
    assert_eq!(first["journey"]["lanes"][0]["group"], "desk");
    assert_eq!(first["journey"]["contacts"][0]["by_caller"], false);
    assert_eq!(journey["more"], false);
    let theirs: Value = app.get(&hr, path).await.json().await.unwrap();
    assert_eq!(
        theirs["incidents"].as_array().unwrap().len(),
        3,
        "HR reads all three"
    );
    assert_eq!(app.get(&viewer, path).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&agent, "/api/v1/insight/callers/nobody@example.com/journey")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let res = app.get(&agent, &format!("{path}?from=2026-02-30")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    let page = app
        .page(&browser, &format!("/incidents/{}", numbers[0]))
        .await;
    assert!(
        page.contains("href=\"/insight/callers/anna%40example.com/journey\""),
        "{page}"
    );
    let page = app
        .page(&browser, "/insight/callers/anna%40example.com/journey")
        .await;
    assert!(page.contains("<svg class=\"chart swimlane\""), "{page}");
    assert!(page.contains(&numbers[1]) && !page.contains(&numbers[2]));
}

/// Problem management's yield: a problem fixed with two incidents linked, three incidents of
/// its service and category before the fix and one after; the fix resolved both linked ones.
#[tokio::test]
async fn problem_yield_counts_the_fixed_problem_its_incidents_and_the_recurrence() {
    use serde_json::json;
    let app = TestApp::spawn().await;
    app.create_group("desk", "IT").await;
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/services",
            json!({"key": "print", "name": "Printing", "owner_group": "desk"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let agent = app.user_with_token("agent@example.com", "agent").await;
    let manager = app
        .user_with_token("pm@example.com", "problem_manager")
        .await;
    for email in ["agent@example.com", "pm@example.com"] {
        app.join_groups(email, &["desk"]).await;
    }
    let log = |category: &'static str| {
        let (app, agent) = (&app, agent.clone());
        async move {
            let created = app
                .create_incident(
                    &agent,
                    json!({"title": "Printer jams", "service": "print", "category": category,
                           "assignment_group": "desk"}),
                )
                .await;
            created["number"].as_str().unwrap().to_owned()
        }
    };
    let linked = [log("hardware").await, log("hardware").await];
    let before = [linked[0].clone(), linked[1].clone(), log("hardware").await];
    let long_before = log("hardware").await;
    log("toner").await;
    let problem = app
        .create_problem(
            &manager,
            json!({"title": "Fuser wears out", "service": "print"}),
        )
        .await;
    let problem = problem["number"].as_str().unwrap().to_owned();
    for incident in &linked {
        let res = app
            .post(
                &manager,
                &format!("/api/v1/problems/{problem}/incidents"),
                json!({"incident": incident}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    for step in [
        json!({"to": "assessment"}),
        json!({"to": "root_cause_analysis"}),
        json!({"to": "resolved", "resolution_code": "fix_applied", "fix_notes": "New fuser units."}),
    ] {
        let res = app.move_problem(&manager, &problem, step).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let after = log("hardware").await;
    leitstand::service::insight::facts::rebuild(&app.db, &|_| {})
        .await
        .unwrap();
    // Everything above happened within a second; spread in time it reads: the fix a week
    // ago (so a week is compared on each side), three incidents the day before it, one 30
    // days before (outside the week), one the day after.
    let at = |number: String, days_ago: i32| {
        let db = app.db.clone();
        async move {
            sqlx::query(
                "update insight_incidents set opened_at = now() - make_interval(days => $2) \
                 where incident_id = (select id from incidents where number = $1)",
            )
            .bind(number)
            .bind(days_ago)
            .execute(&db)
            .await
            .unwrap();
        }
    };
    for number in before {
        at(number, 8).await;
    }
    at(long_before, 30).await;
    at(after, 6).await;
    sqlx::query("update problems set resolved_at = now() - interval '7 days' where number = $1")
        .bind(&problem)
        .execute(&app.db)
        .await
        .unwrap();
    let y: Value = app
        .get(&manager, "/api/v1/insight/problems")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(y["fixed"], 1, "{y}");
    assert_eq!(y["linked"], 2);
    assert_eq!(y["median_linked"], 2);
    assert_eq!(
        (y["before"].as_i64(), y["after"].as_i64()),
        (Some(3), Some(1))
    );
    assert_eq!(y["solved_by_problem"], 2, "the fix resolved both");
    assert_eq!(y["problems"][0]["number"], problem.as_str());
    assert!((y["problems"][0]["days"].as_f64().unwrap() - 7.0).abs() < 0.01);
    let csv = app
        .api
        .get(app.url("/api/v1/insight/problems"))
        .bearer_auth(&manager)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with(&format!(
            "number,title,fixed_at,linked,before,after,days\r\n{problem},Fuser wears out,"
        )),
        "{csv}"
    );
    let browser = app.browser();
    app.sign_in(&browser, "pm@example.com").await;
    let page = app.page(&browser, "/insight/problems").await;
    assert!(
        page.contains(&format!("href=\"/problems/{problem}\"")),
        "{page}"
    );
}
