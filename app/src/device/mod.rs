//! What lives on this phone: whether it is online, the modules saved for offline use
//! (kept in Cache Storage by `public/offline-store.js`, which the service worker answers
//! from), and the outbox of learning records waiting to reach the server.
//!
//! Everything here starts after hydration: the server's render knows none of it, so
//! pages render the same on both sides and then fill in what the device knows.

pub mod kept;
pub mod outbox;
pub mod saved;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::{
    api::{CatalogModule, Progress},
    learning::Playlist,
};
pub use outbox::{OutboxEntry, SyncProblem, SyncState};
pub use saved::SavedModule;

/// The device's state, shared by every page (provided by the app).
#[derive(Clone, Copy)]
pub struct Device {
    /// The browser thinks it has a network.
    pub online: RwSignal<bool>,
    /// Modules saved on this device; `None` until known (server render, JavaScript off).
    pub saved: RwSignal<Option<Vec<SavedModule>>>,
    /// Downloads under way: job key → (bytes done, bytes expected).
    pub downloads: RwSignal<Vec<(String, f64, f64)>>,
    /// The last thing a download said (finished, cancelled, failed), per job key.
    pub download_notes: RwSignal<Vec<(String, String)>>,
    /// The signed-in person's records waiting to sync.
    pub outbox: RwSignal<Vec<OutboxEntry>>,
    pub sync: RwSignal<SyncState>,
    /// The signed-in person's records the server answered for but did not keep.
    pub problems: RwSignal<Vec<SyncProblem>>,
    /// The progress the server last sent (newer than the page's, once a sync ran).
    pub synced_progress: RwSignal<Option<Progress>>,
    /// Whose device state this is (records are kept per person).
    pub user_id: RwSignal<Option<i64>>,
    /// Download required modules due soon by themselves (a setting, on by default).
    pub auto_save: RwSignal<bool>,
    /// The quality videos are saved in (a setting: the data saver unless changed).
    pub quality: RwSignal<crate::api::Quality>,
    /// A read was answered from this phone's copy because the network didn't answer in
    /// time (a signal that never answers): screens say so, and the device keeps asking
    /// until the network is back.
    pub slow: RwSignal<bool>,
    /// Goes up when the network is back after a slow spell: screens' reads run again.
    pub refresh: RwSignal<u32>,
    /// The last playlist built for a meeting (`None` until known, or if there is none).
    pub playlist: RwSignal<Option<Playlist>>,
    /// The list the person opened a module from, for the way back.
    pub trail: RwSignal<Option<Trail>>,
}

/// Where a module was opened from: "← Prep", "← Home", "← Library".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Trail {
    pub label: String,
    pub href: String,
    /// Opened from the playlist (Prep, or Home's "Continue" of it): "Next" follows it.
    pub playlist: bool,
}

impl Device {
    fn new() -> Device {
        Device {
            online: RwSignal::new(true),
            saved: RwSignal::new(None),
            downloads: RwSignal::new(Vec::new()),
            download_notes: RwSignal::new(Vec::new()),
            outbox: RwSignal::new(Vec::new()),
            sync: RwSignal::new(SyncState::Idle),
            problems: RwSignal::new(Vec::new()),
            synced_progress: RwSignal::new(None),
            user_id: RwSignal::new(None),
            auto_save: RwSignal::new(true),
            quality: RwSignal::new(crate::api::Quality::DataSaver),
            slow: RwSignal::new(false),
            refresh: RwSignal::new(0),
            playlist: RwSignal::new(None),
            trail: RwSignal::new(None),
        }
    }

    /// Progress as the learner should see it: the page's (which may be a copy cached long
    /// ago) and the newest the server sent, whichever knows more of each module, with the
    /// records still in the outbox applied.
    pub fn progress(&self, from_page: &Progress) -> Progress {
        let mut progress = from_page.clone();
        if let Some(newer) = self.synced_progress.get() {
            progress.merge(&newer);
        }
        for entry in self.outbox.get() {
            progress.apply(entry.record.module_id, entry.record.module_version, entry.record.occurred_at, entry.effect);
        }
        progress
    }

