//! Sync under faults: random batches with duplicates, reorderings, conflicts, retries and
//! several answers to one assessment attempt (proptest); answers lost after the commit;
//! two devices at once; hostile bodies; and the server killed with SIGKILL in the middle
//! of a large batch.

use std::collections::{HashMap, HashSet};

use app::api::{Progress, SyncResponse};
use chrono::{DateTime, TimeDelta, Utc};
use proptest::{prelude::*, test_runner::TestRunner};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use server::{db::entities::learning_record, projection};

use crate::{
    db_tests,
    support::{
        TestApp,
        build::{learner_in, sync_from},
    },
};

/// What a generated record is about (the content of a record; its id is its slot's).
#[derive(Debug, Clone, PartialEq)]
enum Act {
    Completed,
    /// Answers to the quiz (first question, second question).
    Quiz(u32, u32),
    /// Answers to the certification's assessment under one of the learner's attempts
    /// (first question, second question, attempt slot): per attempt, the first record
    /// received counts.
    Assessment(u32, u32, usize),
    Rated(u8),
}

/// Attempts each learner holds open at the assessment.
const ATTEMPTS: usize = 3;

/// A record as generated: an id slot (records sharing a slot share an id: a retry if the
/// content is the same, a conflict if not), what it says, and when it happened.
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    slot: usize,
    act: Act,
    minutes_ago: i64,
}

/// A test case: batches sent in order; a lost answer sends the same batch again.
#[derive(Debug, Clone)]
struct Case {
    batches: Vec<(Vec<Draft>, bool)>,
}

fn draft() -> impl Strategy<Value = Draft> {
    let act = prop_oneof![
        Just(Act::Completed),
        (0u32..2, 0u32..3).prop_map(|(a, b)| Act::Quiz(a, b)),
        (0u32..2, 0u32..3, 0..ATTEMPTS).prop_map(|(a, b, attempt)| Act::Assessment(a, b, attempt)),
        (1u8..=5).prop_map(Act::Rated),
    ];
    (0usize..6, act, 0i64..120).prop_map(|(slot, act, minutes_ago)| Draft { slot, act, minutes_ago })
}

fn case() -> impl Strategy<Value = Case> {
    // A small pool of records, sent in batches that repeat and reorder them.
    prop::collection::vec(draft(), 1..8)
        .prop_flat_map(|pool| {
            let n = pool.len();
            let batch = (prop::collection::vec(0..n, 0..10), any::<bool>());
            (Just(pool), prop::collection::vec(batch, 1..5))
        })
        .prop_map(|(pool, batches)| Case {
            batches: batches
                .into_iter()
                .map(|(picks, lost)| (picks.into_iter().map(|i| pool[i].clone()).collect(), lost))
                .collect(),
        })
}

struct Content {
    tip: i64,
    quiz: i64,
    /// A second quiz: a certification's assessment.
    assessment: i64,
}

/// The published tip card and quiz of the sync tests, and an assessment.
async fn content(app: &TestApp) -> Content {
    let (tip, quiz) = crate::support::build::tip_and_quiz(app).await;
    let author = app.signed_in(app::api::Role::Author).await;
    let assessment = crate::support::build::create(
        app,
        &author,
        &crate::support::build::quiz(crate::support::build::good_questions()),
    )
    .await;
    crate::support::build::publish(app, &author, assessment.id).await;
    app.published_long_ago().await;
    let path: Value = app
        .post("/api/v1/paths")
        .session(&author)
        .json(&json!({"title": "Certified", "module_ids": [tip, assessment.id]}))
        .send()
        .await
        .assert_status(201)
        .value();
    app.post("/api/v1/certifications")
        .session(&author)
        .json(&json!({"path_id": path["id"], "assessment_module_ids": [assessment.id], "max_attempts": 20}))
        .send()
        .await
        .assert_status(201);
    Content { tip, quiz, assessment: assessment.id }
}

