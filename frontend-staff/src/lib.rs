//! The staff's browser entry point: hydrates Studio, Team and administration pages (and
//! any page reached from them) with the whole app. Built separately from `frontend`, the
//! learner's, so that one never carries the staff's code (cargo unifies features within
//! one build).

#![recursion_limit = "256"]

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the script Leptos puts in every staff page, once the wasm module has loaded.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "");
    }
}
