//! The staff's browser entry point: hydrates Studio, Team and administration pages (and
//! any page reached from them) with the whole app. Built separately from `frontend`, the
//! learner's, so that one never carries the staff's code (cargo unifies features within
//! one build).

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the script Leptos puts in every staff page, once the wasm module has loaded.
#[wasm_bindgen]
pub fn hydrate() {
    app::hydrate();
}
