//! Learning records: `POST /api/v1/sync` stores each record exactly once and answers per
//! record; `GET /api/v1/progress` folds them.

use app::api::{Progress, Role, SyncResponse, Team};
use chrono::{TimeDelta, Utc};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::{
    db_tests,
    support::{
        Session, TestApp,
        build::{create, id, learner_in, manager_of, publish, record, statuses, sync_from, tip, tip_and_quiz},
    },
};

async fn sync(app: &TestApp, who: &Session, records: Vec<Value>) -> SyncResponse {
    sync_from(app, who, "phone-1", records).await
}

async fn records_count_once(app: TestApp) {
    let (tip, quiz) = tip_and_quiz(&app).await;
    let learner = learner_in(&app, Some("Account Executive"), None, None).await;
    let done = record(&id(), "completion", tip, 1, json!({"seconds_spent": 40}));
    let passed = record(&id(), "quiz_attempt", quiz, 1, json!({"answers": [[1], [0, 2]], "device_score": 100}));
    let first = sync(&app, &learner, vec![done.clone(), passed.clone()]).await;
    assert_eq!(statuses(&first), ["accepted", "accepted"]);
    assert!(first.progress.is_completed(tip) && first.progress.is_completed(quiz));
    assert_eq!(first.progress.module(quiz).unwrap().best_score, Some(100));
    assert!(first.progress.last_sync_at.is_some());

    // The answer was lost and the phone sends everything again: nothing changes.
    let again = sync(&app, &learner, vec![passed.clone(), done.clone()]).await;
    assert_eq!(statuses(&again), ["duplicate", "duplicate"]);
    assert_eq!(again.progress.modules, first.progress.modules);

    // Same id, other content: the stored record is kept, and the answer says so.
    let mut changed = done.clone();
    changed["payload"] = json!({"seconds_spent": 41});
    let conflict = sync(&app, &learner, vec![changed]).await;
    assert_eq!(statuses(&conflict), ["conflict"]);

    // The same new record twice in one batch is stored once.
    let rating = record(&id(), "feedback", tip, 1, json!({"rating": 4, "comment": "Handy before a pitch"}));
    let twice = sync(&app, &learner, vec![rating.clone(), rating]).await;
    assert_eq!(statuses(&twice), ["accepted", "duplicate"]);
    assert_eq!(twice.progress.module(tip).unwrap().rating, Some(4));

    let progress: Progress = app.get("/api/v1/progress").session(&learner).send().await.assert_status(200).json();
    assert_eq!(progress, twice.progress);
    let stored = server::db::entities::learning_record::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(stored.len(), 3, "three distinct records");
}

async fn bad_records_are_rejected_one_by_one(app: TestApp) {
    let (tip_id, quiz) = tip_and_quiz(&app).await;
    let author = app.signed_in(Role::Author).await;
    let mut hidden = tip("For engineers only", "Body");
    hidden["audience"] = json!({"job_roles": ["Solutions Engineer"]});
    let hidden = create(&app, &author, &hidden).await;
    publish(&app, &author, hidden.id).await;
    let learner = learner_in(&app, Some("Account Executive"), None, None).await;

    let two_years_ago = (Utc::now() - TimeDelta::days(730)).to_rfc3339();
    let mut old = record(&id(), "completion", tip_id, 1, json!({}));
    old["occurred_at"] = json!(two_years_ago);
    let mut ahead = record(&id(), "completion", tip_id, 1, json!({}));
    ahead["occurred_at"] = json!((Utc::now() + TimeDelta::days(3)).to_rfc3339());
    let response = sync(
        &app,
        &learner,
        vec![
            record(&id(), "completion", 999_999, 1, json!({})),
            record(&id(), "completion", tip_id, 7, json!({})),
            record(&id(), "completion", hidden.id, 1, json!({})),
            record(&id(), "feedback", tip_id, 1, json!({"rating": 9})),
            record(&id(), "quiz_attempt", quiz, 1, json!({"answers": [[1]]})),
            record(&id(), "completion", quiz, 1, json!({})),
            record("not-a-uuid", "completion", tip_id, 1, json!({})),
            json!({"id": id(), "kind": "teleport", "module_id": tip_id, "module_version": 1}),
            json!(42),
            old,
            ahead,
            record(&id(), "completion", tip_id, 1, json!({})),
        ],
    )
    .await;
    assert_eq!(
        statuses(&response),
        [
            "unknown_module",
            "unknown_module",
            "not_visible",
            "invalid_payload",
            "invalid_payload",
            "invalid_payload",
            "invalid_payload",
            "invalid_payload",
            "invalid_payload",
            "absurd_time",
            "absurd_time",
            "accepted",
        ]
    );
    assert_eq!(response.results[6].id, "not-a-uuid", "a rejected record is named as sent");
    let stored = server::db::entities::learning_record::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(stored.len(), 1, "only the good record is stored");

    // Envelopes that aren't one get a clean 400; too many records a 413.
    let post = |body: Value| app.post("/api/v1/sync").session(&learner).json(&body);
    post(json!({"records": []})).send().await.assert_error(400, "malformed_request");
    post(json!({"device_id": "", "device_time": Utc::now(), "records": []}))
        .send()
        .await
        .assert_error(400, "malformed_request");
    post(json!({"device_id": "p", "device_time": "yesterday", "records": []}))
        .send()
        .await
        .assert_error(400, "malformed_request");
    post(json!({"device_id": "p", "device_time": Utc::now(), "records": {"id": 1}}))
        .send()
        .await
        .assert_error(400, "malformed_request");
    let many: Vec<Value> = (0..5001).map(|_| record(&id(), "completion", tip_id, 1, json!({}))).collect();
    post(json!({"device_id": "p", "device_time": Utc::now(), "records": many}))
        .send()
        .await
        .assert_error(413, "batch_too_large");
    app.post("/api/v1/sync")
        .json(&json!({"device_id": "p", "device_time": Utc::now(), "records": []}))
        .send()
        .await
        .assert_error(401, "unauthenticated");
}

