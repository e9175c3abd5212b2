//! Manager report benchmark (run by `scripts/bench/reports.sh`, not by the tests).
//!
//!   reports_bench seed BASE_URL ADMIN_COOKIE DATABASE_URL PLAN_FILE
//!     Publishes 50 modules (45 tip cards, 5 quizzes) through the API, assigns 20 of them
//!     as required to the job role "Bench Seller" (a path due after 30 days, ten modules
//!     due after 60), and writes 10,000 such learners in 4 teams straight into the
//!     database, each with one learning record and one progress row per module
//!     (500,000 of each) and a synced device. The plan file keeps what the baseline needs.
//!
//!   reports_bench http BASE_URL ADMIN_COOKIE PID REPORT?QUERY LABEL
//!     Asks the running server for `GET /api/v1/reports/REPORT?QUERY` (`people` or
//!     `modules`) three times: time to first byte, total time (median), bytes, and the
//!     server's peak resident memory over what it held just before (sampled every 5 ms
//!     from /proc/PID/status).
//!
//!   reports_bench raw DATABASE_URL PLAN_FILE FORMAT
//!     The baseline: one hand-written SQL aggregate of the report's main figures per person
//!     (required done and total, overdue, last activity, latest quiz score, last sync), read
//!     in full and written as JSON, or streamed and written as CSV. Median of three.
//!
//!   reports_bench raw-modules DATABASE_URL
//!     The module report's baseline: per module, one hand-written SQL aggregate over the
//!     progress rows and learning records of the job role's learners (started, completed,
//!     average score, average rating, average time spent, quiz attempts), read in full and
//!     written as JSON. Median of three.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use chrono::{Days, TimeDelta, Utc};
use futures_util::StreamExt;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Statement, StreamTrait, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use server::db::entities::{learning_record, module_progress, sync_device, user};

const LEARNERS: usize = 10_000;
const MODULES: usize = 50;
const QUIZZES: usize = 5;
const TEAMS: usize = 4;
const JOB_ROLE: &str = "Bench Seller";
/// Rows per insert statement (under both databases' parameter limits).
const CHUNK: usize = 400;

/// What the seed made, for the baseline.
#[derive(Serialize, Deserialize)]
struct Plan {
    /// Required modules and the days after a start date they are due.
    required: Vec<(i64, i64)>,
    team_ids: Vec<i64>,
}

struct Api {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Api {
    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("origin", &self.base)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await?;
        let status = r.status();
        let body: Value = serde_json::from_slice(&r.bytes().await?).unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("POST {path}: {status} {body}");
        }
        Ok(body)
    }
}

fn quiz_body(i: usize) -> Value {
    json!({"kind": "quiz", "title": format!("Bench quiz {i}"), "summary": "Two questions", "pass_percent": 50, "estimated_seconds": 90,
           "questions": [
               {"prompt": "Which plan includes offline sync?", "options": [
                   {"text": "Starter", "correct": false}, {"text": "Team", "correct": true}]},
               {"prompt": "Which are Aurora's strengths?", "multiple": true, "options": [
                   {"text": "Battery life", "correct": true}, {"text": "Price", "correct": false},
                   {"text": "Weight", "correct": true}]}]})
}

