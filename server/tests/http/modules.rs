//! Authoring: drafts, versions, publishing, archiving, paths, assignments, and what
//! learners then see in their catalog.

use app::api::{Catalog, LearnerModule, Media, Module, ModuleContent, ModuleStatus, Role, Team};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use server::db::entities::module_version;

use crate::{
    db_tests, fixtures,
    support::{
        Session, TestApp,
        build::{create, good_questions, learner_in, publish, quiz, tip, upload_as},
    },
};

async fn catalog(app: &TestApp, learner: &Session) -> Catalog {
    app.get("/api/v1/catalog").session(learner).send().await.assert_status(200).json()
}

async fn versions_freeze_what_learners_see(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let learner = app.signed_in(Role::Learner).await;
    let created = app
        .post("/api/v1/modules")
        .session(&author)
        .json(&tip("Handling price objections", "Talk **value**."))
        .send()
        .await;
    created.assert_status(201);
    let body = created.value();
    assert_eq!((body["id"].is_i64(), &body["version"], &body["status"]), (true, &json!(1), &json!("draft")));
    let module: Module = created.json();
    assert_eq!(module.tags, ["product:Aurora", "stage:negotiation"]);
    // Drafts are for authors only.
    assert!(catalog(&app, &learner).await.modules.is_empty());
    app.get(&format!("/api/v1/catalog/{}", module.id)).session(&learner).send().await.assert_error(404, "not_found");

    let v1 = publish(&app, &author, module.id).await;
    assert_eq!(
        (v1.status, v1.version, v1.published_version, v1.has_unpublished_changes),
        (ModuleStatus::Published, 1, Some(1), false)
    );
    let seen = catalog(&app, &learner).await;
    assert_eq!(seen.modules.len(), 1);
    assert_eq!((seen.modules[0].id, seen.modules[0].version), (module.id, 1));

    // Editing makes a new draft; learners keep version 1 until it is published.
    let edited: Module = app
        .put(&format!("/api/v1/modules/{}", module.id))
        .session(&author)
        .json(&tip("Handling price objections", "Talk **value**, then *outcomes*."))
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        (edited.status, edited.version, edited.published_version, edited.has_unpublished_changes),
        (ModuleStatus::Published, 2, Some(1), true)
    );
    let got: LearnerModule = app.get(&format!("/api/v1/catalog/{}", module.id)).session(&learner).send().await.json();
    assert_eq!(got.version, 1);
    assert!(matches!(&got.content, ModuleContent::Tip { body_html, .. } if !body_html.contains("outcomes")));

    let v2 = publish(&app, &author, module.id).await;
    assert_eq!((v2.version, v2.published_version), (2, Some(2)));
    let got: LearnerModule = app.get(&format!("/api/v1/catalog/{}", module.id)).session(&learner).send().await.json();
    assert_eq!(got.version, 2);
    assert!(matches!(&got.content, ModuleContent::Tip { body_html, .. } if body_html.contains("<em>outcomes</em>")));
    // The phone gets what it shows: the card's HTML, its Markdown source sent empty.
    assert!(matches!(&got.content, ModuleContent::Tip { body_markdown, .. } if body_markdown.is_empty()));

    // Version 1 is still there, unchanged, for whatever learners recorded against it.
    let old = module_version::Entity::find_by_id((module.id, 1)).one(app.db()).await.unwrap().expect("v1 kept");
    assert!(!old.content.to_string().contains("outcomes"));

    // Publishing with no changes makes no new version.
    assert_eq!(publish(&app, &author, module.id).await.published_version, Some(2));
    // Saving the same thing again is not a change.
    let same: Module = app
        .put(&format!("/api/v1/modules/{}", module.id))
        .session(&author)
        .json(&tip("Handling price objections", "Talk **value**, then *outcomes*."))
        .send()
        .await
        .json();
    assert!(!same.has_unpublished_changes);
}

