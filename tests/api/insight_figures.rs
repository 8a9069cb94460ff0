//! Service insight's figures against answers computed by hand: six incidents whose journals
//! are written with chosen moments (a hold over the DST weekend of 29 March 2026 on an office
//! calendar in Berlin, a ping-pong with a reopen, an incident resolved by its problem, an
//! old open one, a canceled one, one logged by the caller), folded into facts, then every
//! KPI read through the API for 23 March – 5 April 2026 and compared with the arithmetic
//! written out beside it. The list behind each figure holds exactly what it counts.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::TestApp;

/// One journal entry: when, its kind, and the fields it set (`to` values).
struct Entry(&'static str, &'static str, Value);

struct Fixture<'a> {
    app: &'a TestApp,
    agent: Uuid,
}

impl Fixture<'_> {
    async fn user(app: &TestApp, email: &str) -> Uuid {
        sqlx::query_scalar("select id from users where email = $1")
            .bind(email)
            .fetch_one(&app.db)
            .await
            .unwrap()
    }

    /// Writes an incident as it stands now and its journal, entry by entry.
    #[expect(
        clippy::too_many_arguments,
        reason = "a fixture row, named at each call"
    )]
    async fn incident(
        &self,
        title: &str,
        opened_by: Uuid,
        now: Value,
        policy: Option<Uuid>,
        responded: Option<&str>,
        due: (Option<&str>, Option<&str>),
        journal: &[Entry],
    ) -> String {
        let id = Uuid::now_v7();
        let at = |t: &str| t.parse::<jiff::Timestamp>().unwrap();
        let ts = |t: Option<&str>| t.map(|t| jiff_sqlx::Timestamp::from(at(t)));
        let state = now["state"].as_str().unwrap();
        let resolved = matches!(state, "resolved" | "closed");
        let number: String = sqlx::query_scalar(
            "insert into incidents (id, title, state, hold_reason, impact, urgency, priority, \
                 opened_by_id, opened_at, updated_at, sla_policy_id, responded_at, response_due, \
                 resolution_due, resolution_code, resolution_notes, assignment_group_id) \
             values ($1, $2, $3, null, $4, 'medium', $5, $6, $7, $7, $8, $9, $10, $11, $12, $13, \
                     (select id from groups where key = $14)) returning number",
        )
        .bind(id)
        .bind(title)
        .bind(state)
        .bind(now["impact"].as_str().unwrap())
        .bind(i16::try_from(now["priority"].as_i64().unwrap()).unwrap())
        .bind(opened_by)
        .bind(ts(Some(journal[0].0)))
        .bind(policy)
        .bind(ts(responded))
        .bind(ts(due.0))
        .bind(ts(due.1))
        .bind(resolved.then_some("workaround"))
        .bind(resolved.then_some("Fixed."))
        .bind(now["group"].as_str())
        .fetch_one(&self.app.db)
        .await
        .unwrap();
        for Entry(when, kind, fields) in journal {
            let changes: serde_json::Map<String, Value> = fields
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), json!({"from": null, "to": v})))
                .collect();
            sqlx::query(
                "insert into journal_entries (incident_id, at, author_id, kind, body, changes) \
                 values ($1, $2, $3, $4, null, $5)",
            )
            .bind(id)
            .bind(ts(Some(when)))
            .bind((*kind != "system_move").then_some(self.agent))
            .bind(if *kind == "system_move" {
                "transition"
            } else {
                kind
            })
            .bind(Value::Object(changes))
            .execute(&self.app.db)
            .await
            .unwrap();
        }
        number
    }
}

/// What the logging entry sets: every field the figures follow.
fn logged(group: &str, impact: &str, priority: i64, category: &str) -> Value {
    json!({"state": "new", "hold_reason": null, "assignment_group": group, "assignee": null,
           "impact": impact, "priority": priority, "service": null, "category": category,
           "resolution_code": null})
}

