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
    assert_eq!(catalogue["version"], 1);
    let kpis = catalogue["kpis"].as_array().unwrap();
    assert_eq!(kpis.len(), 12);
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
