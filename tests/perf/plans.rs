//! Every list query runs on an index: the queue and search queries are planned over a large
//! incident table and their `EXPLAIN (ANALYZE)` must name the expected index and never scan
//! the whole table. `LEITSTAND_PLAN_ROWS` sets the size (default 100,000);
//! `scripts/explain-plans` runs it at 1,000,000 and prints the plans.

use std::time::Instant;

use leitstand::domain::incident::IncidentState;
use leitstand::store::incident_list::{Filter, Position, Sort, explain_list};
use uuid::Uuid;

use crate::support::TestApp;

/// Fills the database with `rows` incidents spread over 40 groups, 400 agents and two years;
/// 70% closed, 10% resolved, 20% open, titles in German and English.
pub async fn seed(db: &sqlx::PgPool, rows: i64) {
    let statements = [
        "insert into groups (id, key, name, department) \
         select gen_random_uuid(), 'group-' || g, 'Group ' || g, 'IT' from generate_series(1, 40) g",
        "insert into users (id, email, name, role) \
         select gen_random_uuid(), 'agent' || u || '@example.com', 'Agent ' || u, 'agent' from generate_series(1, 400) u",
        "insert into group_members (group_id, user_id) \
         select g.id, u.id from users u join groups g on g.key = 'group-' || (1 + (substring(u.email from 'agent(\\d+)')::int % 40)) \
         where u.email like 'agent%'",
        // Timestamps grow with n, so recent incidents are the open ones, as in a real desk.
        "insert into incidents (id, title, description, state, hold_reason, impact, urgency, priority, \
             assignment_group_id, assignee_id, opened_by_id, opened_at, updated_at, resolution_code, \
             resolution_notes, resolved_at, closed_at, resolution_due) \
         select gen_random_uuid(), \
             (array['VPN', 'Drucker', 'Printer', 'Mail', 'Laptop', 'Netzwerk', 'Network', 'Server', 'Passwort', 'Password'])[1 + n % 10] \
               || ' ' || (array['drops', 'fällt aus', 'is slow', 'langsam', 'error', 'Fehlermeldung', 'broken', 'Verbindung getrennt'])[1 + (n / 10) % 8] \
               || ' #' || n, \
             'Reported by caller ' || n || '. ' || md5(n::text), \
             s.state, \
             case when s.state = 'on_hold' then 'awaiting_vendor' end, \
             (array['high', 'medium', 'low'])[1 + n % 3], (array['high', 'medium', 'low'])[1 + (n / 3) % 3], \
             1 + n % 3 + (n / 3) % 3, \
             g.id, \
             case when n % 5 = 0 then null else a.id end, \
             a.id, \
             t.at, t.at + interval '2 hours', \
             case when s.state in ('resolved', 'closed') then 'workaround' end, \
             case when s.state in ('resolved', 'closed') then 'Restarted the service.' end, \
             case when s.state in ('resolved', 'closed') then t.at + interval '1 hour' end, \
             case when s.state = 'closed' then t.at + interval '2 hours' end, \
             case when s.state in ('new', 'in_progress', 'on_hold') then t.at + interval '1 day' end \
         from generate_series(1, $1) n \
         cross join lateral (select now() - make_interval(secs => ($1 - n) * 60.0) as at) t \
         cross join lateral (select case when n > $1 * 0.8 then (array['new', 'in_progress', 'on_hold', 'new', 'in_progress'])[1 + n % 5] \
                                          when n > $1 * 0.7 then 'resolved' else 'closed' end as state) s \
         join groups g on g.key = 'group-' || (1 + n % 40) \
         join users a on a.email = 'agent' || (1 + ((n % 40) + 40 * ((n / 40) % 10))) || '@example.com'",
        "analyze",
    ];
    for statement in statements {
        let mut query = sqlx::query(statement);
        if statement.contains("$1") {
            query = query.bind(rows);
        }
        query
            .execute(db)
            .await
            .unwrap_or_else(|e| panic!("{e}: {statement}"));
    }
}

