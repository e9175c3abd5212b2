//! The outbox: learning records are written here first (local storage, per person), shown
//! at once, and leave only when the server has answered for them. The sync client sends
//! them on start, when the network comes back, when the page becomes visible, right after
//! a new record, on "Sync now", and, while failing, again after a growing, jittered wait.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use leptos::prelude::*;

use super::Device;
use crate::api::{Effect, LearningRecord, RecordKind, RecordResult, RecordStatus};

/// A record waiting to sync, with what it means for progress on this phone meanwhile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub record: LearningRecord,
    pub effect: Effect,
}

/// A record the server answered for but did not keep (rejected, or a conflict), so the
/// learner can see what happened to it instead of it vanishing from the count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncProblem {
    pub record: LearningRecord,
    /// Why, in words.
    pub message: String,
}

impl SyncProblem {
    /// "A quiz attempt from 23 Nov at 10:04 wasn't kept: This module no longer exists.",
    /// in the phone's time zone (`utc_offset_minutes` east of UTC).
    pub fn describe(&self, utc_offset_minutes: i32) -> String {
        let what = match self.record.kind {
            RecordKind::Completion => "A completion",
            RecordKind::QuizAttempt => "A quiz attempt",
            RecordKind::Feedback => "A rating",
            RecordKind::PracticeSubmission => "A take",
            RecordKind::PracticeReview => "A review",
            RecordKind::BoosterAnswer => "A booster answer",
            RecordKind::Unknown => "A record",
        };
        let zone =
            chrono::FixedOffset::east_opt(utc_offset_minutes * 60).unwrap_or(chrono::FixedOffset::east_opt(0).unwrap());
        let at = self.record.occurred_at.with_timezone(&zone);
        let at = format!("{} at {}", crate::dates::day_month(&at), crate::dates::hh_mm(&at));
        format!("{what} from {at} wasn't kept: {}", self.message)
    }
}

/// What became of a record that the server answered for, if it was not kept.
pub fn problem(record: &LearningRecord, result: &RecordResult) -> Option<SyncProblem> {
    let message = match (result.status, result.code) {
        // An answer this version doesn't know keeps the record queued (see `settled`).
        (RecordStatus::Accepted | RecordStatus::Duplicate | RecordStatus::Unknown, _) => return None,
        (RecordStatus::Conflict, _) => "another record with its id was already stored; that one is kept.".to_string(),
        (RecordStatus::Rejected, Some(code)) => code.message().to_string(),
        (RecordStatus::Rejected, None) => "the server refused it.".to_string(),
    };
    Some(SyncProblem { record: record.clone(), message })
}

/// Where the outbox stands, for the learner.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncState {
    /// Nothing has happened yet on this page.
    Idle,
    Syncing,
    /// Everything the server was sent is stored.
    Synced(DateTime<Utc>),
    /// The last try failed; another follows by itself.
    Failed {
        message: String,
        retry_at: DateTime<Utc>,
    },
    /// The session ended: records wait until the learner signs in again.
    NeedsSignIn,
}

/// Records per request (well under the server's 5,000).
pub const BATCH: usize = 500;

/// Waits before the next try after `failures` failures in a row: 2, 4, 8… seconds, at
/// most 5 minutes, each with up to a quarter more at random (so phones that lost the
/// same network don't all come back in the same second).
pub fn backoff_seconds(failures: u32, random: f64) -> f64 {
    let base = 2f64.powi(failures.clamp(1, 20) as i32).min(300.0);
    base * (1.0 + 0.25 * random.clamp(0.0, 1.0))
}

/// How long to wait before the next try: what the server asked for (`Retry-After`, with
/// up to a quarter more at random, so phones it turned away don't all return in the same
/// second), or else the backoff for `failures` failures in a row.
pub fn wait_seconds(failures: u32, random: f64, retry_after: Option<u32>) -> f64 {
    match retry_after {
        Some(seconds) => f64::from(seconds.max(1)) * (1.0 + 0.25 * random.clamp(0.0, 1.0)),
        None => backoff_seconds(failures, random),
    }
}

