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
