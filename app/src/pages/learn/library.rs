//! Library: every module the learner may open, with search and tag filters. Rendered
//! completely on the server (the filters are a plain GET form), so it works with
//! JavaScript off; with it, filtering happens on the phone, offline too.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

use crate::{
    api::{Me, Role},
    components::{
        gate::signed_in,
        learner::{LearnerData, ModuleList, TagChips, learner_data, live_progress, remember_trail, with_learner_data},
    },
    device::use_device,
    learning::{facets, library},
};

#[component]
pub fn LibraryPage() -> impl IntoView {
    let data = learner_data();
    view! {
        <Title text="Library"/>
        {signed_in(&Role::EVERYONE, move |_me: Me| with_learner_data(data, |data| view! { <Library data/> }))}
    }
}

#[component]
fn Library(data: LearnerData) -> impl IntoView {
    let device = use_device();
    remember_trail("Library", false);
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let picked = move || query.read().get_all("tag").unwrap_or_default();
    let progress = live_progress(device, data.progress.clone());
    let catalog = StoredValue::new(data.catalog);
    let groups = catalog.with_value(facets);
    view! {
        <h1>"Library"</h1>
        <Form action="/library" attr:class="filters" attr:role="search">
            <label class="search">
                <span class="visually-hidden">"Search"</span>
                <input type="search" name="q" placeholder="Search modules" prop:value=search data-testid="library-search"/>
            </label>
            <TagChips groups picked=Signal::derive(picked)/>
            <div class="actions">
                <button type="submit">"Show"</button>
                <a class="button secondary" href="/library">"Clear"</a>
            </div>
        </Form>
        {move || {
            let (q, tags) = (search(), picked());
            let found: Vec<_> = catalog.with_value(|c| library(c, &q, &tags).into_iter().cloned().collect());
            if found.is_empty() {
                view! { <p class="card muted" data-testid="library-empty">"No modules match. Try fewer filters."</p> }.into_any()
            } else {
                view! {
                    <p class="muted small">{format!("{} module{}", found.len(), if found.len() == 1 { "" } else { "s" })}</p>
                    <ModuleList modules=found progress/>
                }.into_any()
            }
        }}
    }
}
