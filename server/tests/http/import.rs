//! `primer import`: folders of Markdown modules, loaded idempotently.

use app::api::{Catalog, Role};
use sea_orm::{EntityTrait, PaginatorTrait};
use server::db::entities::{assignment, media, module, module_version, path};

use crate::{db_tests, fixtures, support::TestApp};

const TIP: &str = "+++\nkey = \"price\"\nkind = \"tip\"\ntitle = \"Too expensive?\"\ntags = [\"stage:negotiation\"]\nestimated_seconds = 60\n+++\n## Size the problem\n\n![chart](media/chart.png)\n\nTalk value.\n";
const QUIZ: &str = "---\nkind: quiz\ntitle: \"Check: pricing\"\nestimated_seconds: 45\npass_percent: 50\nquestions:\n  - prompt: \"First move?\"\n    options:\n      - text: Discount\n        correct: false\n      - text: Size the cost\n        correct: true\n        explanation: Yes.\n---\n";
const MANIFEST: &str = "[[paths]]\nkey = \"pricing\"\ntitle = \"Pricing\"\nmodules = [\"price\", \"check-pricing\"]\n\n[[assignments]]\npath = \"pricing\"\njob_role = \"Account Executive\"\nteam = \"North\"\nrequired = true\ndue_days = 30\n";

fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("media")).unwrap();
    std::fs::write(dir.path().join("media/chart.png"), fixtures::png()).unwrap();
    std::fs::write(dir.path().join("price.md"), TIP).unwrap();
    std::fs::write(dir.path().join("check-pricing.md"), QUIZ).unwrap();
    std::fs::write(dir.path().join("primer.toml"), MANIFEST).unwrap();
    dir
}

async fn counts(app: &TestApp) -> [u64; 5] {
    let db = app.db();
    [
        module::Entity::find().count(db).await.unwrap(),
        module_version::Entity::find().count(db).await.unwrap(),
        media::Entity::find().count(db).await.unwrap(),
        path::Entity::find().count(db).await.unwrap(),
        assignment::Entity::find().count(db).await.unwrap(),
    ]
}

async fn importing_twice_changes_nothing(app: TestApp) {
    let dir = folder();
    let first = server::import::import_dir(&app.state, dir.path(), None).await.unwrap();
    assert_eq!((first.modules_created, first.media_stored, first.paths, first.assignments), (2, 1, 1, 1));
    let after_first = counts(&app).await;
    assert_eq!(after_first, [2, 2, 1, 1, 1]);

    let second = server::import::import_dir(&app.state, dir.path(), None).await.unwrap();
    assert_eq!(
        (second.modules_created, second.modules_updated, second.modules_unchanged, second.media_stored),
        (0, 0, 2, 0)
    );
    assert_eq!(counts(&app).await, after_first, "nothing doubles");

    // What learners get: the card's image points at Primer's copy; the path is assigned.
    let learner = {
        let admin = app.signed_in(Role::Admin).await;
        let teams: Vec<serde_json::Value> = app.get("/api/v1/teams").session(&admin).send().await.json();
        let north = teams.iter().find(|t| t["name"] == "North").expect("the team was created")["id"].clone();
        let user = app
            .post("/api/v1/users")
            .session(&admin)
            .json(&serde_json::json!({"email": "ae@primer.test", "name": "AE", "role": "learner", "job_role": "Account Executive", "team_id": north}))
            .send()
            .await
            .json();
        app.session_for(user).await
    };
    let catalog: Catalog = app.get("/api/v1/catalog").session(&learner).send().await.json();
    assert_eq!(catalog.modules.len(), 2);
    assert!(catalog.modules.iter().all(|m| m.assigned.as_ref().is_some_and(|a| a.required)));
    let card = catalog.modules.iter().find(|m| m.title == "Too expensive?").unwrap();
    let full: serde_json::Value =
        app.get(&format!("/api/v1/catalog/{}", card.id)).session(&learner).send().await.json();
    assert!(full["content"]["body_html"].as_str().unwrap().contains(&card.media[0].url));
}

async fn a_changed_file_publishes_a_new_version(app: TestApp) {
    let dir = folder();
    server::import::import_dir(&app.state, dir.path(), None).await.unwrap();
    std::fs::write(dir.path().join("price.md"), TIP.replace("Talk value.", "Talk value, then outcomes.")).unwrap();
    let report = server::import::import_dir(&app.state, dir.path(), None).await.unwrap();
    assert_eq!((report.modules_updated, report.modules_unchanged), (1, 1));
    let [modules, versions, ..] = counts(&app).await;
    assert_eq!((modules, versions), (2, 3), "version 2 of the card, beside version 1");
}