async fn video_modules_use_their_media(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let learner = app.signed_in(Role::Learner).await;
    let video: Media = upload_as(&app, &author, "aurora.mp4", &fixtures::mp4()).await.json();
    let captions: Media = upload_as(&app, &author, "aurora.vtt", &fixtures::vtt()).await.json();
    // Wrong kinds of file are refused, naming the field.
    let wrong = json!({"kind": "video", "title": "Aurora in 90 seconds", "video_media_id": captions.id});
    let reply = app.post("/api/v1/modules").session(&author).json(&wrong).send().await;
    reply.assert_error(422, "invalid_input");
    assert_eq!(reply.value()["error"]["field"], "video_media_id");
    let unknown = json!({"kind": "video", "title": "Aurora", "video_media_id": "ab".repeat(32)});
    app.post("/api/v1/modules").session(&author).json(&unknown).send().await.assert_error(422, "invalid_input");

    let module = create(
        &app,
        &author,
        &json!({"kind": "video", "title": "Aurora in 90 seconds", "summary": "The pitch, short.", "video_media_id": video.id, "captions_media_id": captions.id}),
    )
    .await;
    assert_eq!(module.estimated_seconds, 2, "taken from the video's length");
    // Not before its video is ready for phones.
    let early = app.post(&format!("/api/v1/modules/{}/publish", module.id)).session(&author).send().await;
    early.assert_error(409, "renditions_pending");
    assert!(early.value()["error"]["message"].as_str().unwrap().contains("prepared for phones"), "{}", early.text());
    crate::support::build::run_jobs(&app).await;
    let published = publish(&app, &author, module.id).await;
    let poster = video.poster.clone().unwrap();
    assert!(
        matches!(&published.content, ModuleContent::Video { poster_media_id: Some(p), .. } if *p == poster.id),
        "the video's own poster frame"
    );

    // Learners get the renditions, the data saver by default; never the original.
    let ready: app::api::Media = app.get(&format!("/api/v1/media/{}", video.id)).session(&author).send().await.json();
    let (data_saver, standard) = (&ready.renditions[0], &ready.renditions[1]);
    let small_poster = data_saver.poster.clone().unwrap();
    let seen = catalog(&app, &learner).await;
    let entry = &seen.modules[0];
    let ids: Vec<&str> = entry.media.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, [data_saver.media_id.as_str(), small_poster.id.as_str(), captions.id.as_str()]);
    assert_eq!(entry.download_bytes, data_saver.bytes + small_poster.bytes + captions.bytes);
    assert_eq!(entry.media[0].url, format!("/media/{}", data_saver.media_id));
    assert_eq!(entry.downloads.data_saver.media, entry.media);
    assert_eq!(entry.downloads.data_saver.bytes, entry.download_bytes);
    let ids: Vec<&str> = entry.downloads.standard.media.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, [standard.media_id.as_str(), small_poster.id.as_str(), captions.id.as_str()]);
    assert_eq!(entry.downloads.standard.bytes, standard.bytes + small_poster.bytes + captions.bytes);

    // The module itself: its content lists the renditions, and names the data saver as its
    // video (what older apps play), with the data saver's poster.
    let opened: app::api::LearnerModule =
        app.get(&format!("/api/v1/catalog/{}", module.id)).session(&learner).send().await.assert_status(200).json();
    let ModuleContent::Video { video_media_id, poster_media_id, renditions, .. } = &opened.content else {
        panic!("a video: {:?}", opened.content)
    };
    assert_eq!(video_media_id.as_deref(), Some(data_saver.media_id.as_str()));
    assert_eq!(poster_media_id.as_deref(), Some(small_poster.id.as_str()));
    assert_eq!(renditions, &ready.renditions);
    assert_eq!(opened.downloads, entry.downloads);
    let wire = app.get(&format!("/api/v1/catalog/{}", module.id)).session(&learner).send().await.value();
    let first = &wire["content"]["renditions"][0];
    for field in ["quality", "url", "bytes", "width", "height", "duration_s"] {
        assert!(!first[field].is_null(), "renditions[0].{field}: {first}");
    }
    assert_eq!(first["quality"], "data_saver");
    assert!(wire["downloads"]["data_saver"]["media"].is_array() && wire["downloads"]["standard"]["bytes"].is_u64());
}

