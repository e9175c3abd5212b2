//! The holes a review of the running server found (issue 17), one test per hole, each
//! failing on the code before its fix: values a client may not invent, sign-in
//! redirects that leave the site, columns that can't be read, and writes that lose what
//! they don't mention.

use app::api::{
    AssessmentAttempt, Catalog, Certification, LearningPath, Module, ModuleContent, ModuleSummary, Role, SyncResponse,
    Team, User,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Statement};
use serde_json::{Value, json};

use crate::{
    db_tests, fixtures,
    support::{
        Session, TestApp,
        build::{
            certify, course, create, good_questions, id, learner_in, publish, quiz, record, statuses, sync_from, tip,
            upload_as,
        },
    },
};

/// Values that only a newer client could send (or nobody should) are refused on input,
/// though every wire enum now reads them (as `unknown`) for old phones' sake.
async fn unknown_values_are_refused_on_input(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let reply = app
        .post("/api/v1/modules")
        .session(&author)
        .json(&json!({"kind": "podcast", "title": "Aurora", "estimated_seconds": 60}))
        .send()
        .await;
    reply.assert_error(422, "invalid_input");
    assert_eq!(reply.value()["error"]["field"], "kind");
    let reply =
        app.post("/api/v1/modules").session(&author).json(&json!({"kind": "unknown", "title": "A"})).send().await;
    reply.assert_error(422, "invalid_input");

    let admin = app.signed_in(Role::Admin).await;
    let reply = app
        .post("/api/v1/users")
        .session(&admin)
        .json(&json!({"email": "owner@primer.test", "name": "Owen", "role": "owner"}))
        .send()
        .await;
    reply.assert_error(422, "invalid_input");
    assert_eq!(reply.value()["error"]["field"], "role");
    let learner = app.signed_in(Role::Learner).await;
    let reply = app
        .patch(&format!("/api/v1/users/{}", learner.user.id))
        .session(&admin)
        .json(&json!({"role": "superuser"}))
        .send()
        .await;
    reply.assert_error(422, "invalid_input");
    let still: User =
        app.get(&format!("/api/v1/users/{}", learner.user.id)).session(&admin).send().await.assert_status(200).json();
    assert_eq!(still.role, Role::Learner);

    // A record of a kind the server doesn't know is rejected alone, like any bad record.
    let (tip_id, _) = crate::support::build::tip_and_quiz(&app).await;
    let answer = sync_from(
        &app,
        &learner,
        "phone-1",
        vec![record(&id(), "pitch_take", tip_id, 1, json!({})), record(&id(), "completion", tip_id, 1, json!({}))],
    )
    .await;
    assert_eq!(serde_json::to_value(&answer.results).unwrap()[0]["code"], "invalid_payload");
    assert_eq!(serde_json::to_value(&answer.results).unwrap()[1]["status"], "accepted");
}

/// The sign-in form's `next` never sends anyone to another site, whatever the browser
/// makes of it (tabs and newlines dropped, `\` read as `/`).
async fn sign_in_never_redirects_off_site(app: TestApp) {
    app.create_user("dana@primer.test", Role::Learner, Some("correct horse battery")).await;
    let sign_in = |next: &'static str| {
        let app = app.clone();
        async move {
            let reply = app
                .post("/login")
                .form(&[("email", "dana@primer.test"), ("password", "correct horse battery"), ("next", next)])
                .send()
                .await;
            assert_eq!(reply.status.as_u16(), 303, "{next:?}");
            reply.header("location").unwrap()
        }
    };
    for off_site in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "\t//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "//evil.example",
        "https://evil.example/",
        "/\u{0}/evil.example",
    ] {
        assert_eq!(sign_in(off_site).await, "/", "{off_site:?}");
    }
    assert_eq!(sign_in("/library?q=aurora").await, "/library?q=aurora");
    // A query string's %09 reaches the form decoded, as a tab: the page's own link.
    let page = app.get("/login?next=%2F%09%2Fevil.example").html().send().await;
    page.assert_status(200);
    assert!(!page.text().contains("evil.example"), "the sign-in page doesn't carry it along");
    // Someone already signed in is sent straight on: home.
    let dana = app.signed_in(Role::Learner).await;
    let page = app.get("/login?next=%2F%09%2Fevil.example").session(&dana).html().send().await;
    assert!(page.status.is_redirection(), "{}", page.status);
    assert_eq!(page.header("location").as_deref(), Some("/"));
}

async fn set_column(app: &TestApp, sql: &str) {
    let backend = app.db().get_database_backend();
    app.db().execute_raw(Statement::from_string(backend, sql.to_string())).await.unwrap();
}

/// A column that can't be read fails closed: an audience doesn't become "everyone", a
/// kind doesn't become a tip card, a list doesn't become empty, a role allows nothing.
async fn unreadable_columns_fail_closed(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let north: Team = app
        .post("/api/v1/teams")
        .session(&admin)
        .json(&json!({"name": "North"}))
        .send()
        .await
        .assert_status(201)
        .json();
    let author = app.signed_in(Role::Author).await;
    let mut only_north = tip("North only", "For **North**.");
    only_north["audience"] = json!({"team_ids": [north.id]});
    let limited = create(&app, &author, &only_north).await;
    publish(&app, &author, limited.id).await;
    let open = create(&app, &author, &tip("For everyone", "Hello.")).await;
    publish(&app, &author, open.id).await;
    let outsider = learner_in(&app, None, None, None).await;
    let ids = |c: Catalog| c.modules.iter().map(|m| m.id).collect::<Vec<_>>();
    let catalog: Catalog = app.get("/api/v1/catalog").session(&outsider).send().await.json();
    assert_eq!(ids(catalog), [open.id]);

    // The limited module's audience can't be read: still not for everyone.
    set_column(&app, &format!("UPDATE module_versions SET audience = '\"North\"' WHERE module_id = {}", limited.id))
        .await;
    let catalog: Catalog = app.get("/api/v1/catalog").session(&outsider).send().await.assert_status(200).json();
    assert_eq!(ids(catalog), [open.id], "an unreadable audience is nobody's");
    app.get(&format!("/api/v1/catalog/{}", limited.id)).session(&outsider).send().await.assert_error(404, "not_found");

    // The open module's kind can't be read: hidden, not shown as a tip card, and records
    // about it aren't kept.
    set_column(&app, &format!("UPDATE module_versions SET kind = 'podcast' WHERE module_id = {}", open.id)).await;
    let catalog: Catalog = app.get("/api/v1/catalog").session(&outsider).send().await.assert_status(200).json();
    assert!(ids(catalog).is_empty());
    let answer: SyncResponse =
        sync_from(&app, &outsider, "phone-1", vec![record(&id(), "completion", open.id, 1, json!({}))]).await;
    assert_eq!(serde_json::to_value(&answer.results[0]).unwrap()["status"], "rejected");

    // A working copy whose tags can't be read: an error for that module, left out of the
    // list, never shown with no tags.
    set_column(&app, &format!("UPDATE modules SET tags = '\"a,b\"' WHERE id = {}", limited.id)).await;
    app.get(&format!("/api/v1/modules/{}", limited.id)).session(&author).send().await.assert_error(500, "internal");
    let list: Vec<ModuleSummary> = app.get("/api/v1/modules").session(&author).send().await.assert_status(200).json();
    assert!(list.iter().all(|m| m.id != limited.id) && list.iter().any(|m| m.id == open.id));

    // A stored role that can't be read allows nothing (it used to make a learner).
    let odd = app.signed_in(Role::Learner).await;
    set_column(&app, &format!("UPDATE users SET role = 'superuser' WHERE id = {}", odd.user.id)).await;
    app.get("/api/v1/catalog").session(&odd).send().await.assert_error(403, "forbidden");
    let me = app.get("/api/v1/me").session(&odd).send().await;
    me.assert_error(403, "forbidden");
}

