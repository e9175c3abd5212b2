//! The job queue on both databases: unique keys, one claim per job however many ask at
//! once, leases that pass, retries that back off, failures kept, ticks once per period,
//! and the runner doing the work.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use sea_orm::EntityTrait;
use server::{
    db::{self, entities::job},
    jobs::{
        Kind, Runner, RunnerConfig, State,
        queue::{self, Failed, NewJob},
        runner::Work,
    },
};

use crate::{db_tests, support::TestApp};

const MINUTE: Duration = Duration::from_secs(60);

fn new(key: &str) -> NewJob {
    NewJob::new(Kind::Housekeeping, key, &serde_json::json!({"n": key}))
}

async fn state_of(app: &TestApp, key: &str) -> job::Model {
    queue::find(app.db(), key).await.unwrap().expect("the job is there")
}

async fn a_key_is_enqueued_once(app: TestApp) {
    assert!(queue::enqueue(app.db(), new("k")).await.unwrap());
    assert!(!queue::enqueue(app.db(), new("k")).await.unwrap(), "the same key again adds nothing");
    // Not even once the first is done.
    let claimed = queue::claim(app.db(), "w1", &[Kind::Housekeeping], MINUTE, db::now()).await.unwrap().unwrap();
    assert!(queue::complete(app.db(), claimed.id, "w1", db::now()).await.unwrap());
    assert!(!queue::enqueue(app.db(), new("k")).await.unwrap());
    assert_eq!(job::Entity::find().all(app.db()).await.unwrap().len(), 1);
    assert_eq!(State::parse(&state_of(&app, "k").await.state).unwrap(), State::Done);
}

async fn a_job_is_claimed_once_however_many_ask(app: TestApp) {
    for i in 0..3 {
        queue::enqueue(app.db(), new(&format!("job-{i}"))).await.unwrap();
    }
    // 12 workers at once for 3 jobs: each job goes to exactly one.
    let mut claims = Vec::new();
    for w in 0..12 {
        let db = app.db().clone();
        claims.push(tokio::spawn(async move {
            queue::claim(&db, &format!("w{w}"), &[Kind::Housekeeping], MINUTE, db::now()).await.unwrap()
        }));
    }
    let mut got = Vec::new();
    for claim in claims {
        if let Some(job) = claim.await.unwrap() {
            got.push(job.key);
        }
    }
    got.sort();
    assert_eq!(got, ["job-0", "job-1", "job-2"]);
    assert!(queue::claim(app.db(), "late", &[Kind::Housekeeping], MINUTE, db::now()).await.unwrap().is_none());
}

