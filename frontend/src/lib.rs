//! The learner's browser entry point: hydrates sign-in, Home, Prep, Library, the player,
//! progress, certificates, On this device and account pages. Built without `app`'s `staff`
//! feature, so none of the Studio's, Team's or administration's code is in it; staff pages
//! load `frontend-staff` instead (see `app::Bundle`).

#![recursion_limit = "256"]

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the script Leptos puts in every page, once the wasm module has loaded.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A visible sign that the app has taken over (tests and support staff look for it).
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "");
    }
}
