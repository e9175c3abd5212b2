//! Modules saved for offline use: the Rust side of `public/offline-store.js`
//! (`window.PrimerOffline`), which keeps them in Cache Storage.

use leptos::prelude::Set;
use serde::{Deserialize, Serialize};

use super::Device;
use crate::api::{CatalogModule, Quality, media_url};

/// A module saved on this device (an entry of the offline store's index).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModule {
    pub module_id: i64,
    pub version: i32,
    pub title: String,
    pub bytes: u64,
    pub saved_at: String,
    pub urls: Vec<String>,
    /// Every file is still there (a page dropped since, say, makes it incomplete: it is
    /// saved again when online).
    #[serde(default = "complete")]
    pub complete: bool,
}

fn complete() -> bool {
    true
}

/// A file to download, with its size when known.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SaveFile {
    pub url: String,
    pub bytes: u64,
}

/// What the offline store downloads for one module.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SaveItem {
    pub module_id: i64,
    pub version: i32,
    pub title: String,
    pub files: Vec<SaveFile>,
}

impl SaveItem {
    /// Everything a module needs offline: its data (what the page reads), its page (for a
    /// cold start straight into it), every media file, and for an assessment the attempt
    /// open for it (`with_attempt`: the server issued one).
    pub fn for_module(m: &CatalogModule, with_attempt: bool, quality: Quality) -> SaveItem {
        let mut files = vec![
            SaveFile { url: format!("/api/v1/catalog/{}", m.id), bytes: 0 },
            SaveFile { url: module_page(m.id), bytes: 0 },
        ];
        if with_attempt {
            files.push(SaveFile { url: attempt_url(m.id), bytes: 0 });
        }
        files.extend(m.media_at(quality).iter().map(|r| SaveFile { url: media_url(&r.id), bytes: r.bytes }));
        SaveItem { module_id: m.id, version: m.version, title: m.title.clone(), files }
    }
}

/// The attempt open at an assessment, as saved with it.
pub fn attempt_url(id: i64) -> String {
    format!("/api/v1/assessments/{id}/attempt")
}

/// A module's page.
pub fn module_page(id: i64) -> String {
    format!("/modules/{id}")
}

/// Which saved modules to refresh (a newer version is out) and which to drop (no longer
/// in the learner's catalog), and which required modules due soon to download.
pub fn plan_refresh<'a>(
    saved: &[SavedModule],
    catalog: &'a [CatalogModule],
    auto_save: bool,
    due_before: chrono::NaiveDate,
) -> (Vec<&'a CatalogModule>, Vec<i64>) {
    let mut fetch: Vec<&CatalogModule> = Vec::new();
    let mut drop = Vec::new();
    for s in saved {
        match catalog.iter().find(|m| m.id == s.module_id) {
            Some(m) if m.version != s.version || !s.complete => fetch.push(m),
            Some(_) => {}
            None => drop.push(s.module_id),
        }
    }
    if auto_save {
        for m in catalog {
            let due_soon =
                m.assigned.as_ref().is_some_and(|a| a.required && a.due_date.is_none_or(|d| d <= due_before));
            if due_soon && !saved.iter().any(|s| s.module_id == m.id) && !fetch.iter().any(|f| f.id == m.id) {
                fetch.push(m);
            }
        }
    }
    (fetch, drop)
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const AUTO_SAVE: &str = "primer.auto_save";

/// The "download required modules by themselves" setting (on unless turned off).
pub fn setting_auto_save() -> bool {
    #[cfg(feature = "hydrate")]
    {
        use gloo_storage::Storage;
        gloo_storage::LocalStorage::get::<bool>(AUTO_SAVE).unwrap_or(true)
    }
    #[cfg(not(feature = "hydrate"))]
    true
}

/// Changes the setting.
pub fn set_auto_save(device: Device, on: bool) {
    #[cfg(feature = "hydrate")]
    {
        use gloo_storage::Storage;
        let _ = gloo_storage::LocalStorage::set(AUTO_SAVE, on);
    }
    device.auto_save.set(on);
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const QUALITY: &str = "primer.quality";

/// The quality videos are saved in: the data saver unless the person chose standard.
pub fn setting_quality() -> Quality {
    #[cfg(feature = "hydrate")]
    {
        use gloo_storage::Storage;
        gloo_storage::LocalStorage::get::<Quality>(QUALITY).unwrap_or(Quality::DataSaver)
    }
    #[cfg(not(feature = "hydrate"))]
    Quality::DataSaver
}

/// Changes the setting (what is saved already stays until replaced).
pub fn set_quality(device: Device, quality: Quality) {
    #[cfg(feature = "hydrate")]
    {
        use gloo_storage::Storage;
        let _ = gloo_storage::LocalStorage::set(QUALITY, quality);
    }
    device.quality.set(quality);
}

/// The saved modules whose files are not the ones `quality` takes (saved before the
/// setting changed): what "Replace" saves again.
pub fn saved_in_other_quality<'a>(
    saved: &[SavedModule],
    catalog: &'a [CatalogModule],
    quality: Quality,
) -> Vec<&'a CatalogModule> {
    catalog
        .iter()
        .filter(|m| {
            saved.iter().any(|s| {
                s.module_id == m.id
                    && s.version == m.version
                    && m.media_at(quality).iter().any(|r| !s.urls.contains(&media_url(&r.id)))
            })
        })
        .collect()
}