    /// The saved copy of a module, if any (`None` also while unknown).
    pub fn saved_module(&self, id: i64) -> Option<SavedModule> {
        self.saved.with(|s| s.as_ref()?.iter().find(|m| m.module_id == id).cloned())
    }

    /// A download's progress, if one is running under `key`.
    pub fn download(&self, key: &str) -> Option<(f64, f64)> {
        self.downloads.with(|d| d.iter().find(|(k, ..)| k == key).map(|(_, d, t)| (*d, *t)))
    }

    /// What the last download under `key` said.
    pub fn download_note(&self, key: &str) -> Option<String> {
        self.download_notes.with(|n| n.iter().find(|(k, _)| k == key).map(|(_, n)| n.clone()))
    }

    /// Saves modules for offline use under a job key, with progress.
    pub fn save(&self, key: &str, modules: Vec<CatalogModule>) {
        saved::save(*self, key.to_string(), modules);
    }

    /// Stops a download.
    pub fn cancel(&self, key: &str) {
        saved::cancel(key.to_string());
    }

    /// Removes saved modules.
    pub fn remove(&self, ids: Vec<i64>) {
        saved::remove(ids);
    }

    /// Removes everything saved on this device.
    pub fn remove_all(&self) {
        saved::remove_all();
    }

    /// Takes in progress the server sent: kept on the phone for its owner, so screens
    /// opened later (offline too, from copies cached earlier) show at least this much.
    pub fn heard_progress(&self, progress: Progress) {
        let Some(user_id) = self.user_id.get_untracked() else { return };
        let mut newest = self.synced_progress.get_untracked().unwrap_or_default();
        newest.merge(&progress);
        kept::keep(kept::PROGRESS, &newest, user_id);
        self.synced_progress.set(Some(newest));
    }

    /// Keeps the playlist just built (for Home's "Continue" and the player's "Next").
    pub fn keep_playlist(&self, playlist: Playlist) {
        let Some(user_id) = self.user_id.get_untracked() else { return };
        kept::keep(kept::PLAYLIST, &playlist, user_id);
        self.playlist.set(Some(playlist));
    }

    /// Notes the list a module is being opened from (kept for this tab, so a page the
    /// worker answers in full still knows the way back).
    pub fn set_trail(&self, trail: Trail) {
        #[cfg(feature = "hydrate")]
        {
            use gloo_storage::Storage;
            let _ = gloo_storage::SessionStorage::set(TRAIL, &trail);
        }
        if self.trail.get_untracked().as_ref() != Some(&trail) {
            self.trail.set(Some(trail));
        }
    }