/// A learner's open attempts at the assessment, one per slot.
async fn open_attempts(app: &TestApp, user_id: i64, c: &Content) -> Vec<String> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let mut ids = Vec::new();
    for _ in 0..ATTEMPTS {
        let attempt = server::db::entities::assessment_attempt::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            user_id: Set(user_id),
            module_id: Set(c.assessment),
            module_version: Set(1),
            questions: Set(json!([1, 0])),
            issued_at: Set(server::db::now()),
            used_at: Set(None),
            record_id: Set(None),
        }
        .insert(app.db())
        .await
        .unwrap();
        ids.push(attempt.id);
    }
    ids
}

fn to_record(d: &Draft, id: &str, c: &Content, attempts: &[String], base: DateTime<Utc>) -> Value {
    let (kind, module, payload) = match &d.act {
        Act::Completed => ("completion", c.tip, json!({})),
        Act::Quiz(a, b) => ("quiz_attempt", c.quiz, json!({"answers": [[a], [b]]})),
        Act::Assessment(a, b, slot) => {
            ("quiz_attempt", c.assessment, json!({"answers": [[a], [b]], "attempt_id": attempts[*slot]}))
        }
        Act::Rated(r) => ("feedback", c.tip, json!({"rating": r, "comment": format!("{r} stars")})),
    };
    // Each slot's records happen a second apart within their minute: the server corrects
    // device times per request by a few milliseconds of clock skew, so records of
    // different slots sent at one device time in different requests would tie or not by
    // chance (and which of two ratings is the latest with them).
    let occurred_at = base - TimeDelta::minutes(d.minutes_ago) - TimeDelta::seconds(d.slot as i64);
    json!({"id": id, "kind": kind, "module_id": module, "module_version": 1,
           "occurred_at": occurred_at.to_rfc3339(), "payload": payload})
}

/// Per module: completed, completed version, best score, attempts, rating.
type Shape = (i64, bool, Option<i32>, Option<u8>, u32, Option<u8>);

/// Progress without its timestamps (times are corrected per request by a few
/// milliseconds of clock skew, so two learners' copies differ there).
fn shape(p: &Progress) -> Vec<Shape> {
    p.modules
        .iter()
        .map(|m| (m.module_id, m.completed_at.is_some(), m.completed_version, m.best_score, m.attempts, m.rating))
        .collect()
}

/// What is stored for a learner: id → (kind, module, payload, score, counted), with each
/// attempt id written as its slot (learners' attempts differ; their slots don't).
async fn stored(
    app: &TestApp,
    user_id: i64,
    attempts: &[String],
) -> HashMap<String, (String, i64, Value, Option<i32>, bool)> {
    learning_record::Entity::find()
        .filter(learning_record::Column::UserId.eq(user_id))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|mut r| {
            if let Some(id) = r.payload.get("attempt_id").and_then(Value::as_str) {
                let slot = attempts.iter().position(|a| a == id).expect("one of the learner's attempts");
                r.payload["attempt_id"] = json!(slot);
            }
            (r.id, (r.kind, r.module_id, r.payload, r.score, r.counted))
        })
        .collect()
}

/// What the first records make of a record (by its id slot) that is new or a resend:
/// the model of the server's answers. `claimed`: attempt slot → the id slot whose record
/// counted for it.
fn expected(first: &HashMap<usize, Draft>, claimed: &mut HashMap<usize, usize>, d: &Draft) -> &'static str {
    match first.get(&d.slot) {
        Some(f) if f.act != d.act || f.minutes_ago != d.minutes_ago => "conflict",
        known => match d.act {
            Act::Assessment(_, _, attempt) => match claimed.get(&attempt) {
                None => {
                    claimed.insert(attempt, d.slot);
                    "accepted"
                }
                Some(slot) if *slot == d.slot => "duplicate",
                Some(_) => "attempt_limit",
            },
            _ if known.is_some() => "duplicate",
            _ => "accepted",
        },
    }
}

fn outcome(result: &app::api::RecordResult) -> String {
    match result.code {
        Some(code) => serde_json::to_value(code).unwrap().as_str().unwrap().to_string(),
        None => serde_json::to_value(result.status).unwrap().as_str().unwrap().to_string(),
    }
}

/// How many records are stored for a learner.
async fn stored_count(app: &TestApp, user_id: i64) -> u64 {
    learning_record::Entity::find().filter(learning_record::Column::UserId.eq(user_id)).count(app.db()).await.unwrap()
}

