//! The learner's bundle as Leptos islands, built to be measured (see
//! `app::islands_spike` and `scripts/islands-spike.sh`); never served.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by Leptos' islands script: sets up the root owner; each `<leptos-island>` then
/// hydrates through its own export.
#[wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_islands();
}

/// Without `pages`: one trivial island, so the build holds Leptos' islands runtime and
/// nothing of Primer's.
#[cfg(not(feature = "pages"))]
use leptos::prelude::*;

#[cfg(not(feature = "pages"))]
#[island]
pub fn Counter() -> impl IntoView {
    let n = RwSignal::new(0);
    view! { <button on:click=move |_| n.update(|n| *n += 1)>{n}</button> }
}

/// With `pages`, keeps app's islands in the build.
#[cfg(feature = "pages")]
pub use app as _pages;
