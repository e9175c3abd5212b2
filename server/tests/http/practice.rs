//! Practice modules: a pitch to record, scored against a rubric. Here: the module's rules
//! (what authors may save and publish, what learners get, and that saying "done" doesn't
//! complete one).

use app::api::{LearnerModule, Module, ModuleContent, Reviewers, Role};
use serde_json::{Value, json};

use crate::{
    db_tests,
    support::{
        TestApp,
        build::{create, id, publish, record, statuses, sync_from},
    },
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

    // The flat fields, as the clients send them.
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

db_tests!(practice_modules_are_checked_and_published);