/// A certification's assessment list that can't be read is an error, never "no
/// assessments" (which would send the answer key to phones).
async fn unreadable_assessments_never_leak_the_answer_key(app: TestApp) {
    let c = course(&app).await;
    let certification = certify(&app, &c).await;
    let learner = learner_in(&app, Some("Account Executive"), None, None).await;
    set_column(
        &app,
        &format!("UPDATE certifications SET assessment_module_ids = '{{\"quiz\": 1}}' WHERE id = {}", certification.id),
    )
    .await;
    let reply = app.get(&format!("/api/v1/catalog/{}", c.quiz)).session(&learner).send().await;
    reply.assert_error(500, "internal");
    assert!(!reply.text().contains("Team adds offline sync"));
    app.get("/api/v1/catalog").session(&learner).send().await.assert_error(500, "internal");
    // And nothing is decided from it.
    let answer = app
        .post("/api/v1/sync")
        .session(&learner)
        .json(&json!({"device_id": "p", "device_time": chrono::Utc::now().to_rfc3339(),
                      "records": [record(&id(), "completion", c.tips[0], 1, json!({}))]}))
        .send()
        .await;
    answer.assert_error(500, "internal");
}

/// `GET` a resource, change one thing, `PUT`/`PATCH` it back: nothing else changes.
async fn writes_take_what_reads_return(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let video = upload_as(&app, &author, "aurora.mp4", &fixtures::mp4()).await.assert_status(201).value();
    let mut modules = vec![
        create(&app, &author, &tip("Price objections", "Say **value**.")).await,
        create(&app, &author, &quiz(good_questions())).await,
        create(
            &app,
            &author,
            &json!({"kind": "video", "title": "Aurora in 90 seconds", "video_media_id": video["id"],
                    "audience": {"job_roles": ["Account Executive"]}}),
        )
        .await,
    ];
    for m in &mut modules {
        let url = format!("/api/v1/modules/{}", m.id);
        let mut body: Value = app.get(&url).session(&author).send().await.assert_status(200).value();
        body["title"] = json!(format!("{} (edited)", m.title));
        let saved: Module = app.put(&url).session(&author).json(&body).send().await.assert_status(200).json();
        assert_eq!(saved.title, format!("{} (edited)", m.title));
        assert_eq!((&saved.content, &saved.audience, &saved.tags), (&m.content, &m.audience, &m.tags), "{}", m.title);
        assert_eq!(saved.media, m.media);

        // Without the content: refused, and nothing changes.
        let bare = json!({"kind": m.kind, "title": "Emptied", "estimated_seconds": 60});
        let reply = app.put(&url).session(&author).json(&bare).send().await;
        reply.assert_error(422, "invalid_input");
        assert_eq!(reply.value()["error"]["field"], "content");
        let now: Module = app.get(&url).session(&author).send().await.json();
        assert_eq!((now.title.as_str(), &now.content), (saved.title.as_str(), &m.content));
        *m = now;
    }
    // Content of another kind than the module's is refused.
    let (tip_module, quiz_module) = (&modules[0], &modules[1]);
    let mut body = serde_json::to_value(tip_module).unwrap();
    body["content"] = serde_json::to_value(&quiz_module.content).unwrap();
    let reply = app.put(&format!("/api/v1/modules/{}", tip_module.id)).session(&author).json(&body).send().await;
    reply.assert_error(422, "invalid_input");
    // The flat fields older clients send still work.
    let flat =
        json!({"kind": "tip", "title": "Price objections", "estimated_seconds": 60, "body_markdown": "New **card**."});
    let saved: Module =
        app.put(&format!("/api/v1/modules/{}", tip_module.id)).session(&author).json(&flat).send().await.json();
    let ModuleContent::Tip { body_markdown, .. } = &saved.content else { panic!("a tip") };
    assert_eq!(body_markdown, "New **card**.");

    // Paths: the steps `GET` lists are the modules `PUT` keeps.
    let path: LearningPath = app
        .post("/api/v1/paths")
        .session(&author)
        .json(&json!({"title": "Aurora", "description": "Start here", "module_ids": [modules[1].id, modules[0].id]}))
        .send()
        .await
        .assert_status(201)
        .json();
    let url = format!("/api/v1/paths/{}", path.id);
    let mut body = serde_json::to_value(&path).unwrap();
    body["title"] = json!("Aurora, renamed");
    let saved: LearningPath = app.put(&url).session(&author).json(&body).send().await.assert_status(200).json();
    assert_eq!(saved.title, "Aurora, renamed");
    assert_eq!(saved.steps, path.steps);
    assert_eq!(saved.description, path.description);
    let reply = app.put(&url).session(&author).json(&json!({"title": "Emptied"})).send().await;
    reply.assert_error(422, "invalid_input");
    assert_eq!(reply.value()["error"]["field"], "module_ids");
    let now: LearningPath = app.get(&url).session(&author).send().await.json();
    assert_eq!(now.steps, path.steps);

    // Certifications and assignments.
    let c = course(&app).await;
    let certification = certify(&app, &c).await;
    let url = format!("/api/v1/certifications/{}", certification.id);
    let mut body = serde_json::to_value(&certification).unwrap();
    body["description"] = json!("Renewed every year.");
    let saved: Certification = app.put(&url).session(&c.author).json(&body).send().await.assert_status(200).json();
    assert_eq!(saved.description, "Renewed every year.");
    assert_eq!(
        (saved.required_module_ids, saved.assessment_module_ids, saved.passing_score, saved.validity_months),
        (certification.required_module_ids, certification.assessment_module_ids, 100, Some(12))
    );
    let assignments: Vec<Value> = app.get("/api/v1/assignments").session(&author).send().await.json();
    let mut assignment = assignments[0].clone();
    assignment["due_days"] = json!(45);
    let saved: Value = app
        .put(&format!("/api/v1/assignments/{}", assignment["id"]))
        .session(&author)
        .json(&assignment)
        .send()
        .await
        .assert_status(200)
        .value();
    assert_eq!((saved["required"].clone(), saved["due_days"].clone()), (json!(true), json!(45)));

    // A person as `GET` returns them (teams managed as {id, name}) patches back.
    let admin = app.signed_in(Role::Admin).await;
    let team: Team =
        app.post("/api/v1/teams").session(&admin).json(&json!({"name": "West"})).send().await.assert_status(201).json();
    let manager = manager_of(&app, &admin, team.id).await;
    let url = format!("/api/v1/users/{}", manager.user.id);
    let mut body: Value = app.get(&url).session(&admin).send().await.assert_status(200).value();
    body["name"] = json!("Morgan Manager");
    let saved: User = app.patch(&url).session(&admin).json(&body).send().await.assert_status(200).json();
    assert_eq!(saved.name, "Morgan Manager");
    assert_eq!(saved.manages, manager.user.manages);
    assert_eq!((saved.role, saved.email), (Role::Manager, manager.user.email));
}

