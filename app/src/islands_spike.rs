//! A measurement, not shipped: Home and Library as Leptos islands, so that only their
//! interactive parts hydrate (issue 19 asked how small the learner's bundle could get that
//! way). Compiled only by `spikes/islands` (feature `islands-spike`, which turns on Leptos'
//! `islands`); `scripts/islands-spike.sh` builds it as the learner's bundle is built and
//! prints its size. It is built, not served: the server would need its own islands build
//! (and the pages' router hooks another source) before it ran; see docs/architecture.md.

use leptos::prelude::*;

use crate::{
    components::{
        layout::{NetworkBadge, SlowConnection},
        learner::{LearnerData, ModuleList, SyncStatus, TagChips, live_progress},
    },
    device,
    learning::{facets, library},
    pages::home::Learning,
};

/// What every signed-in page hydrates: the device (outbox, sync on reconnect, saved
/// modules, kept progress), the network badge and the slow-connection notice. The page's
/// own island is its child, so it gets the device from this one's context.
#[island]
pub fn DeviceIsland(children: Children) -> impl IntoView {
    device::provide_device();
    view! {
        <NetworkBadge/>
        <SlowConnection/>
        {children()}
    }
}

/// Home's cards (prep, continue, due soon, the welcome, the sync status): all of them
/// follow the phone's outbox and kept progress, so the whole of Home's body is one island.
#[island]
pub fn HomeIsland(data: LearnerData) -> impl IntoView {
    view! { <Learning data/> }
}

/// Library's filters and list; the search box and chips filter on the phone.
#[island]
pub fn LibraryIsland(data: LearnerData, q: String, tags: Vec<String>) -> impl IntoView {
    let device = device::use_device();
    let progress = live_progress(device, data.progress.clone());
    let catalog = StoredValue::new(data.catalog);
    let groups = catalog.with_value(facets);
    let search = RwSignal::new(q);
    let picked = RwSignal::new(tags);
    view! {
        <form action="/library" class="filters" role="search">
            <input type="search" name="q" prop:value=search on:input=move |e| search.set(event_target_value(&e))/>
            <TagChips groups picked=picked.into()/>
            <button type="submit">"Show"</button>
        </form>
        {move || {
            let found: Vec<_> = catalog.with_value(|c| library(c, &search.get(), &picked.get()).into_iter().cloned().collect());
            view! { <ModuleList modules=found progress/> }
        }}
        <SyncStatus/>
    }
}