/// Runs one case: sends its batches (twice when the answer is "lost"), checks each
/// answer against a model, then compares what is stored, and the progress, with a second
/// learner who sent each distinct record exactly once.
async fn run_case(app: &TestApp, c: &Content, case: &Case) -> Result<(), TestCaseError> {
    let learner = learner_in(app, None, None, None).await;
    let reference = learner_in(app, None, None, None).await;
    let (my_attempts, their_attempts) =
        (open_attempts(app, learner.user.id, c).await, open_attempts(app, reference.user.id, c).await);
    let base = Utc::now();
    let ids: Vec<String> = (0..6).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    // The model: the first content sent under an id is the record; per attempt, the
    // first record received counts.
    let mut first: HashMap<usize, Draft> = HashMap::new();
    let mut claimed: HashMap<usize, usize> = HashMap::new();
    let mut order: Vec<usize> = Vec::new();
    for (batch, lost) in &case.batches {
        let records: Vec<Value> = batch.iter().map(|d| to_record(d, &ids[d.slot], c, &my_attempts, base)).collect();
        let sends = if *lost { 2 } else { 1 };
        for attempt in 0..sends {
            let answer = sync_from(app, &learner, "phone", records.clone()).await;
            for (d, result) in batch.iter().zip(&answer.results) {
                let expected = expected(&first, &mut claimed, d);
                prop_assert_eq!(outcome(result), expected, "attempt {} of {:?}", attempt, batch);
                if let std::collections::hash_map::Entry::Vacant(slot) = first.entry(d.slot) {
                    slot.insert(d.clone());
                    order.push(d.slot);
                }
            }
        }
    }

    // Each distinct record once, in one batch, under fresh ids, in the order they were
    // first received: the same ones count.
    let once: Vec<Value> = order
        .iter()
        .map(|slot| to_record(&first[slot], &uuid::Uuid::now_v7().to_string(), c, &their_attempts, base))
        .collect();
    let reference_answer = sync_from(app, &reference, "phone", once).await;
    let (mut their_first, mut their_claimed) = (HashMap::new(), HashMap::new());
    for (n, (slot, result)) in order.iter().zip(&reference_answer.results).enumerate() {
        let d = Draft { slot: n, ..first[slot].clone() };
        prop_assert_eq!(outcome(result), expected(&their_first, &mut their_claimed, &d));
        their_first.insert(n, d);
    }

    let mine = stored(app, learner.user.id, &my_attempts).await;
    let theirs = stored(app, reference.user.id, &their_attempts).await;
    prop_assert_eq!(mine.len(), first.len());
    let mut a: Vec<_> = mine.values().cloned().collect();
    let mut b: Vec<_> = theirs.values().cloned().collect();
    a.sort_by_key(|v| format!("{v:?}"));
    b.sort_by_key(|v| format!("{v:?}"));
    prop_assert_eq!(a, b);
    for (slot, d) in &first {
        let row = &mine[&ids[*slot]];
        let sent = to_record(d, &ids[*slot], c, &my_attempts, base)["payload"].clone();
        prop_assert_eq!(&sent["answers"], &row.2["answers"], "the first content sent is kept");
        prop_assert_eq!(&sent["rating"], &row.2["rating"]);
    }
    let progress: Progress = app.get("/api/v1/progress").session(&learner).send().await.assert_status(200).json();
    prop_assert_eq!(shape(&progress), shape(&reference_answer.progress));

    // The progress kept live, batch by batch, is what folding the records gives, and
    // what `primer rebuild` writes.
    let live = projection::progress_of(app.db(), learner.user.id).await.unwrap();
    prop_assert_eq!(&live.modules, &projection::fold_records(app.db(), learner.user.id).await.unwrap());
    server::sync::rebuild(app.db()).await.unwrap();
    prop_assert_eq!(live, projection::progress_of(app.db(), learner.user.id).await.unwrap());
    Ok(())
}