async fn a_bad_folder_imports_nothing(app: TestApp) {
    let dir = folder();
    std::fs::write(dir.path().join("broken.md"), "+++\nkind = \"tip\"\ntitle = 3\n+++\n").unwrap();
    std::fs::write(
        dir.path().join("missing.md"),
        "+++\nkind = \"video\"\ntitle = \"V\"\nvideo = \"media/nope.mp4\"\n+++\n",
    )
    .unwrap();
    let err = server::import::import_dir(&app.state, dir.path(), None).await.unwrap_err().to_string();
    assert!(err.contains("broken.md") && err.contains("nope.mp4"), "{err}");
    assert_eq!(counts(&app).await, [0, 0, 0, 0, 0]);

    // A module that can't be published (a quiz with no right answer) stops the whole import.
    let dir = folder();
    std::fs::write(dir.path().join("check-pricing.md"), QUIZ.replace("correct: true", "correct: false")).unwrap();
    let err = server::import::import_dir(&app.state, dir.path(), None).await.unwrap_err().to_string();
    assert!(err.contains("check-pricing.md") && err.contains("right answer"), "{err}");
    let [modules, versions, _, paths, assignments] = counts(&app).await;
    assert_eq!((modules, versions, paths, assignments), (0, 0, 0, 0), "no half-written catalog");
}

async fn the_demo_catalog_is_realistic(app: TestApp) {
    let report = server::demo::load_content(&app.state).await.unwrap().expect("loaded the first time");
    let modules = report.modules_created;
    assert!((8..=12).contains(&modules), "{modules} modules");
    assert_eq!((report.paths, report.assignments, report.certifications), (2, 4, 1));
    assert!(server::demo::load_content(&app.state).await.unwrap().is_none(), "only once");
    let learner = app.signed_in(Role::Learner).await;
    let catalog: Catalog = app.get("/api/v1/catalog").session(&learner).send().await.json();
    assert_eq!(catalog.modules.len(), modules);
    let kinds: std::collections::HashSet<_> = catalog.modules.iter().map(|m| m.kind).collect();
    assert_eq!(kinds.len(), 4, "videos, tip cards, quizzes and a pitch to practise");
    let videos = catalog.modules.iter().filter(|m| m.kind == app::api::ModuleKind::Video).count();
    assert!(videos >= 3);
    // The objection-handling check is a certification's assessment: no answer key.
    let assessments: Vec<_> = catalog.modules.iter().filter(|m| m.assessment).collect();
    assert_eq!(assessments.len(), 1);
    let check: app::api::LearnerModule =
        app.get(&format!("/api/v1/catalog/{}", assessments[0].id)).session(&learner).send().await.json();
    let app::api::ModuleContent::Quiz { questions, .. } = check.content else { panic!("a quiz") };
    assert!(questions.iter().flat_map(|q| q.options.iter()).all(|o| !o.correct));
}

/// A module may name files of its folder only: never `../` out of it, an absolute
/// path, or a link that leads elsewhere. Nothing is imported when one does.
async fn imports_stay_inside_their_folder(app: TestApp) {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.png"), fixtures::png()).unwrap();
    let secret = outside.path().join("secret.png");
    for name in [
        "../secret.png".to_string(),
        secret.display().to_string(),
        "media/../../secret.png".to_string(),
        "linked.png".to_string(),
    ] {
        let dir = folder();
        std::os::unix::fs::symlink(&secret, dir.path().join("linked.png")).unwrap();
        // Next to the folder, so `../` reaches it.
        std::fs::copy(&secret, dir.path().parent().unwrap().join("secret.png")).ok();
        // A card's image, and a video module's file.
        std::fs::write(dir.path().join("price.md"), TIP.replace("media/chart.png", &name)).unwrap();
        let video = format!(
            "+++\nkey = \"clip\"\nkind = \"video\"\ntitle = \"Clip\"\nvideo = {name:?}\nestimated_seconds = 10\n+++\n"
        );
        std::fs::write(dir.path().join("clip.md"), video).unwrap();
        let error = server::import::import_dir(&app.state, dir.path(), None).await.unwrap_err().to_string();
        assert!(error.contains("is not a file in the folder"), "{name}: {error}");
        assert_eq!(counts(&app).await, [0, 0, 0, 0, 0], "{name}: nothing imported");
    }
}

db_tests!(
    imports_stay_inside_their_folder,
    importing_twice_changes_nothing,
    a_changed_file_publishes_a_new_version,
    a_bad_folder_imports_nothing,
    the_demo_catalog_is_realistic
);
