//! The pages: signing in and out, CSRF, rate limiting, both languages, admin forms.

use crate::support::{PASSWORD, Page, TestApp};

#[tokio::test]
async fn signing_in_and_out() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = browser
        .get(app.url("/admin/groups?after=a"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/login?next=/admin/groups%3Fafter%3Da"
    );

    let page = app.page(&browser, "/login").await;
    assert!(page.contains("Sign in") && page.contains(r#"name="password""#));

    let res = app
        .post_form(
            &browser,
            "/login",
            &[
                ("email", "admin@example.com"),
                ("password", "not the password"),
                ("next", "/admin/groups"),
            ],
        )
        .await;
    assert_eq!(res.status(), 401);
    let page = res.text().await.unwrap();
    assert!(page.contains("The e-mail address or the password is wrong."));
    assert!(
        page.contains(r#"value="admin@example.com""#),
        "the e-mail stays in the form"
    );

    let res = app
        .post_form(
            &browser,
            "/login",
            &[
                ("email", "admin@example.com"),
                ("password", PASSWORD),
                ("next", "/admin/groups"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/admin/groups");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        cookie.contains("leitstand_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let page = app.page(&browser, "/").await;
    assert!(page.contains("Welcome, Test admin"));
    let res = browser.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        browser.get(app.url("/")).send().await.unwrap().status(),
        303,
        "signed out"
    );

    // An open redirect is not possible through `next`.
    let res = app
        .post_form(
            &browser,
            "/login",
            &[
                ("email", "admin@example.com"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/");
}

/// Reading pages writes nothing to the session table (a write and a commit per page view
/// before): the session is written back when something in it changes — sign-in, a flash
/// message — and, for keeping it alive, at most every few minutes.
#[tokio::test]
async fn reading_pages_does_not_write_the_session() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.sign_in(&browser, "admin@example.com").await;
    let stored = || async {
        sqlx::query_as::<_, (Vec<u8>, time::OffsetDateTime)>(
            "select data, expiry_date from tower_sessions.session",
        )
        .fetch_all(&app.db)
        .await
        .unwrap()
    };
    let signed_in = stored().await;
    assert_eq!(signed_in.len(), 1, "one session");
    for path in ["/", "/incidents", "/problems", "/incidents"] {
        let res = browser.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            res.headers().get("set-cookie").is_none(),
            "{path} sends no cookie: the session did not change"
        );
        assert_eq!(
            stored().await,
            signed_in,
            "{path} left the session row alone"
        );
    }

    // A flash message is written once and spent once.
    let res = app
        .post_form(
            &browser,
            "/admin/groups",
            &[("key", "hr"), ("name", "HR"), ("department", "HR")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_ne!(stored().await, signed_in, "the flash is stored");
    assert!(
        app.page(&browser, "/admin/groups")
            .await
            .contains("created.")
    );
    let spent = stored().await;
    assert!(
        !app.page(&browser, "/admin/groups")
            .await
            .contains("created.")
    );
    assert_eq!(
        stored().await,
        spent,
        "a page without flashes writes nothing"
    );
}

#[tokio::test]
async fn a_cross_site_post_is_refused() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.sign_in(&browser, "admin@example.com").await;
    let res = browser
        .post(app.url("/admin/groups"))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .form(&[("key", "evil"), ("name", "Evil"), ("department", "IT")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = browser
        .post(app.url("/admin/groups"))
        .header("origin", "https://evil.example")
        .form(&[("key", "evil"), ("name", "Evil"), ("department", "IT")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "an Origin that is not our host");
    let res = app.get(&app.admin_token, "/api/v1/groups/evil").await;
    assert_eq!(res.status(), 404, "nothing was created");

    let res = browser
        .post(app.url("/admin/groups"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("key", "good"), ("name", "Good"), ("department", "IT")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "same-origin posts pass");
}

#[tokio::test]
async fn the_sign_in_page_says_kindly_when_attempts_are_rate_limited() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    for _ in 0..5 {
        let res = app
            .post_form(
                &browser,
                "/login",
                &[("email", "admin@example.com"), ("password", "nope")],
            )
            .await;
        assert_eq!(res.status(), 401);
    }
    let res = browser
        .post(app.url("/login"))
        .header("accept-language", "de-DE,de;q=0.9")
        .form(&[("email", "admin@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let page = res.text().await.unwrap();
    assert!(page.contains("Zu viele fehlgeschlagene Versuche"), "{page}");
}

#[tokio::test]
async fn pages_follow_the_users_language_and_accept_language_before_sign_in() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let page = browser
        .get(app.url("/login"))
        .header("accept-language", "de-CH, en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        Page::parse(&page).has("html[lang=de]") && page.contains("Anmelden"),
        "{page}"
    );
    let page = browser
        .get(app.url("/login"))
        .header("accept-language", "fr, en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(Page::parse(&page).has("html[lang=en]") && page.contains("Sign in"));

    app.create_user("berta@example.com", "admin", "de").await;
    app.sign_in(&browser, "berta@example.com").await;
    let page = app.page(&browser, "/admin/users").await;
    assert!(
        page.contains("Neuer Benutzer") && page.contains("Bearbeiter"),
        "German labels and role names"
    );

    // Switching the language is remembered on the account.
    let res = app
        .post_form(
            &browser,
            "/locale",
            &[("locale", "en"), ("next", "/admin/users")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/admin/users");
    let page = app.page(&browser, "/admin/users").await;
    assert!(page.contains("New user"));
    let user: serde_json::Value = app
        .get(&app.admin_token, "/api/v1/users/berta@example.com")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["locale"], "en");

    // Error pages speak the reader's language too.
    let res = app
        .browser()
        .get(app.url("/no/such/page"))
        .header("accept-language", "de")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Unter dieser Adresse gibt es nichts."),
        "{page}"
    );
}

#[tokio::test]
async fn the_group_forms_create_edit_and_show_errors_next_to_the_field() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.sign_in(&browser, "admin@example.com").await;

    let res = app
        .post_form(
            &browser,
            "/admin/groups",
            &[
                ("key", "Bad Key"),
                ("name", "<script>alert(1)</script>"),
                ("department", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Use lowercase letters, digits and dashes only"));
    assert!(page.contains("This field is required."));
    assert!(
        page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "typed text is kept, escaped"
    );
    assert!(!page.contains("<script>alert(1)"));

    let res = app
        .post_form(
            &browser,
            "/admin/groups",
            &[
                ("key", "facilities"),
                ("name", "Facilities"),
                ("department", "Facilities"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = app.page(&browser, "/admin/groups").await;
    assert!(
        page.contains("Group “Facilities” created."),
        "flash message"
    );
    assert!(page.contains(r#"href="/admin/groups/facilities""#));
    let again = app.page(&browser, "/admin/groups").await;
    assert!(!again.contains("created."), "a flash shows once");

    let res = app
        .post_form(
            &browser,
            "/admin/groups",
            &[
                ("key", "facilities"),
                ("name", "Twice"),
                ("department", "IT"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("A group with this key already exists.")
    );

    // Deactivate through the edit form (an unticked checkbox sends nothing).
    let res = app
        .post_form(
            &browser,
            "/admin/groups/facilities",
            &[
                ("name", "Facility Management"),
                ("department", "Facilities"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let group: serde_json::Value = app
        .get(&app.admin_token, "/api/v1/groups/facilities")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(group["active"], false);
    assert_eq!(group["name"], "Facility Management");
}

#[tokio::test]
async fn the_user_forms_take_several_groups_and_keep_the_typing_after_an_error() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.sign_in(&browser, "admin@example.com").await;
    app.create_group("facilities", "Facilities").await;
    app.create_group("service-desk", "IT").await;
    // A user with two groups (repeated checkbox fields), then a bad edit keeps the typed values.
    let res = app
        .post_form(
            &browser,
            "/admin/users",
            &[
                ("email", "carl@example.com"),
                ("name", "Carl"),
                ("role", "agent"),
                ("locale", "en"),
                ("groups", "facilities"),
                ("groups", "service-desk"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let user: serde_json::Value = app
        .get(&app.admin_token, "/api/v1/users/carl@example.com")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        user["groups"],
        serde_json::json!(["facilities", "service-desk"])
    );
    assert_eq!(user["has_password"], false);
    let res = app
        .post_form(
            &browser,
            "/admin/users/carl@example.com",
            &[
                ("name", "Carl Typed"),
                ("role", "agent"),
                ("locale", "en"),
                ("password", "short"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("The password needs at least 12 characters."));
    assert!(page.contains(r#"value="Carl Typed""#));
}

#[tokio::test]
async fn the_service_form_keeps_its_owner_group() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.sign_in(&browser, "admin@example.com").await;
    app.create_group("service-desk", "IT").await;
    let res = app
        .post_form(
            &browser,
            "/admin/services",
            &[
                ("key", "vpn"),
                ("name", "VPN"),
                ("owner_group", "service-desk"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let page = app.page(&browser, "/admin/services/vpn").await;
    assert_eq!(
        Page::parse(&page).attr("option[selected][value=service-desk]", "value"),
        Some("service-desk".into()),
        "{page}"
    );
}

#[tokio::test]
async fn non_admins_get_a_forbidden_page_for_admin_pages() {
    let app = TestApp::spawn().await;
    app.create_user("agent@example.com", "agent", "de").await;
    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    let res = browser.get(app.url("/admin/users")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .post_form(
            &browser,
            "/admin/groups",
            &[("key", "x"), ("name", "X"), ("department", "IT")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let page = app.page(&browser, "/").await;
    assert!(
        !page.contains(r#"href="/admin/users""#),
        "no admin links for agents"
    );
}

#[tokio::test]
async fn the_account_page_makes_and_revokes_tokens() {
    let app = TestApp::spawn().await;
    app.create_user("agent@example.com", "agent", "en").await;
    let browser = app.browser();
    app.sign_in(&browser, "agent@example.com").await;
    let res = app
        .post_form(&browser, "/account/tokens", &[("name", "my script")])
        .await;
    assert_eq!(res.status(), 201);
    let page = res.text().await.unwrap();
    let start = page.find(r#"id="new-token">"#).unwrap() + r#"id="new-token">"#.len();
    let secret = &page[start..start + page[start..].find('<').unwrap()];
    assert!(secret.starts_with("lst_"));
    assert_eq!(app.get(secret, "/api/v1/me").await.status(), 200);

    let again = app.page(&browser, "/account").await;
    assert!(
        again.contains("my script") && !again.contains(secret),
        "the secret is shown once"
    );
    let action_start = again.find("/account/tokens/").unwrap();
    let action = &again[action_start..action_start + again[action_start..].find('"').unwrap()];
    let res = browser.post(app.url(action)).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.get(secret, "/api/v1/me").await.status(), 401);
}

/// Pages load static files from versioned URLs, which may be cached for good; the plain
/// address stays for an hour, so a new build's files reach every browser.
#[tokio::test]
async fn static_files_have_versioned_urls_cached_for_good() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let page = app.page(&browser, "/login").await;
    for file in ["app.css", "app.js", "htmx-2.0.11.min.js"] {
        let start = page
            .find(&format!("/static/{file}?v="))
            .unwrap_or_else(|| panic!("{file} by its versioned URL in {page}"));
        let url: String = page[start..].chars().take_while(|c| *c != '"').collect();
        let res = browser.get(app.url(&url)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{url}"
        );
        let plain = browser
            .get(app.url(&format!("/static/{file}")))
            .send()
            .await
            .unwrap();
        assert_eq!(plain.headers()["cache-control"], "public, max-age=3600");
        let stale = browser
            .get(app.url(&format!("/static/{file}?v=000000000000")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            stale.headers()["cache-control"],
            "public, max-age=3600",
            "another build's version is not promised forever"
        );
    }
}