async fn random_batches_store_each_distinct_record_once(app: TestApp) {
    let c = content(&app).await;
    let cases = std::env::var("PRIMER_PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(24);
    let mut runner = TestRunner::new(ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() });
    let handle = tokio::runtime::Handle::current();
    // proptest drives a synchronous closure; each case runs on this test's runtime.
    let result = tokio::task::block_in_place(|| runner.run(&case(), |case| handle.block_on(run_case(&app, &c, &case))));
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn a_lost_answer_and_a_retry_store_one_record(app: TestApp) {
    let c = content(&app).await;
    let learner = learner_in(&app, None, None, None).await;
    let record = to_record(
        &Draft { slot: 0, act: Act::Completed, minutes_ago: 3 },
        &uuid::Uuid::now_v7().to_string(),
        &c,
        &[],
        Utc::now(),
    );
    // The commit happened, the answer never reached the phone (dropped here), so the
    // phone sends the same record again, and again.
    drop(sync_from(&app, &learner, "phone", vec![record.clone()]).await);
    let retry = sync_from(&app, &learner, "phone", vec![record.clone()]).await;
    assert_eq!(serde_json::to_value(retry.results[0].status).unwrap(), "duplicate");
    sync_from(&app, &learner, "phone", vec![record]).await;
    let count = stored_count(&app, learner.user.id).await;
    assert_eq!(count, 1);
    assert!(retry.progress.is_completed(c.tip));
}

async fn two_devices_sync_at_once(app: TestApp) {
    let c = content(&app).await;
    let learner = learner_in(&app, None, None, None).await;
    let base = Utc::now();
    // Each phone has its own records, and both carry a few shared ones (the same record
    // synced through a shared outbox is not possible, but a retry racing itself is).
    let shared: Vec<Value> = (0..20)
        .map(|i| {
            to_record(
                &Draft { slot: 0, act: Act::Rated(1 + (i % 5) as u8), minutes_ago: i },
                &uuid::Uuid::now_v7().to_string(),
                &c,
                &[],
                base,
            )
        })
        .collect();
    let own = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| {
                to_record(
                    &Draft { slot: 0, act: Act::Quiz((i % 2) as u32, 0), minutes_ago: i as i64 },
                    &uuid::Uuid::now_v7().to_string(),
                    &c,
                    &[],
                    base,
                )
            })
            .collect()
    };
    let (phone, tablet) = (own(200), own(150));
    let (a, b) = tokio::join!(
        sync_from(&app, &learner, "phone", [phone.clone(), shared.clone()].concat()),
        sync_from(&app, &learner, "tablet", [tablet.clone(), shared.clone()].concat()),
    );
    for answer in [&a, &b] {
        assert!(
            answer
                .results
                .iter()
                .all(|r| matches!(serde_json::to_value(r.status).unwrap().as_str(), Some("accepted" | "duplicate")))
        );
    }
    // Every shared record was accepted by exactly one of the two.
    let accepted = |answer: &SyncResponse| -> HashSet<String> {
        answer
            .results
            .iter()
            .filter(|r| serde_json::to_value(r.status).unwrap() == "accepted")
            .map(|r| r.id.clone())
            .collect()
    };
    let (in_a, in_b) = (accepted(&a), accepted(&b));
    assert!(in_a.is_disjoint(&in_b));
    assert_eq!(in_a.len() + in_b.len(), 200 + 150 + 20);
    let count = stored_count(&app, learner.user.id).await;
    assert_eq!(count, 370);
    // Both devices converge on the same progress.
    let progress: Progress = app.get("/api/v1/progress").session(&learner).send().await.json();
    assert_eq!(progress.module(c.quiz).unwrap().attempts, 350);

    // With nothing shared, nothing makes the two batches wait for each other but the
    // learner's lock: without it, both would update the same progress from one start.
    for _ in 0..3 {
        tokio::join!(sync_from(&app, &learner, "phone", own(50)), sync_from(&app, &learner, "tablet", own(50)));
    }
    let progress: Progress = app.get("/api/v1/progress").session(&learner).send().await.json();
    assert_eq!(progress.module(c.quiz).unwrap().attempts, 350 + 300);
}

