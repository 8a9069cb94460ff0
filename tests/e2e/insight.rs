//! Service insight in Chromium: the KPI catalogue, on a wide screen and a phone, in German,
//! accessible.

use crate::browser::{
    assert_accessible, browser, screenshot, sign_in_as, start_driver, wait_for_text,
};
use crate::support::TestApp;

#[tokio::test]
async fn the_kpi_catalogue_reads_on_a_wide_screen_and_a_phone() {
    let Some(driver) = start_driver() else { return };
    let app = TestApp::spawn().await;
    app.create_user("lead@example.com", "problem_manager", "de")
        .await;
    let client = browser(&driver).await;
    sign_in_as(&client, &app, "lead@example.com").await;
    client.set_window_size(1400, 1000).await.unwrap();
    client.goto(&app.url("/insight/kpis")).await.unwrap();
    let text = wait_for_text(&client, "Kennzahlen-Definitionen").await;
    assert!(
        text.contains("ping-pong") || text.contains("Ping-Pong"),
        "{text}"
    );
    assert_accessible(&client, "KPI catalogue").await;
    screenshot(&client, "kpi-catalogue-de-wide").await;
    client
        .execute("document.getElementById('fcr').scrollIntoView()", vec![])
        .await
        .unwrap();
    client.set_window_size(390, 844).await.unwrap();
    screenshot(&client, "kpi-catalogue-de-phone").await;
    client.close().await.unwrap();
}