/// Reads a body as a browser would: decompressed as its `Content-Encoding` says.
fn decoded(reply: &crate::support::Reply) -> String {
    use std::io::Read;
    let mut text = String::new();
    match reply.header("content-encoding").as_deref() {
        Some("gzip") => flate2::read::GzDecoder::new(reply.body.as_slice()).read_to_string(&mut text).unwrap(),
        Some("br") => brotli::Decompressor::new(reply.body.as_slice(), 4096).read_to_string(&mut text).unwrap(),
        None => return reply.text(),
        Some(other) => panic!("unexpected encoding {other}"),
    };
    text
}

/// CSV exports download whole however the browser asks (every browser sends
/// `Accept-Encoding`), and a cell that a spreadsheet would run as a formula is written
/// as text.
async fn csv_exports_download_compressed_and_defuse_formulas(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let team: Team = app
        .post("/api/v1/teams")
        .session(&admin)
        .json(&json!({"name": "=HYPERLINK(\"https://evil.example\",\"Open\")"}))
        .send()
        .await
        .assert_status(201)
        .json();
    let hostile = [("+cmd|' /C calc'!A0", "@SUM(1+1)"), ("-2+3", "\tTab"), ("Dana Lee", "Account Executive")];
    for (i, (name, job)) in hostile.iter().enumerate() {
        app.post("/api/v1/users")
            .session(&admin)
            .json(&json!({"email": format!("p{i}@primer.test"), "name": name, "role": "learner", "job_role": job,
                          "team_id": team.id}))
            .send()
            .await
            .assert_status(201);
    }
    let author = app.signed_in(Role::Author).await;
    let m = create(&app, &author, &tip("=1+1", "A card.")).await;
    publish(&app, &author, m.id).await;

    for url in ["/api/v1/reports/people?format=csv", "/api/v1/reports/modules?format=csv"] {
        let plain = app.get(url).session(&admin).send().await;
        plain.assert_status(200);
        let plain = plain.text();
        for encoding in ["gzip", "br", "gzip, deflate, br, zstd"] {
            let reply = app.get(url).session(&admin).header("accept-encoding", encoding).send().await;
            reply.assert_status(200);
            assert!(reply.header("content-encoding").is_some(), "{url} compressed for {encoding}");
            assert_eq!(decoded(&reply), plain, "{url} with {encoding}");
        }
        let rows: Vec<Vec<String>> = csv::Reader::from_reader(plain.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        assert!(!rows.is_empty(), "{url}: {plain}");
        for cell in rows.iter().flatten() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{url}: {cell:?} would run as a formula");
        }
        for text in ["HYPERLINK", "cmd|", "SUM(1+1)", "2+3", "Tab", "=1+1"] {
            if url.contains("people") != (text == "=1+1") {
                assert!(rows.iter().flatten().any(|c| c.contains(text)), "{url}: {text} is still there, as text");
            }
        }
    }
    let people = app.get("/api/v1/reports/people?format=csv").session(&admin).send().await.text();
    assert!(people.contains("'+cmd|' /C calc'!A0") && people.contains("'@SUM(1+1)"), "{people}");
}

async fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> crate::support::Reply {
    app.post("/api/v1/auth/login").peer(ip).json(&json!({"email": email, "password": password})).send().await
}

/// Parallel guesses are each counted before their password is checked: of 30 at once
/// against a limit of 10, at most 10 passwords are checked.
async fn parallel_guesses_are_counted_before_they_are_checked(app: TestApp) {
    let app = app.reconfigured(|c| c.password_checks = 64);
    app.create_user("dana@primer.test", Role::Learner, Some("correct horse battery")).await;
    let hashed_before = app.state.hasher.count();
    let guesses: Vec<_> = (0..30)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                login_from(&app, "203.0.113.9", "dana@primer.test", &format!("guess number {i}")).await
            })
        })
        .collect();
    let mut wrong = 0;
    for guess in guesses {
        let reply = guess.await.unwrap();
        match reply.status.as_u16() {
            401 => wrong += 1,
            429 => {
                reply.assert_error(429, "too_many_attempts");
                assert!(reply.header("retry-after").is_some());
            }
            other => panic!("unexpected {other}: {}", reply.text()),
        }
    }
    assert!(wrong <= 10, "{wrong} passwords were checked against a limit of 10");
    assert_eq!(app.state.hasher.count() - hashed_before, wrong as u64, "only the counted attempts were checked");
    assert_eq!(wrong, 10, "the limit is reached, not undershot");
}

/// Beyond the bound of password checks at once, sign-in answers 429 `busy` with
/// `Retry-After: 1` at once, and that isn't counted as a failure.
async fn too_many_password_checks_at_once_are_busy(app: TestApp) {
    let app = app.reconfigured(|c| c.password_checks = 1);
    app.create_user("dana@primer.test", Role::Learner, Some("correct horse battery")).await;
    let guesses: Vec<_> = (0..12)
        .map(|i| {
            let app = app.clone();
            // Each from its own address, so only the bound can turn them away.
            tokio::spawn(async move {
                login_from(&app, &format!("198.51.100.{i}"), "dana@primer.test", "guess guess guess").await
            })
        })
        .collect();
    let (mut busy, mut wrong) = (0, 0);
    for guess in guesses {
        let reply = guess.await.unwrap();
        match reply.status.as_u16() {
            401 => wrong += 1,
            _ => {
                reply.assert_error(429, "busy");
                assert_eq!(reply.header("retry-after").as_deref(), Some("1"));
                busy += 1;
            }
        }
    }
    assert!(busy > 0, "twelve at once against a bound of one");
    let failures = server::db::entities::login_failure::Entity::find().count(app.db()).await.unwrap();
    assert_eq!(failures, wrong, "busy answers are not failures");
    // Once the burst is over, the owner gets in.
    login_from(&app, "198.51.100.200", "dana@primer.test", "correct horse battery").await.assert_status(200);
}