async fn old_versions_count_and_clocks_are_corrected(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let module = create(&app, &author, &tip("Discovery questions", "Body")).await;
    publish(&app, &author, module.id).await;
    app.put(&format!("/api/v1/modules/{}", module.id))
        .session(&author)
        .json(&tip("Discovery questions, revised", "Body"))
        .send()
        .await
        .assert_status(200);
    publish(&app, &author, module.id).await;
    app.published_long_ago().await;
    let learner = learner_in(&app, None, None, None).await;

    // Made offline on version 1 after version 2 shipped, on a phone whose clock is two
    // hours slow: it counts, at the server's idea of when it happened.
    let slow = TimeDelta::hours(2);
    let happened = Utc::now() - TimeDelta::minutes(10);
    let body = json!({
        "device_id": "slow-phone",
        "device_time": (Utc::now() - slow).to_rfc3339(),
        "records": [{"id": id(), "kind": "completion", "module_id": module.id, "module_version": 1,
                     "occurred_at": (happened - slow).to_rfc3339(), "payload": {}}],
    });
    let response: SyncResponse =
        app.post("/api/v1/sync").session(&learner).json(&body).send().await.assert_status(200).json();
    assert_eq!(statuses(&response), ["accepted"]);
    let p = response.progress.module(module.id).unwrap();
    assert_eq!(p.completed_version, Some(1));
    let off = (p.completed_at.unwrap() - happened).num_seconds().abs();
    assert!(off < 30, "corrected to within the request's time, off by {off} s");
    let row = server::db::entities::learning_record::Entity::find().one(app.db()).await.unwrap().unwrap();
    assert!(
        (row.occurred_at - row.device_occurred_at - slow).num_seconds().abs() < 30,
        "the device's time is kept too"
    );
}

async fn quizzes_are_scored_by_the_server(app: TestApp) {
    let (_, quiz) = tip_and_quiz(&app).await;
    let learner = learner_in(&app, None, None, None).await;
    // The device claims a pass; the answers say otherwise.
    let claimed = record(&id(), "quiz_attempt", quiz, 1, json!({"answers": [[0], [0]], "device_score": 100}));
    let response = sync(&app, &learner, vec![claimed]).await;
    let p = response.progress.module(quiz).unwrap();
    assert_eq!((p.best_score, p.attempts, p.completed_at), (Some(0), 1, None));
    let row = server::db::entities::learning_record::Entity::find().one(app.db()).await.unwrap().unwrap();
    assert_eq!(row.payload["device_score"], 100, "the device's score is kept beside the server's");
    assert_eq!((row.score, row.passed), (Some(0), Some(false)));
}

