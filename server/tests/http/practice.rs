//! Practice modules: a pitch to record, scored against a rubric. Here: the module's rules
//! (what authors may save and publish, what learners get, and that saying "done" doesn't
//! complete one).

use app::api::{LearnerModule, Module, ModuleContent, Reviewers, Role};
use serde_json::{Value, json};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::db::entities::learning_record;

use crate::{
    db_tests, fixtures,
    support::{
        Session, TestApp,
        build::{create, id, learner_in, manager_of, publish, record, statuses, sync_from, tip},
    },
    uploads,
};

/// A practice module's draft, ready to publish: two criteria, the second counting double.
pub fn practice() -> Value {
    json!({"kind": "practice", "title": "Pitch Aurora", "estimated_seconds": 180,
           "prompt": "Pitch Aurora to a retail store manager in 60 seconds",
           "max_seconds": 60, "pass_percent": 70, "reviewers": "both", "peer_reviews": 3,
           "rubric": {"scale_max": 5, "criteria": [
               {"name": "Opening", "description": "Names the store's problem first", "weight": 1},
               {"name": "Close", "description": "Asks for the next step", "weight": 2}]}})
}

async fn practice_modules_are_checked_and_published(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let learner = app.signed_in(Role::Learner).await;

    // The flat fields, as the issue's clients send them.
    let made = create(&app, &author, &practice()).await;
    let ModuleContent::Practice { prompt, max_seconds, rubric, pass_percent, reviewers, peer_reviews } = &made.content
    else {
        panic!("practice content: {:?}", made.content)
    };
    assert_eq!(prompt, "Pitch Aurora to a retail store manager in 60 seconds");
    assert_eq!((*max_seconds, *pass_percent, *reviewers, *peer_reviews), (60, 70, Reviewers::Both, 3));
    assert_eq!((rubric.scale_max, rubric.criteria.len(), rubric.criteria[1].weight), (5, 2, 2));
    assert!(made.problems.is_empty(), "{:?}", made.problems);

    // What GET returns goes back as it is.
    let read: Value = app.get(&format!("/api/v1/modules/{}", made.id)).session(&author).send().await.value();
    let again: Module = app
        .put(&format!("/api/v1/modules/{}", made.id))
        .session(&author)
        .json(&read)
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(again.content, made.content);

    // Defaults: a minute, 75 %, the manager reviews, two peers when peers do.
    let bare = create(&app, &author, &json!({"kind": "practice", "title": "Later", "estimated_seconds": 60})).await;
    let ModuleContent::Practice { max_seconds, pass_percent, reviewers, peer_reviews, .. } = &bare.content else {
        panic!("practice")
    };
    assert_eq!((*max_seconds, *pass_percent, *reviewers, *peer_reviews), (60, 75, Reviewers::Manager, 2));
    // A draft may be unfinished; publishing says what is missing.
    assert_eq!(bare.problems, ["Write the prompt: what to say, and to whom.", "Give the rubric at least 2 criteria."]);
    let reply = app.post(&format!("/api/v1/modules/{}/publish", bare.id)).session(&author).send().await;
    reply.assert_error(409, "not_publishable");

    // Each field is checked, and named.
    let with = |change: Value| {
        let mut body = practice();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let criterion = |name: &str, weight: u32| json!({"name": name, "weight": weight});
    let cases = [
        (with(json!({"max_seconds": 361})), "max_seconds"),
        (with(json!({"max_seconds": 5})), "max_seconds"),
        (with(json!({"pass_percent": 0})), "pass_percent"),
        (with(json!({"peer_reviews": 0})), "peer_reviews"),
        (with(json!({"reviewers": "coach"})), "reviewers"),
        (with(json!({"prompt": "x".repeat(501)})), "prompt"),
        (with(json!({"rubric": {"scale_max": 3, "criteria": [criterion("a", 1), criterion("b", 1)]}})), "rubric"),
        (with(json!({"rubric": {"scale_max": 4, "criteria": [criterion("a", 0), criterion("b", 1)]}})), "rubric"),
        (with(json!({"rubric": {"scale_max": 4, "criteria": [criterion("a", 11), criterion("b", 1)]}})), "rubric"),
        (
            with(json!({"rubric": {"scale_max": 4, "criteria": [criterion("Close", 1), criterion("close", 1)]}})),
            "rubric",
        ),
        (
            with(
                json!({"rubric": {"scale_max": 4, "criteria": (0..9).map(|i| criterion(&format!("c{i}"), 1)).collect::<Vec<_>>()}}),
            ),
            "rubric",
        ),
    ];
    for (body, field) in cases {
        let reply = app.post("/api/v1/modules").session(&author).json(&body).send().await;
        reply.assert_error(422, "invalid_input");
        assert_eq!(reply.value()["error"]["field"], field, "{body}");
    }

    // Learners get the prompt and the rubric; the module is completed by a review that
    // passes a take, not by the phone saying so.
    publish(&app, &author, made.id).await;
    app.published_long_ago().await;
    let got: LearnerModule =
        app.get(&format!("/api/v1/catalog/{}", made.id)).session(&learner).send().await.assert_status(200).json();
    assert_eq!(got.content, made.content);
    let sent = sync_from(&app, &learner, "phone", vec![record(&id(), "completion", made.id, 1, json!({}))]).await;
    assert_eq!(statuses(&sent), ["invalid_payload"]);
    let page = app.get(&format!("/modules/{}", made.id)).session(&learner).html().send().await;
    let html = page.assert_status(200).text();
    assert!(html.contains("Pitch Aurora to a retail store manager") && html.contains("Asks for the next step"));
    assert!(!html.contains("data-testid=\"mark-complete\""), "no way to mark it complete");
}

/// A whole take uploaded through tus in one request: its media id.
pub async fn upload_take(app: &TestApp, who: &Session, module: i64, bytes: &[u8]) -> String {
    let url = uploads::start(app, who, module, bytes.len()).await.assert_status(201).header("location").unwrap();
    let done = uploads::send(app, who, &url, 0, bytes, 64 << 10, None).await;
    done.assert_status(204);
    done.header("primer-media-id").expect("the take's media id")
}

/// A take is submitted by a `practice_submission` record, synced like any other: once,
/// only for the person's own take of that module, its length the server's measure.
async fn takes_are_submitted_once_through_sync(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let learner = app.signed_in(Role::Learner).await;
    let made = create(&app, &author, &practice()).await;
    publish(&app, &author, made.id).await;
    let other = create(
        &app,
        &author,
        &json!({"kind": "practice", "title": "Objections", "estimated_seconds": 60,
        "prompt": "Answer 'too expensive'", "rubric": {"scale_max": 4, "criteria": [
            {"name": "Calm", "weight": 1}, {"name": "Value", "weight": 1}]}}),
    )
    .await;
    publish(&app, &author, other.id).await;
    let card = create(&app, &author, &tip("Card", "Body")).await;
    publish(&app, &author, card.id).await;

    let bytes = fixtures::mp4();
    let take = upload_take(&app, &learner, made.id, &bytes).await;
    let someone = app.signed_in(Role::Learner).await;
    let theirs = upload_take(&app, &someone, made.id, &fixtures::mp4_index_at_end()).await;
    let of_other = upload_take(&app, &learner, other.id, &fixtures::webm()).await;

    let submit = |module: i64, payload: Value| record(&id(), "practice_submission", module, 1, payload);
    let good = submit(made.id, json!({"media_id": take, "seconds": 45}));
    let refused = vec![
        submit(made.id, json!({"media_id": "0".repeat(64), "seconds": 2})),
        submit(made.id, json!({"media_id": theirs, "seconds": 2})),
        submit(made.id, json!({"media_id": of_other, "seconds": 1})),
        submit(card.id, json!({"media_id": take, "seconds": 2})),
        submit(made.id, json!({"media_id": "not-a-take", "seconds": 2})),
        submit(made.id, json!({"media_id": take, "seconds": 2, "score": 100})),
        submit(made.id, json!({"media_id": take, "seconds": 361})),
    ];
    let mut batch = vec![good.clone()];
    batch.extend(refused);
    let sent = sync_from(&app, &learner, "phone", batch).await;
    assert_eq!(statuses(&sent)[0], "accepted");
    assert!(statuses(&sent)[1..].iter().all(|s| s == "invalid_payload"), "{:?}", statuses(&sent));
    // Again (an answer lost on the way): stored once.
    let again = sync_from(&app, &learner, "phone", vec![good.clone()]).await;
    assert_eq!(statuses(&again), ["duplicate"]);
    let stored = learning_record::Entity::find()
        .filter(learning_record::Column::Kind.eq("practice_submission"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].payload, json!({"media_id": take, "seconds": 2}), "its length is the file's, not the phone's");

    // Sent is not passed: the module isn't complete.
    let progress: app::api::Progress = app.get("/api/v1/progress").session(&learner).send().await.json();
    assert!(!progress.is_completed(made.id), "{progress:?}");
    // xAPI: a submission is a statement of its own.
    let admin = app.signed_in(Role::Admin).await;
    let export = app.get("/api/v1/export/xapi").session(&admin).send().await.assert_status(200).value();
    let statement = export["statements"].as_array().unwrap().iter().find(|s| s["id"] == good["id"]).cloned().unwrap();
    assert_eq!(statement["verb"]["id"], "http://activitystrea.ms/schema/1.0/submit");
    assert_eq!(statement["result"]["duration"], "PT2S");
    assert_eq!(statement["object"]["definition"]["type"], "http://adlnet.gov/expapi/activities/performance");

    // A take not yet reviewed can be deleted by its person (nobody else): its file goes,
    // and its submission no longer waits for a reviewer.
    let manager_waits = || {
        let (app, admin) = (&app, admin.clone());
        async move { app.get("/api/v1/reviews").session(&admin).send().await.value().as_array().unwrap().len() }
    };
    assert_eq!(manager_waits().await, 1);
    let delete = |who: &Session, media: &str| {
        app.request(axum::http::Method::DELETE, &format!("/api/v1/me/takes/{media}")).session(who)
    };
    delete(&someone, &take).send().await.assert_error(404, "not_found");
    delete(&learner, &take).send().await.assert_status(204);
    delete(&learner, &take).send().await.assert_error(404, "not_found");
    assert_eq!(manager_waits().await, 0);
    assert!(server::db::entities::media::Entity::find_by_id(take.clone()).one(app.db()).await.unwrap().is_none());
    app.get(&format!("/media/{take}")).session(&learner).send().await.assert_error(404, "not_found");
    assert!(!app.state.media.contains(&take).await.unwrap(), "its bytes are gone from the store");
    // The records stay: history isn't rewritten.
    assert_eq!(
        learning_record::Entity::find()
            .filter(learning_record::Column::Kind.eq("practice_submission"))
            .all(app.db())
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Reviews: who gets which submissions to review, peers blind to each other, the
/// manager deciding, the pass folded into progress (and rebuilt the same), the learner's
/// feedback, and each review a statement.
async fn reviews_decide_and_fold_into_progress(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let team = |name: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.post("/api/v1/teams").session(&admin).json(&json!({"name": name})).send().await.value()["id"]
                .as_i64()
                .unwrap()
        }
    };
    let (north, south) = (team("North").await, team("South").await);
    let author = app.signed_in(Role::Author).await;
    // Both review, two peers; pass at 70 % of Opening (×1) and Close (×2), out of 5.
    let mut body = practice();
    body["peer_reviews"] = json!(2);
    let made = create(&app, &author, &body).await;
    publish(&app, &author, made.id).await;
    let learner = learner_in(&app, None, Some(north), None).await;
    let [p1, p2, p3] = [
        learner_in(&app, None, Some(north), None).await,
        learner_in(&app, None, Some(north), None).await,
        learner_in(&app, None, Some(north), None).await,
    ];
    let outsider = learner_in(&app, None, Some(south), None).await;
    let manager = manager_of(&app, &admin, north).await;
    let other_manager = manager_of(&app, &admin, south).await;

    let take = upload_take(&app, &learner, made.id, &fixtures::mp4()).await;
    let submission = record(&id(), "practice_submission", made.id, 1, json!({"media_id": take, "seconds": 2}));
    let submission_id = submission["id"].as_str().unwrap().to_string();
    assert_eq!(statuses(&sync_from(&app, &learner, "phone", vec![submission]).await), ["accepted"]);

    let waiting = |who: &Session| {
        let (app, who) = (&app, who.clone());
        async move { app.get("/api/v1/reviews").session(&who).send().await.assert_status(200).value() }
    };
    for (who, expected) in [
        (&manager, Some("manager")),
        (&p1, Some("peer")),
        (&admin, Some("manager")),
        (&outsider, None),
        (&other_manager, None),
        (&learner, None),
        (&author, None),
    ] {
        let list = waiting(who).await;
        let found = list.as_array().unwrap().iter().find(|w| w["submission_id"] == submission_id.as_str());
        assert_eq!(found.map(|w| w["as"].as_str().unwrap()), expected, "{}: {list}", who.user.email);
    }
    let listed = waiting(&manager).await[0].clone();
    assert_eq!((listed["media_id"].as_str(), listed["seconds"].as_u64()), (Some(take.as_str()), Some(2)));
    assert_eq!(listed["rubric"]["criteria"][1]["name"], "Close");

    let review = |who: &Session, opening: u8, close: u8, extra: Value| {
        let (app, who, submission_id) = (&app, who.clone(), submission_id.clone());
        async move {
            let mut body = json!({"submission_id": submission_id,
                "scores": [{"criterion": "Opening", "score": opening}, {"criterion": "close", "score": close}],
                "comments": [{"at_seconds": 1.5, "text": "Lead with <b>their</b> problem"}], "summary": "Good start"});
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            app.post("/api/v1/reviews").session(&who).json(&body).send().await
        }
    };
    // Refused: each bad part named; people who don't review this learner find nothing.
    let bad = [
        (json!({"scores": [{"criterion": "Opening", "score": 5}]}), "scores"),
        (json!({"scores": [{"criterion": "Opening", "score": 6}, {"criterion": "Close", "score": 1}]}), "scores"),
        (json!({"comments": [{"at_seconds": 99, "text": "Later"}]}), "comments"),
        (json!({"comments": [{"at_seconds": 1, "text": "  "}]}), "comments"),
        (json!({"summary": "x".repeat(2001)}), "summary"),
    ];
    for (extra, field) in bad {
        let reply = review(&p1, 5, 4, extra.clone()).await;
        reply.assert_error(422, "invalid_input");
        assert_eq!(reply.value()["error"]["field"], field, "{extra}");
    }
    for who in [&outsider, &other_manager, &learner, &author] {
        review(who, 5, 5, json!({})).await.assert_error(404, "not_found");
    }
    review(&p1, 5, 5, json!({"submission_id": id()})).await.assert_error(404, "not_found");

    // The first peer: 13 of 15 points, not decided (two peers asked).
    let first: Value = review(&p1, 5, 4, json!({})).await.assert_status(201).value();
    assert_eq!(
        (first["percent"].as_u64(), first["passed"].as_bool(), first["as"].as_str()),
        (Some(86), None, Some("peer"))
    );
    review(&p1, 1, 1, json!({})).await.assert_error(409, "already_reviewed");
    assert!(waiting(&p1).await.as_array().unwrap().is_empty(), "reviewed: no longer waiting");
    // The second peer sees the take, never the first's scores.
    let seen = waiting(&p2).await;
    assert_eq!(seen.as_array().unwrap().len(), 1);
    assert!(!seen.to_string().contains("Good start") && seen[0].get("reviews").is_none(), "{seen}");
    // Their mean, (86.7 + 40) / 2, is under 70: not passed.
    let second: Value = review(&p2, 2, 2, json!({})).await.assert_status(201).value();
    assert_eq!(second["passed"], false);
    let progress = || {
        let (app, learner) = (&app, learner.clone());
        async move { app.get("/api/v1/progress").session(&learner).send().await.json::<app::api::Progress>() }
    };
    assert!(!progress().await.is_completed(made.id));
    assert!(waiting(&p3).await.as_array().unwrap().is_empty(), "enough peers reviewed");
    // The manager's review decides: 12 of 15 is 80 %, a pass, and the module is complete.
    // The manager's Team page says a take waits, and since when; the review page lists it.
    let team_page = app.get("/team").html().session(&manager).send().await.assert_status(200).text();
    assert!(team_page.contains("1 take waiting for your review · the oldest sent"), "{team_page}");
    let reviews_page = app.get("/reviews").html().session(&manager).send().await.assert_status(200).text();
    assert!(reviews_page.contains(r#"data-testid="waiting-review""#), "{reviews_page}");
    let third: Value = review(&manager, 4, 4, json!({})).await.assert_status(201).value();
    assert_eq!((third["passed"].as_bool(), third["as"].as_str()), (Some(true), Some("manager")));
    let before = progress().await;
    assert!(before.is_completed(made.id), "{before:?}");
    assert!(waiting(&manager).await.as_array().unwrap().is_empty());

    // A reviewed take stays with its feedback.
    let deleting = app.request(axum::http::Method::DELETE, &format!("/api/v1/me/takes/{take}")).session(&learner);
    deleting.send().await.assert_error(409, "already_reviewed");

    // `primer rebuild` folds the same progress from the records, reviews among them.
    server::projection::rebuild_learner(app.db(), learner.user.id).await.unwrap();
    assert_eq!(progress().await.modules, before.modules);

    // The learner's feedback: every review, its scores and comments, and the outcome.
    let mine: Vec<app::api::Submission> =
        app.get("/api/v1/me/practice").session(&learner).send().await.assert_status(200).json();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].media_id.as_str(), mine[0].passed, mine[0].reviews.len()), (take.as_str(), Some(true), 3));
    let by_manager = &mine[0].reviews[2];
    assert_eq!((by_manager.reviewer_name.as_str(), by_manager.percent), ("Max Manager", 80));
    assert_eq!(by_manager.comments[0].text, "Lead with <b>their</b> problem");
    assert_eq!(by_manager.comments[0].at_seconds, 1.5);
    let theirs: Vec<app::api::Submission> = app.get("/api/v1/me/practice").session(&p1).send().await.json();
    assert!(theirs.is_empty(), "only one's own");

    // xAPI: each review a statement, scored until decided, then failed and passed.
    let export = app.get("/api/v1/export/xapi").session(&admin).send().await.assert_status(200).value();
    let verbs: Vec<&str> = export["statements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| [&first["id"], &second["id"], &third["id"]].contains(&&s["id"]))
        .map(|s| s["verb"]["display"]["en-US"].as_str().unwrap())
        .collect();
    assert_eq!(verbs, ["scored", "failed", "passed"]);

    // The author's insights: one take, reviewed, passed; each criterion's mean score.
    let insights: app::api::ModuleInsights = app
        .get(&format!("/api/v1/reports/modules/{}/insights", made.id))
        .session(&author)
        .send()
        .await
        .assert_status(200)
        .json();
    let practice = insights.practice.expect("a practice module's insights");
    assert_eq!(
        (practice.submissions, practice.reviewed, practice.decided, practice.passed, practice.pass_rate),
        (1, 1, 1, 1, Some(100.0))
    );
    let means: Vec<_> = practice.criteria.iter().map(|c| (c.name.as_str(), c.reviews, c.average)).collect();
    assert_eq!(means, [("Opening", 3, Some(3.7)), ("Close", 3, Some(3.3))]);
    let page = app.get(&format!("/studio/insights?module={}", made.id)).html().session(&author).send().await.text();
    assert!(page.contains("1 submitted · 1 reviewed · 100"), "{page}");
}

/// Featured takes: only with the learner's consent (given with the submission, offline
/// too, or later; withdrawn any time), featured by a reviewer, then on teammates' Home
/// and theirs to watch; withdrawn, gone again.
async fn takes_are_featured_only_with_consent(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let team = |name: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.post("/api/v1/teams").session(&admin).json(&json!({"name": name})).send().await.value()["id"]
                .as_i64()
                .unwrap()
        }
    };
    let (north, south) = (team("North").await, team("South").await);
    let author = app.signed_in(Role::Author).await;
    // Only the manager reviews: teammates can't see takes until one is featured.
    let mut body = practice();
    body["reviewers"] = json!("manager");
    let made = create(&app, &author, &body).await;
    publish(&app, &author, made.id).await;
    let learner = learner_in(&app, None, Some(north), None).await;
    let teammate = learner_in(&app, None, Some(north), None).await;
    let outsider = learner_in(&app, None, Some(south), None).await;
    let manager = manager_of(&app, &admin, north).await;
    let other_manager = manager_of(&app, &admin, south).await;

    // Submitted without consent.
    let take = upload_take(&app, &learner, made.id, &fixtures::mp4()).await;
    let submission = record(&id(), "practice_submission", made.id, 1, json!({"media_id": take, "seconds": 2}));
    let submission_id = submission["id"].as_str().unwrap().to_string();
    assert_eq!(statuses(&sync_from(&app, &learner, "phone", vec![submission]).await), ["accepted"]);
    let waiting: Value = app.get("/api/v1/reviews").session(&manager).send().await.value();
    assert_eq!(waiting[0]["shared"], false);
    let feature = |who: &Session, featured: bool| {
        let (app, who, path) = (&app, who.clone(), format!("/api/v1/reviews/{submission_id}/feature"));
        async move { app.put(&path).session(&who).json(&json!({"featured": featured})).send().await }
    };
    feature(&manager, true).await.assert_error(409, "not_shared");
    let consent = |who: &Session, media: &str, body: Value| {
        let (app, who, path) = (&app, who.clone(), format!("/api/v1/me/takes/{media}"));
        async move { app.put(&path).session(&who).json(&body).send().await }
    };
    // Only its person says yes, and only yes or no.
    consent(&teammate, &take, json!({"shared": true})).await.assert_error(404, "not_found");
    consent(&manager, &take, json!({"shared": true})).await.assert_error(404, "not_found");
    consent(&learner, &take, json!({"shared": "yes"})).await.assert_error(400, "malformed_request");
    consent(&learner, &take, json!({"shared": true, "featured": true})).await.assert_error(400, "malformed_request");
    let sharing: app::api::TakeSharing =
        consent(&learner, &take, json!({"shared": true})).await.assert_status(200).json();
    assert_eq!((sharing.shared, sharing.featured), (true, false));
    let waiting: Value = app.get("/api/v1/reviews").session(&manager).send().await.value();
    assert_eq!(waiting[0]["shared"], true);

    // Before it is featured, a teammate can't fetch it and Home lists nothing.
    let fetch = |who: &Session| {
        let (app, who, path) = (&app, who.clone(), format!("/media/{take}"));
        async move { app.get(&path).session(&who).send().await }
    };
    let watch = |who: &Session| {
        let fetch = &fetch;
        let who = who.clone();
        async move { fetch(&who).await.status.as_u16() }
    };
    assert_ne!(watch(&teammate).await, 200);
    let featured = |who: &Session| {
        let (app, who) = (&app, who.clone());
        async move {
            let r: app::api::Recognition = app.get("/api/v1/me/recognition").session(&who).send().await.json();
            r.featured
        }
    };
    assert!(featured(&teammate).await.is_empty());

    // Who may feature it: the learner's manager (and admins), nobody else.
    for who in [&teammate, &outsider, &other_manager, &author, &learner] {
        feature(who, true).await.assert_error(404, "not_found");
    }
    let bad = app.put("/api/v1/reviews/not-a-submission/feature").session(&manager).json(&json!({"featured": true}));
    bad.send().await.assert_error(404, "not_found");
    let sharing: app::api::TakeSharing = feature(&manager, true).await.assert_status(200).json();
    assert_eq!((sharing.shared, sharing.featured), (true, true));

    // On teammates' Home (and their manager's), theirs to watch; not the learner's own
    // Home, nor another team's.
    let shown = featured(&teammate).await;
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!((shown[0].name.as_str(), shown[0].title.as_str()), ("Lee Learner", "Pitch Aurora"));
    assert_eq!(shown[0].url, format!("/media/{take}"), "no rendition made here: the file as recorded");
    assert_eq!(featured(&manager).await.len(), 1);
    assert!(featured(&learner).await.is_empty());
    assert!(featured(&outsider).await.is_empty());
    assert_eq!(watch(&teammate).await, 200);
    assert_ne!(watch(&outsider).await, 200);
    // A teammate's copy isn't kept (their right ends with a withdrawal); its person's is.
    assert_eq!(fetch(&teammate).await.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(fetch(&learner).await.header("cache-control").as_deref(), Some("private, max-age=31536000, immutable"));
    let home = app.get("/").html().session(&teammate).send().await.assert_status(200).text();
    assert!(home.contains(r#"data-testid="featured-takes""#) && home.contains(&format!("/media/{take}")), "{home}");
    let mine: Vec<app::api::Submission> = app.get("/api/v1/me/practice").session(&learner).send().await.json();
    assert_eq!((mine[0].shared, mine[0].featured), (true, true));

    // Withdrawn: no longer featured, nor to be featured, nor to be fetched by teammates.
    let sharing: app::api::TakeSharing =
        consent(&learner, &take, json!({"shared": false})).await.assert_status(200).json();
    assert_eq!((sharing.shared, sharing.featured), (false, false));
    assert!(featured(&teammate).await.is_empty());
    assert_ne!(watch(&teammate).await, 200);
    feature(&manager, true).await.assert_error(409, "not_shared");
    // Given again, it waits for a reviewer to feature it again; stopping is theirs too.
    consent(&learner, &take, json!({"shared": true})).await.assert_status(200);
    assert!(featured(&teammate).await.is_empty());
    feature(&admin, true).await.assert_status(200);
    assert_eq!(featured(&teammate).await.len(), 1);
    let stopped: app::api::TakeSharing = feature(&manager, false).await.assert_status(200).json();
    assert_eq!((stopped.shared, stopped.featured), (true, false));
    assert!(featured(&teammate).await.is_empty());
    // Featured for North: once its person moves to South, neither team sees it.
    feature(&manager, true).await.assert_status(200);
    assert_eq!(featured(&teammate).await.len(), 1);
    app.patch(&format!("/api/v1/users/{}", learner.user.id))
        .session(&admin)
        .json(&json!({"team_id": south}))
        .send()
        .await
        .assert_status(200);
    assert!(featured(&teammate).await.is_empty());
    assert!(featured(&outsider).await.is_empty());
    assert_ne!(watch(&outsider).await, 200);
    app.patch(&format!("/api/v1/users/{}", learner.user.id))
        .session(&admin)
        .json(&json!({"team_id": north}))
        .send()
        .await
        .assert_status(200);
    feature(&manager, false).await.assert_status(200);

    // Consent given on the phone with the submission (offline, sent later), once...
    let second = upload_take(&app, &learner, made.id, &fixtures::webm()).await;
    let shared_record =
        record(&id(), "practice_submission", made.id, 1, json!({"media_id": second, "seconds": 2, "share": true}));
    assert_eq!(statuses(&sync_from(&app, &learner, "phone", vec![shared_record.clone()]).await), ["accepted"]);
    let mine: Vec<app::api::Submission> = app.get("/api/v1/me/practice").session(&learner).send().await.json();
    let listed = mine.iter().find(|s| s.media_id == second).unwrap();
    assert_eq!((listed.shared, listed.featured), (true, false));
    // ...and as it was sent (its fingerprint sees it): a resend is a duplicate.
    assert_eq!(statuses(&sync_from(&app, &learner, "phone", vec![shared_record]).await), ["duplicate"]);
    // A yes made offline before a no given since doesn't overturn the no.
    let third = upload_take(&app, &learner, made.id, &fixtures::mp4_index_at_end()).await;
    let earlier = chrono::Utc::now() - chrono::TimeDelta::minutes(5);
    consent(&learner, &third, json!({"shared": false})).await.assert_status(200);
    let late = crate::support::build::record_at(
        "practice_submission",
        made.id,
        json!({"media_id": third, "seconds": 2, "share": true}),
        earlier,
    );
    assert_eq!(statuses(&sync_from(&app, &learner, "phone", vec![late]).await), ["accepted"]);
    let mine: Vec<app::api::Submission> = app.get("/api/v1/me/practice").session(&learner).send().await.json();
    assert!(!mine.iter().find(|s| s.media_id == third).unwrap().shared);
    // Consent is yes or nothing.
    let odd =
        record(&id(), "practice_submission", made.id, 1, json!({"media_id": third, "seconds": 2, "share": "yes"}));
    assert_eq!(statuses(&sync_from(&app, &learner, "phone", vec![odd]).await), ["invalid_payload"]);

    // Someone no longer active: their featured take is neither listed nor fetched.
    feature(&manager, true).await.assert_status(200);
    assert_eq!(watch(&teammate).await, 200);
    app.patch(&format!("/api/v1/users/{}", learner.user.id))
        .session(&admin)
        .json(&json!({"active": false}))
        .send()
        .await
        .assert_status(200);
    assert!(featured(&teammate).await.is_empty());
    assert_ne!(watch(&teammate).await, 200);
}

db_tests!(
    practice_modules_are_checked_and_published,
    takes_are_submitted_once_through_sync,
    reviews_decide_and_fold_into_progress,
    takes_are_featured_only_with_consent
);