/// Failures are counted per account and address: an attack from one address doesn't
/// lock the owner out elsewhere; past 10 failures on the account every further attempt
/// waits a little (1 s, doubling, at most 5 s), and the owner gets in all the same.
async fn nobody_can_lock_anyone_out(app: TestApp) {
    app.create_user("dana@primer.test", Role::Learner, Some("correct horse battery")).await;
    for i in 0..10 {
        login_from(&app, "203.0.113.66", "dana@primer.test", &format!("guess {i} guess")).await.assert_status(401);
    }
    let reply = login_from(&app, "203.0.113.66", "dana@primer.test", "correct horse battery").await;
    reply.assert_error(429, "too_many_attempts");
    // The owner, on their phone elsewhere: in, after the account's short wait.
    let started = std::time::Instant::now();
    login_from(&app, "198.51.100.7", "dana@primer.test", "correct horse battery").await.assert_status(200);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "past 10 failures the attempt waited");
    // The attacker moves to another address: counted there afresh, but slowed.
    let started = std::time::Instant::now();
    login_from(&app, "203.0.113.67", "dana@primer.test", "guess again").await.assert_status(401);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    // The owner signing in doesn't reset what the attacker's address has used up.
    login_from(&app, "203.0.113.66", "dana@primer.test", "guess later").await.assert_error(429, "too_many_attempts");
    // Another account from the attacker's address is not held back by it.
    app.create_user("sam@primer.test", Role::Learner, Some("correct horse battery")).await;
    login_from(&app, "203.0.113.66", "sam@primer.test", "correct horse battery").await.assert_status(200);
}

/// A sign-in address longer than any address can be (254) is refused without a lookup
/// or a hash.
async fn sign_in_addresses_have_a_length_cap(app: TestApp) {
    let long = format!("{}@primer.test", "a".repeat(300));
    let hashed_before = app.state.hasher.count();
    login_from(&app, "203.0.113.1", &long, "guess guess guess").await.assert_error(401, "invalid_credentials");
    assert_eq!(app.state.hasher.count(), hashed_before);
}

async fn attempt(app: &TestApp, who: &Session, module_id: i64) -> crate::support::Reply {
    app.post(&format!("/api/v1/assessments/{module_id}/attempts")).session(who).send().await
}

/// A quiz attempt record answering (in the version's order) under an attempt, or none.
fn answers(module_id: i64, attempt_id: Option<&str>, answers: Value) -> Value {
    let mut payload = json!({"answers": answers});
    if let Some(a) = attempt_id {
        payload["attempt_id"] = json!(a);
    }
    record(&id(), "quiz_attempt", module_id, 1, payload)
}

/// Every answer combination in one batch no longer earns the certificate: only the
/// first record received for an attempt counts, a batch without attempts (an older
/// phone's) uses at most the attempts left, and every other answer is kept as "didn't
/// count", the same on every retry.
async fn assessments_cannot_be_brute_forced(app: TestApp) {
    let c = course(&app).await;
    let certification = certify(&app, &c).await;
    assert_eq!((certification.max_attempts, certification.cooldown_minutes), (3, 0), "the defaults");
    let learner = learner_in(&app, Some("Account Executive"), None, None).await;

    // Saving the module for offline asks for an attempt; asking again returns it.
    let first: AssessmentAttempt = attempt(&app, &learner, c.quiz).await.assert_status(201).json();
    assert_eq!((first.attempts_used, first.attempts_allowed, first.module_version), (0, 3, 1));
    let mut order = first.questions.clone();
    order.sort_unstable();
    assert_eq!(order, [0, 1], "both questions, in an order of its own");
    let again: AssessmentAttempt = attempt(&app, &learner, c.quiz).await.assert_status(200).json();
    assert_eq!(again.id, first.id);
    let open: AssessmentAttempt =
        app.get(&format!("/api/v1/assessments/{}/attempt", c.quiz)).session(&learner).send().await.json();
    assert_eq!(open.id, first.id);
    // Practice modules have no attempts.
    attempt(&app, &learner, c.tips[0]).await.assert_error(404, "not_found");

    // The brute force: the required cards and every combination of answers at once, the
    // right one last, under the one attempt.
    let combinations = [json!([[0], [0]]), json!([[1], [0]]), json!([[0], [0, 2]]), json!([[1], [0, 2]])];
    let mut batch = vec![
        record(&id(), "completion", c.tips[0], 1, json!({})),
        record(&id(), "completion", c.tips[1], 1, json!({})),
    ];
    batch.extend(combinations.iter().map(|a| answers(c.quiz, Some(&first.id), a.clone())));
    let answer = sync_from(&app, &learner, "phone-1", batch.clone()).await;
    assert_eq!(
        statuses(&answer),
        ["accepted", "accepted", "accepted", "attempt_limit", "attempt_limit", "attempt_limit"]
    );
    let held: Vec<Value> = app.get("/api/v1/me/certificates").session(&learner).send().await.json();
    assert!(held.is_empty(), "the first answers were wrong: {held:?}");
    // Sent again (a lost answer): the same answers.
    let retry = sync_from(&app, &learner, "phone-1", batch).await;
    assert_eq!(
        statuses(&retry),
        ["duplicate", "duplicate", "duplicate", "attempt_limit", "attempt_limit", "attempt_limit"]
    );
    let quiz_progress = retry.progress.module(c.quiz).unwrap();
    assert_eq!((quiz_progress.attempts, quiz_progress.best_score), (1, Some(0)), "one attempt counted");
    // An attempt is its learner's: someone else's answers under it are refused.
    let other = learner_in(&app, Some("Account Executive"), None, None).await;
    let theirs = sync_from(&app, &other, "phone-9", vec![answers(c.quiz, Some(&first.id), json!([[1], [0, 2]]))]).await;
    assert_eq!(statuses(&theirs), ["invalid_payload"]);

    // An older phone's answers, without an attempt: as many count as attempts are left
    // (two), the rest are kept, not counted.
    let old_phone: Vec<Value> = combinations.iter().map(|a| answers(c.quiz, None, a.clone())).collect();
    let answer = sync_from(&app, &learner, "old-phone", old_phone).await;
    assert_eq!(statuses(&answer), ["accepted", "accepted", "attempt_limit", "attempt_limit"]);
    assert!(app.get("/api/v1/me/certificates").session(&learner).send().await.value().as_array().unwrap().is_empty());
    let kept = server::db::entities::learning_record::Entity::find()
        .filter(server::db::entities::learning_record::Column::Counted.eq(false))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(kept, 5, "kept, not counted");
    // Three used: no fourth.
    attempt(&app, &learner, c.quiz).await.assert_error(409, "attempts_used");

    // The author allows one more, with a wait between attempts.
    let mut body = serde_json::to_value(&certification).unwrap();
    body["max_attempts"] = json!(5);
    body["cooldown_minutes"] = json!(60);
    let changed: Certification = app
        .put(&format!("/api/v1/certifications/{}", certification.id))
        .session(&c.author)
        .json(&body)
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!((changed.version, changed.max_attempts), (certification.version, 5), "not a new version");
    let reply = attempt(&app, &learner, c.quiz).await;
    reply.assert_error(429, "cooling_down");
    let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&wait), "{wait} s");
    // The wait has passed (its attempts were used an hour ago).
    set_column(
        &app,
        &format!(
            "UPDATE assessment_attempts SET used_at = used_at - INTERVAL_HOUR WHERE user_id = {}",
            learner.user.id
        )
        .replace(
            "used_at - INTERVAL_HOUR",
            if app.kind == crate::support::Db::Sqlite {
                "strftime('%Y-%m-%dT%H:%M:%f+00:00', used_at, '-61 minutes')"
            } else {
                "used_at - interval '61 minutes'"
            },
        ),
    )
    .await;
    let fourth: AssessmentAttempt = attempt(&app, &learner, c.quiz).await.assert_status(201).json();
    assert_eq!(fourth.attempts_used, 3);
    let answer =
        sync_from(&app, &learner, "phone-1", vec![answers(c.quiz, Some(&fourth.id), json!([[1], [0, 2]]))]).await;
    assert_eq!(statuses(&answer), ["accepted"]);
    let held: Vec<app::api::Certificate> = app.get("/api/v1/me/certificates").session(&learner).send().await.json();
    assert_eq!((held.len(), held[0].score), (1, Some(100)));
}