#[tokio::test]
async fn queue_and_search_queries_use_their_indexes_on_a_large_table() {
    let rows: i64 = std::env::var("LEITSTAND_PLAN_ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(100_000);
    let app = TestApp::spawn().await;
    let started = Instant::now();
    seed(&app.db, rows).await;
    let count: i64 = sqlx::query_scalar("select count(*) from incidents")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, rows);
    eprintln!(
        "seeded {rows} incidents in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let group: Uuid = sqlx::query_scalar("select id from groups where key = 'group-7'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let agent: Uuid = sqlx::query_scalar("select id from users where email = 'agent7@example.com'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let open = IncidentState::OPEN.to_vec();
    let (at, id): (jiff_sqlx::Timestamp, Uuid) = sqlx::query_as(
        "select updated_at, id from incidents where assignment_group_id = $1 and state in ('new', 'in_progress', 'on_hold') \
         order by updated_at desc, id desc offset 50 limit 1",
    )
    .bind(group)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let second_page = Position::Time(at.to_jiff(), id);

    let cases: Vec<(&str, Filter, Sort, Option<&Position>, &str)> = vec![
        (
            "queue: one group's open incidents, newest first",
            Filter {
                states: open.clone(),
                assignment_group_id: Some(group),
                ..Filter::default()
            },
            Sort::UpdatedDesc,
            None,
            "incidents_open_group_updated_idx",
        ),
        (
            "queue, page 2 (keyset)",
            Filter {
                states: open.clone(),
                assignment_group_id: Some(group),
                ..Filter::default()
            },
            Sort::UpdatedDesc,
            Some(&second_page),
            "incidents_open_group_updated_idx",
        ),
        (
            "queue: one group, one state",
            Filter {
                states: vec![IncidentState::InProgress],
                assignment_group_id: Some(group),
                ..Filter::default()
            },
            Sort::UpdatedDesc,
            None,
            "incidents_group_state_updated_idx",
        ),
        (
            "my work",
            Filter {
                states: open.clone(),
                assignee_id: Some(Some(agent)),
                ..Filter::default()
            },
            Sort::UpdatedDesc,
            None,
            "incidents_open_assignee_updated_idx",
        ),
        (
            "all open, newest first",
            Filter {
                states: open.clone(),
                ..Filter::default()
            },
            Sort::UpdatedDesc,
            None,
            "incidents_open_updated_idx",
        ),
        (
            "unassigned",
            Filter {
                states: open.clone(),
                assignee_id: Some(None),
                ..Filter::default()
            },
            Sort::UpdatedDesc,
            None,
            "incidents_open_updated_idx",
        ),
        (
            "all open, newest first, a confidential department hidden from the reader",
            Filter {
                states: open.clone(),
                hidden_departments: vec![Uuid::now_v7()],
                reader: Some(agent),
                ..Filter::default()
            },
            Sort::UpdatedDesc,
            None,
            "incidents_open_updated_idx",
        ),
        (
            "everything, most urgent first, a confidential department hidden from the reader",
            Filter {
                hidden_departments: vec![Uuid::now_v7()],
                reader: Some(agent),
                ..Filter::default()
            },
            Sort::Priority,
            None,
            "incidents_priority_idx",
        ),
        (
            "all open, most urgent first",
            Filter {
                states: open.clone(),
                ..Filter::default()
            },
            Sort::Priority,
            None,
            "incidents_open_priority_idx",
        ),
        (
            "breaches next (open incidents: running clocks by resolution due, then stopped ones)",
            Filter {
                states: open.clone(),
                ..Filter::default()
            },
            Sort::BreachesNext,
            None,
            "incidents_open_breaches_next_idx",
        ),
        (
            "all open, oldest first",
            Filter {
                states: open.clone(),
                ..Filter::default()
            },
            Sort::OpenedAsc,
            None,
            "incidents_open_opened_idx",
        ),
        (
            "everything, most urgent first",
            Filter::default(),
            Sort::Priority,
            None,
            "incidents_priority_idx",
        ),
        (
            "everything, breaches next",
            Filter::default(),
            Sort::BreachesNext,
            None,
            "incidents_breaches_next_idx",
        ),
        (
            "everything, newest first",
            Filter::default(),
            Sort::UpdatedDesc,
            None,
            "incidents_updated_idx",
        ),
        (
            "everything, oldest first",
            Filter::default(),
            Sort::OpenedAsc,
            None,
            "incidents_opened_idx",
        ),
        (
            "full-text search, a common word (German word forms), best of the newest matches",
            Filter {
                text: Some("Verbindungen getrennt".to_owned()),
                ..Filter::default()
            },
            Sort::Relevance,
            None,
            "incidents_",
        ),
        (
            "full-text search, a rare word",
            Filter {
                text: Some("4711".to_owned()),
                ..Filter::default()
            },
            Sort::Relevance,
            None,
            "incidents_search_idx",
        ),
        (
            "full-text search in open incidents (English word forms)",
            Filter {
                text: Some("printers".to_owned()),
                states: open.clone(),
                ..Filter::default()
            },
            Sort::UpdatedDesc,
            None,
            "incidents_",
        ),
    ];
    let mut conn = app.db.acquire().await.unwrap();
    for (name, filter, sort, after, index) in cases {
        let plan = explain_list(&mut conn, &filter, sort, after, 50)
            .await
            .unwrap()
            .join("\n");
        eprintln!("== {name}\n{plan}\n");
        assert!(plan.contains(index), "{name}: expected {index}:\n{plan}");
        assert!(
            !plan.contains("Seq Scan on incidents"),
            "{name}: scans the whole table:\n{plan}"
        );
    }
    // The auto-close worker's claim reads the oldest resolutions from their partial index.
    let plan: Vec<String> = sqlx::query_scalar(
        "explain select id from incidents where state = 'resolved' and resolved_at < now() - interval '4 days' \
         order by resolved_at, id limit 200 for update skip locked",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let plan = plan.join("\n");
    eprintln!("== auto-close claim\n{plan}\n");
    assert!(plan.contains("incidents_resolved_idx"), "{plan}");
}

/// Fills the database with `rows` service requests of three types, from 2,000 callers, over
/// 40 groups and two years; the newer fifth still open.
pub async fn seed_requests(db: &sqlx::PgPool, rows: i64) {
    let statements = [
        "insert into groups (id, key, name, department) \
         select gen_random_uuid(), 'group-' || g, 'Group ' || g, case when g % 4 = 0 then 'HR' else 'IT' end \
         from generate_series(1, 40) g",
        "insert into users (id, email, name, role) \
         select gen_random_uuid(), 'caller' || u || '@example.com', 'Caller ' || u, 'caller' from generate_series(1, 2000) u",
        "insert into request_types (id, key, department_id, name) \
         select gen_random_uuid(), t.key, d.id, t.name from departments d \
         cross join (values ('new-laptop', 'New laptop'), ('sap-access', 'Access to SAP'), ('onboarding', 'Onboarding')) t(key, name) \
         where d.key = 'it'",
        "insert into requests (id, request_type_id, department_id, title, state, caller_id, assignment_group_id, \
             opened_by_id, opened_at, updated_at, outcome) \
         select gen_random_uuid(), rt.id, g.department_id, rt.name || ' #' || n, s.state, c.id, g.id, c.id, \
             t.at, t.at + interval '1 hour', case when s.state in ('fulfilled', 'closed', 'rejected', 'canceled') then 'done' end \
         from generate_series(1, $1) n \
         cross join lateral (select now() - make_interval(secs => ($1 - n) * 300.0) as at) t \
         cross join lateral (select case when n > $1 * 0.8 then (array['new', 'awaiting_approval', 'approved', 'in_progress'])[1 + n % 4] \
                                         else (array['closed', 'closed', 'closed', 'canceled', 'fulfilled'])[1 + n % 5] end as state) s \
         join request_types rt on rt.key = (array['new-laptop', 'sap-access', 'onboarding'])[1 + n % 3] \
         join groups g on g.key = 'group-' || (1 + n % 40) \
         join users c on c.email = 'caller' || (1 + n % 2000) || '@example.com'",
        "analyze",
    ];
    for statement in statements {
        let mut query = sqlx::query(statement);
        if statement.contains("$1") {
            query = query.bind(rows);
        }
        query
            .execute(db)
            .await
            .unwrap_or_else(|e| panic!("{e}: {statement}"));
    }
}

#[tokio::test]
async fn request_lists_use_their_indexes_on_a_large_table() {
    use leitstand::domain::request::RequestState;
    use leitstand::store::requests::{Filter, explain_list};

    let rows: i64 = std::env::var("LEITSTAND_PLAN_ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(100_000);
    let app = TestApp::spawn().await;
    seed_requests(&app.db, rows).await;
    let id = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, Uuid>(sql)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    let group = id("select id from groups where key = 'group-7'").await;
    let caller = id("select id from users where email = 'caller7@example.com'").await;
    let kind = id("select id from request_types where key = 'sap-access'").await;
    let hr = id("select id from departments where key = 'hr'").await;
    let open = vec![
        RequestState::New,
        RequestState::AwaitingApproval,
        RequestState::Approved,
        RequestState::InProgress,
    ];
    let cases: Vec<(&str, Filter, &str)> = vec![
        (
            "my requests (a caller's own)",
            Filter {
                caller_id: Some(caller),
                hidden_departments: vec![hr],
                visible_caller: Some(caller),
                ..Filter::default()
            },
            "requests_caller_updated_idx",
        ),
        (
            "a group's open requests, a confidential department hidden",
            Filter {
                states: open.clone(),
                assignment_group_id: Some(group),
                hidden_departments: vec![hr],
                visible_caller: Some(caller),
                ..Filter::default()
            },
            "requests_group_state_updated_idx",
        ),
        (
            "everything, newest first",
            Filter {
                hidden_departments: vec![hr],
                visible_caller: Some(caller),
                ..Filter::default()
            },
            "requests_updated_idx",
        ),
        (
            // A third of all rows: the newest-first index with a filter is the better plan.
            "one of three types",
            Filter {
                request_type_id: Some(kind),
                ..Filter::default()
            },
            "requests_updated_idx",
        ),
        (
            "awaiting approval",
            Filter {
                states: vec![RequestState::AwaitingApproval],
                ..Filter::default()
            },
            "requests_state_updated_idx",
        ),
    ];
    let mut conn = app.db.acquire().await.unwrap();
    for (name, filter, index) in cases {
        let plan = explain_list(&mut conn, &filter, None, 50)
            .await
            .unwrap()
            .join("\n");
        eprintln!("== {name}\n{plan}\n");
        assert!(plan.contains(index), "{name}: expected {index}:\n{plan}");
        assert!(
            !plan.contains("Seq Scan on requests"),
            "{name}: scans the whole table:\n{plan}"
        );
    }
}
