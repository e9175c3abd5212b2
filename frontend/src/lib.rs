//! The learner's browser entry point: hydrates sign-in, Home, Prep, Library, the player,
//! progress, certificates, On this device and account pages. Built without `app`'s `staff`
//! feature, so none of the Studio's, Team's or administration's code is in it; staff pages
//! load `frontend-staff` instead (see `app::Bundle`).

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the script Leptos puts in every page, once the wasm module has loaded.
#[wasm_bindgen]
pub fn hydrate() {
    app::hydrate();
}