/// An assessment quiz may be a pool: up to 30 questions, a few drawn for each attempt;
/// the answers come in the version's own order, for the questions drawn.
async fn assessment_pools_draw_questions_per_attempt(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let question = |n: usize| {
        json!({"prompt": format!("Question {n}"), "options": [
            {"text": "Right", "correct": true}, {"text": "Wrong", "correct": false}]})
    };
    let pool: Vec<Value> = (0..12).map(question).collect();
    let body = json!({"kind": "quiz", "title": "Pool", "estimated_seconds": 120, "pass_percent": 100,
                      "content": {"kind": "quiz", "questions": pool, "pass_percent": 100, "draw": 3}});
    let q = create(&app, &author, &body).await;
    let ModuleContent::Quiz { draw, questions, .. } = &q.content else { panic!("a quiz") };
    assert_eq!((draw, questions.len()), (&Some(3), 12));
    publish(&app, &author, q.id).await;
    // Without a pool, five questions at most.
    let mut six = body.clone();
    six["content"]["draw"] = Value::Null;
    app.post("/api/v1/modules").session(&author).json(&six).send().await.assert_error(422, "invalid_input");
    let path: LearningPath = app
        .post("/api/v1/paths")
        .session(&author)
        .json(&json!({"title": "Pool path", "module_ids": [q.id]}))
        .send()
        .await
        .assert_status(201)
        .json();
    app.post("/api/v1/certifications")
        .session(&author)
        .json(&json!({"path_id": path.id, "assessment_module_ids": [q.id], "passing_score": 100}))
        .send()
        .await
        .assert_status(201);
    let learner = learner_in(&app, None, None, None).await;
    let drawn: AssessmentAttempt = attempt(&app, &learner, q.id).await.assert_status(201).json();
    assert_eq!(drawn.questions.len(), 3);
    assert_eq!(drawn.questions.iter().collect::<std::collections::HashSet<_>>().len(), 3);
    // Answering every question of the pool doesn't fit the attempt.
    let all_right = json!(vec![json!([0]); 5]);
    let answer = sync_from(&app, &learner, "phone", vec![answers(q.id, Some(&drawn.id), all_right)]).await;
    assert_eq!(statuses(&answer), ["invalid_payload"]);
    // Three answers, for the questions drawn, in the version's order.
    let answer = sync_from(&app, &learner, "phone", vec![answers(q.id, Some(&drawn.id), json!([[0], [0], [0]]))]).await;
    assert_eq!(statuses(&answer), ["accepted"]);
    let held: Vec<app::api::Certificate> = app.get("/api/v1/me/certificates").session(&learner).send().await.json();
    assert_eq!(held[0].score, Some(100));
    // The stored answers say which questions they were for.
    let stored = server::db::entities::learning_record::Entity::find().all(app.db()).await.unwrap();
    let counted = stored.iter().find(|r| r.counted).unwrap();
    assert_eq!(counted.payload["questions"], json!(drawn.asked()));
    // An older phone (no attempt, no pools) can't answer a pool.
    let other = learner_in(&app, None, None, None).await;
    let answer = sync_from(&app, &other, "phone", vec![answers(q.id, None, json!([[0], [0], [0]]))]).await;
    assert_eq!(statuses(&answer), ["invalid_payload"]);
}

