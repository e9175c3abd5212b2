//! The runner: each `primer serve` claims due jobs and runs up to `workers` of them at
//! once, keeps their leases while they run, and enqueues the recurring ticks.

use std::{
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use futures_util::FutureExt;
use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use super::{
    JobError, Kind,
    queue::{self, Claimed, Failed},
};
use crate::{db, media::MediaStore, messages::Mailer};

/// The recurring jobs, and how often each runs (once per period across all servers).
const SCHEDULES: [(Kind, Duration); 2] =
    [(Kind::Housekeeping, Duration::from_secs(3600)), (Kind::Reminders, Duration::from_secs(300))];

/// How often a runner checks that the current periods' ticks are enqueued.
const SCHEDULE_CHECK: Duration = Duration::from_secs(60);

/// Tells the runner in this process that a job was enqueued, so it doesn't wait for its
/// next poll.
#[derive(Clone, Default, Debug)]
pub struct Wake(Arc<Notify>);

impl Wake {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// How a runner works.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Jobs run at once (each may run one ffmpeg). 0: this server runs none.
    pub workers: usize,
    /// How long a claim holds a job without a heartbeat.
    pub lease: Duration,
    /// How often a running job's lease is renewed and its progress written.
    pub beat: Duration,
    /// How often the queue is checked when nothing wakes the runner.
    pub poll: Duration,
    /// How much lower child processes run than the server (0–19).
    pub nice: i32,
    /// The kinds this runner claims.
    pub kinds: Vec<Kind>,
}

impl Default for RunnerConfig {
    /// One job per core, niced by 10; a minute's lease renewed every 2 s.
    fn default() -> Self {
        RunnerConfig {
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            lease: Duration::from_secs(60),
            beat: Duration::from_secs(2),
            poll: Duration::from_secs(1),
            nice: 10,
            kinds: Kind::ALL.to_vec(),
        }
    }
}

/// What a running job is given.
pub struct Context {
    pub job: Claimed,
    /// Its own empty directory, deleted when the attempt ends (and by whoever takes the
    /// job over, if this server dies).
    pub tmp: PathBuf,
    /// How much lower its child processes run.
    pub nice: i32,
    /// Threads each child process may use (the cores shared among the workers).
    pub threads: usize,
    progress: Arc<AtomicU64>,
}

impl Context {
    /// Reports progress, 0–1. It never goes back within an attempt.
    pub fn progress(&self, done: f64) {
        let done = done.clamp(0.0, 1.0);
        self.progress.fetch_max(done.to_bits(), Ordering::Relaxed);
    }

    fn progress_now(&self) -> Option<f64> {
        let bits = self.progress.load(Ordering::Relaxed);
        (bits != 0).then(|| f64::from_bits(bits))
    }
}

/// What jobs work with: the database, the media store, the mail server and where links
/// point, nothing else of the app.
#[derive(Clone)]
pub struct Work {
    pub db: DatabaseConnection,
    pub media: Arc<MediaStore>,
    /// `None`: this server sends no email (and claims no messages).
    pub mail: Option<Arc<Mailer>>,
    /// Where links in messages point (`PRIMER_PUBLIC_URL`).
    pub link_base: String,
    /// How long a password link works.
    pub reset_link_ttl: Duration,
    /// When reminders go.
    pub cadence: crate::reminders::Cadence,
}

impl Work {
    /// What the jobs of a running app work with.
    pub fn of(state: &crate::AppState) -> Work {
        Work {
            db: state.db.clone(),
            media: state.media.clone(),
            mail: state.mail.clone(),
            link_base: state.config.link_base.clone(),
            reset_link_ttl: state.config.reset_link_ttl,
            cadence: state.config.reminders.clone(),
        }
    }

    /// For one-off commands that run media jobs only: no mail, no links.
    pub fn media_only(db: DatabaseConnection, media: Arc<MediaStore>) -> Work {
        Work {
            db,
            media,
            mail: None,
            link_base: String::new(),
            reset_link_ttl: Duration::ZERO,
            cadence: Default::default(),
        }
    }
}

/// Runs jobs for one server.
pub struct Runner {
    work: Work,
    config: RunnerConfig,
    /// This runner's name in leases: process and a random part, unique across servers.
    worker: String,
    wake: Wake,
}

impl Runner {
    pub fn new(work: Work, config: RunnerConfig, wake: Wake) -> Arc<Runner> {
        let worker = format!("pid{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8]);
        Arc::new(Runner { work, config, worker, wake })
    }

    /// Claims and runs jobs until the process ends.
    pub async fn run(self: Arc<Self>) {
        if self.config.workers == 0 {
            return;
        }
        tracing::info!(worker = %self.worker, workers = self.config.workers, "background jobs running");
        let slots = Arc::new(Semaphore::new(self.config.workers));
        let mut scheduled_at: Option<Instant> = None;
        loop {
            if scheduled_at.is_none_or(|at| at.elapsed() >= SCHEDULE_CHECK) {
                self.schedule().await;
                scheduled_at = Some(Instant::now());
            }
            while let Ok(slot) = slots.clone().try_acquire_owned() {
                match queue::claim(&self.work.db, &self.worker, &self.config.kinds, self.config.lease, db::now()).await
                {
                    Ok(Some(job)) => {
                        tokio::spawn(self.clone().attempt(job, Some(slot)));
                    }
                    Ok(None) => break,
                    Err(error) => {
                        tracing::warn!(%error, "could not claim a job");
                        break;
                    }
                }
            }
            tokio::select! {
                () = self.wake.0.notified() => {}
                () = tokio::time::sleep(self.config.poll) => {}
            }
        }
    }

    /// Runs due jobs one after another here until none is left (tests and one-off
    /// commands). Returns how many attempts ran.
    pub async fn drain(self: &Arc<Self>) -> Result<usize, sea_orm::DbErr> {
        let mut ran = 0;
        while let Some(job) =
            queue::claim(&self.work.db, &self.worker, &self.config.kinds, self.config.lease, db::now()).await?
        {
            self.clone().attempt(job, None).await;
            ran += 1;
        }
        Ok(ran)
    }

    /// Enqueues this period's ticks (a no-op for a period another server enqueued).
    async fn schedule(&self) {
        for (kind, every) in SCHEDULES {
            if self.config.kinds.contains(&kind)
                && let Err(error) = queue::schedule(&self.work.db, kind, every, db::now()).await
            {
                tracing::warn!(%error, kind = kind.as_str(), "could not schedule a recurring job");
            }
        }
    }

    /// One attempt at a claimed job: a fresh directory, the work raced against keeping
    /// the lease, then done, retried or failed.
    async fn attempt(self: Arc<Self>, job: Claimed, slot: Option<OwnedSemaphorePermit>) {
        let tmp = self.work.media.tmp_dir().join(format!("job-{}", job.id));
        // Whatever an earlier attempt (on a server that died) left.
        let _ = tokio::fs::remove_dir_all(&tmp).await;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = (cores / self.config.workers.max(1)).max(1);
        let cx = Context { job, tmp, nice: self.config.nice, threads, progress: Arc::new(AtomicU64::new(0)) };
        tracing::info!(id = cx.job.id, kind = cx.job.kind.as_str(), attempt = cx.job.attempts, "job started");
        let outcome = if cx.job.attempts > cx.job.max_attempts {
            // Claimed again after its lease passed, with no attempts left: each time,
            // the server running it stopped before it finished.
            Some(Err(JobError::Permanent(format!(
                "Gave up after {} attempts: the server running it stopped each time before it finished.",
                cx.job.max_attempts
            ))))
        } else {
            match tokio::fs::create_dir_all(&cx.tmp).await {
                Err(e) => Some(Err(JobError::Transient(format!("temporary directory: {e}")))),
                Ok(()) => {
                    let work = std::panic::AssertUnwindSafe(perform(&self.work, &cx)).catch_unwind();
                    tokio::select! {
                        result = work => Some(result.unwrap_or_else(|_| Err(JobError::Transient("the job panicked".into())))),
                        () = self.keep_lease(&cx) => None,
                    }
                }
            }
        };
        let _ = tokio::fs::remove_dir_all(&cx.tmp).await;
        let db = &self.work.db;
        let job = &cx.job;
        let recorded = match outcome {
            Some(Ok(())) => queue::complete(db, job.id, &self.worker, db::now()).await.map(|held| {
                tracing::info!(id = job.id, kind = job.kind.as_str(), held, "job done");
            }),
            Some(Err(error)) => {
                let retry = matches!(error, JobError::Transient(_));
                queue::fail(db, job, &self.worker, &error.to_string(), retry, db::now()).await.map(|outcome| {
                    match outcome {
                        Failed::Retry(at) => {
                            tracing::warn!(id = job.id, kind = job.kind.as_str(), %error, %at, "job failed; will retry")
                        }
                        Failed::GaveUp => tracing::error!(id = job.id, kind = job.kind.as_str(), %error, "job failed"),
                        Failed::NotHeld => {}
                    }
                })
            }
            None => {
                tracing::warn!(id = job.id, kind = job.kind.as_str(), "lease lost: another server has the job");
                Ok(())
            }
        };
        if let Err(error) = recorded {
            // The lease will pass and the job will be claimed again.
            tracing::warn!(id = job.id, %error, "could not record how a job ended");
        }
        drop(slot);
        self.wake.wake();
    }

    /// Renews the lease (and writes progress) every beat; returns when the lease is lost.
    async fn keep_lease(&self, cx: &Context) {
        let mut renewed = Instant::now();
        loop {
            tokio::time::sleep(self.config.beat).await;
            match queue::heartbeat(
                &self.work.db,
                cx.job.id,
                &self.worker,
                self.config.lease,
                cx.progress_now(),
                db::now(),
            )
            .await
            {
                Ok(true) => renewed = Instant::now(),
                Ok(false) => return,
                // Past the lease another server may have claimed the job: stop.
                Err(_) if renewed.elapsed() >= self.config.lease => return,
                Err(error) => tracing::warn!(%error, id = cx.job.id, "could not renew a job's lease"),
            }
        }
    }
}

/// What each kind of job does.
async fn perform(work: &Work, cx: &Context) -> Result<(), JobError> {
    match cx.job.kind {
        Kind::Housekeeping => housekeeping(&work.db, &work.media).await,
        Kind::Renditions => crate::media::renditions::make(&work.db, &work.media, cx).await,
        Kind::Message => crate::messages::send(work, &cx.job).await,
        Kind::Reminders => crate::reminders::tick(&work.db, &work.cadence, db::now())
            .await
            .map(|_| ())
            .map_err(|e| JobError::Transient(format!("planning reminders: {e}"))),
    }
}

/// How long a finished job's row is kept.
const DONE_KEPT_FOR: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// Deletes expired sessions, stale one-time links, old done jobs and uploads nobody
/// finished (with their bytes).
async fn housekeeping(db: &DatabaseConnection, media: &MediaStore) -> Result<(), JobError> {
    let sessions = crate::auth::session::purge_expired(db).await?;
    let links = crate::auth::reset::purge_stale(db).await?;
    let jobs = queue::purge_done(db, db::now() - DONE_KEPT_FOR).await?;
    let uploads = crate::uploads::purge_stale(db, media.partial_place()).await?;
    let link_requests = crate::auth::forgot::purge_stale(db).await?;
    if sessions + links + jobs + uploads + link_requests > 0 {
        tracing::info!(sessions, links, jobs, uploads, link_requests, "housekeeping: expired rows deleted");
    }
    Ok(())
}
