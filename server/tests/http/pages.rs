//! Server-rendered pages and the form posts that make them work without JavaScript.

use app::api::Role;
use serde_json::json;

use crate::{db_tests, support::TestApp};

const PASSWORD: &str = "correct horse battery";

async fn every_page_offers_the_manifest_and_the_service_worker(app: TestApp) {
    let html = app.get("/login").html().send().await.text();
    assert!(html.contains(r#"<link rel="manifest" href="/manifest.webmanifest""#), "{html}");
    assert!(html.contains(r#"<script src="/sw-register.js" defer"#), "{html}");

    // The worker itself, to anyone (it must load before sign-in), never cached stale.
    let worker = app.get("/sw.js").send().await;
    worker.assert_status(200);
    assert_eq!(worker.header("content-type").as_deref(), Some("text/javascript; charset=utf-8"));
    assert_eq!(worker.header("cache-control").as_deref(), Some("no-cache"));
    let script = worker.text();
    assert!(script.contains("importScripts('/sw-range.js', '/offline-store.js')"));
    assert!(!script.contains("__PRIMER_"), "every placeholder is filled in");
}

async fn sign_in_form_works_without_javascript(app: TestApp) {
    app.create_user("dana@primer.test", Role::Learner, Some(PASSWORD)).await;
    let page = app.get("/login?next=/account").html().send().await;
    page.assert_status(200);
    let html = page.text();
    assert!(html.contains(r#"action="/login""#) && html.contains(r#"method="post""#), "a real form");
    assert!(html.contains(r#"name="email""#) && html.contains(r#"name="password""#));
    assert!(html.contains(r#"value="/account""#), "remembers where to go next");
    assert!(html.contains("/pkg/primer.js"), "and hydrates when scripts run");

    let reply = app
        .post("/login")
        .form(&[("email", "dana@primer.test"), ("password", PASSWORD), ("next", "/account")])
        .send()
        .await;
    reply.assert_status(303);
    assert_eq!(reply.header("location").as_deref(), Some("/account"));
    let cookie = reply.session_cookie().expect("signed in");
    let account = app.get("/account").html().header("cookie", &cookie).send().await;
    account.assert_status(200);
    assert!(account.text().contains("dana@primer.test"));

    // Signed in, the sign-in page sends you on.
    let again = app.get("/login").html().header("cookie", &cookie).send().await;
    assert_eq!(again.status.as_u16(), 302);

    let out = app.post("/logout").header("cookie", &cookie).form(&[]).send().await;
    out.assert_status(303);
    assert_eq!(out.header("location").as_deref(), Some("/login?signed_out=1"));
    app.get("/account").html().header("cookie", &cookie).send().await.assert_status(302);
    let signed_out = app.get("/login?signed_out=1").html().send().await.text();
    assert!(signed_out.contains("signed out"));
}

async fn sign_in_form_reports_errors_in_place(app: TestApp) {
    let reply = app
        .post("/login")
        .form(&[("email", "Who@primer.test"), ("password", "nope nope nope"), ("next", "//evil.example")])
        .send()
        .await;
    reply.assert_status(303);
    let location = reply.header("location").unwrap();
    assert_eq!(location, "/login?error=invalid_credentials&email=Who%40primer.test", "never sends anyone off-site");
    let page = app.get(&location).html().send().await.text();
    assert!(page.contains("don&#x27;t match an account") || page.contains("don't match an account"), "{page}");
    assert!(page.contains(r#"value="Who@primer.test""#), "keeps the email typed");

    let app = app.reconfigured(|c| c.throttle.per_account_address = 1);
    app.post("/login").form(&[("email", "who@primer.test"), ("password", "nope nope nope")]).send().await;
    let reply = app.post("/login").form(&[("email", "who@primer.test"), ("password", "nope nope nope")]).send().await;
    let location = reply.header("location").unwrap();
    assert!(location.contains("error=too_many_attempts") && location.contains("retry="), "{location}");
    assert!(app.get(&location).html().send().await.text().contains("Too many failed sign-ins"));
}

async fn home_depends_on_the_role(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let north = app.post("/api/v1/teams").session(&admin).json(&json!({"name": "North"})).send().await.value();
    let manager = app
        .post("/api/v1/users")
        .session(&admin)
        .json(&json!({"email": "m@primer.test", "name": "Maya Manager", "role": "manager", "manages": [north["id"]]}))
        .send()
        .await
        .json();
    let manager = app.session_for(manager).await;
    let learner = app.signed_in(Role::Learner).await;

    let home = |s| {
        let app = app.clone();
        async move { app.get("/").html().session(&s).send().await.text() }
    };
    let learner_home = home(learner).await;
    assert!(learner_home.contains("Your learning"));
    assert!(
        !learner_home.contains("/admin/people") && !learner_home.contains(r#"href="/team""#),
        "no admin or team entries"
    );
    let manager_home = home(manager).await;
    assert!(manager_home.contains("Welcome, Maya"));
    assert!(manager_home.contains("Teams you look after") && manager_home.contains("North"));
    assert!(manager_home.contains(r#"href="/team""#) && !manager_home.contains("/admin/people"));
    let admin_home = home(admin).await;
    assert!(admin_home.contains("Administration") && admin_home.contains(r#"href="/admin/people""#));
}

/// The bundle a page's HTML loads: `primer` (the learner's) or `primer-staff` (with the
/// staff's stylesheet, after everyone's).
fn bundle_of(html: &str) -> &'static str {
    let staff = html.contains(r#"<link rel="modulepreload" href="/pkg/primer-staff.js""#);
    let learner = html.contains(r#"<link rel="modulepreload" href="/pkg/primer.js""#);
    assert!(html.contains(r#"<link rel="stylesheet" href="/pkg/primer.css">"#), "everyone's styles: {html}");
    let staff_css = html.contains(r#"<link rel="stylesheet" href="/pkg/primer-staff.css">"#);
    match (learner, staff, staff_css) {
        (true, false, false) => "primer",
        (false, true, true) => "primer-staff",
        _ => panic!("one bundle per page: {html}"),
    }
}

async fn learner_pages_load_the_learners_bundle_and_staff_pages_the_staffs(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    for path in ["/", "/library", "/progress", "/device", "/account", "/prep", "/no-such-page"] {
        let html = app.get(path).html().session(&admin).send().await.text();
        assert_eq!(bundle_of(&html), "primer", "{path}");
    }
    assert_eq!(bundle_of(&app.get("/login").html().send().await.text()), "primer");
    for path in
        ["/studio", "/studio/paths", "/team", "/reviews", "/admin/people", "/admin/teams", "/studio/no-such-page"]
    {
        let html = app.get(path).html().session(&admin).send().await.text();
        assert_eq!(bundle_of(&html), "primer-staff", "{path}");
    }

    // From a learner page, the staff's pages are full page loads (`rel="external"`), so
    // their bundle starts; the staff's bundle has every page, so its links stay in it.
    let home = app.get("/").html().session(&admin).send().await.text();
    for href in ["/studio", "/team", "/admin/people"] {
        assert!(home.contains(&format!(r#"<a href="{href}" rel="external""#)), "{href} in {home}");
    }
    let studio = app.get("/studio").html().session(&admin).send().await.text();
    assert!(studio.contains(r#"href="/library""#) && !studio.contains(r#"href="/library" rel="external""#), "{studio}");
    assert!(!studio.contains(r#"href="/studio" rel="external""#), "{studio}");
}

async fn admin_pages_render_their_data(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    app.post("/api/v1/teams")
        .session(&admin)
        .json(&json!({"name": "Enterprise Accounts"}))
        .send()
        .await
        .assert_status(201);
    app.create_user("zoe@primer.test", Role::Author, None).await;
    let people = app.get("/admin/people").html().session(&admin).send().await;
    people.assert_status(200);
    assert!(people.text().contains("zoe@primer.test") && people.text().contains("No password yet"));
    let teams = app.get("/admin/teams").html().session(&admin).send().await;
    assert!(teams.text().contains("Enterprise Accounts"));
}

async fn password_link_page_works_without_javascript(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let user = app.create_user("new@primer.test", Role::Learner, Some("an old password here")).await;
    let link = app.post(&format!("/api/v1/users/{}/password-reset", user.id)).session(&admin).send().await.value();
    let path = link["url"].as_str().unwrap().trim_start_matches(&app.state.config.link_base).to_string();

    assert_eq!(link["replaced_earlier"], json!(false));
    let page = app.get(&path).html().send().await;
    page.assert_status(200);
    assert!(page.text().contains("Set your password") && page.text().contains(&format!(r#"action="{path}""#)));
    assert!(page.text().contains("Set a new password"), "they had a password: this replaces it");

    // Someone who never had a password chooses their first; a second link replaces the first.
    let newcomer = app
        .post("/api/v1/users")
        .session(&admin)
        .json(&json!({"email": "first@primer.test", "name": "Nia First", "role": "learner"}))
        .send()
        .await
        .value();
    let reset = |id: i64| app.post(&format!("/api/v1/users/{id}/password-reset")).session(&admin).send();
    let first = reset(newcomer["id"].as_i64().unwrap()).await.value();
    let second = reset(newcomer["id"].as_i64().unwrap()).await.value();
    assert_eq!((first["replaced_earlier"].clone(), second["replaced_earlier"].clone()), (json!(false), json!(true)));
    let first_path = first["url"].as_str().unwrap().trim_start_matches(&app.state.config.link_base).to_string();
    let second_path = second["url"].as_str().unwrap().trim_start_matches(&app.state.config.link_base).to_string();
    assert!(app.get(&first_path).html().send().await.text().contains("doesn't work any more"));
    let welcome = app.get(&second_path).html().send().await.text();
    assert!(welcome.contains("Choose your password") && welcome.contains("Welcome to Primer, Nia First"), "{welcome}");

    let mismatch = app.post(&path).form(&[("password", PASSWORD), ("confirm", "something else")]).send().await;
    assert!(mismatch.header("location").unwrap().ends_with("?error=mismatch"));
    let short = app.post(&path).form(&[("password", "short"), ("confirm", "short")]).send().await;
    assert!(short.header("location").unwrap().ends_with("?error=invalid_input"));
    let done = app.post(&path).form(&[("password", PASSWORD), ("confirm", PASSWORD)]).send().await;
    assert_eq!(
        done.header("location").as_deref(),
        Some("/login?reset=1&email=new%40primer.test"),
        "the email filled in"
    );
    app.post("/api/v1/auth/login")
        .json(&json!({"email": "new@primer.test", "password": PASSWORD}))
        .send()
        .await
        .assert_status(200);

    // The link is spent: the page says so.
    let spent = app.get(&path).html().send().await.text();
    assert!(spent.contains("doesn't work any more") || spent.contains("doesn&#x27;t work any more"));
}

async fn learner_pages_render_on_the_server(app: TestApp) {
    use crate::support::build::{create, publish, tip};
    let author = app.signed_in(Role::Author).await;
    let price = create(&app, &author, &tip("Handling price objections", "Say **value**, not discount.")).await;
    publish(&app, &author, price.id).await;
    let mut other = tip("Discovery questions", "Ask *why now*.");
    other["tags"] = json!(["stage:discovery"]);
    let other = create(&app, &author, &other).await;
    publish(&app, &author, other.id).await;
    let learner = app.signed_in(Role::Learner).await;
    let page = |path: String| {
        let (app, learner) = (app.clone(), learner.clone());
        async move { app.get(&path).html().session(&learner).send().await }
    };

    // The library, complete without JavaScript, filtered by its GET form. (The page also
    // carries the whole catalog as hydration data, so look at the rendered cards.)
    let card = |title: &str| format!(r#"<div class="title">{title}<"#);
    let library = page("/library".into()).await.text();
    assert!(library.contains(&card("Handling price objections")) && library.contains(&card("Discovery questions")));
    assert!(library.contains(r#"name="q""#) && library.contains(r#"value="stage:negotiation""#), "the filters");
    let filtered = page("/library?q=price".into()).await.text();
    assert!(filtered.contains(&card("Handling price objections")) && !filtered.contains(&card("Discovery questions")));
    let by_tag = page("/library?tag=stage%3Adiscovery".into()).await.text();
    assert!(!by_tag.contains(&card("Handling price objections")) && by_tag.contains(&card("Discovery questions")));

    // A tip card, as HTML in the page.
    let module = page(format!("/modules/{}", price.id)).await;
    module.assert_status(200);
    assert!(module.text().contains("<strong>value</strong>"), "{}", module.text());
    page("/modules/999999".into()).await.assert_status(404);

    // Meeting prep: a 3-minute budget fits both one-minute tips.
    let prep = page("/prep?minutes=3".into()).await.text();
    assert!(prep.contains(r#"data-total-seconds="120""#), "{prep}");
    for path in ["/progress", "/device"] {
        page(path.into()).await.assert_status(200);
    }
}

db_tests!(
    every_page_offers_the_manifest_and_the_service_worker,
    learner_pages_render_on_the_server,
    sign_in_form_works_without_javascript,
    sign_in_form_reports_errors_in_place,
    home_depends_on_the_role,
    admin_pages_render_their_data,
    learner_pages_load_the_learners_bundle_and_staff_pages_the_staffs,
    password_link_page_works_without_javascript,
);