/// A certificate is issued when the server received what earned it, never before the
/// certification's version began; a record dated before its module was published (a
/// phone clock far off) is refused.
async fn certificates_are_not_backdated(app: TestApp) {
    let c = course(&app).await;
    let learner = learner_in(&app, Some("Account Executive"), None, None).await;
    // The learner did it all, with a phone whose clock says it is 300 days from now.
    let now = chrono::Utc::now();
    let ahead = now + chrono::TimeDelta::days(300);
    let (mut tips, quiz_attempt) = (Vec::new(), answers(c.quiz, None, json!([[1], [0, 2]])));
    for tip in c.tips {
        tips.push(record(&id(), "completion", tip, 1, json!({})));
    }
    let mut records = tips;
    records.push(quiz_attempt);
    // (occurred_at by the real clock: corrected by the phone's, that is 300 days ago.)
    let answer: SyncResponse = app
        .post("/api/v1/sync")
        .session(&learner)
        .json(&json!({"device_id": "p", "device_time": ahead.to_rfc3339(), "records": records}))
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(statuses(&answer), ["accepted", "accepted", "accepted"], "the modules existed then (400 days ago)");

    // The certification comes after: the learner qualifies, but from now, not from then.
    let created_before = server::db::now();
    let certification = certify(&app, &c).await;
    let held: Vec<app::api::Certificate> = app.get("/api/v1/me/certificates").session(&learner).send().await.json();
    assert_eq!(held.len(), 1);
    assert!(held[0].issued_at >= created_before, "{} is before the certification", held[0].issued_at);
    assert_eq!(held[0].version, certification.version);
    let account: User = app.get("/api/v1/me").session(&learner).send().await.json::<app::api::Me>().user;
    assert!(held[0].issued_at >= account.created_at);

    // A module published just now: a record the phone dates 300 days before is absurd.
    let author = app.signed_in(Role::Author).await;
    let fresh = create(&app, &author, &tip("Fresh card", "New.")).await;
    publish(&app, &author, fresh.id).await;
    let answer: SyncResponse = app
        .post("/api/v1/sync")
        .session(&learner)
        .json(&json!({"device_id": "p", "device_time": ahead.to_rfc3339(),
                      "records": [record(&id(), "completion", fresh.id, 1, json!({}))]}))
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(statuses(&answer), ["absurd_time"]);
    // A few minutes slow is a phone, not a lie.
    let answer: SyncResponse = app
        .post("/api/v1/sync")
        .session(&learner)
        .json(&json!({"device_id": "p", "device_time": now.to_rfc3339(), "records": [
            {"id": id(), "kind": "completion", "module_id": fresh.id, "module_version": 1,
             "occurred_at": (now - chrono::TimeDelta::minutes(3)).to_rfc3339(), "payload": {}}]}))
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(statuses(&answer), ["accepted"]);
}

/// A directive's sources in a policy.
fn directive<'a>(policy: &'a str, name: &str) -> Vec<&'a str> {
    policy
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix(name).filter(|rest| rest.starts_with(' ')))
        .map(|rest| rest.split_whitespace().collect())
        .unwrap_or_default()
}

/// Every response has a Content-Security-Policy: pages a strict one whose inline scripts
/// run by this response's nonce (and no inline styles anywhere), everything else one
/// that runs nothing, Swagger UI one of its own; personal answers aren't cached; HSTS
/// over https.
async fn responses_carry_a_strict_policy(app: TestApp) {
    let learner = learner_in(&app, None, None, None).await;
    let manager = app.signed_in(Role::Manager).await;
    let admin = app.signed_in(Role::Admin).await;
    let mut nonces = Vec::new();
    for (path, who) in [
        ("/login", None),
        ("/", Some(&learner)),
        ("/progress", Some(&learner)),
        ("/library", Some(&learner)),
        ("/device", Some(&learner)),
        ("/team", Some(&manager)),
        ("/admin/people", Some(&admin)),
        ("/studio", Some(&admin)),
        ("/studio/insights", Some(&admin)),
        ("/no/such/page", Some(&learner)),
    ] {
        let mut call = app.get(path).html();
        if let Some(who) = who {
            call = call.session(who);
        }
        let page = call.send().await;
        let html = page.text();
        let policy = page.header("content-security-policy").unwrap_or_else(|| panic!("{path} has a policy"));
        assert_eq!(directive(&policy, "default-src"), ["'self'"], "{path}: {policy}");
        assert_eq!(directive(&policy, "style-src"), ["'self'"], "{path}");
        assert_eq!(directive(&policy, "object-src"), ["'none'"]);
        assert_eq!(directive(&policy, "base-uri"), ["'none'"]);
        assert_eq!(directive(&policy, "form-action"), ["'self'"]);
        assert_eq!(directive(&policy, "frame-ancestors"), ["'none'"]);
        for media in ["img-src", "media-src", "connect-src"] {
            assert_eq!(directive(&policy, media), ["'self'", "blob:"], "{path} {media}");
        }
        let scripts = directive(&policy, "script-src");
        assert!(scripts.contains(&"'self'") && scripts.contains(&"'wasm-unsafe-eval'"), "{path}: {policy}");
        let nonce = scripts
            .iter()
            .find_map(|s| s.strip_prefix("'nonce-").and_then(|n| n.strip_suffix('\'')))
            .unwrap_or_else(|| panic!("{path}: a nonce in {policy}"))
            .to_string();
        // Every inline script carries it; nothing is styled inline.
        for piece in html.split("<script").skip(1) {
            let tag = &piece[..piece.find('>').unwrap()];
            if !tag.contains(" src=") {
                assert!(
                    tag.contains(&format!("nonce=\"{nonce}\"")),
                    "{path}: an inline script without the nonce: <script{tag}>"
                );
            }
        }
        assert!(!html.contains(" style="), "{path} styles inline: {html}");
        assert_eq!(page.header("cache-control").as_deref(), Some("no-store"), "{path} is personal");
        assert!(page.header("strict-transport-security").is_none(), "not over http");
        nonces.push(nonce);
    }
    let distinct: std::collections::HashSet<_> = nonces.iter().collect();
    assert_eq!(distinct.len(), nonces.len(), "a nonce per response");

    for path in ["/api/v1/me", "/api/v1/progress", "/api/v1/catalog", "/api/v1/export/xapi"] {
        let who = if path.contains("xapi") { &admin } else { &learner };
        let reply = app.get(path).session(who).send().await;
        reply.assert_status(200);
        assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"), "{path}");
        let policy = reply.header("content-security-policy").unwrap();
        assert_eq!(directive(&policy, "default-src"), ["'none'"], "{path}");
    }
    let report = app.get("/api/v1/reports/people").session(&manager).send().await;
    assert_eq!(report.header("cache-control").as_deref(), Some("no-store"));
    let csv = app.get("/api/v1/reports/people?format=csv").session(&manager).send().await;
    assert_eq!(csv.header("cache-control").as_deref(), Some("no-store"));
    // The offline page, served as a file: a policy that runs nothing inline.
    let offline = app.get("/offline.html").send().await;
    if offline.status.is_success() {
        let policy = offline.header("content-security-policy").unwrap();
        assert_eq!(directive(&policy, "script-src"), ["'self'"]);
    }
    let docs = app.get("/api/docs/").send().await;
    let policy = docs.header("content-security-policy").unwrap();
    assert!(directive(&policy, "style-src").contains(&"'unsafe-inline'"), "Swagger UI's own: {policy}");
    assert_eq!(directive(&policy, "frame-ancestors"), ["'none'"]);

    // Over https: HSTS.
    let https = app
        .reconfigured(|c| c.public_origin = Some(server::config::Origin::parse("https://primer.example.com").unwrap()));
    let page = https.get("/login").html().send().await;
    assert_eq!(page.header("strict-transport-security").as_deref(), Some("max-age=31536000"));
}