/// A team lead (a problem manager, the desk's process owner) filters the dashboard to their
/// group, follows a figure to the list it counts (the same number of rows), records a process
/// change and reads its before/after verdict, and reads the dashboard on a phone; in German,
/// accessible.
#[tokio::test]
async fn a_team_lead_filters_the_dashboard_and_follows_a_figure_to_its_list() {
    use fantoccini::Locator;
    use serde_json::json;

    let Some(driver) = start_driver() else { return };
    let app = TestApp::spawn().await;
    app.create_group("desk", "IT").await;
    app.create_group("network", "IT").await;
    let lead = app
        .user_with_token("lead@example.com", "problem_manager")
        .await;
    app.join_groups("lead@example.com", &["desk", "network"])
        .await;
    sqlx::query("update users set locale = 'de' where email = 'lead@example.com'")
        .execute(&app.db)
        .await
        .unwrap();
    app.create_user("anna@example.com", "caller", "de").await;
    for (n, group) in ["desk", "desk", "network", "desk", "network", "desk"]
        .into_iter()
        .enumerate()
    {
        let incident = app
            .create_incident(
                &lead,
                json!({"title": format!("Störung {n}"), "assignment_group": group,
                       "caller": "anna@example.com"}),
            )
            .await;
        let number = incident["number"].as_str().unwrap();
        if n % 3 != 2 {
            let res = app
                .move_incident(&lead, number, json!({"to": "in_progress"}))
                .await;
            assert_eq!(res.status(), 200);
            let res = app
                .move_incident(
                    &lead,
                    number,
                    json!({"to": "resolved", "resolution_code": "workaround", "resolution_notes": "Neu gestartet."}),
                )
                .await;
            assert_eq!(res.status(), 200);
        }
    }
    leitstand::service::insight::facts::fold_pending(&app.db)
        .await
        .unwrap();

    let client = browser(&driver).await;
    sign_in_as(&client, &app, "lead@example.com").await;
    client.set_window_size(1400, 1000).await.unwrap();
    client.goto(&app.url("/")).await.unwrap();
    client
        .find(Locator::LinkText("Service-Kennzahlen"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "Zeit bis zur Lösung").await;
    crate::browser::choose(&client, "select[name=group]", "desk").await;
    crate::browser::click(&client, "#filters button[type=submit]").await;
    wait_for_text(&client, "group=desk").await;
    assert_accessible(&client, "insight dashboard").await;
    screenshot(&client, "insight-dashboard-de-wide").await;

    // The MTTR figure counts the desk's three resolutions; its list shows exactly those.
    let count = client
        .find(Locator::Css("#tile-mttr .kpi-count"))
        .await
        .unwrap();
    assert_eq!(count.text().await.unwrap(), "3 gezählt");
    count.click().await.unwrap();
    wait_for_text(&client, "Zeit bis zur Lösung").await;
    let rows = client
        .find_all(Locator::Css("table.counted tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert_accessible(&client, "insight list").await;
    screenshot(&client, "insight-list-de-wide").await;

    // The value stream of the desk, and one incident's journey.
    client
        .goto(&app.url("/insight/flow?group=desk"))
        .await
        .unwrap();
    wait_for_text(&client, "Wohin die Zeit geht").await;
    assert_accessible(&client, "value stream").await;
    screenshot(&client, "insight-flow-de-wide").await;
    client
        .goto(&app.url("/incidents/INC0000001/journey"))
        .await
        .unwrap();
    let page = wait_for_text(&client, "Weg von INC0000001").await;
    assert!(page.contains("chart swimlane"), "{page}");
    assert_accessible(&client, "journey").await;
    screenshot(&client, "insight-journey-de-wide").await;
    // The resolution time broken down by priority, then group.
    client
        .goto(&app.url("/insight/breakdown?kpi=mttr&by=priority&then=group"))
        .await
        .unwrap();
    let page = wait_for_text(&client, "Aufschlüsselung: ").await;
    assert!(page.contains("chart bars"), "{page}");
    assert_accessible(&client, "breakdown").await;
    screenshot(&client, "insight-breakdown-de-wide").await;

    // Problem management's yield, and the journey of INC0000001's caller.
    client.goto(&app.url("/insight/problems")).await.unwrap();
    wait_for_text(&client, "Ertrag des Problemmanagements").await;
    assert_accessible(&client, "problem yield").await;
    screenshot(&client, "insight-problems-de-wide").await;
    client
        .goto(&app.url("/insight/callers/anna%40example.com/journey"))
        .await
        .unwrap();
    let page = wait_for_text(&client, "Weg von anna@example.com").await;
    assert!(page.contains("chart swimlane"), "{page}");
    assert_accessible(&client, "caller journey").await;
    screenshot(&client, "insight-caller-journey-de-wide").await;

    // A process change, recorded in the form, with its verdict.
    client.goto(&app.url("/insight?group=desk")).await.unwrap();
    wait_for_text(&client, "Prozessänderungen in diesem Zeitraum").await;
    client
        .find(Locator::LinkText("Prozessänderung erfassen"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "Wirksam ab").await;
    client
        .execute(
            "document.getElementById('effective_on').value = new Date().toISOString().slice(0, 10)",
            vec![],
        )
        .await
        .unwrap();
    crate::browser::fill(&client, "title", "Triage durch den Desk").await;
    crate::browser::choose(&client, "#kpi", "mttr").await;
    crate::browser::choose(&client, "#group", "desk").await;
    assert_accessible(&client, "new process change").await;
    crate::browser::click(
        &client,
        "form[action='/insight/markers/new'] button[type=submit]",
    )
    .await;
    let page = wait_for_text(&client, "id=\"verdict\"").await;
    assert!(
        page.contains("Noch kein Beleg: zu wenige Incidents"),
        "{page}"
    );
    assert_accessible(&client, "process change").await;
    screenshot(&client, "insight-marker-de-wide").await;

    // An idea from an incident, declined with a reason (refused first without one).
    client
        .goto(&app.url("/incidents/INC0000001"))
        .await
        .unwrap();
    client
        .find(Locator::LinkText("Verbesserung vorschlagen"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "Zu INC0000001").await;
    crate::browser::fill(
        &client,
        "title",
        "Das Formular fragt zweimal nach dem Standort",
    )
    .await;
    crate::browser::fill(&client, "description", "Standort aus dem Konto übernehmen.").await;
    assert_accessible(&client, "new idea").await;
    screenshot(&client, "improvement-new-de-wide").await;
    crate::browser::click(&client, "form[action='/improvements'] button[type=submit]").await;
    wait_for_text(&client, "steht im Verbesserungsregister").await;
    crate::browser::choose(&client, "#state-to", "declined").await;
    crate::browser::click(&client, "#move button[type=submit]").await;
    let page = wait_for_text(&client, "Bitte begründen").await;
    assert!(page.contains("aria-invalid=\"true\""), "{page}");
    assert_accessible(&client, "idea refused").await;
    crate::browser::choose(&client, "#state-to", "declined").await;
    crate::browser::fill(
        &client,
        "reason",
        "Kommt mit dem Verzeichnisabgleich im nächsten Quartal.",
    )
    .await;
    crate::browser::click(&client, "#move button[type=submit]").await;
    let page = wait_for_text(&client, "Abgelehnt, weil:").await;
    assert!(page.contains("Verzeichnisabgleich"), "{page}");
    assert_accessible(&client, "idea").await;
    screenshot(&client, "improvement-de-wide").await;
    client.goto(&app.url("/improvements")).await.unwrap();
    wait_for_text(&client, "Vorschläge nach Stand und Alter").await;
    assert_accessible(&client, "improvement register").await;
    screenshot(&client, "improvements-de-wide").await;

    client.set_window_size(390, 844).await.unwrap();
    client.goto(&app.url("/insight")).await.unwrap();
    let page = wait_for_text(&client, "Zeit bis zur Lösung").await;
    assert!(
        page.contains("Triage durch den Desk"),
        "the change is listed"
    );
    screenshot(&client, "insight-dashboard-de-phone").await;

    // The same pages in English, on a wide screen, and the register on a phone.
    sqlx::query("update users set locale = 'en' where email = 'lead@example.com'")
        .execute(&app.db)
        .await
        .unwrap();
    sign_in_as(&client, &app, "lead@example.com").await;
    client.set_window_size(1400, 1000).await.unwrap();
    for (path, text, name) in [
        (
            "/insight/breakdown?kpi=mttr&by=group&then=priority",
            "Breakdown: ",
            "insight-breakdown-en-wide",
        ),
        (
            "/insight/problems",
            "Problem management's yield",
            "insight-problems-en-wide",
        ),
        (
            "/insight/callers/anna%40example.com/journey",
            "Journey of anna@example.com",
            "insight-caller-journey-en-wide",
        ),
        (
            "/improvements",
            "Ideas by state and age",
            "improvements-en-wide",
        ),
        (
            "/improvements/IMP0000001",
            "Declined because:",
            "improvement-en-wide",
        ),
        (
            "/improvements/new?incident=INC0000001",
            "About INC0000001",
            "improvement-new-en-wide",
        ),
    ] {
        client.goto(&app.url(path)).await.unwrap();
        wait_for_text(&client, text).await;
        assert_accessible(&client, name).await;
        screenshot(&client, name).await;
    }
    client.set_window_size(390, 844).await.unwrap();
    client.goto(&app.url("/improvements")).await.unwrap();
    wait_for_text(&client, "Ideas by state and age").await;
    assert_accessible(&client, "improvement register on a phone").await;
    screenshot(&client, "improvements-en-phone").await;
    client.close().await.unwrap();
}
