//! The page for addresses Primer doesn't have (status 404).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::set_status;

#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Not found"/>
        <main id="main">
            <div class="state">
                <div class="code">"404"</div>
                <h1>"There's nothing here"</h1>
                <p class="muted">"The address may be mistyped, or the page has moved."</p>
                <a class="button" href="/">"Go to Primer's home"</a>
            </div>
        </main>
    }
}
