//! Sync ingest benchmark (run by `scripts/bench/sync.sh`, not by the tests).
//!
//! Sends learning records to a running `primer serve` through `POST /api/v1/sync` (HTTP,
//! session auth, validation, scoring, the progress projection, durable commit), one batch
//! after another from one device, at batch sizes 1, 50 and 500; then inserts the same
//! kind of rows into the same table through sea-orm directly (one `insert_many` and one
//! durable commit per batch: the floor any sync could reach), and prints both rates and
//! their ratio, one line per batch size. With a second learner, it first gives them
//! 100,000 earlier records (over the past year, at the modules they see, with their
//! progress and evidence rebuilt from them) and runs the same batches for them: a long
//! history should cost a sync nothing.
//!
//!   sync_ingest BASE_URL SESSION_COOKIE DATABASE_URL LABEL [VETERAN_SESSION VETERAN_EMAIL]

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::{Value, json};
use server::db::entities::{learning_record, user};

/// (batch size, batches): about the same records per size, enough to time steadily.
const PLAN: [(usize, usize); 3] = [(1, 300), (50, 100), (500, 30)];

/// A visible module, and what a record about it says.
struct Target {
    id: i64,
    version: i64,
    /// For quizzes, how many questions.
    questions: Option<usize>,
}

fn record(t: &Target, i: usize) -> Value {
    let (kind, payload) = match (t.questions, i % 10) {
        (Some(n), _) => ("quiz_attempt", json!({"answers": vec![vec![0]; n], "device_score": 50})),
        (None, 0) => ("feedback", json!({"rating": 1 + i % 5, "comment": "Useful before a pitch"})),
        (None, _) => ("completion", json!({"seconds_spent": 30 + i % 90})),
    };
    json!({"id": uuid::Uuid::now_v7().to_string(), "kind": kind, "module_id": t.id, "module_version": t.version,
           "occurred_at": Utc::now().to_rfc3339(), "payload": payload})
}

async fn targets(client: &reqwest::Client, base: &str, cookie: &str) -> anyhow::Result<Vec<Target>> {
    let get = |path: String| async move {
        let r = client.get(format!("{base}{path}")).header("cookie", cookie).send().await?;
        anyhow::Ok(serde_json::from_slice::<Value>(&r.bytes().await?)?)
    };
    let catalog = get("/api/v1/catalog".into()).await?;
    let mut out = Vec::new();
    for m in catalog["modules"].as_array().context("no catalog")? {
        // A certification's assessment counts a few attempts per learner, not a stream.
        if m["assessment"].as_bool() == Some(true) {
            continue;
        }
        // A practice module is completed by a review of a take, not by a record.
        if m["kind"].as_str() == Some("practice") {
            continue;
        }
        let id = m["id"].as_i64().context("module id")?;
        let full = get(format!("/api/v1/catalog/{id}")).await?;
        let questions = full["content"]["questions"].as_array().map(Vec::len);
        out.push(Target { id, version: full["version"].as_i64().context("version")?, questions });
    }
    if out.is_empty() {
        bail!("the learner sees no modules");
    }
    Ok(out)
}

/// Records per second through `POST /api/v1/sync`.
async fn through_http(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    targets: &[Target],
    size: usize,
    batches: usize,
) -> anyhow::Result<f64> {
    let bodies: Vec<String> = (0..batches)
        .map(|b| {
            let records: Vec<Value> = (0..size).map(|i| record(&targets[(b * size + i) % targets.len()], i)).collect();
            json!({"device_id": "bench-phone", "device_time": Utc::now().to_rfc3339(), "records": records}).to_string()
        })
        .collect();
    let started = Instant::now();
    for body in bodies {
        let r = client
            .post(format!("{base}/api/v1/sync"))
            .header("content-type", "application/json")
            .header("cookie", cookie)
            .body(body)
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("sync answered {}", r.status());
        }
        let answer: Value = serde_json::from_slice(&r.bytes().await?)?;
        let accepted =
            answer["results"].as_array().map_or(0, |r| r.iter().filter(|x| x["status"] == "accepted").count());
        if accepted != size {
            bail!("{accepted} of {size} accepted: {}", answer["results"]);
        }
    }
    Ok((size * batches) as f64 / started.elapsed().as_secs_f64())
}

/// A record at `t` as the server stores it, from `device` at `at`; a quiz attempt with
/// `score` (passed from 80).
fn stored(
    t: &Target,
    i: usize,
    user_id: i64,
    device: &str,
    at: chrono::DateTime<Utc>,
    score: Option<i32>,
) -> learning_record::Model {
    let r = record(t, i);
    let score = t.questions.and(score);
    learning_record::Model {
        id: r["id"].as_str().unwrap_or_default().to_string(),
        user_id,
        device_id: device.into(),
        kind: r["kind"].as_str().unwrap_or_default().to_string(),
        module_id: t.id,
        module_version: t.version as i32,
        occurred_at: at,
        device_occurred_at: at,
        received_at: at,
        payload: r["payload"].clone(),
        score,
        passed: score.map(|s| s >= 80),
        fingerprint: "0".repeat(64),
        counted: true,
        attempt_id: None,
        about: None,
    }
}