    /// A read answered from the phone's copy because the network was too slow (`true`),
    /// or by the network itself (`false`).
    pub fn heard(&self, from_copy: bool) {
        #[cfg(feature = "hydrate")]
        if !from_copy {
            SLOW_SPELLS.with(|n| n.set(0));
        }
        if from_copy && !self.slow.get_untracked() {
            self.slow.set(true);
            #[cfg(feature = "hydrate")]
            wait_for_network(*self);
        }
    }
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const TRAIL: &str = "primer.trail";

/// Waits `ms` milliseconds (in the browser; anywhere else, not at all).
pub async fn pause(ms: i32) {
    #[cfg(feature = "hydrate")]
    saved::pause(ms).await;
    #[cfg(not(feature = "hydrate"))]
    let _ = ms;
}

/// Forgets where this tab opened modules from (signing out: the next person's way back
/// isn't the previous person's search).
pub fn forget_trail() {
    #[cfg(feature = "hydrate")]
    {
        use gloo_storage::Storage;
        gloo_storage::SessionStorage::delete(TRAIL);
    }
}

/// How long the app waits for a probe of the network while the signal is slow.
#[cfg(feature = "hydrate")]
const PROBE_MS: u32 = 4_000;
/// How long it pauses between probes.
#[cfg(feature = "hydrate")]
const PROBE_PAUSE_MS: i32 = 3_000;

// Slow spells in a row, each not followed by a read the network answered in time: the
// wait before probing doubles with each, so a signal that answers the probe but not the
// screens' reads isn't asked again and again.
#[cfg(feature = "hydrate")]
thread_local! {
    static SLOW_SPELLS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// The longest wait between probes.
#[cfg(feature = "hydrate")]
const PROBE_PAUSE_MAX_MS: i32 = 60_000;

/// After a read came from the phone's copy: asks the server (past the worker) every few
/// seconds (longer after each spell) until it answers, then runs the screens' reads again.
#[cfg(feature = "hydrate")]
fn wait_for_network(device: Device) {
    let spells = SLOW_SPELLS.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    let wait = PROBE_PAUSE_MS.saturating_mul(1 << spells.saturating_sub(1).min(5)).min(PROBE_PAUSE_MAX_MS);
    leptos::task::spawn_local(async move {
        loop {
            saved::pause(wait).await;
            // Offline, the copies are all there is; the "online" event flushes and probes.
            if window().navigator().on_line() && kept::probe(PROBE_MS).await {
                device.slow.set(false);
                device.refresh.update(|n| *n += 1);
                return;
            }
        }
    });
}

// The device of the page, for code that runs outside components (the transport).
#[cfg(feature = "hydrate")]
thread_local! {
    static CURRENT: std::cell::Cell<Option<Device>> = const { std::cell::Cell::new(None) };
}

/// The page's device state, if the app has started.
pub fn current() -> Option<Device> {
    #[cfg(feature = "hydrate")]
    {
        CURRENT.with(|c| c.get())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Makes the device state available to every page, and starts watching the network.
pub fn provide_device() -> Device {
    let device = Device::new();
    provide_context(device);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            CURRENT.with(|c| c.set(Some(device)));
            {
                use gloo_storage::Storage;
                if let Ok(trail) = gloo_storage::SessionStorage::get::<Trail>(TRAIL) {
                    device.trail.set(Some(trail));
                }
            }
            device.online.set(window().navigator().on_line());
            let _ = window_event_listener(leptos::ev::online, move |_| {
                device.online.set(true);
                outbox::flush(device);
            });
            let _ = window_event_listener(leptos::ev::offline, move |_| device.online.set(false));
            saved::watch(device);
        }
    });
    device
}

/// Signs out with the form the event submits: this person's cached pages, data and saved
/// modules are forgotten first (their records waiting to sync stay, kept for them).
pub fn sign_out(ev: &leptos::ev::SubmitEvent) {
    ev.prevent_default();
    forget_trail();
    #[cfg(feature = "hydrate")]
    if let Some(form) = ev.target() {
        saved::sign_out(form.into());
    }
}

/// The device state (inside the app).
pub fn use_device() -> Device {
    expect_context()
}

/// Starts the signed-in person's device state: their outbox (synced right away if online),
/// and their saved modules refreshed and topped up.
pub fn start_for(device: Device, user_id: i64) {
    if device.user_id.get_untracked() == Some(user_id) {
        return;
    }
    device.user_id.set(Some(user_id));
    outbox::start(device, user_id);
    saved::start(device, user_id);
    // What this person's phone knew last: their progress and playlist, kept for them.
    leptos::task::spawn_local(async move {
        if let Some(progress) = kept::read::<Progress>(kept::PROGRESS, user_id).await {
            device.synced_progress.update(|p| match p {
                Some(p) => p.merge(&progress),
                None => *p = Some(progress),
            });
        }
        if device.playlist.get_untracked().is_none()
            && let Some(playlist) = kept::read::<Playlist>(kept::PLAYLIST, user_id).await
        {
            device.playlist.set(Some(playlist));
        }
        // Screens opened offline read the progress the worker kept: when there is none
        // yet (pages so far came rendered by the server), read it once, after the page's
        // own loads (the catalog is read then too, by the saved modules' refresh).
        #[cfg(feature = "hydrate")]
        {
            saved::pause(saved::START_PAUSE_MS).await;
            if window().navigator().on_line()
                && kept::read::<serde_json::Value>(kept::PROGRESS, user_id).await.is_none()
                && let Ok(progress) = crate::reads::read(crate::reads::Progress).await
            {
                device.heard_progress(progress);
            }
        }
    });
}

/// Whether to play the smaller video: the browser asks to save data, or it estimates the
/// connection as slow (2G or 3G). `true` until hydrated: the server can't tell, and the
/// smaller file is the safer guess on a phone.
pub fn saves_data() -> Signal<bool> {
    let small = RwSignal::new(true);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let get = |target: &wasm_bindgen::JsValue, key: &str| js_sys::Reflect::get(target, &key.into()).ok();
            let connection = get(&window().navigator(), "connection").filter(|c| c.is_object());
            let asks = connection.as_ref().and_then(|c| get(c, "saveData")).and_then(|v| v.as_bool()).unwrap_or(false);
            let slow = connection
                .as_ref()
                .and_then(|c| get(c, "effectiveType"))
                .and_then(|v| v.as_string())
                .is_some_and(|t| matches!(t.as_str(), "slow-2g" | "2g" | "3g"));
            small.set(asks || slow);
        }
    });
    small.into()
}