/// Every personal answer says whose it is, and an answer to a session that ended (or any
/// 401) says so, with the dead cookie removed: what a shared phone's service worker
/// needs to keep one person's pages from the next.
async fn answers_say_whose_they_are(app: TestApp) {
    let manager = app.signed_in(Role::Manager).await;
    let id = manager.user.id.to_string();
    for path in ["/team", "/progress", "/"] {
        let page = app.get(path).session(&manager).html().send().await;
        assert_eq!(page.header("primer-owner").as_deref(), Some(id.as_str()), "{path}");
        let expires: i64 = page.header("primer-session-expires").unwrap().parse().unwrap();
        assert!(expires > chrono::Utc::now().timestamp(), "{path}: the session's end is ahead");
    }
    for path in ["/api/v1/me", "/api/v1/progress", "/api/v1/reports/people"] {
        let reply = app.get(path).session(&manager).send().await;
        assert_eq!(reply.header("primer-owner").as_deref(), Some(id.as_str()), "{path}");
    }
    // Nobody's: the sign-in page and the bundle.
    let login = app.get("/login").html().send().await;
    assert!(login.header("primer-owner").is_none() && login.header("primer-session").is_none());
    // The session ends elsewhere (a password change from another device): the next answer
    // to this phone says so, and removes its cookie.
    let laptop = app.session_for(manager.user.clone()).await;
    server::auth::session::end_all_for_user(app.db(), manager.user.id, None).await.unwrap();
    let page = app.get("/team").session(&manager).html().send().await;
    assert!(page.status.is_redirection(), "to sign in: {}", page.status);
    assert_eq!(page.header("primer-session").as_deref(), Some("ended"));
    assert!(page.header("primer-owner").is_none());
    // A worker can't read a redirect's headers: the page it leads to says it again (the
    // dead cookie still sent), and removes the cookie.
    assert!(page.set_cookie("primer_session").is_none());
    let login = app.get("/login?next=/team").session(&manager).html().send().await;
    assert_eq!(login.header("primer-session").as_deref(), Some("ended"));
    let cookie = login.set_cookie("primer_session").expect("the dead cookie removed");
    assert!(cookie.contains("Max-Age=0") || cookie.contains("expires="), "{cookie}");
    let api = app.get("/api/v1/me").session(&laptop).send().await;
    api.assert_error(401, "unauthenticated");
    assert_eq!(api.header("primer-session").as_deref(), Some("ended"));
    // Any 401 says so, with or without a cookie.
    let anonymous = app.get("/api/v1/progress").send().await;
    assert_eq!((anonymous.status.as_u16(), anonymous.header("primer-session").as_deref()), (401, Some("ended")));
    // Signing in sets its own cookie: nothing removes it.
    app.create_user("dana@primer.test", Role::Learner, Some("correct horse battery")).await;
    let signed_in = app
        .post("/api/v1/auth/login")
        .header("cookie", &manager.cookie)
        .json(&json!({"email": "dana@primer.test", "password": "correct horse battery"}))
        .send()
        .await;
    signed_in.assert_status(200);
    let cookies: Vec<_> = signed_in.headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    assert!(signed_in.session_cookie().is_some_and(|c| c.len() > "primer_session=".len()));
}

/// An image whose header claims more pixels than any photo has is refused before
/// anything decodes it, and one whose bytes don't hold what its header claims too.
async fn images_are_capped_and_decoded(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let png = fixtures::png();
    // PNG's IHDR: width and height, big-endian, at bytes 16..24.
    let claiming = |w: u32, h: u32| {
        let mut bytes = png.clone();
        bytes[16..20].copy_from_slice(&w.to_be_bytes());
        bytes[20..24].copy_from_slice(&h.to_be_bytes());
        bytes
    };
    let reply = upload_as(&app, &author, "bomb.png", &claiming(1_000_000_000, 1_000_000_000)).await;
    reply.assert_error(422, "invalid_media");
    assert!(reply.value()["error"]["message"].as_str().unwrap().contains("megapixels"));
    let reply = upload_as(&app, &author, "liar.png", &claiming(4000, 3000)).await;
    reply.assert_error(422, "invalid_media");
    let stored = server::db::entities::media::Entity::find().count(app.db()).await.unwrap();
    assert_eq!(stored, 0, "neither was stored");
    upload_as(&app, &author, "chart.png", &png).await.assert_status(201);
}

/// Media is served to people who may see a module using it (and to authors and admins);
/// to anyone else, drafts' files included, it isn't there.
async fn media_follows_the_modules_using_it(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let video: app::api::Media =
        upload_as(&app, &author, "aurora.mp4", &fixtures::mp4()).await.assert_status(201).json();
    let poster = video.poster.clone().expect("a poster frame");
    let draft_image: app::api::Media =
        upload_as(&app, &author, "draft.png", &fixtures::png()).await.assert_status(201).json();
    let learner = learner_in(&app, None, None, None).await;
    let manager = app.signed_in(Role::Manager).await;
    for url in [&video.url, &poster.url, &draft_image.url] {
        app.get(url).session(&learner).send().await.assert_error(404, "not_found");
    }
    // Published in a video module everyone may open: its renditions for phones and their
    // poster frame; the original never goes to phones.
    let m = create(&app, &author, &json!({"kind": "video", "title": "Aurora", "video_media_id": video.id})).await;
    crate::support::build::run_jobs(&app).await;
    publish(&app, &author, m.id).await;
    let ready: app::api::Media = app.get(&format!("/api/v1/media/{}", video.id)).session(&author).send().await.json();
    assert_eq!(ready.renditions.len(), 2);
    let small_poster = ready.renditions[0].poster.clone().unwrap();
    for url in ready.renditions.iter().map(|r| &r.url).chain([&small_poster.url]) {
        app.get(url).session(&learner).send().await.assert_status(200);
        app.get(url).session(&manager).send().await.assert_status(200);
    }
    for url in [&video.url, &poster.url] {
        app.get(url).session(&learner).send().await.assert_error(404, "not_found");
    }
    // The draft's image: still nobody's but its authors'.
    app.get(&draft_image.url).session(&learner).send().await.assert_error(404, "not_found");
    app.get(&draft_image.url).session(&author).send().await.assert_status(200);
    let admin = app.signed_in(Role::Admin).await;
    app.get(&draft_image.url).session(&admin).send().await.assert_status(200);
    // Limited to a job role the next learner doesn't have: not theirs. (Someone who could
    // see it keeps their access for up to a minute, the grant's life.)
    let other = learner_in(&app, None, None, None).await;
    let module: Module = app.get(&format!("/api/v1/modules/{}", m.id)).session(&author).send().await.json();
    let mut body = serde_json::to_value(&module).unwrap();
    body["audience"] = json!({"job_roles": ["Nobody here"]});
    app.put(&format!("/api/v1/modules/{}", m.id)).session(&author).json(&body).send().await.assert_status(200);
    publish(&app, &author, m.id).await;
    app.get(&ready.renditions[0].url).session(&other).send().await.assert_error(404, "not_found");
}