async fn seed(api: &Api, database_url: &str, plan_file: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut modules = Vec::new();
    for i in 0..MODULES {
        let body = if i % (MODULES / QUIZZES) == MODULES / QUIZZES - 1 {
            quiz_body(i)
        } else {
            json!({"kind": "tip", "title": format!("Bench tip {i}"), "summary": "Three things to say",
                   "estimated_seconds": 60, "body_markdown": "Lead with **battery life**."})
        };
        let quiz = body["kind"] == "quiz";
        let m = api.post("/api/v1/modules", body).await?;
        let id = m["id"].as_i64().context("module id")?;
        api.post(&format!("/api/v1/modules/{id}/publish"), json!({})).await?;
        modules.push((id, quiz));
    }
    let path = api
        .post(
            "/api/v1/paths",
            json!({"title": "Bench onboarding", "module_ids": modules[..10].iter().map(|m| m.0).collect::<Vec<_>>()}),
        )
        .await?;
    let path_id = path["id"].as_i64().context("path id")?;
    api.post(
        "/api/v1/assignments",
        json!({"path_id": path_id, "job_role": JOB_ROLE, "required": true, "due_days": 30}),
    )
    .await?;
    let mut required: Vec<(i64, i64)> = modules[..10].iter().map(|m| (m.0, 30)).collect();
    for m in &modules[10..20] {
        api.post(
            "/api/v1/assignments",
            json!({"module_id": m.0, "job_role": JOB_ROLE, "required": true, "due_days": 60}),
        )
        .await?;
        required.push((m.0, 60));
    }
    let mut team_ids = Vec::new();
    for t in 0..TEAMS {
        let team = api.post("/api/v1/teams", json!({"name": format!("Bench team {}", t + 1)})).await?;
        team_ids.push(team["id"].as_i64().context("team id")?);
    }

    let db = server::db::connect(database_url).await?;
    let now = server::db::now();
    let today = now.date_naive();
    let txn = db.begin().await?;
    let users: Vec<user::ActiveModel> = (0..LEARNERS)
        .map(|i| user::ActiveModel {
            email: Set(format!("bench{i}@primer.example")),
            name: Set(format!("Bench Learner {i:05}")),
            role: Set("learner".into()),
            job_role: Set(Some(JOB_ROLE.into())),
            team_id: Set(Some(team_ids[i % TEAMS])),
            time_zone: Set("Europe/Berlin".into()),
            start_date: Set(today.checked_sub_days(Days::new((i % 120) as u64))),
            active: Set(true),
            password_hash: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            hide_from_leaderboards: Set(false),
            ..Default::default()
        })
        .collect();
    for chunk in users.chunks(CHUNK) {
        user::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    // Their ids as the database gave them (a sequence need not hand out a contiguous run).
    let ids: Vec<i64> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Email.like("bench%@primer.example"))
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(&db)
        .await?;
    if ids.len() != LEARNERS {
        bail!("{} bench learners stored, not {LEARNERS}", ids.len());
    }

    let mut records = Vec::with_capacity(CHUNK);
    let mut progress = Vec::with_capacity(CHUNK);
    let mut devices = Vec::with_capacity(CHUNK);
    let txn = db.begin().await?;
    for (u, &user_id) in ids.iter().enumerate() {
        devices.push(sync_device::ActiveModel {
            user_id: Set(user_id),
            device_id: Set("bench-phone".into()),
            last_sync_at: Set(now - TimeDelta::minutes((u % 5000) as i64)),
            clock_skew_ms: Set(0),
        });
        for (m, &(module_id, quiz)) in modules.iter().enumerate() {
            let at = now - TimeDelta::hours(((u * 7 + m * 13) % 2000) as i64);
            // Mostly done, not all: some tip cards only rated, some quizzes failed.
            let hash = (u * 31 + m * 17) % 10;
            let (kind, payload, score, done) = if quiz {
                let pass = hash >= 3;
                let answers = if pass { json!([[1], [0, 2]]) } else { json!([[0], [0, 2]]) };
                ("quiz_attempt", json!({"answers": answers}), Some(if pass { 100 } else { 50 }), pass)
            } else if hash == 0 {
                ("feedback", json!({"rating": 1 + (u + m) % 5, "comment": ""}), None, false)
            } else {
                ("completion", json!({"seconds_spent": 30 + (u + m) % 90}), None, true)
            };
            records.push(
                learning_record::Model {
                    id: uuid::Uuid::now_v7().to_string(),
                    user_id,
                    device_id: "bench-phone".into(),
                    kind: kind.into(),
                    module_id,
                    module_version: 1,
                    occurred_at: at,
                    device_occurred_at: at,
                    received_at: at,
                    payload,
                    score,
                    passed: score.map(|_| done),
                    fingerprint: "0".repeat(64),
                    counted: true,
                    attempt_id: None,
                    about: None,
                }
                .into_active_model()
                .reset_all(),
            );
            progress.push(module_progress::ActiveModel {
                user_id: Set(user_id),
                module_id: Set(module_id),
                completed_at: Set(done.then_some(at)),
                last_completed_at: Set(done.then_some(at)),
                completed_version: Set(done.then_some(1)),
                best_score: Set(score),
                attempts: Set(i32::from(quiz)),
                rating: Set((kind == "feedback").then_some(1 + ((u + m) % 5) as i32)),
                rated_at: Set((kind == "feedback").then_some(at)),
                last_activity_at: Set(at),
            });
            if records.len() == CHUNK {
                learning_record::Entity::insert_many(std::mem::take(&mut records)).exec_without_returning(&txn).await?;
                module_progress::Entity::insert_many(std::mem::take(&mut progress))
                    .exec_without_returning(&txn)
                    .await?;
            }
        }
        if devices.len() == CHUNK {
            sync_device::Entity::insert_many(std::mem::take(&mut devices)).exec_without_returning(&txn).await?;
        }
    }
    if !records.is_empty() {
        learning_record::Entity::insert_many(records).exec_without_returning(&txn).await?;
        module_progress::Entity::insert_many(progress).exec_without_returning(&txn).await?;
    }
    if !devices.is_empty() {
        sync_device::Entity::insert_many(devices).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    // Fresh statistics, as a database that grew over months would have.
    db.execute_unprepared("ANALYZE").await?;
    std::fs::write(plan_file, serde_json::to_vec(&Plan { required, team_ids })?)?;
    println!(
        "  seeded {LEARNERS} learners x {MODULES} modules: {} learning records, {} progress rows in {:.1} s",
        LEARNERS * MODULES,
        LEARNERS * MODULES,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn http(base: &str, cookie: &str, pid: u32, report: &str, label: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(600)).build()?;
    let url = format!("{base}/api/v1/reports/{report}");
    let (mut ttfb, mut total, mut bytes, mut grew) = (Vec::new(), Vec::new(), 0u64, 0u64);
    let before = rss_kib(pid);
    for _ in 0..3 {
        let peak = Arc::new(AtomicU64::new(before));
        let running = Arc::new(AtomicBool::new(true));
        let sampler = {
            let (peak, running) = (peak.clone(), running.clone());
            std::thread::spawn(move || {
                while running.load(Ordering::Relaxed) {
                    peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        };
        let started = Instant::now();
        let response = client.get(&url).header("cookie", cookie).send().await?;
        if !response.status().is_success() {
            bail!("{url}: {}", response.status());
        }
        let mut response = response;
        let mut first = None;
        bytes = 0;
        while let Some(chunk) = response.chunk().await? {
            first.get_or_insert_with(|| started.elapsed());
            bytes += chunk.len() as u64;
        }
        total.push(started.elapsed().as_secs_f64() * 1000.0);
        ttfb.push(first.unwrap_or_default().as_secs_f64() * 1000.0);
        running.store(false, Ordering::Relaxed);
        let _ = sampler.join();
        grew = grew.max(peak.load(Ordering::Relaxed).saturating_sub(before));
    }
    println!(
        "{}",
        json!({"label": label, "ttfb_ms": median(ttfb), "total_ms": median(total), "bytes": bytes,
               "rss_before_kib": before, "peak_growth_kib": grew})
    );
    Ok(())
}

/// The baseline's SQL: per person of the job role, the report's main figures.
fn aggregate_sql(backend: DbBackend, plan: &Plan) -> String {
    let required: Vec<String> = plan.required.iter().map(|(m, d)| format!("({m}, {d})")).collect();
    let overdue = match backend {
        DbBackend::Postgres => "u.start_date + r.due_days < CURRENT_DATE",
        _ => "julianday(u.start_date) + r.due_days < julianday('now')",
    };
    format!(
        "WITH required(module_id, due_days) AS (VALUES {required})
         SELECT u.id, u.name, u.email, t.name AS team, u.start_date,
           COUNT(r.module_id) AS required_total,
           COUNT(mp.completed_at) AS required_done,
           SUM(CASE WHEN mp.completed_at IS NULL AND {overdue} THEN 1 ELSE 0 END) AS overdue,
           (SELECT MAX(p.last_activity_at) FROM module_progress p WHERE p.user_id = u.id) AS last_activity,
           (SELECT p.best_score FROM module_progress p WHERE p.user_id = u.id AND p.best_score IS NOT NULL
              ORDER BY p.last_activity_at DESC LIMIT 1) AS latest_quiz_score,
           (SELECT MAX(d.last_sync_at) FROM sync_devices d WHERE d.user_id = u.id) AS last_sync
         FROM users u
         LEFT JOIN teams t ON t.id = u.team_id
         CROSS JOIN required r
         LEFT JOIN module_progress mp ON mp.user_id = u.id AND mp.module_id = r.module_id
         WHERE u.active AND u.job_role = '{JOB_ROLE}'
         GROUP BY u.id, u.name, u.email, t.name, u.start_date
         ORDER BY u.name",
        required = required.join(", ")
    )
}

/// The module report baseline's SQL: per module, over the job role's learners.
fn modules_sql(backend: DbBackend) -> String {
    let (seconds, real) = match backend {
        DbBackend::Postgres => ("(payload->>'seconds_spent')::int", "double precision"),
        _ => ("json_extract(payload, '$.seconds_spent')", "real"),
    };
    format!(
        "WITH people AS (SELECT id FROM users WHERE active AND job_role = '{JOB_ROLE}'),
         progress AS (
           SELECT module_id, COUNT(*) AS started, COUNT(completed_at) AS completed,
             CAST(AVG(best_score) AS {real}) AS average_score, CAST(AVG(rating) AS {real}) AS average_rating
           FROM module_progress WHERE user_id IN (SELECT id FROM people) GROUP BY module_id),
         records AS (
           SELECT module_id,
             CAST(AVG(CASE WHEN kind = 'completion' THEN {seconds} END) AS {real}) AS average_seconds,
             SUM(CASE WHEN kind = 'quiz_attempt' THEN 1 ELSE 0 END) AS quiz_attempts
           FROM learning_records
           WHERE user_id IN (SELECT id FROM people) AND kind IN ('completion', 'quiz_attempt')
           GROUP BY module_id)
         SELECT m.id, p.started, p.completed, p.average_score, p.average_rating, r.average_seconds, r.quiz_attempts
         FROM modules m
         LEFT JOIN progress p ON p.module_id = m.id
         LEFT JOIN records r ON r.module_id = m.id
         ORDER BY m.id"
    )
}

async fn raw_modules(database_url: &str) -> anyhow::Result<()> {
    let db = server::db::connect(database_url).await?;
    let sql = modules_sql(db.get_database_backend());
    let (mut total, mut rows, mut bytes) = (Vec::new(), 0, 0);
    for _ in 0..3 {
        let started = Instant::now();
        let all = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql.clone())).await?;
        let modules: Vec<Value> = all
            .iter()
            .map(|row| -> anyhow::Result<Value> {
                Ok(json!({
                    "module_id": row.try_get::<i64>("", "id")?,
                    "started": row.try_get::<Option<i64>>("", "started")?,
                    "completed": row.try_get::<Option<i64>>("", "completed")?,
                    "average_score": row.try_get::<Option<f64>>("", "average_score")?,
                    "average_rating": row.try_get::<Option<f64>>("", "average_rating")?,
                    "average_seconds": row.try_get::<Option<f64>>("", "average_seconds")?,
                    "quiz_attempts": row.try_get::<Option<i64>>("", "quiz_attempts")?,
                }))
            })
            .collect::<anyhow::Result<_>>()?;
        let body = serde_json::to_vec(&json!({"modules": modules}))?;
        total.push(started.elapsed().as_secs_f64() * 1000.0);
        (rows, bytes) = (modules.len(), body.len());
    }
    println!("{}", json!({"label": "raw modules", "total_ms": median(total), "rows": rows, "bytes": bytes}));
    Ok(())
}

fn row_json(row: &sea_orm::QueryResult) -> anyhow::Result<Value> {
    use chrono::{DateTime, NaiveDate};
    Ok(json!({
        "user_id": row.try_get::<i64>("", "id")?,
        "name": row.try_get::<String>("", "name")?,
        "email": row.try_get::<String>("", "email")?,
        "team": row.try_get::<Option<String>>("", "team")?,
        "start_date": row.try_get::<Option<NaiveDate>>("", "start_date")?,
        "required_total": row.try_get::<i64>("", "required_total")?,
        "required_done": row.try_get::<i64>("", "required_done")?,
        "overdue": row.try_get::<i64>("", "overdue")?,
        "last_activity_at": row.try_get::<Option<DateTime<Utc>>>("", "last_activity")?,
        "latest_quiz_score": row.try_get::<Option<i32>>("", "latest_quiz_score")?,
        "last_sync_at": row.try_get::<Option<DateTime<Utc>>>("", "last_sync")?,
    }))
}

async fn raw(database_url: &str, plan_file: &str, format: &str) -> anyhow::Result<()> {
    let plan: Plan = serde_json::from_slice(&std::fs::read(plan_file)?)?;
    let db = server::db::connect(database_url).await?;
    let sql = aggregate_sql(db.get_database_backend(), &plan);
    let (mut ttfb, mut total, mut rows, mut bytes) = (Vec::new(), Vec::new(), 0, 0);
    for _ in 0..3 {
        let started = Instant::now();
        let stmt = Statement::from_string(db.get_database_backend(), sql.clone());
        if format == "csv" {
            let mut stream = db.stream_raw(stmt).await?;
            let (mut out, mut first, mut n, mut size) = (csv::Writer::from_writer(Vec::new()), None, 0, 0);
            while let Some(row) = stream.next().await {
                let v = row_json(&row?)?;
                let cells: Vec<String> = v
                    .as_object()
                    .map(|o| o.values().map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_string)).collect())
                    .unwrap_or_default();
                out.write_record(&cells)?;
                n += 1;
                if out.get_ref().len() >= 32 * 1024 {
                    first.get_or_insert_with(|| started.elapsed());
                    size += out.get_ref().len();
                    out = csv::Writer::from_writer(Vec::new());
                }
            }
            size += out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?.len();
            ttfb.push(first.unwrap_or_else(|| started.elapsed()).as_secs_f64() * 1000.0);
            (rows, bytes) = (n, size);
        } else {
            let all = db.query_all_raw(stmt).await?;
            let people: Vec<Value> = all.iter().map(row_json).collect::<anyhow::Result<_>>()?;
            let body = serde_json::to_vec(&json!({"people": people}))?;
            ttfb.push(started.elapsed().as_secs_f64() * 1000.0);
            (rows, bytes) = (people.len(), body.len());
        }
        total.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "{}",
        json!({"label": format!("raw {format}"), "ttfb_ms": median(ttfb), "total_ms": median(total), "rows": rows, "bytes": bytes})
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [_, "seed", base, cookie, database_url, plan] => {
            let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).build()?;
            let api = Api { client, base: base.to_string(), cookie: format!("primer_session={cookie}") };
            seed(&api, database_url, plan).await
        }
        [_, "http", base, cookie, pid, report, label] => {
            http(base, &format!("primer_session={cookie}"), pid.parse()?, report, label).await
        }
        [_, "raw-modules", database_url] => raw_modules(database_url).await,
        [_, "raw", database_url, plan, format] => raw(database_url, plan, format).await,
        _ => bail!("usage: reports_bench seed|http|raw|raw-modules … (see the file's header)"),
    }
}