async fn incomplete_modules_cannot_be_published(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    // A video without its video.
    let video = create(&app, &author, &json!({"kind": "video", "title": "Soon", "estimated_seconds": 60})).await;
    assert_eq!(video.problems, ["Add the video."]);
    let reply = app.post(&format!("/api/v1/modules/{}/publish", video.id)).session(&author).send().await;
    reply.assert_error(409, "not_publishable");
    assert!(reply.value()["error"]["message"].as_str().unwrap().contains("Add the video"));

    // A quiz that isn't finished.
    let unfinished =
        json!([{"prompt": "Which?", "options": [{"text": "A", "correct": false}, {"text": "B", "correct": false}]}]);
    let quiz_module = create(&app, &author, &quiz(unfinished)).await;
    app.post(&format!("/api/v1/modules/{}/publish", quiz_module.id))
        .session(&author)
        .send()
        .await
        .assert_error(409, "not_publishable");
    let fixed: Module = app
        .put(&format!("/api/v1/modules/{}", quiz_module.id))
        .session(&author)
        .json(&quiz(good_questions()))
        .send()
        .await
        .json();
    assert!(fixed.problems.is_empty(), "{:?}", fixed.problems);
    publish(&app, &author, quiz_module.id).await;

    // Media that went missing from the store.
    let image: Media = upload_as(&app, &author, "chart.png", &fixtures::png()).await.json();
    let card = create(&app, &author, &tip("With a chart", &format!("![chart]({})", image.url))).await;
    let stored = app.state.media.local_path(&image.id).unwrap();
    std::fs::remove_file(stored).unwrap();
    let reply = app.post(&format!("/api/v1/modules/{}/publish", card.id)).session(&author).send().await;
    reply.assert_error(409, "not_publishable");
    assert!(reply.value()["error"]["message"].as_str().unwrap().contains("missing"));
    // Uploading it again restores it.
    upload_as(&app, &author, "chart.png", &fixtures::png()).await.assert_status(200);
    publish(&app, &author, card.id).await;
}

async fn every_field_is_checked(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let cases = [
        (json!({"title": "No kind"}), "kind"),
        (json!({"kind": "tip", "title": " ", "estimated_seconds": 60}), "title"),
        (json!({"kind": "tip", "title": "T", "estimated_seconds": 0}), "estimated_seconds"),
        (json!({"kind": "tip", "title": "T", "estimated_seconds": 99999}), "estimated_seconds"),
        (json!({"kind": "tip", "title": "T", "estimated_seconds": 60, "language": "klingon"}), "language"),
        (json!({"kind": "tip", "title": "T", "estimated_seconds": 60, "tags": ["a,b"]}), "tags"),
        (json!({"kind": "tip", "title": "T", "estimated_seconds": 60, "summary": "x".repeat(501)}), "summary"),
        (json!({"kind": "quiz", "title": "T", "estimated_seconds": 60, "pass_percent": 0}), "pass_percent"),
        (quiz(json!(vec![json!({"prompt": "q", "options": []}); 6])), "questions"),
    ];
    for (body, field) in cases {
        let reply = app.post("/api/v1/modules").session(&author).json(&body).send().await;
        reply.assert_error(422, "invalid_input");
        assert_eq!(reply.value()["error"]["field"], field, "{body}");
    }
    let reply =
        app.post("/api/v1/modules").session(&author).json(&json!({"kind": "podcast", "title": "T"})).send().await;
    reply.assert_error(422, "invalid_input");
    assert_eq!(reply.value()["error"]["field"], "kind");
    // The kind of a module can't change.
    let card = create(&app, &author, &tip("Card", "text")).await;
    let reply =
        app.put(&format!("/api/v1/modules/{}", card.id)).session(&author).json(&quiz(good_questions())).send().await;
    reply.assert_error(422, "invalid_input");
    app.get("/api/v1/modules/999999").session(&author).send().await.assert_error(404, "not_found");
}