/// Links Primer hands out are built from its configuration, never from the request's
/// `Host`; a one-time link made before a deactivation doesn't work after a reactivation.
async fn links_come_from_configuration(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let dana = app.create_user("dana@primer.test", Role::Learner, None).await;
    let link: app::api::PasswordResetLink = app
        .post(&format!("/api/v1/users/{}/password-reset", dana.id))
        .session(&admin)
        .header("host", "evil.example")
        .send()
        .await
        .assert_status(201)
        .json();
    let url = link.url.unwrap();
    assert!(url.starts_with("http://127.0.0.1:3000/reset/"), "{url}");
    let page: Value = app
        .get("/api/v1/export/xapi")
        .session(&admin)
        .header("host", "evil.example")
        .send()
        .await
        .assert_status(200)
        .value();
    assert!(!page.to_string().contains("evil.example"));
    let configured =
        app.reconfigured(|c| c.link_base = server::config::Origin::parse("https://primer.example.com").unwrap().origin);
    let link: app::api::PasswordResetLink = configured
        .post(&format!("/api/v1/users/{}/password-reset", dana.id))
        .session(&admin)
        .header("host", "evil.example")
        .send()
        .await
        .json();
    let url = link.url.unwrap();
    assert!(url.starts_with("https://primer.example.com/reset/"), "{url}");

    // Deactivated, then reactivated: the link made before is dead.
    let token = url.rsplit('/').next().unwrap().to_string();
    for active in [false, true] {
        app.patch(&format!("/api/v1/users/{}", dana.id))
            .session(&admin)
            .json(&json!({"active": active}))
            .send()
            .await
            .assert_status(200);
    }
    app.post("/api/v1/auth/password-reset")
        .json(&json!({"token": token, "password": "a brand new password"}))
        .send()
        .await
        .assert_error(400, "invalid_reset_link");
}

/// One person can't sync without limit: past 20 batches or 10,000 records in a minute
/// (here 2 and 5), 429 `rate_limited` with `Retry-After`, nothing stored.
async fn sync_is_rate_limited_per_person(app: TestApp) {
    let app = app.reconfigured(|c| c.sync_rate = server::config::SyncRate { batches: 2, records: 5 });
    let (tip_id, _) = crate::support::build::tip_and_quiz(&app).await;
    let learner = learner_in(&app, None, None, None).await;
    // The count starts afresh each minute: the batches below must fall in one.
    let second = chrono::Timelike::second(&chrono::Utc::now());
    if second >= 50 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::from(61 - second))).await;
    }
    let batch = |n: usize| {
        json!({"device_id": "p", "device_time": chrono::Utc::now().to_rfc3339(),
               "records": (0..n).map(|_| record(&id(), "completion", tip_id, 1, json!({}))).collect::<Vec<_>>()})
    };
    app.post("/api/v1/sync").session(&learner).json(&batch(2)).send().await.assert_status(200);
    let over = app.post("/api/v1/sync").session(&learner).json(&batch(4)).send().await;
    if over.status.as_u16() == 200 {
        // The minute turned between the two: the limit holds in the new one.
        panic!("six records in a minute, against a limit of five: {}", over.text());
    }
    over.assert_error(429, "rate_limited");
    let wait: u64 = over.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    let stored = server::db::entities::learning_record::Entity::find().count(app.db()).await.unwrap();
    assert_eq!(stored, 2, "the refused batch stored nothing");
    // Someone else is not held back.
    let other = learner_in(&app, None, None, None).await;
    app.post("/api/v1/sync").session(&other).json(&batch(1)).send().await.assert_status(200);
}

async fn manager_of(app: &TestApp, admin: &Session, team_id: i64) -> Session {
    let user: User = app
        .post("/api/v1/users")
        .session(admin)
        .json(&json!({"email": format!("m{}@primer.test", uuid::Uuid::new_v4().simple()), "name": "Morgan",
                      "role": "manager", "manages": [team_id]}))
        .send()
        .await
        .assert_status(201)
        .json();
    assert_eq!(user.manages.len(), 1);
    app.session_for(user).await
}

db_tests!(
    unknown_values_are_refused_on_input,
    sign_in_never_redirects_off_site,
    unreadable_columns_fail_closed,
    unreadable_assessments_never_leak_the_answer_key,
    writes_take_what_reads_return,
    csv_exports_download_compressed_and_defuse_formulas,
    parallel_guesses_are_counted_before_they_are_checked,
    too_many_password_checks_at_once_are_busy,
    nobody_can_lock_anyone_out,
    sign_in_addresses_have_a_length_cap,
    assessments_cannot_be_brute_forced,
    assessment_pools_draw_questions_per_attempt,
    certificates_are_not_backdated,
    responses_carry_a_strict_policy,
    answers_say_whose_they_are,
    images_are_capped_and_decoded,
    media_follows_the_modules_using_it,
    links_come_from_configuration,
    sync_is_rate_limited_per_person,
);

/// Whatever `next` is, the place `safe_next` lets through, resolved by the WHATWG URL
/// rules (as browsers resolve `Location`), is on the same origin.
#[test]
fn safe_next_stays_on_the_origin_by_whatwg_rules() {
    use proptest::prelude::*;
    let base = url::Url::parse("https://primer.example/").unwrap();
    let pieces = prop::collection::vec(
        prop_oneof![
            Just("/".to_string()),
            Just("\\".to_string()),
            Just("\t".to_string()),
            Just("\n".to_string()),
            Just("\r".to_string()),
            Just(" ".to_string()),
            Just("%2F".to_string()),
            Just("%09".to_string()),
            Just(":".to_string()),
            Just("@".to_string()),
            Just(".".to_string()),
            Just("evil.example".to_string()),
            Just("https:".to_string()),
            Just("\u{0}".to_string()),
            Just("\u{ff0f}".to_string()),
            Just("\u{3000}".to_string()),
            Just("?q=".to_string()),
            Just("#".to_string()),
        ],
        0..8,
    )
    .prop_map(|p| p.concat());
    proptest!(ProptestConfig::with_cases(2000), |(next in pieces)| {
        let chosen = app::api::validate::safe_next(Some(&next));
        let resolved = base.join(&chosen).unwrap();
        prop_assert_eq!(resolved.origin(), base.origin(), "{:?} -> {:?}", next, chosen);
    });
}
