//! `GET /api/v1/export/xapi`: every learning record as one xAPI statement, in pages, for
//! the people the reader is responsible for.

use app::api::{Role, Team};
use serde_json::{Value, json};

use crate::{
    db_tests,
    support::{
        Session, TestApp,
        build::{id, learner_in, manager_of, record, sync_from, tip_and_quiz},
    },
};

async fn export(app: &TestApp, who: &Session, query: &str) -> Value {
    app.get(&format!("/api/v1/export/xapi{query}")).session(who).send().await.assert_status(200).value()
}

fn ids(page: &Value) -> Vec<String> {
    page["statements"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect()
}

async fn statements_map_records_one_to_one(app: TestApp) {
    let (tip, quiz) = tip_and_quiz(&app).await;
    let admin = app.signed_in(Role::Admin).await;
    let north: Team = app.post("/api/v1/teams").session(&admin).json(&json!({"name": "North"})).send().await.json();
    let south: Team = app.post("/api/v1/teams").session(&admin).json(&json!({"name": "South"})).send().await.json();
    let mine = learner_in(&app, None, Some(north.id), None).await;
    let theirs = learner_in(&app, None, Some(south.id), None).await;

    let (done, passed, rated) = (id(), id(), id());
    sync_from(
        &app,
        &mine,
        "phone-7",
        vec![
            record(&done, "completion", tip, 1, json!({"seconds_spent": 40})),
            record(&passed, "quiz_attempt", quiz, 1, json!({"answers": [[1], [0, 2]], "device_score": 100})),
            record(&rated, "feedback", tip, 1, json!({"rating": 4, "comment": "Handy before a pitch"})),
        ],
    )
    .await;
    let failed = id();
    sync_from(
        &app,
        &theirs,
        "phone-8",
        vec![record(&failed, "quiz_attempt", quiz, 1, json!({"answers": [[0], [1]], "device_score": 0}))],
    )
    .await;

    let all = export(&app, &admin, "").await;
    assert_eq!(all["more"], "");
    let statements = all["statements"].as_array().unwrap();
    assert_eq!(statements.len(), 4, "one statement per record");
    let by_id = |id: &str| statements.iter().find(|s| s["id"] == id).unwrap().clone();

    let completed = by_id(&done);
    assert_eq!(completed["verb"]["id"], "http://adlnet.gov/expapi/verbs/completed");
    assert_eq!(completed["actor"]["account"]["name"], mine.user.id.to_string());
    assert_eq!(completed["actor"]["name"], mine.user.name);
    let object_id = completed["object"]["id"].as_str().unwrap();
    assert!(object_id.ends_with(&format!("/modules/{tip}/versions/1")), "{object_id}");
    assert_eq!(completed["object"]["definition"]["name"]["und"], "Price objections");
    assert_eq!(completed["result"], json!({"completion": true, "duration": "PT40S"}));
    assert_eq!(completed["version"], "1.0.3");
    for field in ["timestamp", "stored"] {
        let t = completed[field].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{field}: {t}");
    }

    let quiz_passed = by_id(&passed);
    assert_eq!(quiz_passed["verb"]["id"], "http://adlnet.gov/expapi/verbs/passed");
    assert_eq!(quiz_passed["result"]["score"]["scaled"], 1.0);
    assert_eq!(quiz_passed["result"]["success"], true);
    assert_eq!(quiz_passed["object"]["definition"]["type"], "http://adlnet.gov/expapi/activities/assessment");
    let quiz_failed = by_id(&failed);
    assert_eq!(quiz_failed["verb"]["id"], "http://adlnet.gov/expapi/verbs/failed");
    assert_eq!(quiz_failed["result"]["score"]["raw"], 0);

    let rating = by_id(&rated);
    assert_eq!(rating["verb"]["id"], "http://id.tincanapi.com/verb/rated");
    assert_eq!(rating["result"]["score"]["raw"], 4);
    assert_eq!(rating["result"]["response"], "Handy before a pitch");

    // A manager reads the people in the teams they manage, nobody else's.
    let manager = manager_of(&app, &admin, north.id).await;
    let mut theirs_ids = ids(&export(&app, &manager, "").await);
    theirs_ids.sort();
    let mut expected = vec![done.clone(), passed.clone(), rated.clone()];
    expected.sort();
    assert_eq!(theirs_ids, expected);

    for role in [Role::Learner, Role::Author] {
        let who = app.signed_in(role).await;
        app.get("/api/v1/export/xapi").session(&who).send().await.assert_error(403, "forbidden");
    }
    app.get("/api/v1/export/xapi").send().await.assert_error(401, "unauthenticated");
    for bad in ["?limit=0", "?limit=1001", "?cursor=nonsense", "?cursor=x_y"] {
        app.get(&format!("/api/v1/export/xapi{bad}")).session(&admin).send().await.assert_error(422, "invalid_input");
    }
    app.get("/api/v1/export/xapi?since=yesterday").session(&admin).send().await.assert_error(400, "malformed_request");
}

async fn pages_follow_more_and_since_reads_what_is_new(app: TestApp) {
    let (tip, _) = tip_and_quiz(&app).await;
    let admin = app.signed_in(Role::Admin).await;
    let learner = learner_in(&app, None, None, None).await;
    // Two batches: records of one batch share their stored time, so pages must split
    // inside a batch without losing or repeating a record.
    let first: Vec<Value> = (0..5).map(|_| record(&id(), "completion", tip, 1, json!({}))).collect();
    sync_from(&app, &learner, "phone", first).await;
    let whole = export(&app, &admin, "").await;
    let stored_first = whole["statements"][0]["stored"].as_str().unwrap().to_string();
    let second: Vec<Value> = (0..4).map(|_| record(&id(), "completion", tip, 1, json!({}))).collect();
    sync_from(&app, &learner, "phone", second.clone()).await;

    let mut seen = Vec::new();
    let mut url = "/api/v1/export/xapi?limit=2".to_string();
    let mut pages = 0;
    loop {
        let page = app.get(&url).session(&admin).send().await.assert_status(200).value();
        pages += 1;
        assert!(page["statements"].as_array().unwrap().len() <= 2);
        seen.extend(ids(&page));
        match page["more"].as_str().unwrap() {
            "" => break,
            more => url = more.to_string(),
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(seen.len(), 9);
    let distinct: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(distinct.len(), 9, "no statement twice");

    // `since` is on the stored time and exclusive: only the second batch.
    let since = chrono::DateTime::parse_from_rfc3339(&stored_first).unwrap().with_timezone(&chrono::Utc);
    let newer = export(&app, &admin, &format!("?since={}", since.format("%Y-%m-%dT%H:%M:%S%.6fZ"))).await;
    let mut newer_ids = ids(&newer);
    newer_ids.sort();
    let mut expected: Vec<String> = second.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    expected.sort();
    assert_eq!(newer_ids, expected);
}

db_tests!(statements_map_records_one_to_one, pages_follow_more_and_since_reads_what_is_new);