async fn hostile_bodies_get_clean_errors(app: TestApp) {
    let c = content(&app).await;
    let learner = learner_in(&app, None, None, None).await;
    let post = || app.post("/api/v1/sync").session(&learner);
    let envelope = |records: Value| json!({"device_id": "p", "device_time": Utc::now(), "records": records});
    // Not JSON, not labelled JSON, nested past any sane depth, far too big.
    post()
        .header("content-type", "application/json")
        .raw(b"{\"device_id\": ".to_vec())
        .send()
        .await
        .assert_error(400, "malformed_request");
    post()
        .raw(serde_json::to_vec(&envelope(json!([]))).unwrap())
        .send()
        .await
        .assert_error(415, "unsupported_media_type");
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_envelope =
        format!(r#"{{"device_id": {nested}, "device_time": "{}", "records": []}}"#, Utc::now().to_rfc3339());
    post()
        .header("content-type", "application/json")
        .raw(deep_envelope.into_bytes())
        .send()
        .await
        .assert_error(400, "malformed_request");
    // Inside a good envelope, a record nested that deep is one bad record: rejected alone.
    let deep_record =
        format!(r#"{{"device_id": "p", "device_time": "{}", "records": [{nested}]}}"#, Utc::now().to_rfc3339());
    let answer: SyncResponse = post()
        .header("content-type", "application/json")
        .raw(deep_record.into_bytes())
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(answer.results.len(), 1);
    assert_eq!(answer.results[0].code, Some(app::api::RejectCode::InvalidPayload));
    let huge = vec![b' '; 17 << 20];
    post().header("content-type", "application/json").raw(huge).send().await.assert_error(413, "too_large");
    post()
        .json(&json!({"device_id": "x".repeat(101), "device_time": Utc::now(), "records": []}))
        .send()
        .await
        .assert_error(400, "malformed_request");
    post()
        .json(&json!({"device_id": "tab\u{0}", "device_time": Utc::now(), "records": []}))
        .send()
        .await
        .assert_error(400, "malformed_request");

    // Hostile records inside a good envelope are rejected one by one.
    let id = || uuid::Uuid::now_v7().to_string();
    let answer: SyncResponse = post()
        .json(&envelope(json!([
            {"id": id(), "kind": "completion", "module_id": 1e30, "module_version": 1, "occurred_at": Utc::now(), "payload": {}},
            {"id": id(), "kind": "completion", "module_id": c.tip, "module_version": -1, "occurred_at": Utc::now(), "payload": {}},
            {"id": id(), "kind": "feedback", "module_id": c.tip, "module_version": 1, "occurred_at": Utc::now(), "payload": {"rating": 3, "comment": "x".repeat(5000)}},
            {"id": id(), "kind": "quiz_attempt", "module_id": c.quiz, "module_version": 1, "occurred_at": Utc::now(), "payload": {"answers": [[4_294_967_295u32], [0]]}},
            {"id": id(), "kind": "quiz_attempt", "module_id": c.quiz, "module_version": 1, "occurred_at": Utc::now(), "payload": {"answers": vec![vec![0; 1000]; 2]}},
            {"id": "'; DROP TABLE learning_records; --", "kind": "completion", "module_id": c.tip, "module_version": 1, "occurred_at": Utc::now(), "payload": {}},
            {"id": id(), "kind": "completion", "module_id": c.tip, "module_version": 1, "occurred_at": "+275760-09-13T00:00:00Z", "payload": {}},
            {"id": id(), "kind": "completion", "module_id": c.tip, "module_version": 1, "occurred_at": Utc::now(), "payload": {"seconds_spent": 1e99}},
        ])))
        .send()
        .await
        .assert_status(200)
        .json();
    let codes: Vec<_> = answer.results.iter().map(|r| serde_json::to_value(r.code).unwrap()).collect();
    assert_eq!(
        codes,
        [
            json!("invalid_payload"),
            json!("unknown_module"),
            json!("invalid_payload"),
            json!("invalid_payload"),
            json!("invalid_payload"),
            json!("invalid_payload"),
            json!("invalid_payload"),
            json!("invalid_payload"),
        ]
    );
}

db_tests!(
    random_batches_store_each_distinct_record_once,
    a_lost_answer_and_a_retry_store_one_record,
    two_devices_sync_at_once,
    hostile_bodies_get_clean_errors,
);