async fn markdown_is_sanitised(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let learner = app.signed_in(Role::Learner).await;
    let nasty = "Hello <script>alert('x')</script> <img src=x onerror=alert(1)> [go](javascript:alert(1)) \
                 <a href=\"https://example.com\" onclick=\"steal()\">site</a>";
    let card = create(&app, &author, &tip("Careful", nasty)).await;
    publish(&app, &author, card.id).await;
    let got: LearnerModule = app.get(&format!("/api/v1/catalog/{}", card.id)).session(&learner).send().await.json();
    let ModuleContent::Tip { body_html, .. } = got.content else { panic!("a tip") };
    let lower = body_html.to_lowercase();
    for bad in ["<script", "onerror", "onclick", "javascript:"] {
        assert!(!lower.contains(bad), "{bad} in {body_html}");
    }
    assert!(body_html.contains("https://example.com"));
}

async fn archived_modules_leave_the_catalog(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let learner = app.signed_in(Role::Learner).await;
    let card = create(&app, &author, &tip("Old news", "Yesterday's pitch.")).await;
    publish(&app, &author, card.id).await;
    let archived: Module = app
        .post(&format!("/api/v1/modules/{}/archive", card.id))
        .session(&author)
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(archived.status, ModuleStatus::Archived);
    assert!(catalog(&app, &learner).await.modules.is_empty());
    let filtered: Vec<Value> = app.get("/api/v1/modules?status=archived").session(&author).send().await.json();
    assert_eq!(filtered.len(), 1);
    // Publishing brings it back, as it was.
    let back = publish(&app, &author, card.id).await;
    assert_eq!((back.status, back.published_version), (ModuleStatus::Published, Some(1)));
    assert_eq!(catalog(&app, &learner).await.modules.len(), 1);
}

async fn audiences_and_assignments_decide_who_sees_what(app: TestApp) {
    let admin = app.signed_in(Role::Admin).await;
    let author = app.signed_in(Role::Author).await;
    let north: Team = app.post("/api/v1/teams").session(&admin).json(&json!({"name": "North"})).send().await.json();
    let ae_north = learner_in(&app, Some("Account Executive"), Some(north.id), Some("2026-03-01")).await;
    let engineer = learner_in(&app, Some("Solutions Engineer"), None, None).await;

    let open = create(&app, &author, &tip("For everyone", "Hello")).await;
    let mut only_se = tip("For engineers", "Deep dive");
    only_se["audience"] = json!({"job_roles": ["Solutions Engineer"]});
    let only_se = create(&app, &author, &only_se).await;
    let onboarding = create(&app, &author, &quiz(good_questions())).await;
    for id in [open.id, only_se.id, onboarding.id] {
        publish(&app, &author, id).await;
    }

    let ids = |c: &Catalog| c.modules.iter().map(|m| m.id).collect::<std::collections::BTreeSet<_>>();
    assert_eq!(ids(&catalog(&app, &ae_north).await), [open.id, onboarding.id].into());
    assert_eq!(ids(&catalog(&app, &engineer).await), [open.id, only_se.id, onboarding.id].into());
    app.get(&format!("/api/v1/catalog/{}", only_se.id)).session(&ae_north).send().await.assert_error(404, "not_found");

    // A path of two modules, required for Account Executives in North within 30 days.
    let path: Value = app
        .post("/api/v1/paths")
        .session(&author)
        .json(&json!({"title": "Aurora onboarding", "description": "First month", "module_ids": [onboarding.id, open.id]}))
        .send()
        .await
        .assert_status(201)
        .value();
    let assignment = json!({"path_id": path["id"], "job_role": "Account Executive", "team_id": north.id, "required": true, "due_days": 30});
    app.post("/api/v1/assignments").session(&author).json(&assignment).send().await.assert_status(201);
    // And the engineers' deep dive, assigned to the AE too (which opens it to them).
    let suggested = json!({"module_id": only_se.id, "team_id": north.id, "required": false, "due_date": "2026-06-30"});
    app.post("/api/v1/assignments").session(&author).json(&suggested).send().await.assert_status(201);

    let seen = catalog(&app, &ae_north).await;
    assert_eq!(ids(&seen), [open.id, only_se.id, onboarding.id].into());
    let entry = |id| seen.modules.iter().find(|m| m.id == id).unwrap();
    let required = entry(onboarding.id).assigned.clone().unwrap();
    assert!(required.required);
    assert_eq!(required.due_date, "2026-03-31".parse().ok(), "30 days after the start date");
    assert_eq!(
        entry(only_se.id).assigned.clone().unwrap(),
        app::api::Assigned { required: false, due_date: "2026-06-30".parse().ok(), since: None }
    );
    assert_eq!(seen.modules[0].assigned.as_ref().map(|a| a.required), Some(true), "required comes first");
    assert_eq!(seen.paths.len(), 1);
    assert_eq!(seen.paths[0].module_ids, [onboarding.id, open.id], "in the path's order");
    assert!(seen.paths[0].assigned.as_ref().is_some_and(|a| a.required));
    // Someone outside the assignment sees the modules, unassigned.
    let other = catalog(&app, &engineer).await;
    assert!(other.modules.iter().all(|m| m.assigned.is_none()));
}