/// How far ahead "due soon" reaches for downloading by itself (the first onboarding tier).
pub const AUTO_SAVE_DAYS: u64 = 30;

#[cfg(feature = "hydrate")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(catch, js_namespace = PrimerOffline, js_name = list)]
        pub async fn list() -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_namespace = PrimerOffline, js_name = save)]
        pub async fn save(job: &str, items: &str, on_progress: &js_sys::Function) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_namespace = PrimerOffline, js_name = cancel)]
        pub async fn cancel(job: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_namespace = PrimerOffline, js_name = remove)]
        pub async fn remove(ids: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_namespace = PrimerOffline, js_name = removeAll)]
        pub async fn remove_all() -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_namespace = PrimerOffline, js_name = claim)]
        pub async fn claim(person: f64) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_namespace = PrimerOffline, js_name = sessionEnded)]
        pub async fn session_ended() -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_namespace = PrimerOffline, js_name = estimate)]
        pub async fn estimate() -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_namespace = PrimerOffline, js_name = persist)]
        pub async fn persist() -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_namespace = PrimerOffline, js_name = signOut)]
        pub fn sign_out(form: &JsValue) -> Result<JsValue, JsValue>;
    }
}

/// The browser's storage estimate for this site.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct StorageEstimate {
    pub usage: Option<f64>,
    pub quota: Option<f64>,
    /// The browser agreed not to evict this site's data under pressure.
    pub persisted: bool,
}