/// How many earlier records the learner with a long history has.
const HISTORY: usize = 100_000;

/// Gives `user_id` `HISTORY` earlier records at `targets`, as their phones would have
/// sent them over the past year, and rebuilds their progress and evidence from them.
async fn give_history(db: &sea_orm::DatabaseConnection, user_id: i64, targets: &[Target]) -> anyhow::Result<()> {
    let now = server::db::now();
    let rows: Vec<learning_record::ActiveModel> = (0..HISTORY)
        .map(|i| {
            let t = &targets[i % targets.len()];
            let at = now - chrono::TimeDelta::seconds(300 * (HISTORY - i) as i64);
            stored(t, i, user_id, "old-phone", at, Some((i % 101) as i32)).into_active_model().reset_all()
        })
        .collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        learning_record::Entity::insert_many(chunk).exec_without_returning(db).await?;
    }
    let txn = server::db::begin_write(db).await?;
    server::projection::rebuild_learner(&txn, user_id).await?;
    txn.commit().await?;
    Ok(())
}

/// Records per second through sea-orm straight into the table.
async fn raw_insert(
    db: &sea_orm::DatabaseConnection,
    user_id: i64,
    targets: &[Target],
    size: usize,
    batches: usize,
) -> anyhow::Result<f64> {
    let now = server::db::now();
    let count = size * batches;
    let batches: Vec<Vec<learning_record::ActiveModel>> = (0..batches)
        .map(|b| {
            (0..size)
                .map(|i| {
                    let t = &targets[(b * size + i) % targets.len()];
                    stored(t, i, user_id, "bench-raw", now, Some(50)).into_active_model().reset_all()
                })
                .collect()
        })
        .collect();
    let started = Instant::now();
    for rows in batches {
        let txn = server::db::begin_write(db).await?;
        learning_record::Entity::insert_many(rows).exec_without_returning(&txn).await?;
        txn.commit().await?;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (base, session, database_url, label, veteran) = match args.as_slice() {
        [_, base, session, url, label] => (base, session, url, label, None),
        [_, base, session, url, label, v_session, v_email] => (base, session, url, label, Some((v_session, v_email))),
        _ => bail!("usage: sync_ingest BASE_URL SESSION_COOKIE DATABASE_URL LABEL [VETERAN_SESSION VETERAN_EMAIL]"),
    };
    let cookie = format!("primer_session={session}");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).build()?;
    let targets = targets(&client, base, &cookie).await?;
    let db = server::db::connect(database_url).await?;
    let learner = user::Entity::find()
        .filter(user::Column::Email.eq("learner@primer.example"))
        .one(&db)
        .await?
        .context("no demo learner")?;
    // The learner with a long history, and what they see.
    let veteran = match veteran {
        Some((v_session, email)) => {
            let v_cookie = format!("primer_session={v_session}");
            let v_targets = crate::targets(&client, base, &v_cookie).await?;
            let v = user::Entity::find()
                .filter(user::Column::Email.eq(email.as_str()))
                .one(&db)
                .await?
                .context("no such learner")?;
            let started = Instant::now();
            give_history(&db, v.id, &v_targets).await?;
            eprintln!("  ({HISTORY} earlier records for {email} in {:.1} s)", started.elapsed().as_secs_f64());
            Some((v_cookie, v_targets))
        }
        None => None,
    };
    // Warm both paths (connections, caches) before timing.
    through_http(&client, base, &cookie, &targets, 50, 4).await?;
    raw_insert(&db, learner.id, &targets, 50, 4).await?;

    // `SYNC_BENCH_SIZES=500` (comma-separated) runs only those batch sizes.
    let only: Option<Vec<usize>> =
        std::env::var("SYNC_BENCH_SIZES").ok().map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect());
    for (size, batches) in PLAN.into_iter().filter(|(size, _)| only.as_ref().is_none_or(|o| o.contains(size))) {
        let http = through_http(&client, base, &cookie, &targets, size, batches).await?;
        let raw = raw_insert(&db, learner.id, &targets, size, batches).await?;
        println!(
            "{label:<10} batch {size:>3}: sync over HTTP {http:>8.0} records/s   raw sea-orm insert {raw:>8.0} records/s   ratio {:.2}×",
            http / raw
        );
        if let Some((v_cookie, v_targets)) = &veteran {
            let long = through_http(&client, base, v_cookie, v_targets, size, batches).await?;
            println!(
                "{label:<10} batch {size:>3}: with {}k records of history {long:>8.0} records/s   ratio {:.2}×   ({:+.0}% against no history)",
                HISTORY / 1000,
                long / raw,
                (long / http - 1.0) * 100.0
            );
        }
    }
    Ok(())
}