async fn only_due_jobs_of_known_kinds_are_claimed(app: TestApp) {
    let later = Utc::now() + TimeDelta::minutes(5);
    queue::enqueue(app.db(), new("later").at(later)).await.unwrap();
    assert!(queue::claim(app.db(), "w", &[Kind::Housekeeping], MINUTE, db::now()).await.unwrap().is_none());
    // A server that doesn't run this kind leaves it.
    assert!(
        queue::claim(app.db(), "w", &[Kind::Renditions], MINUTE, later + TimeDelta::seconds(1))
            .await
            .unwrap()
            .is_none()
    );
    let job = queue::claim(app.db(), "w", &[Kind::Housekeeping], MINUTE, later + TimeDelta::seconds(1))
        .await
        .unwrap()
        .expect("due now");
    assert_eq!((job.key.as_str(), job.attempts), ("later", 1));
    assert_eq!(job.payload, r#"{"n":"later"}"#);
}

async fn a_lease_that_passes_frees_the_job(app: TestApp) {
    queue::enqueue(app.db(), new("long")).await.unwrap();
    let now = db::now();
    let first = queue::claim(app.db(), "dies", &[Kind::Housekeeping], MINUTE, now).await.unwrap().unwrap();
    // While the lease holds, nobody else gets it, and heartbeats keep it.
    let soon = now + TimeDelta::seconds(30);
    assert!(queue::claim(app.db(), "other", &[Kind::Housekeeping], MINUTE, soon).await.unwrap().is_none());
    assert!(queue::heartbeat(app.db(), first.id, "dies", MINUTE, Some(0.4), soon).await.unwrap());
    assert_eq!(state_of(&app, "long").await.progress, Some(0.4));
    let before_renewed_lease = soon + TimeDelta::seconds(59);
    assert!(
        queue::claim(app.db(), "other", &[Kind::Housekeeping], MINUTE, before_renewed_lease).await.unwrap().is_none()
    );
    // Its worker stops renewing (killed): after the lease another claims it.
    let after = soon + TimeDelta::seconds(61);
    let second = queue::claim(app.db(), "other", &[Kind::Housekeeping], MINUTE, after).await.unwrap().unwrap();
    assert_eq!((second.id, second.attempts), (first.id, 2));
    // The first worker, back, finds it no longer holds the job and can't finish or fail it.
    assert!(!queue::heartbeat(app.db(), first.id, "dies", MINUTE, Some(0.9), after).await.unwrap());
    assert!(!queue::complete(app.db(), first.id, "dies", after).await.unwrap());
    assert_eq!(queue::fail(app.db(), &first, "dies", "x", true, after).await.unwrap(), Failed::NotHeld);
    assert!(queue::complete(app.db(), second.id, "other", after).await.unwrap());
    let done = state_of(&app, "long").await;
    assert_eq!((done.state.as_str(), done.attempts, done.progress), ("done", 2, Some(1.0)));
}

async fn failures_back_off_and_are_kept(app: TestApp) {
    queue::enqueue(app.db(), new("flaky").attempts(3)).await.unwrap();
    let mut now = db::now();
    for attempt in 1..=2 {
        let job = queue::claim(app.db(), "w", &[Kind::Housekeeping], MINUTE, now).await.unwrap().unwrap();
        assert_eq!(job.attempts, attempt);
        let failed = queue::fail(app.db(), &job, "w", &format!("disk full ({attempt})"), true, now).await.unwrap();
        let Failed::Retry(at) = failed else { panic!("retried: {failed:?}") };
        assert_eq!(at - now, queue::back_off(attempt));
        // Not before its time.
        assert!(
            queue::claim(app.db(), "w", &[Kind::Housekeeping], MINUTE, at - TimeDelta::seconds(1))
                .await
                .unwrap()
                .is_none()
        );
        let waiting = state_of(&app, "flaky").await;
        assert_eq!(
            (waiting.state.as_str(), waiting.last_error.as_deref()),
            ("queued", Some(format!("disk full ({attempt})").as_str()))
        );
        now = at;
    }
    let last = queue::claim(app.db(), "w", &[Kind::Housekeeping], MINUTE, now).await.unwrap().unwrap();
    assert_eq!(queue::fail(app.db(), &last, "w", "disk full (3)", true, now).await.unwrap(), Failed::GaveUp);
    let failed = state_of(&app, "flaky").await;
    assert_eq!((failed.state.as_str(), failed.attempts), ("failed", 3));
    assert_eq!(failed.last_error.as_deref(), Some("disk full (3)"));
    assert!(failed.finished_at.is_some());
    let much_later = now + TimeDelta::days(30);
    assert!(queue::claim(app.db(), "w", &[Kind::Housekeeping], MINUTE, much_later).await.unwrap().is_none());
    // Housekeeping keeps failures; an operator's retry starts it over.
    assert_eq!(queue::purge_done(app.db(), much_later).await.unwrap(), 0);
    assert!(queue::retry_failed(app.db(), "flaky").await.unwrap());
    let again = queue::claim(app.db(), "w", &[Kind::Housekeeping], MINUTE, db::now()).await.unwrap().unwrap();
    assert_eq!(again.attempts, 1);

    // A permanent failure is kept at once, attempts or not.
    queue::enqueue(app.db(), new("damaged")).await.unwrap();
    let job = queue::claim(app.db(), "w", &[Kind::Housekeeping], MINUTE, db::now()).await.unwrap().unwrap();
    assert_eq!(queue::fail(app.db(), &job, "w", "no picture", false, db::now()).await.unwrap(), Failed::GaveUp);
    assert_eq!(state_of(&app, "damaged").await.state, "failed");
}

async fn a_tick_runs_once_per_period_across_servers(app: TestApp) {
    let hour = Duration::from_secs(3600);
    let at = "2026-12-02T10:15:00Z".parse::<chrono::DateTime<Utc>>().unwrap();
    // Three servers schedule the same period: one job.
    let added: Vec<bool> = futures_util::future::join_all((0..3).map(|i| {
        let db = app.db().clone();
        async move { queue::schedule(&db, Kind::Housekeeping, hour, at + TimeDelta::minutes(i)).await.unwrap() }
    }))
    .await;
    assert_eq!(added.iter().filter(|a| **a).count(), 1);
    assert!(queue::schedule(app.db(), Kind::Housekeeping, hour, at + TimeDelta::hours(1)).await.unwrap());
    assert_eq!(job::Entity::find().all(app.db()).await.unwrap().len(), 2);
}

async fn the_runner_does_the_work_and_clears_old_rows(app: TestApp) {
    // Done jobs from long ago, a failed one, and a session that has expired.
    queue::enqueue(app.db(), new("old")).await.unwrap();
    let old = queue::claim(app.db(), "w", &[Kind::Housekeeping], MINUTE, db::now()).await.unwrap().unwrap();
    queue::complete(app.db(), old.id, "w", db::now() - TimeDelta::days(8)).await.unwrap();
    queue::enqueue(app.db(), new("broken")).await.unwrap();
    let broken = queue::claim(app.db(), "w", &[Kind::Housekeeping], MINUTE, db::now()).await.unwrap().unwrap();
    queue::fail(app.db(), &broken, "w", "kept", false, db::now() - TimeDelta::days(8)).await.unwrap();

    queue::enqueue(app.db(), new("now")).await.unwrap();
    let work = Work::of(&app.state);
    let runner = Runner::new(work, RunnerConfig { workers: 1, ..RunnerConfig::default() }, Default::default());
    assert_eq!(runner.drain().await.unwrap(), 1);
    let done = state_of(&app, "now").await;
    assert_eq!((done.state.as_str(), done.attempts), ("done", 1));
    assert!(queue::find(app.db(), "old").await.unwrap().is_none(), "a week-old done job is deleted");
    assert_eq!(state_of(&app, "broken").await.state, "failed", "failures are kept");
    // Its temporary directory is gone.
    let leftovers: Vec<_> =
        std::fs::read_dir(app.state.media.tmp_dir()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

db_tests!(
    a_key_is_enqueued_once,
    a_job_is_claimed_once_however_many_ask,
    only_due_jobs_of_known_kinds_are_claimed,
    a_lease_that_passes_frees_the_job,
    failures_back_off_and_are_kept,
    a_tick_runs_once_per_period_across_servers,
    the_runner_does_the_work_and_clears_old_rows,
);