/// Whether this is an iPhone or iPad, and whether Primer runs from the home screen
/// (`false` until hydrated): the home-screen advice depends on both.
pub fn home_screen() -> (Signal<bool>, Signal<bool>) {
    let ios = RwSignal::new(false);
    let standalone = RwSignal::new(false);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let agent = window().navigator().user_agent().unwrap_or_default();
            ios.set(agent.contains("iPhone") || agent.contains("iPad"));
            let media = window().match_media("(display-mode: standalone)").ok().flatten();
            standalone.set(media.is_some_and(|m| m.matches()));
        }
    });
    (ios.into(), standalone.into())
}

/// Assessment attempts answered on this phone (the newest 100): a saved attempt that was
/// answered is not offered again, even offline, after its record has synced.
const USED_ATTEMPTS: &str = "primer.used_attempts";

/// Whether this phone has answered the attempt.
pub fn attempt_used(id: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use gloo_storage::Storage;
        gloo_storage::LocalStorage::get::<Vec<String>>(USED_ATTEMPTS).unwrap_or_default().iter().any(|a| a == id)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (id, USED_ATTEMPTS);
        false
    }
}

/// Notes that this phone answered the attempt.
pub fn mark_attempt_used(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        use gloo_storage::Storage;
        let mut used = gloo_storage::LocalStorage::get::<Vec<String>>(USED_ATTEMPTS).unwrap_or_default();
        used.push(id.to_string());
        let drop = used.len().saturating_sub(100);
        used.drain(..drop);
        let _ = gloo_storage::LocalStorage::set(USED_ATTEMPTS, &used);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// The current time by the device's clock.
pub fn now() -> DateTime<Utc> {
    #[cfg(feature = "hydrate")]
    {
        DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Utc::now()
    }
}

/// How far the phone's clock zone is east of UTC, in minutes (0 off the browser).
pub fn utc_offset_minutes() -> i32 {
    #[cfg(feature = "hydrate")]
    {
        -(js_sys::Date::new_0().get_timezone_offset() as i32)
    }
    #[cfg(not(feature = "hydrate"))]
    0
}

/// "just now", "5 min ago", "3 h ago", "2 days ago".
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds().max(0);
    match seconds {
        0..=59 => "just now".to_string(),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86_399 => format!("{} h ago", seconds / 3600),
        _ => {
            let days = seconds / 86_400;
            format!("{days} day{} ago", if days == 1 { "" } else { "s" })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_well() {
        let now: DateTime<Utc> = "2026-05-01T12:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(ago(at("2026-05-01T11:59:30Z"), now), "just now");
        assert_eq!(ago(at("2026-05-01T11:58:00Z"), now), "2 min ago");
        assert_eq!(ago(at("2026-05-01T09:00:00Z"), now), "3 h ago");
        assert_eq!(ago(at("2026-04-30T12:00:00Z"), now), "1 day ago");
        assert_eq!(ago(at("2026-05-01T12:05:00Z"), now), "just now", "a clock slightly ahead");
    }
}