const H: i64 = 3600;

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one fixture, every KPI")]
async fn every_kpi_matches_its_hand_computed_answer_and_lists_exactly_what_it_counts() {
    let app = TestApp::spawn().await;
    app.create_group("desk", "IT").await;
    app.create_group("network", "IT").await;
    let lead = app.user_with_token("lead@example.com", "agent").await;
    app.join_groups("lead@example.com", &["desk"]).await;
    let netops = app.user_with_token("net@example.com", "agent").await;
    app.join_groups("net@example.com", &["network"]).await;
    let owner = app
        .user_with_token("owner@example.com", "problem_manager")
        .await;
    app.create_user("anna@example.com", "caller", "en").await;
    // Berlin office hours, Monday to Friday 08:00–17:00; the default policy pauses on the
    // caller. Its calendar's zone is the desk's: days begin at midnight in Berlin.
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/sla/calendars",
            json!({"key": "office", "name": "Office", "time_zone": "Europe/Berlin",
                   "week": [[["08:00", "17:00"]], [["08:00", "17:00"]], [["08:00", "17:00"]],
                            [["08:00", "17:00"]], [["08:00", "17:00"]], [], []]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = app
        .post(
            &app.admin_token,
            "/api/v1/sla/policies",
            json!({"key": "default", "name": "Default", "calendar": "office",
                   "response_seconds": [3600, 3600, 3600, 3600, 3600],
                   "resolution_seconds": [36000, 36000, 36000, 36000, 36000],
                   "pause_reasons": ["awaiting_caller"]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let policy: Uuid = sqlx::query_scalar("select id from sla_policies where key = 'default'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let agent = Fixture::user(&app, "lead@example.com").await;
    let anna = Fixture::user(&app, "anna@example.com").await;
    let f = Fixture { app: &app, agent };

    // I1: Friday 27 March 16:00 in Berlin (15:00Z), on hold for the caller over the weekend
    // the clocks go forward, resolved Monday 11:00 (09:00Z).
    // MTTA 20 min in both clocks. MTTR calendar 66 h = 237,600 s; business: 10 + 20 min on
    // Friday, the hold paused, 60 min on Monday = 5,400 s. First contact (desk throughout).
    // Open 66 h at impact medium (×10): 660 caller-hours.
    let i1 = f
        .incident(
            "VPN drops (hold over the DST weekend)",
            agent,
            json!({"state": "resolved", "impact": "medium", "priority": 3, "group": "desk"}),
            Some(policy),
            Some("2026-03-27T15:20:00Z"),
            (Some("2026-03-27T16:00:00Z"), Some("2026-03-31T12:00:00Z")),
            &[
                Entry(
                    "2026-03-27T15:00:00Z",
                    "change",
                    logged("desk", "medium", 3, "vpn"),
                ),
                Entry(
                    "2026-03-27T15:10:00Z",
                    "transition",
                    json!({"state": "in_progress", "assignee": "lead@example.com"}),
                ),
                Entry(
                    "2026-03-27T15:30:00Z",
                    "transition",
                    json!({"state": "on_hold", "hold_reason": "awaiting_caller"}),
                ),
                Entry(
                    "2026-03-30T08:00:00Z",
                    "transition",
                    json!({"state": "in_progress", "hold_reason": null}),
                ),
                Entry(
                    "2026-03-30T09:00:00Z",
                    "transition",
                    json!({"state": "resolved", "resolution_code": "workaround"}),
                ),
            ],
        )
        .await;
    // I2: Tuesday 24 March, desk → network → desk (a ping-pong), resolved at 12:00Z, reopened
    // a day later and resolved again. No service level: 24×7, nothing paused but the time it
    // was resolved. MTTA 30 min. Resolution 1: 4 h both clocks; resolution 2: 30 h calendar,
    // 6 h business. Two reassignments, one return; no first contact. Open 4 h + 2 h at impact
    // high (×100): 600 caller-hours.
    let i2 = f
        .incident(
            "Switch port flaps (ping-pong, reopened)",
            agent,
            json!({"state": "resolved", "impact": "high", "priority": 2, "group": "desk"}),
            None,
            Some("2026-03-24T08:30:00Z"),
            (Some("2026-03-24T08:15:00Z"), Some("2026-03-24T16:00:00Z")),
            &[
                Entry(
                    "2026-03-24T08:00:00Z",
                    "change",
                    logged("desk", "high", 2, "network"),
                ),
                Entry(
                    "2026-03-24T09:00:00Z",
                    "change",
                    json!({"assignment_group": "network"}),
                ),
                Entry(
                    "2026-03-24T10:00:00Z",
                    "change",
                    json!({"assignment_group": "desk"}),
                ),
                Entry(
                    "2026-03-24T11:00:00Z",
                    "transition",
                    json!({"state": "in_progress", "assignee": "lead@example.com"}),
                ),
                Entry(
                    "2026-03-24T12:00:00Z",
                    "transition",
                    json!({"state": "resolved", "resolution_code": "workaround"}),
                ),
                Entry(
                    "2026-03-25T12:00:00Z",
                    "transition",
                    json!({"state": "in_progress", "resolution_code": null}),
                ),
                Entry(
                    "2026-03-25T14:00:00Z",
                    "transition",
                    json!({"state": "resolved", "resolution_code": "workaround"}),
                ),
            ],
        )
        .await;
    // I3: Wednesday 25 March, waits for its problem, resolved by it (the system's move) on
    // 1 April 10:00Z: 169 h in both clocks (no service level: the hold does not pause). First
    // contact. 169 h at impact low (×1).
    let i3 = f
        .incident(
            "Printer queue stuck (solved by its problem)",
            agent,
            json!({"state": "resolved", "impact": "low", "priority": 4, "group": "desk"}),
            None,
            None,
            (None, None),
            &[
                Entry("2026-03-25T09:00:00Z", "change", logged("desk", "low", 4, "printer")),
                Entry("2026-03-25T10:00:00Z", "transition", json!({"state": "in_progress", "assignee": "lead@example.com"})),
                Entry("2026-03-25T11:00:00Z", "transition", json!({"state": "on_hold", "hold_reason": "awaiting_problem"})),
                Entry("2026-04-01T10:00:00Z", "system_move", json!({"state": "resolved", "hold_reason": null, "resolution_code": "solved_by_problem"})),
            ],
        )
        .await;
    // I4: logged 20 March 10:00Z in network and never touched: the backlog at the end of
    // both periods; 16 days old at the end (11–30). Open the whole period, 14 days less the
    // hour the clocks lost = 335 h at impact medium: 3,350 caller-hours (61 h, 610, in the
    // period before).
    let i4 = f
        .incident(
            "Old open one",
            agent,
            json!({"state": "new", "impact": "medium", "priority": 3, "group": "network"}),
            None,
            None,
            (None, None),
            &[Entry(
                "2026-03-20T10:00:00Z",
                "change",
                logged("network", "medium", 3, "misc"),
            )],
        )
        .await;
    // I5: canceled after its response target fell due unmet: in response SLA compliance as
    // breached, nowhere else.
    f.incident(
        "Logged twice (canceled)",
        agent,
        json!({"state": "canceled", "impact": "medium", "priority": 3, "group": "desk"}),
        Some(policy),
        Some("2026-03-26T10:30:00Z"),
        (Some("2026-03-26T10:15:00Z"), None),
        &[
            Entry(
                "2026-03-26T10:00:00Z",
                "change",
                logged("desk", "medium", 3, "misc"),
            ),
            Entry(
                "2026-03-26T11:00:00Z",
                "transition",
                json!({"state": "canceled"}),
            ),
        ],
    )
    .await;
    // I6: logged by the caller on 31 March: MTTA 20 min, MTTR 1 h (Tuesday 10:00–11:00 in
    // Berlin, inside office hours: both clocks). Not a first contact of the desk: left out of
    // FCR. 1 h at medium: 10 caller-hours.
    let i6 = f
        .incident(
            "Mail from the portal (logged by the caller)",
            anna,
            json!({"state": "resolved", "impact": "medium", "priority": 3, "group": "desk"}),
            Some(policy),
            Some("2026-03-31T08:20:00Z"),
            (None, None),
            &[
                Entry(
                    "2026-03-31T08:00:00Z",
                    "change",
                    logged("desk", "medium", 3, "mail"),
                ),
                Entry(
                    "2026-03-31T08:30:00Z",
                    "transition",
                    json!({"state": "in_progress", "assignee": "lead@example.com"}),
                ),
                Entry(
                    "2026-03-31T09:00:00Z",
                    "transition",
                    json!({"state": "resolved", "resolution_code": "workaround"}),
                ),
            ],
        )
        .await;

    leitstand::service::insight::facts::rebuild(&app.db, &|_| {})
        .await
        .unwrap();
    let period = "from=2026-03-23&to=2026-04-05";
    let figures = |query: String| {
        let (app, owner) = (&app, &owner);
        async move {
            let res = app.get(owner, &query).await;
            let status = res.status();
            let body = res.text().await.unwrap();
            assert_eq!(status, 200, "{query}: {body}");
            serde_json::from_str::<Value>(&body).unwrap()
        }
    };
    // Counted from the facts (no day summed up yet), then read from the rollups: the same
    // figures, week by week too.
    let queries = [
        format!("/api/v1/insight/figures?{period}"),
        format!("/api/v1/insight/figures/mttr/weeks?{period}"),
        format!("/api/v1/insight/figures/fcr/weeks?{period}"),
        format!("/api/v1/insight/figures/sla_response/weeks?{period}"),
        format!("/api/v1/insight/figures/backlog/weeks?{period}"),
        "/api/v1/insight/figures/backlog/weeks?from=2026-03-01&to=2026-04-30".to_owned(),
        format!("/api/v1/insight/figures?{period}&group=network"),
        format!("/api/v1/insight/figures/backlog/weeks?{period}&group=network"),
        format!("/api/v1/insight/flow?{period}"),
        format!("/api/v1/insight/flow?{period}&group=network"),
        "/api/v1/insight/flow?from=2026-03-26&to=2026-03-31".to_owned(),
        format!("/api/v1/insight/figures/caller_hours_lost/weeks?{period}"),
        format!("/api/v1/insight/figures/caller_hours_lost/weeks?{period}&group=network"),
        "/api/v1/insight/figures/caller_hours_lost/weeks?from=2026-03-01&to=2026-04-30".to_owned(),
        format!("/api/v1/insight/figures?{period}&department=it"),
    ];
    let mut from_facts = Vec::new();
    for q in &queries {
        from_facts.push(figures(q.clone()).await);
    }
    let days = leitstand::service::insight::rollups::roll_up(&app.db, None, &|_| {})
        .await
        .unwrap();
    assert!(days > 250, "every day since 20 March: {days}");
    for (q, facts) in queries.iter().zip(&from_facts) {
        assert_eq!(&figures(q.clone()).await, facts, "{q}");
    }
    let kept: i64 = sqlx::query_scalar("select count(*) from insight_rollups")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(kept > 0);
    // Migration 48 gave the facts folded before it their paths in SQL: the same as the fold's.
    let migration = include_str!("../../migrations/20261207000048_insight_resolution_paths.sql");
    let fill = &migration[migration.find("update insight_resolutions").unwrap()..];
    sqlx::query("update insight_resolutions set path = null")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query(fill).execute(&app.db).await.unwrap();
    let paths: i64 =
        sqlx::query_scalar("select count(*) from insight_resolutions where path is not null")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(paths, 4, "the first resolutions of I1, I2, I3 and I6");
    // Migration 50 marked the runs of the stretches folded before it in SQL: the same as the
    // fold's (the check below compares every stretch).
    let migration = include_str!("../../migrations/20261207000050_insight_lost_days.sql");
    let fill =
        &migration[migration.find("with s as").unwrap()..migration.find("create table").unwrap()];
    sqlx::query("update insight_spans set run_started_at = null, run_ends = false")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query(fill).execute(&app.db).await.unwrap();
    // Migration 51 gave the handoffs folded before it their places in SQL: the same as the
    // fold's.
    let migration = include_str!("../../migrations/20261207000051_insight_handoff_places.sql");
    sqlx::query(
        "update insight_handoffs set department_id = null, service_id = null, \
         priority = null, category = null",
    )
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(&migration[migration.find("update insight_handoffs").unwrap()..])
        .execute(&app.db)
        .await
        .unwrap();
    // And the check sums the days up afresh and finds them equal.
    let differences = leitstand::service::insight::facts::check(&app.db)
        .await
        .unwrap();
    assert!(differences.agree(), "{differences:?}");
    // The figures really are read from the rollups: a tampered day shows, the check finds
    // it, and a rebuild sums it up afresh.
    sqlx::query(
        "update insight_rollups set count = count + 100 where kpi in ('mttr', 'backlog') \
         and day = '2026-03-25'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let tampered = figures(queries[0].clone()).await;
    assert_ne!(tampered, from_facts[0]);
    let backlog = figures(queries[4].clone()).await;
    assert_ne!(
        backlog, from_facts[4],
        "the backlog's weeks add up the daily changes"
    );
    sqlx::query(
        "update insight_span_days set began_sum = began_sum - 3600 where day = '2026-03-25'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let flow = figures(queries[8].clone()).await;
    assert_ne!(
        flow, from_facts[8],
        "the time per group adds up the daily sums"
    );
    sqlx::query(
        "update insight_lost_days set runs_began = runs_began + 1 where day = '2026-03-25'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let lost = figures(queries[11].clone()).await;
    assert_ne!(
        lost, from_facts[11],
        "caller hours lost adds up the daily sums"
    );
    let differences = leitstand::service::insight::facts::check(&app.db)
        .await
        .unwrap();
    assert!(!differences.agree(), "{differences:?}");
    leitstand::service::insight::facts::rebuild(&app.db, &|_| {})
        .await
        .unwrap();
    leitstand::service::insight::rollups::roll_up(&app.db, None, &|_| {})
        .await
        .unwrap();
    assert_eq!(figures(queries[0].clone()).await, from_facts[0]);
    assert_eq!(figures(queries[4].clone()).await, from_facts[4]);
    assert_eq!(figures(queries[8].clone()).await, from_facts[8]);
    assert_eq!(figures(queries[11].clone()).await, from_facts[11]);
    let dashboard = from_facts[0].clone();
    assert_eq!(dashboard["time_zone"], "Europe/Berlin");
    assert_eq!(
        dashboard["previous"],
        json!({"from": "2026-03-09", "to": "2026-03-22"})
    );
    assert_eq!(dashboard["groups"], Value::Null, "a process owner sees all");
    let figure = |kpi: &str| -> Value {
        dashboard["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kpi"] == kpi)
            .unwrap_or_else(|| panic!("{kpi} in {dashboard}"))
            .clone()
    };
    let stats = |f: &Value, clock: &str| {
        (
            f[clock]["median"].as_i64(),
            f[clock]["p90"].as_i64(),
            f[clock]["mean"].as_f64(),
        )
    };

    // MTTA: I1 1,200 s, I2 1,800 s, I6 1,200 s (I5 canceled). Nearest rank: median the 2nd of
    // 3, p90 the 3rd.
    let response = figure("mtta");
    assert_eq!(response["count"], 3);
    assert_eq!(
        stats(&response, "calendar"),
        (Some(1200), Some(1800), Some(1400.0))
    );
    assert_eq!(
        stats(&response, "business"),
        (Some(1200), Some(1800), Some(1400.0))
    );
    // MTTR: five resolutions. Calendar 3,600, 14,400, 108,000, 237,600, 608,400; business
    // 3,600, 5,400, 14,400, 21,600, 608,400. Percentiles report the value rounded down to its
    // bucket (catalogue version 2): 108,000 s is 1,800 min, in the step of 32 min from 1,792
    // (107,520 s); 608,400 s is 10,140 min, in the step of 256 min from 9,984 (599,040 s).
    // 14,400 s (240 min, a step of 4 from 128) is a bucket's lower end itself. Means exact.
    let mttr = figure("mttr");
    assert_eq!(mttr["count"], 5);
    assert_eq!(
        stats(&mttr, "calendar"),
        (Some(107_520), Some(599_040), Some(194_400.0))
    );
    assert_eq!(
        stats(&mttr, "business"),
        (Some(14_400), Some(599_040), Some(130_680.0))
    );
    assert_eq!(mttr["value"], 4.0, "the business median in hours");
    // Response SLA: I1 met, I2 breached, I5 breached (canceled after its due time).
    let sla = figure("sla_response");
    assert_eq!(
        (sla["count"].as_i64(), sla["met"].as_i64()),
        (Some(3), Some(1))
    );
    assert!((sla["value"].as_f64().unwrap() - 100.0 / 3.0).abs() < 1e-9);
    // Resolution SLA: I1 and I2 (first resolution) met.
    let sla = figure("sla_resolution");
    assert_eq!(
        (sla["count"].as_i64(), sla["met"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(sla["value"], 100.0);
    // Backlog at 5 April 24:00 in Berlin: I4, 16 days old; the same at the end of the period
    // before: no change.
    let backlog = figure("backlog");
    assert_eq!(backlog["value"], 1.0);
    assert_eq!(backlog["ages"], json!([0, 0, 0, 1, 0]));
    assert_eq!(backlog["previous"], 1.0);
    assert_eq!(backlog["change"], 0.0);
    // FCR: I1 and I3 of I1, I2 (twice), I3; I6 logged by the caller is left out.
    let fcr = figure("fcr");
    assert_eq!(
        (fcr["count"].as_i64(), fcr["met"].as_i64()),
        (Some(4), Some(2))
    );
    assert_eq!(fcr["value"], 50.0);
    assert_eq!(fcr["provisional"], 0);
    // Self-service: I6, logged by the caller, resolved by the desk without a handoff.
    let own = figure("fcr_self_service");
    assert_eq!(
        (own["count"].as_i64(), own["met"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(own["value"], 100.0);
    // Reopened within 7 days: I2's first resolution, of five.
    let reopen = figure("reopen_7d");
    assert_eq!(
        (reopen["count"].as_i64(), reopen["met"].as_i64()),
        (Some(5), Some(1))
    );
    assert_eq!(reopen["value"], 20.0);
    // Reassignments: 0, 2, 2, 0, 0.
    let reassignments = figure("reassignments");
    assert_eq!(reassignments["value"], 0.8);
    assert_eq!(reassignments["calendar"]["total"], 4);
    // Ping-pong: both of I2's resolutions had a return.
    let ping = figure("ping_pong");
    assert_eq!(
        (ping["count"].as_i64(), ping["met"].as_i64()),
        (Some(5), Some(2))
    );
    assert_eq!(ping["value"], 40.0);
    // Caller hours lost: 660 + 600 + 169 + 3,350 + 10 = 4,789; unweighted 66 + 6 + 169 + 335
    // + 1 = 577 h. The period before: I4's 61 h, 610. It counts runs, each an incident's
    // open time at one place without a break: I2 has four (desk, network, desk again, and
    // reopened), the others one each. Its statistics are totals and means per run.
    let lost = figure("caller_hours_lost");
    assert_eq!(lost["count"], 8);
    assert_eq!(lost["calendar"]["mean"], 577.0 * 3600.0 / 8.0);
    assert_eq!(lost["calendar"]["median"], Value::Null);
    assert_eq!(lost["value"], 4789.0);
    assert_eq!(lost["calendar"]["total"], 577 * H);
    assert_eq!(lost["previous"], 610.0);
    // Its weeks (counted in one statement) add up to it: the weeks split the period.
    let weeks: Value = app
        .get(
            &owner,
            &format!("/api/v1/insight/figures/caller_hours_lost/weeks?{period}"),
        )
        .await
        .json()
        .await
        .unwrap();
    let sum: f64 = weeks
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["value"].as_f64().unwrap())
        .sum();
    assert!((sum - 4789.0).abs() < 1e-6, "{weeks}");

    // Every figure's list holds exactly what it counts.
    for f in dashboard["figures"].as_array().unwrap() {
        let kpi = f["kpi"].as_str().unwrap();
        let res = app
            .get(
                &owner,
                &format!("/api/v1/insight/figures/{kpi}/incidents?{period}&limit=2"),
            )
            .await;
        assert_eq!(res.status(), 200, "{kpi}");
        let mut page: Value = res.json().await.unwrap();
        let mut rows = Vec::new();
        loop {
            rows.extend(page["items"].as_array().unwrap().clone());
            let Some(cursor) = page["next_cursor"].as_str() else {
                break;
            };
            page = app
                .get(
                    &owner,
                    &format!(
                        "/api/v1/insight/figures/{kpi}/incidents?{period}&limit=2&cursor={cursor}"
                    ),
                )
                .await
                .json()
                .await
                .unwrap();
        }
        assert_eq!(
            i64::try_from(rows.len()).unwrap(),
            f["count"].as_i64().unwrap(),
            "{kpi}"
        );
        if kpi == "mttr" {
            let numbers: Vec<&str> = rows.iter().map(|r| r["number"].as_str().unwrap()).collect();
            assert_eq!(
                numbers,
                [&i2, &i2, &i1, &i6, &i3],
                "in the order they count"
            );
        }
    }
    let csv = app
        .api
        .get(app.url(&format!(
            "/api/v1/insight/figures/backlog/incidents?{period}"
        )))
        .bearer_auth(&owner)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("number,title,at,"), "{csv}");
    assert!(
        csv.contains(&format!("{i4},Old open one,2026-03-20T10:00:00Z")),
        "{csv}"
    );

    // Week by week (Mondays in Berlin): MTTR's business medians are 4 h of I2's two
    // resolutions, then 1.5 h of I6, I1, I3 (3,600, 5,400, 608,400 s). The backlog at the end
    // of the first week holds I1 (on hold over the weekend) and I3 (awaiting its problem) too.
    let weeks: Value = app
        .get(
            &owner,
            &format!("/api/v1/insight/figures/mttr/weeks?{period}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        weeks,
        json!([{"week": "2026-03-23", "value": 4.0, "count": 2},
               {"week": "2026-03-30", "value": 1.5, "count": 3}])
    );
    let weeks: Value = app
        .get(
            &owner,
            &format!("/api/v1/insight/figures/backlog/weeks?{period}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(weeks[0]["value"], 3.0);
    assert_eq!(weeks[1]["value"], 1.0);

    // The value stream. Handoffs: I2's desk → network (network never worked it: no wait
    // known) and network → desk, a return, worked an hour later.
    let flow: Value = app
        .get(&owner, &format!("/api/v1/insight/flow?{period}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        flow["handoffs"],
        json!([{"from": "desk", "to": "network", "handoffs": 1, "returns": 0, "median_wait": null},
               {"from": "network", "to": "desk", "handoffs": 1, "returns": 1, "median_wait": 3600}])
    );
    // Where the desk's time went (seconds in the period; I5 canceled is left out): work
    // I1 1,200 + 3,600, I2 3,600 + 7,200, I3 3,600, I6 1,800; queue I1 600, I2 3,600 + 3,600,
    // I3 3,600, I6 1,800; I1's weekend on hold for the caller 64.5 h; I3 awaiting its problem
    // 167 h. The network group: I2's hour and I4's 335 h in the queue.
    let desk = &flow["groups"][0];
    assert_eq!(desk["group"], "desk");
    assert_eq!(
        (desk["work"].as_i64(), desk["queue"].as_i64()),
        (Some(21_000), Some(13_200))
    );
    assert_eq!(desk["awaiting_caller"], 232_200);
    assert_eq!(desk["awaiting_problem"], 601_200);
    let efficiency = desk["flow_efficiency"].as_f64().unwrap();
    assert!(
        (efficiency - 21_000.0 / 867_600.0 * 100.0).abs() < 1e-9,
        "{efficiency}"
    );
    let network = &flow["groups"][1];
    assert_eq!(network["group"], "network");
    assert_eq!(network["queue"], 3600 + 335 * H);
    assert_eq!(network["flow_efficiency"], 0.0);
    // Paths of the four incidents first resolved in the period: the desk alone (I1, I3, I6;
    // median 237,600 s) and desk → network → desk (I2, 4 h).
    assert_eq!(flow["resolved"], 4);
    assert_eq!(
        flow["variants"],
        json!([{"path": ["desk"], "incidents": 3, "share": 75.0, "median": 237_600},
               {"path": ["desk", "network", "desk"], "incidents": 1, "share": 25.0, "median": 14_400}])
    );
    let csv = app
        .api
        .get(app.url(&format!("/api/v1/insight/flow?{period}&table=variants")))
        .bearer_auth(&owner)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("desk > network > desk,1,25.0,14400"), "{csv}");
    let res = app.get(&owner, "/api/v1/insight/flow?table=nope").await;
    assert_eq!(
        crate::support::fields(&crate::support::problem(res, 400).await),
        vec!["table"]
    );

    // I2's journey: two lanes, the desk's four stretches before and after the network's hour.
    let journey: Value = app
        .get(&owner, &format!("/api/v1/insight/journeys/{i2}"))
        .await
        .json()
        .await
        .unwrap();
    let lanes = journey["lanes"].as_array().unwrap();
    assert_eq!(lanes.len(), 2);
    assert_eq!(lanes[0]["group"], "desk");
    assert!(lanes[0]["department"].is_string(), "{journey}");
    let kinds: Vec<&str> = lanes[0]["bars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["queue", "queue", "work", "resolved", "work", "resolved"]
    );
    assert_eq!(lanes[1]["bars"][0]["from"], "2026-03-24T09:00:00Z");
    assert_eq!(lanes[1]["bars"][0]["to"], "2026-03-24T10:00:00Z");
    let browser = app.browser();
    app.sign_in(&browser, "owner@example.com").await;
    let page = app
        .page(&browser, &format!("/incidents/{i2}/journey"))
        .await;
    assert!(page.contains("<svg class=\"chart swimlane\""), "{page}");
    let res = app
        .get(
            &caller_token(&app).await,
            &format!("/api/v1/insight/journeys/{i2}"),
        )
        .await;
    assert_eq!(res.status(), 403);

    // Breakdowns: MTTR by priority, then group. P2: I2's two resolutions; P3: I1 and I6; P4:
    // I3; all in the desk. Each part's count is the length of the list its filters select.
    let breakdown: Value = app
        .get(
            &owner,
            &format!("/api/v1/insight/figures/mttr/breakdown?{period}&by=priority&then=group"),
        )
        .await
        .json()
        .await
        .unwrap();
    let parts: Vec<BreakdownPart> = breakdown["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["place"]["key"].as_str().unwrap().to_owned(),
                p["count"].as_i64().unwrap(),
                p["parts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|q| {
                        (
                            q["place"]["label"].as_str().unwrap().to_owned(),
                            q["count"].as_i64().unwrap(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let desk = |n: i64| vec![("desk".to_owned(), n)];
    assert_eq!(
        parts,
        vec![
            ("2".to_owned(), 2, desk(2)),
            ("3".to_owned(), 2, desk(2)),
            ("4".to_owned(), 1, desk(1))
        ],
        "{breakdown}"
    );
    for (priority, count) in [("2", 2), ("3", 2), ("4", 1)] {
        let rows: Value = app
            .get(
                &owner,
                &format!("/api/v1/insight/figures/mttr/incidents?{period}&priority={priority}"),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            rows["items"].as_array().unwrap().len(),
            count,
            "P{priority}"
        );
    }
    let csv = app
        .api
        .get(app.url(&format!(
            "/api/v1/insight/figures/mttr/breakdown?{period}&by=priority&then=group"
        )))
        .bearer_auth(&owner)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with("kpi,priority,group,value,count,met\r\nmttr,2,,"),
        "{csv}"
    );
    // The network's agent: caller hours lost in their group only, I2's hour there and I4.
    let theirs: Value = app
        .get(
            &netops,
            &format!("/api/v1/insight/figures/caller_hours_lost/breakdown?{period}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["by"], "group");
    assert_eq!(theirs["parts"].as_array().unwrap().len(), 1, "{theirs}");
    assert_eq!(theirs["parts"][0]["place"]["key"], "network");
    assert_eq!(theirs["parts"][0]["count"], 2);
    for (query, status, field) in [
        ("by=nope", 400, "by"),
        ("by=", 400, "by"),
        ("then=", 400, "then"),
        ("by=group&then=group", 422, "then"),
    ] {
        let res = app
            .get(
                &owner,
                &format!("/api/v1/insight/figures/mttr/breakdown?{period}&{query}"),
            )
            .await;
        assert_eq!(
            crate::support::fields(&crate::support::problem(res, status).await),
            vec![field],
            "{query}"
        );
    }
    let page = app
        .page(
            &browser,
            &format!("/insight/breakdown?kpi=mttr&by=priority&then=group&{period}"),
        )
        .await;
    assert!(
        page.contains(&format!(
            "href=\"/insight/incidents?kpi=mttr&#38;{}&#38;group=desk&#38;priority=3\"",
            period.replace('&', "&#38;")
        )),
        "{page}"
    );

    // Filters: the desk's own figures leave out I4 (network).
    let desk: Value = app
        .get(
            &owner,
            &format!("/api/v1/insight/figures?{period}&group=desk"),
        )
        .await
        .json()
        .await
        .unwrap();
    let backlog = desk["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kpi"] == "backlog")
        .unwrap()
        .clone();
    assert_eq!(backlog["count"], 0);

    // Agents see their own groups' figures only; another group is forbidden.
    let mine: Value = app
        .get(&netops, &format!("/api/v1/insight/figures?{period}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["groups"], json!(["network"]));
    let count = |d: &Value, kpi: &str| {
        d["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kpi"] == kpi)
            .unwrap()["count"]
            .clone()
    };
    assert_eq!(count(&mine, "mttr"), 0);
    assert_eq!(count(&mine, "backlog"), 1);
    let res = app
        .get(
            &netops,
            &format!("/api/v1/insight/figures?{period}&group=desk"),
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .get(&lead, &format!("/api/v1/insight/figures?{period}"))
        .await;
    assert_eq!(res.status(), 200);

    // Bad choices are named.
    for (query, status, field) in [
        ("from=2026-02-30", 400, "from"),
        ("to=", 400, "to"),
        ("from=2026-04-05&to=2026-03-23", 422, "to"),
        ("from=2020-01-01&to=2026-01-01", 422, "from"),
        ("priority=9", 400, "priority"),
        ("group=nope", 422, "group"),
        ("service=nope", 422, "service"),
        ("department=nope", 422, "department"),
    ] {
        let res = app
            .get(&owner, &format!("/api/v1/insight/figures?{query}"))
            .await;
        let body = crate::support::problem(res, status).await;
        assert_eq!(crate::support::fields(&body), vec![field], "{query}");
    }
    let res = app
        .get(&owner, "/api/v1/insight/figures/nope/incidents")
        .await;
    assert_eq!(res.status(), 404);
    let caller = app.user_with_token("carl@example.com", "caller").await;
    assert_eq!(
        app.get(&caller, "/api/v1/insight/figures").await.status(),
        403
    );
}

/// A process change on Monday 30 March 2026: twelve resolutions in the week before took
/// 9 to 11 hours, twelve in the week after 1 to 3. Its page says better, with an interval
/// that leaves out no change; the charts' markers and the rules of who records them hold.
#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one story: record, compare, refuse, delete"
)]
async fn a_process_change_is_recorded_and_its_before_after_verdict_is_better() {
    let app = TestApp::spawn().await;
    app.create_group("desk", "IT").await;
    let agent_token = app.user_with_token("lead@example.com", "agent").await;
    app.join_groups("lead@example.com", &["desk"]).await;
    let owner = app
        .user_with_token("owner@example.com", "problem_manager")
        .await;
    let agent = Fixture::user(&app, "lead@example.com").await;
    let f = Fixture { app: &app, agent };
    for (day, hours) in [(23, 9), (24, 10), (25, 11), (26, 10)]
        .into_iter()
        .chain([(30, 1), (31, 2)])
        .chain([(1, 3), (2, 2)])
    {
        let month = if day >= 23 { 3 } else { 4 };
        for n in 0..3 {
            let opened = format!("2026-{month:02}-{day:02}T0{}:00:00Z", 6 + n);
            let resolved = later(&opened, hours);
            f.incident(
                "Mail delays",
                agent,
                json!({"state": "resolved", "impact": "medium", "priority": 3, "group": "desk"}),
                None,
                None,
                (None, None),
                &[
                    Entry(
                        leak(opened.clone()),
                        "change",
                        logged("desk", "medium", 3, "mail"),
                    ),
                    Entry(
                        leak(resolved),
                        "transition",
                        json!({"state": "resolved", "resolution_code": "workaround"}),
                    ),
                ],
            )
            .await;
        }
    }
    leitstand::service::insight::facts::rebuild(&app.db, &|_| {})
        .await
        .unwrap();

    // Only process owners record changes, and every refused field is named.
    let body = json!({"effective_on": "2026-03-30", "title": "Mail triage by the desk",
                      "kpi": "mttr", "expected": "down", "weeks": 1, "group": "desk"});
    let res = app
        .post(&agent_token, "/api/v1/insight/markers", body.clone())
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post(
            &owner,
            "/api/v1/insight/markers",
            json!({"title": " ", "kpi": "speed", "expected": "sideways", "weeks": 30, "group": "ghosts"}),
        )
        .await;
    let mut named = crate::support::fields(&crate::support::problem(res, 422).await);
    named.sort_unstable();
    assert_eq!(
        named,
        ["effective_on", "expected", "group", "kpi", "title", "weeks"]
    );
    let res = app.post(&owner, "/api/v1/insight/markers", body).await;
    assert_eq!(res.status(), 201);
    let marker: Value = res.json().await.unwrap();
    let id = marker["id"].as_str().unwrap();
    assert_eq!(marker["group"], "desk");
    assert_eq!(marker["created_by"], "owner@example.com");

    // The week before: 9, 10, 11, 10 hours (three each); after: 1, 2, 3, 2.
    let res = app
        .get(&owner, &format!("/api/v1/insight/markers/{id}"))
        .await;
    assert_eq!(res.status(), 200);
    let read: Value = res.json().await.unwrap();
    let c = &read["comparison"];
    assert_eq!(
        read["before"],
        json!({"from": "2026-03-23", "to": "2026-03-29"})
    );
    assert_eq!(
        read["after"],
        json!({"from": "2026-03-30", "to": "2026-04-05"})
    );
    assert_eq!(
        (c["before"]["count"].as_i64(), c["after"]["count"].as_i64()),
        (Some(12), Some(12))
    );
    assert_eq!(c["before"]["median"], 10.0);
    assert_eq!(c["after"]["median"], 2.0);
    assert_eq!(c["difference"], -8.0);
    assert!(c["high"].as_f64().unwrap() < 0.0, "{c}");
    assert_eq!(c["verdict"], "better");
    // The agent reads it too, counted in their groups (the desk).
    let res = app
        .get(&agent_token, &format!("/api/v1/insight/markers/{id}"))
        .await;
    assert_eq!(res.status(), 200);

    // The chart of MTTR marks it; the list shows it.
    let listed: Value = app
        .get(&owner, "/api/v1/insight/markers")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"][0]["id"], id);
    let browser = app.browser();
    app.create_user("pm@example.com", "problem_manager", "en")
        .await;
    app.sign_in(&browser, "pm@example.com").await;
    let page = app
        .page(&browser, "/insight?from=2026-03-16&to=2026-04-05")
        .await;
    assert!(page.contains("Mail triage by the desk"), "{page}");
    assert_eq!(
        page.matches("class=\"marker\"").count(),
        1,
        "on MTTR's chart only"
    );
    let page = app.page(&browser, &format!("/insight/markers/{id}")).await;
    assert!(
        page.contains("Better: the KPI moved the good way"),
        "{page}"
    );

    // Too few: a change whose weeks hold nothing.
    let res = app
        .post(
            &owner,
            "/api/v1/insight/markers",
            json!({"effective_on": "2026-01-05", "title": "Earlier", "kpi": "fcr", "expected": "up"}),
        )
        .await;
    let early: Value = res.json().await.unwrap();
    let read: Value = app
        .get(
            &owner,
            &format!("/api/v1/insight/markers/{}", early["id"].as_str().unwrap()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["comparison"]["verdict"], "too_few");

    let res = app
        .delete(&agent_token, &format!("/api/v1/insight/markers/{id}"))
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .delete(&owner, &format!("/api/v1/insight/markers/{id}"))
        .await;
    assert_eq!(res.status(), 204);
    let res = app
        .get(&owner, &format!("/api/v1/insight/markers/{id}"))
        .await;
    assert_eq!(res.status(), 404);
}

/// A `&'static str` for a fixture's moment made at run time.
/// A part of a breakdown as the test reads it: key, count, and its parts' labels and counts.
type BreakdownPart = (String, i64, Vec<(String, i64)>);

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// The moment `hours` after `text`, as text.
fn later(text: &str, hours: i64) -> String {
    let at: jiff::Timestamp = text.parse().unwrap();
    (at + jiff::SignedDuration::from_hours(hours)).to_string()
}

/// A caller with a token.
async fn caller_token(app: &TestApp) -> String {
    app.user_with_token("someone@example.com", "caller").await
}