/// The records of a batch that the server's answer settles, with their results: results
/// come in the order sent, and a result whose id doesn't match, or whose status this
/// version of the app doesn't know, leaves its record queued (sent again, it is stored
/// once all the same).
pub fn settled<'a>(
    sent: &'a [LearningRecord],
    results: &'a [RecordResult],
) -> Vec<(&'a LearningRecord, &'a RecordResult)> {
    sent.iter()
        .zip(results)
        .filter(|(r, result)| r.id.eq_ignore_ascii_case(&result.id) && result.status != RecordStatus::Unknown)
        .collect()
}

/// "3 waiting to sync", "Syncing…", "All synced · 2 min ago", or what went wrong.
pub fn status_line(waiting: usize, state: &SyncState, online: bool, now: DateTime<Utc>) -> String {
    let waiting_text = format!("{waiting} waiting to sync");
    match state {
        SyncState::Syncing => "Syncing…".into(),
        SyncState::NeedsSignIn => format!("{waiting_text}: sign in again to send them."),
        _ if waiting > 0 && !online => format!("{waiting_text}: they'll go when you're back online."),
        SyncState::Failed { message, .. } if waiting > 0 => format!("{waiting_text}. {message}"),
        _ if waiting > 0 => waiting_text,
        // "All synced" only online, and only once the server has answered since this
        // phone's last record (a sync ran and emptied the outbox).
        SyncState::Synced(at) if online => format!("All synced · {}", super::ago(*at, now)),
        SyncState::Synced(at) => format!("Offline · nothing waiting to sync · last synced {}", super::ago(*at, now)),
        _ if online => "Nothing waiting to sync".into(),
        _ => "Offline · nothing waiting to sync".into(),
    }
}

/// When this person's records last all reached the server from this phone.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn synced_key(user_id: i64) -> String {
    format!("primer.synced_at.{user_id}")
}

fn key(user_id: i64) -> String {
    format!("primer.outbox.{user_id}")
}

fn problems_key(user_id: i64) -> String {
    format!("primer.sync_problems.{user_id}")
}

/// Reads a list kept in local storage (empty if there is none, or off the browser).
fn read<T: serde::de::DeserializeOwned>(key: &str) -> Vec<T> {
    #[cfg(feature = "hydrate")]
    {
        use gloo_storage::Storage;
        gloo_storage::LocalStorage::get(key).unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        Vec::new()
    }
}

/// Keeps a list in local storage.
fn write<T: Serialize>(key: &str, items: &[T]) -> Result<(), String> {
    #[cfg(feature = "hydrate")]
    {
        use gloo_storage::Storage;
        gloo_storage::LocalStorage::set(key, items).map_err(|e| e.to_string())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (key, items);
        Ok(())
    }
}

/// The person's records that were not kept, newest last.
pub fn load_problems(user_id: i64) -> Vec<SyncProblem> {
    read(&problems_key(user_id))
}

fn store_problems(user_id: i64, problems: &[SyncProblem]) {
    let _ = write(&problems_key(user_id), problems);
}

/// The learner has read about the records that were not kept.
pub fn dismiss_problems(device: Device) {
    if let Some(user_id) = device.user_id.get_untracked() {
        store_problems(user_id, &[]);
    }
    device.problems.set(Vec::new());
}

/// Writes a record of `user_id` to their outbox, shows it at once, and sends it if online.
pub fn record(
    device: Device,
    user_id: i64,
    kind: RecordKind,
    module_id: i64,
    module_version: i32,
    payload: serde_json::Value,
    effect: Effect,
) {
    let record =
        LearningRecord { id: new_record_id(), kind, module_id, module_version, occurred_at: super::now(), payload };
    let mut entries = load(user_id);
    entries.push(OutboxEntry { record, effect });
    store(user_id, &entries);
    if device.user_id.get_untracked() == Some(user_id) {
        device.outbox.set(entries);
    }
    flush(device);
}

fn new_record_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        uuid::Uuid::now_v7().to_string()
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

fn load(user_id: i64) -> Vec<OutboxEntry> {
    read(&key(user_id))
}

fn store(user_id: i64, entries: &[OutboxEntry]) {
    // A full storage is the one way to lose a record here: say so loudly.
    if let Err(e) = write(&key(user_id), entries) {
        leptos::logging::error!("could not keep learning records on this device: {e}");
    }
}

