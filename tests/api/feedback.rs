//! The caller's word on a resolution, for incidents and requests alike: confirm it (closed),
//! reopen it with a reason, rate it 1 to 5 once per resolution; through the API and the
//! portal's plain forms, and never for anyone but the caller.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Page, TestApp, fields, problem};

struct Desk {
    app: TestApp,
    agent: String,
    anna: String,
    ben: String,
}

async fn desk() -> Desk {
    let app = TestApp::spawn().await;
    app.create_group("workplace", "it").await;
    let agent = app.user_with_token("agent@example.com", "agent").await;
    app.join_groups("agent@example.com", &["workplace"]).await;
    let anna = app.user_with_token("anna@example.com", "caller").await;
    let ben = app.user_with_token("ben@example.com", "caller").await;
    app.created(
        &app.admin_token,
        "/api/v1/request-types",
        json!({"key": "monitor", "department": "it", "name": "Second monitor",
               "assignment_group": "workplace"}),
    )
    .await;
    Desk {
        app,
        agent,
        anna,
        ben,
    }
}

fn number(record: &Value) -> String {
    record["number"].as_str().expect("number").to_owned()
}

async fn resolve(app: &TestApp, agent: &str, inc: &str) {
    let res = app
        .move_incident(
            agent,
            inc,
            json!({"to": "resolved", "resolution_code": "workaround", "resolution_notes": "Reset the VPN profile."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "resolve {inc}");
}

#[tokio::test]
async fn the_caller_rates_confirms_and_reopens_an_incident_and_nobody_else_may() {
    let Desk {
        app,
        agent,
        anna,
        ben,
    } = desk().await;
    let incident = app
        .create_incident(
            &agent,
            json!({"title": "VPN drops every hour", "impact": "medium", "urgency": "medium",
                   "caller": "anna@example.com", "assignment_group": "workplace"}),
        )
        .await;
    let inc = number(&incident);
    let ratings = format!("/api/v1/incidents/{inc}/ratings");

    // Nothing to rate while it is open; the caller adds to the conversation, not to the notes.
    let res = app.post(&anna, &ratings, json!({"score": 4})).await;
    assert_eq!(fields(&problem(res, 422).await), vec!["score"]);
    let comments = format!("/api/v1/incidents/{inc}/comments");
    let res = app
        .post(
            &anna,
            &comments,
            json!({"body": "It dropped again at 10:00."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .post(
            &anna,
            &comments,
            json!({"body": "a note", "internal": true}),
        )
        .await;
    problem(res, 403).await;
    let res = app
        .move_incident(
            &anna,
            &inc,
            json!({"to": "on_hold", "hold_reason": "awaiting_caller"}),
        )
        .await;
    problem(res, 403).await;

    resolve(&app, &agent, &inc).await;
    for (body, field) in [
        (json!({"score": 0}), "score"),
        (json!({"score": 6}), "score"),
        (json!({"comment": "no score"}), "score"),
        (
            json!({"score": 3, "comment": "x".repeat(10_001)}),
            "comment",
        ),
    ] {
        let res = app.post(&anna, &ratings, body).await;
        assert_eq!(fields(&problem(res, 422).await), vec![field]);
    }
    let res = app.post(&ben, &ratings, json!({"score": 1})).await;
    problem(res, 404).await;
    let res = app.get(&ben, &ratings).await;
    problem(res, 404).await;
    let res = app.post(&agent, &ratings, json!({"score": 5})).await;
    assert_eq!(
        fields(&problem(res, 422).await),
        vec!["score"],
        "only the caller rates"
    );
    let rated = app
        .created(
            &anna,
            &ratings,
            json!({"score": 2, "comment": "  Took three days.  "}),
        )
        .await;
    assert_eq!(rated["score"], 2);
    assert_eq!(rated["comment"], "Took three days.");
    assert_eq!(rated["rated_by"], "anna@example.com");
    assert_eq!(
        rated["resolved_at"],
        app_incident(&app, &agent, &inc).await["resolved_at"]
    );
    let res = app.post(&anna, &ratings, json!({"score": 5})).await;
    problem(res, 409).await;

    // "Not solved": a reopen needs the reason; it does not make the caller its assignee.
    let res = app
        .move_incident(&anna, &inc, json!({"to": "in_progress"}))
        .await;
    assert_eq!(fields(&problem(res, 422).await), vec!["reason"]);
    let res = app
        .move_incident(
            &anna,
            &inc,
            json!({"to": "in_progress", "reason": "Dropped again at 14:00"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let reopened: Value = res.json().await.unwrap();
    assert_eq!(reopened["state"], "in_progress");
    assert_ne!(reopened["assignee"], "anna@example.com");
    let res = app.post(&anna, &ratings, json!({"score": 3})).await;
    assert_eq!(fields(&problem(res, 422).await), vec!["score"]);

    // Resolved again: a new resolution is rated again, then the caller confirms it.
    resolve(&app, &agent, &inc).await;
    app.created(&anna, &ratings, json!({"score": 5})).await;
    let listed: Vec<Value> = app.get(&agent, &ratings).await.json().await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|r| r["score"].clone())
            .collect::<Vec<_>>(),
        vec![json!(5), json!(2)],
        "the latest resolution first"
    );
    let res = app.move_incident(&ben, &inc, json!({"to": "closed"})).await;
    problem(res, 404).await;
    let res = app
        .move_incident(&anna, &inc, json!({"to": "closed"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let journal = app.incident_journal(&inc).await;
    let bodies: Vec<&str> = journal.iter().filter_map(|e| e["body"].as_str()).collect();
    assert!(
        bodies.contains(&"resolution rated 2 of 5: Took three days."),
        "{bodies:?}"
    );
    assert!(bodies.contains(&"resolution rated 5 of 5"), "{bodies:?}");
}

async fn app_incident(app: &TestApp, token: &str, inc: &str) -> Value {
    app.get(token, &format!("/api/v1/incidents/{inc}"))
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn in_the_portal_the_caller_says_whether_it_is_solved_and_rates_it() {
    let Desk {
        app, agent, anna, ..
    } = desk().await;
    let request = app
        .created(
            &anna,
            "/api/v1/requests",
            json!({"request_type": "monitor", "values": {}}),
        )
        .await;
    let req = number(&request);
    let moves = format!("/api/v1/requests/{req}/transitions");
    for body in [
        json!({"to": "in_progress"}),
        json!({"to": "fulfilled", "reason": "On your desk"}),
    ] {
        let res = app.post(&agent, &moves, body).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let browser = app.browser();
    app.sign_in(&browser, "anna@example.com").await;
    let page_path = format!("/portal/requests/{req}");
    let page = Page::parse(&app.page(&browser, &page_path).await);
    assert!(page.has(&format!("form[action='{page_path}/confirm']")));
    assert!(page.has(&format!("form[action='{page_path}/reopen']")));
    assert_eq!(page.count("input[name=score]"), 5);

    // A rating without a score is refused at the score, the comment kept.
    let res = app
        .post_form(
            &browser,
            &format!("{page_path}/rate"),
            &[("comment", "Fast, thanks <b>team</b>")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = Page::parse(&res.text().await.unwrap());
    assert_eq!(refused.text("#score-error"), "Choose 1 to 5");
    assert_eq!(refused.text("#rating-comment"), "Fast, thanks <b>team</b>");
    let res = app
        .post_form(
            &browser,
            &format!("{page_path}/rate"),
            &[("score", "5"), ("comment", "Fast, thanks <b>team</b>")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let source = app.page(&browser, &page_path).await;
    assert!(!source.contains("<b>team</b>"), "the comment is escaped");
    let page = Page::parse(&source);
    assert!(!page.has("input[name=score]"), "rated once");
    assert!(page.text("body").contains("5/5"));
    assert!(
        page.text(".portal-journal")
            .contains("Rated the resolution 5 of 5")
    );

    // The reason for "not solved" is required, then the request is worked on again.
    let res = app
        .post_form(&browser, &format!("{page_path}/reopen"), &[("reason", " ")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(Page::parse(&res.text().await.unwrap()).has("details[open] #reason-error"));
    let res = app
        .post_form(
            &browser,
            &format!("{page_path}/reopen"),
            &[("reason", "It is the wrong model")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let state: Value = app
        .get(&agent, &format!("/api/v1/requests/{req}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["state"], "in_progress");

    // An incident in German: the portal page, the verdict and the journey.
    app.create_user("jan@example.com", "caller", "de").await;
    let incident = app
        .create_incident(
            &agent,
            json!({"title": "Drucker druckt nicht", "impact": "low", "urgency": "low",
                   "caller": "jan@example.com", "assignment_group": "workplace"}),
        )
        .await;
    let inc = number(&incident);
    resolve(&app, &agent, &inc).await;
    let jan = app.browser();
    app.sign_in(&jan, "jan@example.com").await;
    let list = Page::parse(&app.page(&jan, "/portal/requests").await);
    assert!(list.has(&format!("a[href='/portal/incidents/{inc}']")));
    assert_eq!(
        list.texts(".your-word"),
        vec!["Gelöst? Sagen Sie es uns"],
        "a resolution waits for the caller's word"
    );
    let inc_path = format!("/portal/incidents/{inc}");
    let page = Page::parse(&app.page(&jan, &inc_path).await);
    assert!(page.text(".facts").contains("Reset the VPN profile."));
    assert!(page.text("body").contains("Ist es damit gelöst?"));
    let res = app
        .post_form(&jan, &format!("{inc_path}/reply"), &[("body", "Danke!")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app
        .post_form(&jan, &format!("{inc_path}/confirm"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // A second click finds it closed already: the page says so instead of an error.
    let res = app
        .post_form(&jan, &format!("{inc_path}/confirm"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = Page::parse(&app.page(&jan, &inc_path).await);
    assert!(
        page.text("body")
            .contains("Inzwischen hat sich etwas geändert")
    );
    let page = Page::parse(&app.page(&jan, &inc_path).await);
    assert!(
        page.text(".facts").contains("Geschlossen"),
        "{}",
        page.text(".facts")
    );
    assert!(!page.has("form[action$='/confirm']"));
    assert!(!page.has("form[action$='/reply']"));
    assert!(
        page.has("input[name=score]"),
        "a closed resolution may still be rated"
    );
    assert!(page.text(".portal-journal").contains("Danke!"));

    // Someone else's incident is not there for Anna.
    let res = browser.get(app.url(&inc_path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_fulfilled_request_nobody_reopened_closes_by_itself_and_may_still_be_rated() {
    let Desk {
        app, agent, anna, ..
    } = desk().await;
    let mut numbers = Vec::new();
    for title in [
        "Long fulfilled",
        "Recently fulfilled",
        "Fulfilled, then reopened",
    ] {
        let request = app
            .created(
                &anna,
                "/api/v1/requests",
                json!({"request_type": "monitor", "title": title, "values": {}}),
            )
            .await;
        let req = number(&request);
        let moves = format!("/api/v1/requests/{req}/transitions");
        for body in [
            json!({"to": "in_progress"}),
            json!({"to": "fulfilled", "reason": "On your desk"}),
        ] {
            assert_eq!(
                app.post(&agent, &moves, body).await.status(),
                StatusCode::OK
            );
        }
        numbers.push(req);
    }
    let reopen = json!({"to": "in_progress", "reason": "Wrong cable"});
    let moves = format!("/api/v1/requests/{}/transitions", numbers[2]);
    assert_eq!(
        app.post(&anna, &moves, reopen).await.status(),
        StatusCode::OK
    );
    for (number, days) in [(&numbers[0], 6), (&numbers[1], 2), (&numbers[2], 6)] {
        sqlx::query(
            "update requests set fulfilled_at = now() - make_interval(days => $2) where number = $1",
        )
        .bind(number)
        .bind(days)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let db = leitstand::db::Db::new(app.db.clone());
    let now = jiff::Timestamp::now();
    let close = |days| leitstand::service::requests::close_fulfilled(&db, days, now);
    assert_eq!(close(0).await.unwrap(), 0, "0 days: never");
    assert_eq!(close(5).await.unwrap(), 1);
    assert_eq!(close(5).await.unwrap(), 0, "once only");
    let mut states = Vec::new();
    for number in &numbers {
        let request: Value = app
            .get(&agent, &format!("/api/v1/requests/{number}"))
            .await
            .json()
            .await
            .unwrap();
        states.push(request["state"].as_str().unwrap().to_owned());
    }
    assert_eq!(states, ["closed", "fulfilled", "in_progress"]);
    let journal = app
        .journal(&format!("/api/v1/requests/{}", numbers[0]))
        .await;
    let last = journal.last().unwrap();
    assert_eq!(last["author"], Value::Null, "the system closed it");
    assert_eq!(last["kind"], "system");
    assert_eq!(last["changes"]["state"]["to"], "closed");
    assert_eq!(
        last["body"],
        "closed by itself after working days resolved: 5"
    );
    app.created(
        &anna,
        &format!("/api/v1/requests/{}/ratings", numbers[0]),
        json!({"score": 4}),
    )
    .await;
}

#[tokio::test]
async fn writing_again_after_closing_opens_a_follow_up_for_the_same_group() {
    let Desk {
        app, agent, ben, ..
    } = desk().await;
    let incident = app
        .create_incident(
            &agent,
            json!({"title": "Printer jams", "caller": "anna@example.com", "assignment_group": "workplace"}),
        )
        .await;
    let inc = number(&incident);
    let browser = app.browser();
    app.sign_in(&browser, "anna@example.com").await;
    let path = format!("/portal/incidents/{inc}");
    let res = app
        .post_form(&browser, &format!("{path}/follow-up"), &[("body", "Again")])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not closed yet"
    );
    resolve(&app, &agent, &inc).await;
    let res = app
        .move_incident(&agent, &inc, json!({"to": "closed"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = Page::parse(&app.page(&browser, &path).await);
    assert!(!page.has("form[action$='/reply']"));
    assert!(page.has("form[action$='/follow-up']"));
    let res = app
        .post_form(&browser, &format!("{path}/follow-up"), &[("body", "  ")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        Page::parse(&res.text().await.unwrap()).text("#body-error"),
        "This field is required."
    );
    let res = app
        .post_form(
            &browser,
            &format!("{path}/follow-up"),
            &[("body", "It jams again since this morning.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let new = location.rsplit('/').next().unwrap().to_owned();
    assert_ne!(new, inc);
    let follow: Value = app
        .get(&agent, &format!("/api/v1/incidents/{new}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(follow["title"], "Printer jams");
    assert_eq!(follow["description"], "It jams again since this morning.");
    assert_eq!(follow["caller"], "anna@example.com");
    assert_eq!(follow["assignment_group"], "workplace");
    let bodies = |journal: Vec<Value>| -> Vec<String> {
        journal
            .iter()
            .filter_map(|e| e["body"].as_str().map(str::to_owned))
            .collect()
    };
    assert!(bodies(app.incident_journal(&new).await).contains(&format!("follow-up of {inc}")));
    assert!(bodies(app.incident_journal(&inc).await).contains(&format!("followed up by {new}")));
    let page = Page::parse(&app.page(&browser, &location).await);
    assert!(
        page.text(".portal-journal")
            .contains(&format!("Follow-up of {inc}")),
        "{}",
        page.text(".portal-journal")
    );
    // Someone else cannot continue Anna's incident, nor learn of it.
    let res = app.get(&ben, &format!("/api/v1/incidents/{inc}")).await;
    problem(res, 404).await;
    let other = app.browser();
    app.sign_in(&other, "ben@example.com").await;
    let res = app
        .post_form(
            &other,
            &format!("{path}/follow-up"),
            &[("body", "Mine now")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_follow_up_of_a_confidential_case_stays_in_its_department() {
    let Desk {
        app, agent, anna, ..
    } = desk().await;
    app.create_group("people-ops", "HR").await;
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
    let case = app
        .create_incident(
            &hr,
            json!({"title": "Payslip shows the wrong tax class", "caller": "anna@example.com",
                   "assignment_group": "people-ops"}),
        )
        .await;
    let inc = number(&case);
    resolve(&app, &hr, &inc).await;
    let res = app
        .move_incident(&anna, &inc, json!({"to": "closed"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let browser = app.browser();
    app.sign_in(&browser, "anna@example.com").await;
    let res = app
        .post_form(
            &browser,
            &format!("/portal/incidents/{inc}/follow-up"),
            &[("body", "The next payslip is wrong too.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let new = location.rsplit('/').next().unwrap().to_owned();
    let follow: Value = app
        .get(&hr, &format!("/api/v1/incidents/{new}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(follow["department"], "hr");
    assert_eq!(follow["assignment_group"], "people-ops");
    let res = app.get(&anna, &format!("/api/v1/incidents/{new}")).await;
    assert_eq!(res.status(), StatusCode::OK, "the caller follows it");
    for number in [&inc, &new] {
        let res = app
            .get(&agent, &format!("/api/v1/incidents/{number}"))
            .await;
        problem(res, 404).await;
    }
}

#[tokio::test]
async fn half_way_to_closing_by_itself_the_caller_is_reminded_once() {
    let Desk {
        app, agent, anna, ..
    } = desk().await;
    let mut incidents = Vec::new();
    for title in [
        "Resolved three days ago",
        "Resolved today",
        "Resolved long ago",
    ] {
        let incident = app
            .create_incident(
                &agent,
                json!({"title": title, "caller": "anna@example.com", "assignment_group": "workplace"}),
            )
            .await;
        let inc = number(&incident);
        resolve(&app, &agent, &inc).await;
        incidents.push(inc);
    }
    let request = app
        .created(
            &anna,
            "/api/v1/requests",
            json!({"request_type": "monitor", "title": "Fulfilled three days ago"}),
        )
        .await;
    let req = number(&request);
    let moves = format!("/api/v1/requests/{req}/transitions");
    for body in [
        json!({"to": "in_progress"}),
        json!({"to": "fulfilled", "reason": "On your desk"}),
    ] {
        assert_eq!(
            app.post(&agent, &moves, body).await.status(),
            StatusCode::OK
        );
    }
    // Back-dated: the resolution and the journal entries since.
    for (table, column, number, days) in [
        ("incidents", "resolved_at", &incidents[0], 3),
        ("incidents", "resolved_at", &incidents[2], 9),
        ("requests", "fulfilled_at", &req, 3),
    ] {
        sqlx::query(&format!(
            "update {table} set {column} = now() - make_interval(days => $2) where number = $1"
        ))
        .bind(number)
        .bind(days)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let db = leitstand::db::Db::new(app.db.clone());
    let now = jiff::Timestamp::now();
    let remind = |days| leitstand::service::reminders::remind_before_close(&db, days, now);
    assert_eq!(remind(1).await.unwrap(), 0, "one day: no half-way");
    assert_eq!(
        remind(5).await.unwrap(),
        2,
        "the incident and the request of three days ago"
    );
    assert_eq!(remind(5).await.unwrap(), 0, "once per resolution");
    let events: i64 =
        sqlx::query_scalar("select count(*) from events where kind = 'close_reminder'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        events, 2,
        "an event each, for the channels that tell the caller"
    );
    let reminders = |journal: Vec<Value>| -> Vec<String> {
        journal
            .iter()
            .filter_map(|e| e["body"].as_str())
            .filter(|b| b.starts_with("reminder: "))
            .map(str::to_owned)
            .collect()
    };
    let first = reminders(app.incident_journal(&incidents[0]).await);
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0].starts_with("reminder: closes by itself on ")
            && first[0].ends_with(" UTC unless reopened"),
        "{first:?}"
    );
    for inc in &incidents[1..] {
        assert!(
            reminders(app.incident_journal(inc).await).is_empty(),
            "{inc}"
        );
    }
    let journal = app.journal(&format!("/api/v1/requests/{req}")).await;
    assert_eq!(reminders(journal).len(), 1);
    // The caller reads it in the portal, in their words.
    let browser = app.browser();
    app.sign_in(&browser, "anna@example.com").await;
    let page = app
        .page(&browser, &format!("/portal/incidents/{}", incidents[0]))
        .await;
    assert!(
        page.contains("Reminder: this closes by itself on"),
        "the journey shows it"
    );
    // Reopened and resolved again: a new resolution is reminded again.
    let res = app
        .move_incident(
            &anna,
            &incidents[0],
            json!({"to": "in_progress", "reason": "Back again"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    resolve(&app, &agent, &incidents[0]).await;
    // Three days on: the new resolution and the one of today are half-way.
    let later = now + jiff::SignedDuration::from_hours(72);
    let remind_later = leitstand::service::reminders::remind_before_close(&db, 5, later);
    assert_eq!(remind_later.await.unwrap(), 2);
    assert_eq!(
        reminders(app.incident_journal(&incidents[0]).await).len(),
        2,
        "one per resolution"
    );
}
