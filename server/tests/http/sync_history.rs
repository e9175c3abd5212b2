//! A sync's work is bounded by its batch, not by the learner's history: the statements a
//! batch runs and the rows the database returns for it are counted (deterministic, unlike
//! timings) for a learner with no records and for one with 10,000, and the second may
//! not be larger. Certificates are decided from evidence kept per module, which
//! `primer rebuild` and the migration that made it compute from the records alone.

use app::api::{Catalog, Certification, LearningPath, RecordStatus, Role, SyncResponse, Team};
use chrono::{TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use serde_json::{Value, json};
use server::{
    db::{
        entities::{certificate, evidence, learning_record},
        migrations::Migrator,
        tally::Counts,
    },
    projection,
    sync::{Envelope, apply_batch},
};

use crate::{
    db_tests,
    support::{
        Session, TestApp,
        build::{certify, course, create, id, learner_in, publish, record_at, sync_from, take_path, tip},
    },
};

/// How many records the long history has.
const HISTORY: usize = 10_000;

/// One batch as a phone sends it after a day out: both tip cards of the course done
/// and one rated.
fn batch(tips: [i64; 2]) -> Vec<Value> {
    let at = Utc::now() - TimeDelta::hours(2);
    vec![
        record_at("completion", tips[0], json!({"seconds_spent": 40}), at),
        record_at("feedback", tips[0], json!({"rating": 4, "comment": "Handy in the lobby"}), at),
        record_at("completion", tips[1], json!({"seconds_spent": 55}), at + TimeDelta::minutes(3)),
    ]
}

/// Stores `count` earlier records of `learner` as their devices sent them over the past
/// year (the same kinds of record at the same modules as [`batch`]), then builds their
/// progress and evidence from them as `primer rebuild` does.
async fn history(app: &TestApp, learner: &Session, tips: [i64; 2], count: usize) {
    let now = server::db::now();
    let rows: Vec<_> = (0..count)
        .map(|i| {
            let at = now - TimeDelta::minutes(50 * (count - i) as i64);
            let (kind, payload) = match i % 3 {
                0 => ("feedback", json!({"rating": 4, "comment": ""})),
                _ => ("completion", json!({"seconds_spent": 30})),
            };
            learning_record::Model {
                id: id(),
                user_id: learner.user.id,
                device_id: "old-phone".into(),
                kind: kind.into(),
                module_id: tips[i % 2],
                module_version: 1,
                occurred_at: at,
                device_occurred_at: at,
                received_at: at,
                payload,
                score: None,
                passed: None,
                fingerprint: "0".repeat(64),
                counted: true,
                attempt_id: None,
                about: None,
            }
        })
        .collect();
    for chunk in rows.chunks(500) {
        let chunk = chunk.iter().cloned().map(|m| m.into_active_model().reset_all());
        learning_record::Entity::insert_many(chunk).exec_without_returning(app.db()).await.unwrap();
    }
    let txn = app.db().begin().await.unwrap();
    projection::rebuild_learner(&txn, learner.user.id).await.unwrap();
    txn.commit().await.unwrap();
}

/// Sends one batch straight to the sync (as the handler does) and counts what it asks.
async fn counted_sync(app: &TestApp, learner: &Session, records: Vec<Value>) -> (SyncResponse, Counts) {
    let envelope: Envelope = serde_json::from_value(
        json!({"device_id": "phone-1", "device_time": Utc::now().to_rfc3339(), "records": records}),
    )
    .unwrap();
    let counts = Counts::default();
    let answer = apply_batch(app.db(), &learner.user, envelope, app.state.config.sync_rate, &counts).await.unwrap();
    (answer, counts)
}

async fn a_long_history_costs_a_sync_nothing(app: TestApp) {
    let c = course(&app).await;
    certify(&app, &c).await;
    let fresh = learner_in(&app, Some("Account Executive"), None, None).await;
    let veteran = learner_in(&app, Some("Account Executive"), None, None).await;
    history(&app, &veteran, c.tips, HISTORY).await;
    let stored = learning_record::Entity::find()
        .filter(learning_record::Column::UserId.eq(veteran.user.id))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(stored, HISTORY as u64);

    let (first, new) = counted_sync(&app, &fresh, batch(c.tips)).await;
    let (later, long) = counted_sync(&app, &veteran, batch(c.tips)).await;
    for answer in [&first, &later] {
        assert!(answer.results.iter().all(|r| r.status == RecordStatus::Accepted), "{:?}", answer.results);
    }
    assert_eq!(later.progress.module(c.tips[0]).unwrap().rating, Some(4));
    let figures = format!(
        "no history: {} statements, {} rows; {HISTORY} records: {} statements, {} rows",
        new.statements(),
        new.rows(),
        long.statements(),
        long.rows()
    );
    assert_eq!(long.statements(), new.statements(), "{figures}");
    assert!(long.rows() <= new.rows(), "{figures}");
    // And small: nothing reads a whole table (the history is in the same one), the
    // catalog, or every record of the batch twice.
    assert!(new.rows() <= 20, "{figures}");
    assert!(new.statements() <= 20, "{figures}");
    println!("{figures}");
}

async fn evidence_is_what_the_records_say(app: TestApp) {
    let c = course(&app).await;
    certify(&app, &c).await;
    let learner = learner_in(&app, Some("Account Executive"), None, None).await;
    take_path(&app, &learner, &c, false).await;
    take_path(&app, &learner, &c, true).await;
    sync_from(&app, &learner, "phone-2", batch(c.tips)).await;
    let held = certificate::Entity::find().filter(certificate::Column::UserId.eq(learner.user.id)).all(app.db());
    assert_eq!(held.await.unwrap().len(), 1, "the second take earns it");

    let read = || async {
        evidence::Entity::find()
            .order_by_asc(evidence::Column::UserId)
            .order_by_asc(evidence::Column::ModuleId)
            .order_by_asc(evidence::Column::Kind)
            .order_by_asc(evidence::Column::Score)
            .all(app.db())
            .await
            .unwrap()
    };
    let live = read().await;
    // Both tips done, the quiz done (the right take), and the two scores reached.
    let reached: Vec<_> = live.iter().map(|e| (e.module_id, e.kind.as_str(), e.score)).collect();
    assert_eq!(
        reached,
        [
            (c.tips[0], "done", 0),
            (c.tips[1], "done", 0),
            (c.quiz, "done", 0),
            (c.quiz, "score", 50),
            (c.quiz, "score", 100)
        ]
    );
    let tip = &live[0];
    assert!(tip.first_at < tip.last_at, "done three times: first and last kept");

    // `primer rebuild` gives the same from the records alone, after damage.
    evidence::Entity::delete_many().filter(evidence::Column::ModuleId.eq(c.quiz)).exec(app.db()).await.unwrap();
    evidence::Entity::update_many()
        .col_expr(evidence::Column::FirstAt, sea_orm::sea_query::Expr::value(server::db::now()))
        .exec(app.db())
        .await
        .unwrap();
    assert_ne!(read().await, live);
    server::sync::rebuild(app.db()).await.unwrap();
    assert_eq!(read().await, live);

    // So does the migration that made the table, from the records of an older Primer.
    Migrator::down(app.db(), Some(1)).await.unwrap();
    Migrator::up(app.db(), None).await.unwrap();
    assert_eq!(read().await, live);
}

/// A batch is checked against what its own modules need (`Content::load_for`), not the
/// whole catalog: it must see exactly what the catalog shows, however a module reached
/// the learner (open to everyone, a team's assignment, a path's, a renewal) or didn't.
async fn a_batch_sees_what_the_catalog_sees(app: TestApp) {
    let author = app.signed_in(Role::Author).await;
    let admin = app.signed_in(Role::Admin).await;
    let team: Team = app.post("/api/v1/teams").session(&admin).json(&json!({"name": "North"})).send().await.json();
    let learner = learner_in(&app, Some("Account Executive"), Some(team.id), None).await;
    let module = |title: &str, open: bool| {
        let mut body = tip(title, "Body");
        if !open {
            body["audience"] = json!({"job_roles": ["Solutions Engineer"]});
        }
        let (app, author) = (&app, &author);
        async move {
            let m = create(app, author, &body).await;
            publish(app, author, m.id).await;
            m.id
        }
    };
    let path = |ids: Vec<i64>| {
        let (app, author) = (&app, &author);
        async move {
            let p: LearningPath = app
                .post("/api/v1/paths")
                .session(author)
                .json(&json!({"title": format!("Path {}", id()), "module_ids": ids}))
                .send()
                .await
                .assert_status(201)
                .json();
            p.id
        }
    };
    let assign = |body: Value| {
        let (app, author) = (&app, &author);
        async move {
            app.post("/api/v1/assignments").session(author).json(&body).send().await.assert_status(201);
        }
    };
    let open = module("Open to all", true).await;
    let hidden = module("Engineers only", false).await;
    let to_team = module("For North", false).await;
    assign(json!({"module_id": to_team, "team_id": team.id, "required": false})).await;
    let by_path = module("On the AE path", false).await;
    let ae_path = path(vec![by_path]).await;
    assign(json!({"path_id": ae_path, "job_role": "Account Executive", "required": true, "due_days": 30})).await;
    let other_path_module = module("On the managers' path", false).await;
    let managers = path(vec![other_path_module]).await;
    assign(json!({"path_id": managers, "job_role": "Sales Manager", "required": true})).await;
    // A certification's path assigned to nobody: its renewal assigns it to a holder
    // whose certificate expires within 30 days.
    // One of its steps isn't a requirement (so deciding certificates doesn't need it).
    let renewed = module("Renewed yearly", false).await;
    let extra = module("Reading for the renewal", false).await;
    let check = create(&app, &author, &crate::support::build::quiz(crate::support::build::good_questions())).await;
    publish(&app, &author, check.id).await;
    let cert_path = path(vec![renewed, extra, check.id]).await;
    let certification: Certification = app
        .post("/api/v1/certifications")
        .session(&author)
        .json(&json!({"path_id": cert_path, "required_module_ids": [renewed], "assessment_module_ids": [check.id],
                     "passing_score": 80, "validity_months": 12}))
        .send()
        .await
        .assert_status(201)
        .json();
    let issued = server::db::now() - TimeDelta::days(355);
    certificate::ActiveModel {
        code: Set(server::certifications::award::new_code()),
        user_id: Set(learner.user.id),
        certification_id: Set(certification.id),
        certification_version: Set(certification.version),
        certification_title: Set(certification.title.clone()),
        issued_at: Set(issued),
        expires_at: Set(Some(issued + TimeDelta::days(365))),
        score: Set(Some(90)),
        created_at: Set(issued),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .unwrap();

    let catalog: Catalog = app.get("/api/v1/catalog").session(&learner).send().await.assert_status(200).json();
    let shown: Vec<i64> = catalog.modules.iter().map(|m| m.id).collect();
    let all = [open, hidden, to_team, by_path, other_path_module, renewed, extra];
    let expected: Vec<bool> = all.iter().map(|m| shown.contains(m)).collect();
    assert_eq!(expected, [true, false, true, true, false, true, true], "the catalog, as the fixture means it");
    let status = |answer: &SyncResponse| -> Vec<bool> {
        answer.results.iter().map(|r| r.status == RecordStatus::Accepted).collect()
    };
    // One batch naming them all, and one batch per module (where the modules read are
    // only that one's).
    let together = all.iter().map(|m| crate::support::build::record(&id(), "completion", *m, 1, json!({}))).collect();
    assert_eq!(status(&sync_from(&app, &learner, "phone-1", together).await), expected);
    for (m, visible) in all.iter().zip(&expected) {
        let alone = vec![crate::support::build::record(&id(), "completion", *m, 1, json!({}))];
        assert_eq!(status(&sync_from(&app, &learner, "phone-2", alone).await), [*visible], "module {m}");
    }
}

db_tests!(a_long_history_costs_a_sync_nothing, evidence_is_what_the_records_say, a_batch_sees_what_the_catalog_sees);