async fn managers_read_their_peoples_progress(app: TestApp) {
    let (tip, _) = tip_and_quiz(&app).await;
    let admin = app.signed_in(Role::Admin).await;
    let team: Team = app.post("/api/v1/teams").session(&admin).json(&json!({"name": "North"})).send().await.json();
    let other: Team = app.post("/api/v1/teams").session(&admin).json(&json!({"name": "South"})).send().await.json();
    let mine = learner_in(&app, None, Some(team.id), None).await;
    let theirs = learner_in(&app, None, Some(other.id), None).await;
    sync(&app, &mine, vec![record(&id(), "completion", tip, 1, json!({}))]).await;
    let manager = manager_of(&app, &admin, team.id).await;
    let read = |who: &Session, id: i64| app.get(&format!("/api/v1/progress?user_id={id}")).session(who).send();
    let progress: Progress = read(&manager, mine.user.id).await.assert_status(200).json();
    assert!(progress.is_completed(tip));
    read(&manager, theirs.user.id).await.assert_error(403, "forbidden");
    read(&theirs, mine.user.id).await.assert_error(403, "forbidden");
    read(&admin, theirs.user.id).await.assert_status(200);
    read(&mine, mine.user.id).await.assert_status(200);
}

async fn progress_is_rebuilt_from_the_records_alone(app: TestApp) {
    use sea_orm::{ColumnTrait, QueryFilter};
    use server::{db::entities::module_progress, projection};

    let (tip, quiz) = tip_and_quiz(&app).await;
    let learner = learner_in(&app, Some("Account Executive"), None, None).await;
    let other = learner_in(&app, Some("Account Executive"), None, None).await;
    let failed = record(&id(), "quiz_attempt", quiz, 1, json!({"answers": [[0], [0]], "device_score": 0}));
    let passed = record(&id(), "quiz_attempt", quiz, 1, json!({"answers": [[1], [0, 2]], "device_score": 100}));
    let rated = record(&id(), "feedback", tip, 1, json!({"rating": 2, "comment": ""}));
    sync(&app, &learner, vec![failed, rated]).await;
    sync(&app, &learner, vec![passed, record(&id(), "completion", tip, 1, json!({}))]).await;
    let mut changed = record(&id(), "feedback", tip, 1, json!({"rating": 5, "comment": "Better on a second read"}));
    changed["occurred_at"] = json!((Utc::now() + TimeDelta::seconds(1)).to_rfc3339());
    sync(&app, &learner, vec![changed]).await;
    sync(&app, &other, vec![record(&id(), "completion", tip, 1, json!({}))]).await;

    let live = projection::progress_of(app.db(), learner.user.id).await.unwrap();
    let q = live.module(quiz).unwrap();
    assert_eq!((q.attempts, q.best_score, q.completed_at.is_some()), (2, Some(100), true));
    assert_eq!(live.module(tip).unwrap().rating, Some(5), "the latest rating counts");

    // Lose and damage the projection; the records alone bring it back.
    module_progress::Entity::delete_many()
        .filter(module_progress::Column::ModuleId.eq(tip))
        .exec(app.db())
        .await
        .unwrap();
    module_progress::Entity::update_many()
        .col_expr(module_progress::Column::Attempts, sea_orm::sea_query::Expr::value(99))
        .exec(app.db())
        .await
        .unwrap();
    assert_ne!(projection::progress_of(app.db(), learner.user.id).await.unwrap(), live);
    let (learners, rows) = server::sync::rebuild(app.db()).await.unwrap();
    assert_eq!((learners, rows), (2, 3));
    assert_eq!(projection::progress_of(app.db(), learner.user.id).await.unwrap(), live);
    let progress: Progress = app.get("/api/v1/progress").session(&learner).send().await.assert_status(200).json();
    assert_eq!(progress, live);
}

async fn records_of_another_person_are_refused(app: TestApp) {
    let (tip, _) = tip_and_quiz(&app).await;
    let leo = learner_in(&app, None, None, None).await;
    let sam = learner_in(&app, None, None, None).await;
    // Leo's phone still thinks Leo is signed in, but the browser's session is now Sam's.
    let envelope = |user_id: i64| {
        json!({"device_id": "phone", "user_id": user_id, "device_time": Utc::now().to_rfc3339(),
               "records": [record(&id(), "completion", tip, 1, json!({}))]})
    };
    app.post("/api/v1/sync").session(&sam).json(&envelope(leo.user.id)).send().await.assert_error(409, "wrong_user");
    let stored = server::db::entities::learning_record::Entity::find().all(app.db()).await.unwrap();
    assert!(stored.is_empty(), "nothing of the batch is stored");
    let mine: SyncResponse =
        app.post("/api/v1/sync").session(&leo).json(&envelope(leo.user.id)).send().await.assert_status(200).json();
    assert_eq!(statuses(&mine), ["accepted"]);
}

db_tests!(
    records_of_another_person_are_refused,
    progress_is_rebuilt_from_the_records_alone,
    records_count_once,
    bad_records_are_rejected_one_by_one,
    old_versions_count_and_clocks_are_corrected,
    quizzes_are_scored_by_the_server,
    managers_read_their_peoples_progress,
);
