//! Background work: Primer's one way to do anything that shouldn't hold up a request, or
//! that runs on a schedule.
//!
//! A job is a row in the `jobs` table of the database Primer already uses (SQLite for one
//! server, PostgreSQL for several), so it survives restarts and is shared by every
//! server without another service to run:
//! - **Unique keys**: enqueueing a key that is there already does nothing, so "make this
//!   video's renditions" can be asked for by every upload and every `primer media
//!   reprocess` and is done once.
//! - **Claimed once** ([`queue::claim`]): one statement; on PostgreSQL the row is locked
//!   and other servers skip it.
//! - **Leases**: a claim holds a job for a while, renewed by a heartbeat that also
//!   records progress. A server that dies mid-job stops renewing; after the lease another
//!   claims it, and the work starts again from the beginning in a fresh temporary
//!   directory (the old one deleted). A worker that finds its lease gone stops.
//! - **Retries** back off (30 s, 2 min, 8 min, …); after the last attempt the failure is
//!   kept with its reason in words.
//! - **Ticks**: a recurring job is enqueued under its period's key by every server, so
//!   one run happens per period across all of them ([`queue::schedule`]).
//!
//! Child processes (ffmpeg) are niced and die with the server ([`child::command`]).
//!
//! Why not a crate: the well-kept Rust queues either serve one database
//! (PostgreSQL-only ones), or bring their own schema and migrations through sqlx
//! outside sea-orm's migrator; this queue is one table and a handful of statements that
//! both databases run.

pub mod child;
pub mod queue;
pub mod runner;

pub use runner::{Runner, RunnerConfig, Wake};

/// What a job does. Stored by name; a server claims only the kinds it knows, so a
/// newer kind waits for a server that knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Deletes expired sessions, stale one-time links and old finished jobs (hourly).
    Housekeeping,
    /// Makes a video's renditions for phones.
    Renditions,
    /// Sends one message (`crate::messages`). Only servers with mail configured claim it.
    Message,
    /// Works out which reminders are due and queues them (every 5 minutes; only servers
    /// with mail run it).
    Reminders,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Housekeeping, Kind::Renditions, Kind::Message, Kind::Reminders];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Housekeeping => "housekeeping",
            Kind::Renditions => "renditions",
            Kind::Message => "message",
            Kind::Reminders => "reminders",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Queued,
    Running,
    Done,
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Running => "running",
            State::Done => "done",
            State::Failed => "failed",
        }
    }

    /// Fails closed: an unknown value is an error, not a guess.
    pub fn parse(s: &str) -> Result<State, sea_orm::DbErr> {
        match s {
            "queued" => Ok(State::Queued),
            "running" => Ok(State::Running),
            "done" => Ok(State::Done),
            "failed" => Ok(State::Failed),
            other => Err(sea_orm::DbErr::Custom(format!("unknown job state {other:?}"))),
        }
    }
}

/// Why an attempt failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt (a database or store hiccup, a server stopping).
    #[error("{0}")]
    Transient(String),
    /// Another attempt would fail the same way (a damaged file): kept as failed at once.
    #[error("{0}")]
    Permanent(String),
}

impl From<sea_orm::DbErr> for JobError {
    fn from(e: sea_orm::DbErr) -> Self {
        JobError::Transient(format!("database: {e}"))
    }
}
