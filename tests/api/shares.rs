//! Sharing a record with another person: the caller or the desk shares an incident or a
//! request; the person follows it ("Shared with me"), reads what the caller reads (never the
//! work notes, also as an agent outside a confidential department) and adds to the
//! conversation, but does not work it; sharing ends, and is journaled both ways.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Page, TestApp, fields, problem};

const NOTE: &str = "Grade table of 2026 still has the old bands";

struct Desk {
    app: TestApp,
    hr_agent: String,
    it_agent: String,
    caller: String,
    colleague: String,
    /// A confidential HR case of `caller`, with a reply and a work note.
    case: String,
}

async fn desk() -> Desk {
    let app = TestApp::spawn().await;
    app.create_group("people-ops", "HR").await;
    app.create_group("workplace", "IT").await;
    let res = app
        .patch(
            &app.admin_token,
            "/api/v1/departments/hr",
            json!({"confidential": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let hr_agent = app.user_with_token("hr@example.com", "agent").await;
    app.join_groups("hr@example.com", &["people-ops"]).await;
    let it_agent = app.user_with_token("it@example.com", "agent").await;
    app.join_groups("it@example.com", &["workplace"]).await;
    let caller = app.user_with_token("anna@example.com", "caller").await;
    let colleague = app.user_with_token("ben@example.com", "caller").await;
    let case = app
        .create_incident(
            &hr_agent,
            json!({"title": "Salary statement shows the wrong grade", "caller": "anna@example.com",
                   "assignment_group": "people-ops"}),
        )
        .await["number"]
        .as_str()
        .unwrap()
        .to_owned();
    for (body, internal) in [("We are checking the grade.", false), (NOTE, true)] {
        let res = app
            .post(
                &hr_agent,
                &format!("/api/v1/incidents/{case}/comments"),
                json!({"body": body, "internal": internal}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    Desk {
        app,
        hr_agent,
        it_agent,
        caller,
        colleague,
        case,
    }
}

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_shared_confidential_case_reaches_the_person_but_not_its_work_notes() {
    let Desk {
        app,
        hr_agent,
        it_agent,
        caller,
        colleague,
        case,
    } = desk().await;
    let shares = format!("/api/v1/incidents/{case}/shares");
    // Before: unknown to the IT agent and to the colleague.
    for token in [&it_agent, &colleague] {
        let res = app.get(token, &format!("/api/v1/incidents/{case}")).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = app
            .post(token, &shares, json!({"person": "ben@example.com"}))
            .await;
        assert_eq!(
            res.status(),
            StatusCode::NOT_FOUND,
            "no sharing what one cannot see"
        );
    }
    // Bad input names the field.
    for (body, field) in [
        (json!({}), "person"),
        (json!({"person": "  "}), "person"),
        (json!({"person": "nobody@example.com"}), "person"),
        (json!({"person": "anna@example.com"}), "person"),
    ] {
        let res = app.post(&hr_agent, &shares, body.clone()).await;
        assert_eq!(fields(&problem(res, 422).await), vec![field], "{body}");
    }
    let res = app
        .post(&hr_agent, &shares, json!({"person": "x", "extra": 1}))
        .await;
    assert!(res.status().is_client_error());

    // The caller shares it with a colleague; HR shares it with IT, who must know.
    let res = app
        .post(&caller, &shares, json!({"person": "Ben@Example.com"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        res.headers()["location"],
        format!("/api/v1/incidents/{case}/shares/ben@example.com").as_str()
    );
    let made = json_of(res).await;
    assert_eq!(made["person"], "ben@example.com");
    assert_eq!(made["shared_by"], "anna@example.com");
    let res = app
        .post(&caller, &shares, json!({"person": "ben@example.com"}))
        .await;
    assert_eq!(problem(res, 409).await["status"], 409, "shared once");
    let res = app
        .post(&hr_agent, &shares, json!({"person": "it@example.com"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let listed = json_of(app.get(&caller, &shares).await).await;
    let people: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["person"].as_str().unwrap())
        .collect();
    assert_eq!(people, ["ben@example.com", "it@example.com"]);

    // Both read it, and its public conversation, never the work note.
    for token in [&colleague, &it_agent] {
        let res = app.get(token, &format!("/api/v1/incidents/{case}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let journal = app
            .get(token, &format!("/api/v1/incidents/{case}/journal"))
            .await
            .text()
            .await
            .unwrap();
        assert!(journal.contains("We are checking the grade."), "{journal}");
        assert!(
            !journal.contains(NOTE),
            "no work note for a share: {journal}"
        );
        assert!(journal.contains("shared with ben@example.com"));
        // "Shared with me" lists it.
        let mine = json_of(app.get(token, "/api/v1/me/shared").await).await;
        assert_eq!(mine["items"][0]["number"], case.as_str(), "{mine}");
        assert_eq!(mine["items"][0]["kind"], "incident");
    }
    // Members still read the work note.
    let journal = app
        .get(&hr_agent, &format!("/api/v1/incidents/{case}/journal"))
        .await
        .text()
        .await
        .unwrap();
    assert!(journal.contains(NOTE));
    // A share opens no list or search: the case stays out of the IT agent's queue.
    let listed = app
        .get(&it_agent, "/api/v1/incidents?q=Salary")
        .await
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(&case), "{listed}");

    // They add to the conversation; work notes, changes, moves and further shares are the
    // desk's.
    let comments = format!("/api/v1/incidents/{case}/comments");
    let res = app
        .post(
            &colleague,
            &comments,
            json!({"body": "Same for me in March."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .post(
            &it_agent,
            &comments,
            json!({"body": "Laptop is ready.", "internal": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .post(
            &it_agent,
            &comments,
            json!({"body": "From IT: the laptop is ready."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .patch(
            &it_agent,
            &format!("/api/v1/incidents/{case}"),
            json!({"title": "changed"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .post(&it_agent, &shares, json!({"person": "viewer@example.com"}))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A comment by someone a record is shared with is no response from the desk.
    let fresh = app
        .create_incident(
            &it_agent,
            json!({"title": "Docking station flickers", "caller": "anna@example.com",
                   "assignment_group": "workplace"}),
        )
        .await["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post(
            &caller,
            &format!("/api/v1/incidents/{fresh}/shares"),
            json!({"person": "ben@example.com"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .post(
            &colleague,
            &format!("/api/v1/incidents/{fresh}/comments"),
            json!({"body": "Mine flickers too."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let incident = json_of(
        app.get(&it_agent, &format!("/api/v1/incidents/{fresh}"))
            .await,
    )
    .await;
    assert!(incident["sla"]["responded_at"].is_null(), "{incident}");

    // The colleague leaves; HR ends IT's share. Gone again, and journaled.
    let res = app
        .delete(&colleague, &format!("{shares}/ben@example.com"))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .delete(&colleague, &format!("{shares}/ben@example.com"))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .delete(&it_agent, &format!("{shares}/ben@example.com"))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "not IT's to end");
    let res = app
        .delete(&hr_agent, &format!("{shares}/it@example.com"))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for token in [&colleague, &it_agent] {
        let res = app.get(token, &format!("/api/v1/incidents/{case}")).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let mine = app
            .get(token, "/api/v1/me/shared")
            .await
            .text()
            .await
            .unwrap();
        assert!(!mine.contains(&case), "{mine}");
    }
    let journal = json_of(
        app.get(&hr_agent, &format!("/api/v1/incidents/{case}/journal"))
            .await,
    )
    .await;
    let notes: Vec<&str> = journal
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "system")
        .filter_map(|e| e["body"].as_str())
        .collect();
    assert!(
        notes.contains(&"no longer shared with ben@example.com"),
        "{notes:?}"
    );
    assert!(
        notes.contains(&"no longer shared with it@example.com"),
        "{notes:?}"
    );

    // On the agent page: HR shares it again from the form; a wrong address is named at the
    // field with the typing kept.
    let browser = app.browser();
    app.sign_in(&browser, "hr@example.com").await;
    let page_path = format!("/incidents/{case}/shares");
    let res = app
        .post_form(&browser, &page_path, &[("person", "nobody@example.com")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&res.text().await.unwrap());
    assert!(page.has("#shares #person[aria-invalid='true']"));
    assert_eq!(
        page.attr("#shares #person", "value").as_deref(),
        Some("nobody@example.com")
    );
    let res = app
        .post_form(&browser, &page_path, &[("person", "ben@example.com")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = Page::parse(&app.page(&browser, &format!("/incidents/{case}")).await);
    assert!(
        page.text("#shares").contains("ben"),
        "{}",
        page.text("#shares")
    );
    let res = app
        .post_form(
            &browser,
            &format!("/incidents/{case}/shares/unshare"),
            &[("person", "ben@example.com")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let listed = json_of(app.get(&hr_agent, &shares).await).await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn a_request_shared_with_a_colleague_is_followed_in_the_portal() {
    let Desk {
        app,
        it_agent,
        caller,
        colleague,
        ..
    } = desk().await;
    app.created(
        &app.admin_token,
        "/api/v1/request-types",
        json!({"key": "monitor", "department": "it", "name": "Second monitor",
               "assignment_group": "workplace"}),
    )
    .await;
    let request = app
        .created(
            &caller,
            "/api/v1/requests",
            json!({"request_type": "monitor", "title": "A second monitor for the team room"}),
        )
        .await;
    let req = request["number"].as_str().unwrap().to_owned();
    let res = app
        .post(
            &it_agent,
            &format!("/api/v1/requests/{req}/comments"),
            json!({"body": "Which room exactly?", "internal": false}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .post(
            &it_agent,
            &format!("/api/v1/requests/{req}/comments"),
            json!({"body": "Budget code 4711 is nearly used up", "internal": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let shares = format!("/api/v1/requests/{req}/shares");
    let res = app
        .post(&colleague, &shares, json!({"person": "ben@example.com"}))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "not Ben's to share");
    let res = app
        .post(&caller, &shares, json!({"person": "ben@example.com"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // Ben reads it and replies; he does not cancel or move it.
    let res = app
        .get(&colleague, &format!("/api/v1/requests/{req}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let journal = app
        .get(&colleague, &format!("/api/v1/requests/{req}/journal"))
        .await
        .text()
        .await
        .unwrap();
    assert!(journal.contains("Which room exactly?"));
    assert!(!journal.contains("4711"), "{journal}");
    let res = app
        .post(
            &colleague,
            &format!("/api/v1/requests/{req}/comments"),
            json!({"body": "Room B2.14, next to the window."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .post(
            &colleague,
            &format!("/api/v1/requests/{req}/transitions"),
            json!({"to": "canceled", "reason": "not mine"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The portal: "Shared with me" on My requests, and the request's own page.
    let browser = app.browser();
    app.sign_in(&browser, "ben@example.com").await;
    let page = Page::parse(&app.page(&browser, "/portal/requests").await);
    assert_eq!(
        page.attr("#shared a[href^='/portal/requests/']", "href"),
        Some(format!("/portal/requests/{req}"))
    );
    let page = app.page(&browser, &format!("/portal/requests/{req}")).await;
    assert!(page.contains("Room B2.14"), "the reply is on the page");
    assert!(!page.contains("4711"), "no work note on the page");
    // The caller's page names who it is shared with, and ends the share.
    let anna = app.browser();
    app.sign_in(&anna, "anna@example.com").await;
    let page = Page::parse(&app.page(&anna, &format!("/portal/requests/{req}")).await);
    assert!(
        page.text("#shares").contains("ben@example.com"),
        "{}",
        page.text("#shares")
    );
    let res = app
        .post_form(
            &anna,
            &format!("/portal/requests/{req}/shares"),
            &[("person", "it@example.com")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = app
        .post_form(
            &anna,
            &format!("/portal/requests/{req}/shares"),
            &[("person", "nobody@example.com")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&res.text().await.unwrap());
    assert!(
        page.has("#person[aria-invalid='true']"),
        "the error is at the field"
    );
    let res = app
        .post_form(
            &anna,
            &format!("/portal/requests/{req}/shares/unshare"),
            &[("person", "ben@example.com")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let listed = json_of(app.get(&caller, &shares).await).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["person"], "it@example.com");
    let res = app
        .get(&colleague, &format!("/api/v1/requests/{req}"))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
