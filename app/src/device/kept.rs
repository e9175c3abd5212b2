//! The signed-in person's own values kept on the phone beside their data: in the
//! offline store's data cache, marked as theirs (`public/offline-store.js`, `keepData`),
//! so they are handed out only to them and go with the rest of their data on sign-out or
//! when their session ends. The newest progress the server sent lives here (under the
//! address the worker keeps the server's own answer at, so offline reads get it too), and
//! the last playlist built for a meeting.

use serde::{Serialize, de::DeserializeOwned};

/// The newest progress the server sent (a read or a sync's answer).
pub const PROGRESS: &str = "/api/v1/progress";
/// The last playlist built on "Prep for a meeting".
pub const PLAYLIST: &str = "/__primer/playlist";

#[cfg(feature = "hydrate")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(catch, js_namespace = PrimerOffline, js_name = keepData)]
        pub async fn keep_data(url: &str, json: &str, person: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_namespace = PrimerOffline, js_name = readData)]
        pub async fn read_data(url: &str, person: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(catch, js_namespace = PrimerOffline, js_name = probe)]
        pub async fn probe(ms: u32) -> Result<JsValue, JsValue>;
    }
}

/// Keeps `value` under `url` as `user_id`'s (in the background; nothing if they aren't
/// the one the device knows is signed in).
pub fn keep<T: Serialize>(url: &'static str, value: &T, user_id: i64) {
    #[cfg(feature = "hydrate")]
    {
        let Ok(json) = serde_json::to_string(value) else { return };
        leptos::task::spawn_local(async move {
            let _ = js::keep_data(url, &json, &user_id.to_string()).await;
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (url, value, user_id);
}

/// What is kept under `url` for `user_id`, if anything (and readable): nothing unless
/// they are the one the device knows is signed in.
pub async fn read<T: DeserializeOwned>(url: &str, user_id: i64) -> Option<T> {
    #[cfg(feature = "hydrate")]
    {
        let json = js::read_data(url, &user_id.to_string()).await.ok()?.as_string()?;
        serde_json::from_str::<Option<T>>(&json).ok().flatten()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (url, user_id);
        None
    }
}

/// Whether the server answers within `ms`, past the service worker's copies.
pub async fn probe(ms: u32) -> bool {
    #[cfg(feature = "hydrate")]
    {
        js::probe(ms).await.ok().and_then(|v| v.as_bool()).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ms;
        false
    }
}