/// Asks the browser how much is stored, and whether it is kept for good.
pub async fn estimate() -> Option<StorageEstimate> {
    #[cfg(feature = "hydrate")]
    {
        let value = js::estimate().await.ok()?;
        serde_json::from_str(&value.as_string()?).ok()
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Asks the browser to keep saved modules even when storage runs low.
pub async fn persist() -> bool {
    #[cfg(feature = "hydrate")]
    {
        js::persist().await.ok().and_then(|v| v.as_bool()).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

#[cfg(feature = "hydrate")]
pub(crate) use browser::*;

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::{prelude::*, task::spawn_local};
    use wasm_bindgen::{JsCast, prelude::*};

    use super::*;

    /// Reads the list of saved modules into the device state.
    pub async fn reload(device: Device) {
        let list = match js::list().await {
            Ok(v) => v.as_string().and_then(|s| serde_json::from_str::<Vec<SavedModule>>(&s).ok()),
            Err(_) => None,
        };
        device.saved.set(Some(list.unwrap_or_default()));
    }

    /// Keeps the list current when any page (or another part of this one) changes it.
    pub fn watch(device: Device) {
        spawn_local(reload(device));
        let _ = window_event_listener_untyped("primer-saved-changed", move |_| spawn_local(reload(device)));
    }

    fn set_note(device: Device, key: &str, note: Option<String>) {
        device.download_notes.update(|notes| {
            notes.retain(|(k, _)| k != key);
            if let Some(note) = note {
                notes.push((key.to_string(), note));
            }
        });
    }

    pub fn save(device: Device, key: String, modules: Vec<CatalogModule>) {
        if modules.is_empty() || device.downloads.get_untracked().iter().any(|(k, ..)| *k == key) {
            return;
        }
        set_note(device, &key, None);
        device.downloads.update(|d| d.push((key.clone(), 0.0, 0.0)));
        spawn_local(async move {
            // An assessment is taken under an attempt: saving it asks for one (the open
            // one, if any), which is saved with it. Without one (none left, or a wait) the
            // module is saved all the same, and says so when opened.
            let mut items = Vec::with_capacity(modules.len());
            for m in &modules {
                let attempt = m.assessment && crate::client::start_attempt(m.id).await.is_ok();
                items.push(SaveItem::for_module(m, attempt, device.quality.get_untracked()));
            }
            let items = serde_json::to_string(&items).unwrap_or_default();
            // Saving is the moment to ask the browser to keep what is saved.
            let _ = persist().await;
            let progress_key = key.clone();
            let on_progress = Closure::<dyn Fn(f64, f64)>::new(move |done: f64, total: f64| {
                device.downloads.update(|d| {
                    if let Some(entry) = d.iter_mut().find(|(k, ..)| *k == progress_key) {
                        entry.1 = done;
                        entry.2 = total;
                    }
                });
            });
            let result = js::save(&key, &items, on_progress.as_ref().unchecked_ref()).await;
            drop(on_progress);
            device.downloads.update(|d| d.retain(|(k, ..)| *k != key));
            let note = match result {
                Ok(_) => format!("Saved {} on this phone.", plural(modules.len())),
                Err(e) if error_name(&e).as_deref() == Some("AbortError") => {
                    "Cancelled; nothing half-saved was kept.".into()
                }
                Err(_) if !window().navigator().on_line() => {
                    "The connection dropped, so nothing was saved. Try again when you have signal.".into()
                }
                Err(e) => format!("Couldn't save: {}", error_message(&e)),
            };
            // A save that stored something announces it ("primer-saved-changed").
            set_note(device, &key, Some(note));
        });
    }

    fn plural(n: usize) -> String {
        if n == 1 { "1 module".into() } else { format!("{n} modules") }
    }

    fn error_name(e: &JsValue) -> Option<String> {
        js_sys::Reflect::get(e, &"name".into()).ok()?.as_string()
    }

    fn error_message(e: &JsValue) -> String {
        js_sys::Reflect::get(e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| "something went wrong".into())
    }

    pub fn cancel(key: String) {
        spawn_local(async move {
            let _ = js::cancel(&key).await;
        });
    }

    /// Removes saved modules (the store announces the change).
    pub fn remove(ids: Vec<i64>) {
        spawn_local(async move {
            let _ = js::remove(&serde_json::to_string(&ids).unwrap_or_default()).await;
        });
    }

    /// Submits a sign-out form through the offline store, which first forgets this
    /// person's cached pages, data and saved modules; without the store, submits it as is.
    pub fn sign_out(form: JsValue) {
        if js::sign_out(&form).is_err() {
            let submit = js_sys::Reflect::get(&form, &"submit".into()).ok();
            if let Some(submit) = submit.and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
                let _ = submit.call0(&form);
            }
        }
    }

    /// The server said this person's session ended: their pages and data on this device
    /// go (saved media and the outbox stay).
    pub fn session_ended() {
        crate::device::forget_trail();
        spawn_local(async move {
            let _ = js::session_ended().await;
        });
    }

    /// Removes everything saved.
    pub fn remove_all() {
        spawn_local(async move {
            let _ = js::remove_all().await;
        });
    }

    /// How long after the app starts saved modules are refreshed and topped up.
    pub(crate) const START_PAUSE_MS: i32 = 3_000;

    /// Waits `ms` milliseconds.
    pub(crate) async fn pause(ms: i32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }

    /// Once signed in: forget another person's saved data still on this device; then,
    /// when online, refresh saved modules that have a new version, drop ones no longer
    /// available, and download required modules due soon.
    pub fn start(device: Device, user_id: i64) {
        device.auto_save.set(setting_auto_save());
        device.quality.set(setting_quality());
        spawn_local(async move {
            // Before anything is saved for this person (the store announces a clear).
            let _ = js::claim(user_id as f64).await;
            // Downloads wait a moment, so the page the person opened loads first.
            pause(START_PAUSE_MS).await;
            if !window().navigator().on_line() {
                return;
            }
            let Ok(catalog) = crate::reads::read(crate::reads::Catalog).await else { return };
            if device.saved.get_untracked().is_none() {
                reload(device).await;
            }
            let saved = device.saved.get_untracked().unwrap_or_default();
            let today = super::super::now().date_naive();
            let due_before = today.checked_add_days(chrono::Days::new(AUTO_SAVE_DAYS)).unwrap_or(today);
            let (fetch, drop) = plan_refresh(&saved, &catalog.modules, device.auto_save.get_untracked(), due_before);
            if !drop.is_empty() {
                remove(drop);
            }
            if !fetch.is_empty() {
                save(device, "auto".into(), fetch.into_iter().cloned().collect());
            }
        });
    }
}

#[cfg(not(feature = "hydrate"))]
pub(super) fn start(_device: Device, _user_id: i64) {}
#[cfg(not(feature = "hydrate"))]
pub(super) fn save(_device: Device, _key: String, _modules: Vec<CatalogModule>) {}
#[cfg(not(feature = "hydrate"))]
pub(super) fn cancel(_key: String) {}
#[cfg(not(feature = "hydrate"))]
pub(super) fn remove(_ids: Vec<i64>) {}
#[cfg(not(feature = "hydrate"))]
pub(super) fn remove_all() {}

#[cfg(not(feature = "hydrate"))]
#[allow(dead_code)]
pub(super) fn watch(_device: Device) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Assigned, MediaRef, ModuleKind};

    fn module(id: i64, version: i32, required_due: Option<&str>) -> CatalogModule {
        CatalogModule {
            id,
            version,
            kind: ModuleKind::Video,
            title: format!("M{id}"),
            summary: String::new(),
            tags: vec![],
            estimated_seconds: 60,
            language: "en".into(),
            media: vec![MediaRef {
                id: "ab".repeat(32),
                url: "/media/x".into(),
                content_type: "video/mp4".into(),
                bytes: 9,
            }],
            download_bytes: 9,
            downloads: Default::default(),
            assigned: required_due.map(|d| Assigned { required: true, due_date: d.parse().ok(), since: None }),
            assessment: false,
        }
    }

    fn saved(id: i64, version: i32) -> SavedModule {
        SavedModule {
            module_id: id,
            version,
            title: String::new(),
            bytes: 0,
            saved_at: String::new(),
            urls: vec![],
            complete: true,
        }
    }

    #[test]
    fn a_module_saves_its_data_page_and_media() {
        let item = SaveItem::for_module(&module(4, 2, None), false, Quality::DataSaver);
        let urls: Vec<&str> = item.files.iter().map(|f| f.url.as_str()).collect();
        assert_eq!(urls, ["/api/v1/catalog/4", "/modules/4", &format!("/media/{}", "ab".repeat(32))]);
        assert_eq!(item.files[2].bytes, 9);
    }

    #[test]
    fn refresh_updates_drops_and_tops_up() {
        let catalog = vec![module(1, 2, None), module(2, 1, Some("2026-05-10")), module(3, 1, Some("2026-09-01"))];
        let soon = "2026-05-15".parse().unwrap();
        let (fetch, drop) = plan_refresh(&[saved(1, 1), saved(9, 1)], &catalog, true, soon);
        assert_eq!(fetch.iter().map(|m| m.id).collect::<Vec<_>>(), [1, 2], "new version of 1; 2 is due soon");
        assert_eq!(drop, [9], "no longer in the catalog");
        let (fetch, _) = plan_refresh(&[saved(1, 2)], &catalog, false, soon);
        assert!(fetch.is_empty(), "the setting turns downloading by itself off");
        // A saved module missing a file (its page dropped by a newer build) is saved again.
        let incomplete = SavedModule { complete: false, ..saved(1, 2) };
        let (fetch, _) = plan_refresh(&[incomplete], &catalog, false, soon);
        assert_eq!(fetch.iter().map(|m| m.id).collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn saving_takes_the_chosen_quality_and_knows_what_to_replace() {
        use crate::api::{Download, Downloads, MediaRef};
        let file = |id: &str, bytes: u64| MediaRef {
            id: id.repeat(32),
            url: format!("/media/{}", id.repeat(32)),
            content_type: "video/mp4".into(),
            bytes,
        };
        let mut m = module(5, 1, None);
        m.downloads = Downloads {
            data_saver: Download::of(vec![file("d1", 2_000_000), file("c1", 30_000)]),
            standard: Download::of(vec![file("s1", 9_000_000), file("c1", 30_000)]),
        };
        let urls = |q| SaveItem::for_module(&m, false, q).files.into_iter().skip(2).map(|f| f.url).collect::<Vec<_>>();
        assert_eq!(urls(Quality::DataSaver), [media_url(&"d1".repeat(32)), media_url(&"c1".repeat(32))]);
        assert_eq!(urls(Quality::Standard), [media_url(&"s1".repeat(32)), media_url(&"c1".repeat(32))]);
        assert_eq!(m.bytes_at(Quality::Standard), 9_030_000);
        // An older answer without downloads: its media, whatever the quality.
        assert_eq!(module(6, 1, None).bytes_at(Quality::Standard), 9);

        let saved_small = SavedModule { urls: urls(Quality::DataSaver), ..saved(5, 1) };
        let catalog = vec![m.clone()];
        assert!(saved_in_other_quality(std::slice::from_ref(&saved_small), &catalog, Quality::DataSaver).is_empty());
        let replace = saved_in_other_quality(&[saved_small], &catalog, Quality::Standard);
        assert_eq!(replace.iter().map(|m| m.id).collect::<Vec<_>>(), [5]);
    }
}