/// Loads the person's outbox and sends it.
pub fn start(device: Device, user_id: i64) {
    let waiting = load(user_id);
    // The last sync that emptied the outbox, if nothing was recorded since.
    #[cfg(feature = "hydrate")]
    if waiting.is_empty() && device.sync.get_untracked() == SyncState::Idle {
        use gloo_storage::Storage;
        // Read by hand (`crate::dates`), not by chrono's reader.
        let at = gloo_storage::LocalStorage::get::<String>(synced_key(user_id)).ok();
        if let Some(at) = at.as_deref().and_then(crate::dates::parse_utc) {
            device.sync.set(SyncState::Synced(at));
        }
    }
    device.outbox.set(waiting);
    device.problems.set(load_problems(user_id));
    #[cfg(feature = "hydrate")]
    browser::watch_visibility(device);
    flush(device);
}

/// Sends what is waiting, now (unless a send is already under way or the phone is
/// offline).
pub fn flush(device: Device) {
    #[cfg(feature = "hydrate")]
    browser::flush(device);
    #[cfg(not(feature = "hydrate"))]
    let _ = device;
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::{cell::Cell, collections::HashSet, time::Duration};

    use leptos::task::spawn_local;
    use wasm_bindgen::{JsCast, closure::Closure};

    use super::*;
    use crate::api::{ErrorCode, RequestError, SyncRequest};

    const DEVICE_ID: &str = "primer.device_id";
    /// The most problems kept (the oldest go first).
    const MAX_PROBLEMS: usize = 50;

    thread_local! {
        static FAILURES: Cell<u32> = const { Cell::new(0) };
        static WATCHING: Cell<bool> = const { Cell::new(false) };
    }

    /// The server asked for no sync before this moment (ms since the epoch, by the
    /// phone's clock): a new record, the network coming back or the app restarting waits
    /// for it too. Kept in local storage, so a reload doesn't skip it.
    const NOT_BEFORE: &str = "primer.sync_not_before";

    fn not_before() -> f64 {
        use gloo_storage::Storage;
        gloo_storage::LocalStorage::get::<f64>(NOT_BEFORE).unwrap_or(0.0)
    }

    fn set_not_before(at: f64) {
        use gloo_storage::Storage;
        let _ = gloo_storage::LocalStorage::set(NOT_BEFORE, at);
    }

    fn device_id() -> String {
        use gloo_storage::Storage;
        if let Ok(id) = gloo_storage::LocalStorage::get::<String>(DEVICE_ID) {
            return id;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let _ = gloo_storage::LocalStorage::set(DEVICE_ID, &id);
        id
    }

    /// Sends when the learner comes back to the app (phones rarely fire `online` when
    /// an app returns from the background).
    pub fn watch_visibility(device: Device) {
        if WATCHING.with(|w| w.replace(true)) {
            return;
        }
        let on_visible = Closure::<dyn Fn()>::new(move || {
            if document().visibility_state() == web_sys::VisibilityState::Visible {
                flush(device);
            }
        });
        let _ = document().add_event_listener_with_callback("visibilitychange", on_visible.as_ref().unchecked_ref());
        // Lives as long as the page.
        on_visible.forget();
    }

    pub fn flush(device: Device) {
        let Some(user_id) = device.user_id.get_untracked() else { return };
        if device.sync.get_untracked() == SyncState::Syncing || !window().navigator().on_line() {
            return;
        }
        let wait = not_before() - js_sys::Date::now();
        if wait > 0.0 {
            // Held back until then; a try is scheduled for that moment (one more timer
            // is harmless: a send under way or a later hold turns it away).
            set_timeout(move || flush(device), Duration::from_millis(wait.ceil() as u64 + 1));
            return;
        }
        if load(user_id).is_empty() {
            device.outbox.set(Vec::new());
            return;
        }
        device.sync.set(SyncState::Syncing);
        spawn_local(async move {
            let outcome = send_all(device, user_id).await;
            match outcome {
                Ok(()) => {
                    FAILURES.with(|f| f.set(0));
                    let at = super::super::now();
                    {
                        use gloo_storage::Storage;
                        let _ = gloo_storage::LocalStorage::set(synced_key(user_id), at);
                    }
                    device.sync.set(SyncState::Synced(at));
                }
                // Signed out, or signed in as someone else in another tab: the records
                // wait for their person.
                Err(e) if matches!(e.code(), Some(ErrorCode::Unauthenticated | ErrorCode::WrongUser)) => {
                    device.sync.set(SyncState::NeedsSignIn)
                }
                Err(e) => {
                    let failures = FAILURES.with(|f| {
                        f.set(f.get() + 1);
                        f.get()
                    });
                    // The server's `Retry-After` (busy, or over the sync rate) is honoured:
                    // the records stay, and go once it has passed.
                    let wait = wait_seconds(failures, js_sys::Math::random(), e.retry_after());
                    let asked = e.retry_after().map_or(0.0, |s| f64::from(s) * 1000.0);
                    set_not_before(js_sys::Date::now() + asked);
                    let retry_at = super::super::now() + chrono::TimeDelta::milliseconds((wait * 1000.0) as i64);
                    let message = match &e {
                        RequestError::Network => "No connection to Primer; trying again shortly.".to_string(),
                        RequestError::Api(d) if d.code == ErrorCode::Offline => {
                            "You're offline; they'll go when you're back online.".to_string()
                        }
                        RequestError::Api(d) if d.retry_after.is_some() => {
                            format!("{} They'll go by themselves in a moment.", d.message)
                        }
                        other => format!("{other} Trying again shortly."),
                    };
                    device.sync.set(SyncState::Failed { message, retry_at });
                    set_timeout(move || flush(device), Duration::from_millis((wait * 1000.0) as u64));
                }
            }
        });
    }

    async fn send_all(device: Device, user_id: i64) -> Result<(), RequestError> {
        loop {
            let waiting = load(user_id);
            if waiting.is_empty() {
                return Ok(());
            }
            // Records of one person go only under that person's session.
            if device.user_id.get_untracked() != Some(user_id) {
                return Ok(());
            }
            let batch: Vec<_> = waiting.iter().take(BATCH).map(|e| e.record.clone()).collect();
            let request = SyncRequest {
                device_id: device_id(),
                user_id: Some(user_id),
                device_time: super::super::now(),
                records: batch,
            };
            let response = crate::client::sync(&request).await?;
            // Every settled record leaves: accepted and duplicate are stored; conflict
            // and rejected never will be (sending them again wouldn't change that), so
            // they go to the list of problems the learner sees.
            let answered = settled(&request.records, &response.results);
            if answered.is_empty() {
                // Never loop on an answer that settles nothing: back off and try again.
                let message = if response.results.iter().any(|r| r.status == RecordStatus::Unknown) {
                    "Primer answered in a way this version of the app doesn't know. Reload Primer to update."
                } else {
                    "Primer's answer didn't match the records sent."
                };
                return Err(RequestError::new(ErrorCode::Internal, message));
            }
            let mut problems = load_problems(user_id);
            let before = problems.len();
            problems.extend(answered.iter().filter_map(|(r, result)| problem(r, result)));
            if problems.len() != before {
                let drop = problems.len().saturating_sub(MAX_PROBLEMS);
                problems.drain(..drop);
                store_problems(user_id, &problems);
                device.problems.set(problems);
            }
            let answered: HashSet<String> = answered.iter().map(|(r, _)| r.id.to_lowercase()).collect();
            // Read again: records made while the request was out stay.
            let mut left = load(user_id);
            left.retain(|e| !answered.contains(&e.record.id.to_lowercase()));
            store(user_id, &left);
            device.outbox.set(left);
            device.heard_progress(response.progress);
            // The worker's copy of the boosters predates these answers: ask again (the
            // answer passes through the worker, which keeps it), so that Home opened
            // offline later counts them.
            if request.records.iter().any(|r| r.kind == RecordKind::BoosterAnswer) {
                spawn_local(async {
                    let _ = crate::reads::read(crate::reads::Boosters).await;
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_a_ceiling() {
        assert_eq!(backoff_seconds(1, 0.0), 2.0);
        assert_eq!(backoff_seconds(3, 0.0), 8.0);
        assert_eq!(backoff_seconds(3, 1.0), 10.0);
        assert_eq!(backoff_seconds(30, 0.5), 300.0 * 1.125);
    }

    #[test]
    fn the_servers_retry_after_is_honoured() {
        assert_eq!(wait_seconds(1, 0.0, Some(30)), 30.0);
        assert_eq!(wait_seconds(1, 1.0, Some(30)), 37.5, "spread by up to a quarter");
        assert_eq!(wait_seconds(9, 0.0, Some(1)), 1.0, "even after many failures");
        assert_eq!(wait_seconds(3, 0.0, None), 8.0, "otherwise the backoff");
        assert_eq!(wait_seconds(1, 0.0, Some(0)), 1.0);
    }

    #[test]
    fn only_known_answers_settle_a_record() {
        let record = |n: u8| LearningRecord {
            id: format!("0190c5a0-0000-7000-8000-00000000000{n}"),
            kind: RecordKind::Completion,
            module_id: 3,
            module_version: 1,
            occurred_at: "2026-11-23T10:04:00Z".parse().unwrap(),
            payload: serde_json::json!({}),
        };
        let sent = [record(1), record(2), record(3)];
        // A newer server's answers: one status this version doesn't know.
        let results: Vec<RecordResult> = serde_json::from_value(serde_json::json!([
            {"id": sent[0].id, "status": "accepted"},
            {"id": sent[1].id, "status": "deferred"},
            {"id": sent[2].id.to_uppercase(), "status": "rejected", "code": "attempt_window_closed"},
        ]))
        .unwrap();
        assert_eq!(results[1].status, RecordStatus::Unknown);
        let ids: Vec<&str> = settled(&sent, &results).iter().map(|(r, _)| r.id.as_str()).collect();
        assert_eq!(ids, [sent[0].id.as_str(), sent[2].id.as_str()], "the unknown answer stays queued");
        let problem = problem(&sent[2], &results[2]).unwrap();
        assert_eq!(problem.message, crate::api::RejectCode::Unknown.message(), "an unknown reason, in words");
        assert_eq!(
            problem.describe(0),
            "A completion from 23 Nov at 10:04 wasn't kept: Primer didn't count it; reload the app to see why."
        );
    }

    #[test]
    fn records_not_kept_are_described() {
        let record = LearningRecord {
            id: "0190c5a0-0000-7000-8000-000000000001".into(),
            kind: RecordKind::QuizAttempt,
            module_id: 3,
            module_version: 1,
            occurred_at: "2026-11-23T10:04:00Z".parse().unwrap(),
            payload: serde_json::json!({}),
        };
        let result = |status, code| RecordResult { id: record.id.clone(), status, code };
        assert_eq!(problem(&record, &result(RecordStatus::Accepted, None)), None);
        assert_eq!(problem(&record, &result(RecordStatus::Duplicate, None)), None);
        let rejected = problem(&record, &result(RecordStatus::Rejected, Some(crate::api::RejectCode::NotVisible)));
        assert_eq!(
            rejected.unwrap().describe(60),
            "A quiz attempt from 23 Nov at 11:04 wasn't kept: This module isn't available to you any more."
        );
        assert!(problem(&record, &result(RecordStatus::Conflict, None)).unwrap().message.contains("already stored"));
    }

    #[test]
    fn the_status_says_where_records_stand() {
        let now: DateTime<Utc> = "2026-05-01T12:00:00Z".parse().unwrap();
        let two_min_ago = "2026-05-01T11:58:00Z".parse().unwrap();
        assert_eq!(status_line(3, &SyncState::Idle, true, now), "3 waiting to sync");
        assert_eq!(status_line(3, &SyncState::Syncing, true, now), "Syncing…");
        assert_eq!(status_line(0, &SyncState::Synced(two_min_ago), true, now), "All synced · 2 min ago");
        // Offline, or before the server has answered on this phone: never "All synced".
        assert_eq!(
            status_line(0, &SyncState::Synced(two_min_ago), false, now),
            "Offline · nothing waiting to sync · last synced 2 min ago"
        );
        assert_eq!(status_line(0, &SyncState::Idle, true, now), "Nothing waiting to sync");
        assert_eq!(status_line(0, &SyncState::Idle, false, now), "Offline · nothing waiting to sync");
        for state in [SyncState::Idle, SyncState::Synced(two_min_ago), SyncState::Syncing] {
            for waiting in [0, 1] {
                assert!(!status_line(waiting, &state, false, now).contains("All synced"));
            }
        }
        assert!(status_line(2, &SyncState::Idle, false, now).contains("back online"));
        assert!(status_line(1, &SyncState::NeedsSignIn, true, now).contains("sign in again"));
        let failed = SyncState::Failed { message: "No connection.".into(), retry_at: now };
        assert_eq!(status_line(1, &failed, true, now), "1 waiting to sync. No connection.");
    }
}