async fn paths_and_assignments_are_checked(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let a = create(&app, &author, &tip("A", "a")).await;
    let b = create(&app, &author, &tip("B", "b")).await;
    let reply = app
        .post("/api/v1/paths")
        .session(&author)
        .json(&json!({"title": "P", "module_ids": [a.id, 424242]}))
        .send()
        .await;
    reply.assert_error(422, "invalid_input");
    app.post("/api/v1/paths")
        .session(&author)
        .json(&json!({"title": "P", "module_ids": [a.id, a.id]}))
        .send()
        .await
        .assert_error(422, "invalid_input");
    app.post("/api/v1/paths")
        .session(&author)
        .json(&json!({"title": "", "module_ids": []}))
        .send()
        .await
        .assert_error(422, "invalid_input");
    let path: Value = app
        .post("/api/v1/paths")
        .session(&author)
        .json(&json!({"title": "P", "module_ids": [a.id, b.id]}))
        .send()
        .await
        .value();
    let url = format!("/api/v1/paths/{}", path["id"]);
    // Reordering.
    let reordered: Value = app
        .put(&url)
        .session(&author)
        .json(&json!({"title": "P2", "module_ids": [b.id, a.id]}))
        .send()
        .await
        .assert_status(200)
        .value();
    assert_eq!(reordered["steps"][0]["module_id"], b.id);
    assert_eq!(app.get(&url).session(&author).send().await.value()["title"], "P2");

    let bad = [
        json!({"module_id": a.id, "path_id": path["id"], "job_role": "AE"}),
        json!({"job_role": "AE"}),
        json!({"module_id": a.id}),
        json!({"module_id": a.id, "job_role": "AE", "due_days": 30, "due_date": "2026-01-01"}),
        json!({"module_id": a.id, "team_id": 999}),
        json!({"module_id": 999, "job_role": "AE"}),
    ];
    for body in bad {
        app.post("/api/v1/assignments").session(&author).json(&body).send().await.assert_error(422, "invalid_input");
    }
    let created: Value = app
        .post("/api/v1/assignments")
        .session(&author)
        .json(&json!({"module_id": a.id, "job_role": "AE", "required": true, "due_days": 60}))
        .send()
        .await
        .assert_status(201)
        .value();
    assert_eq!(created["title"], "A");
    let url = format!("/api/v1/assignments/{}", created["id"]);
    let changed: Value = app
        .put(&url)
        .session(&author)
        .json(&json!({"module_id": a.id, "job_role": "AE", "required": false, "due_days": 90}))
        .send()
        .await
        .assert_status(200)
        .value();
    assert_eq!((changed["required"].clone(), changed["due_days"].clone()), (json!(false), json!(90)));
    app.request(axum::http::Method::DELETE, &url).session(&author).send().await.assert_status(204);
    app.request(axum::http::Method::DELETE, &url).session(&author).send().await.assert_error(404, "not_found");
}

db_tests!(
    versions_freeze_what_learners_see,
    video_modules_use_their_media,
    incomplete_modules_cannot_be_published,
    every_field_is_checked,
    markdown_is_sanitised,
    archived_modules_leave_the_catalog,
    audiences_and_assignments_decide_who_sees_what,
    paths_and_assignments_are_checked,
);
