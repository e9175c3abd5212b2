//! Prep for a meeting: pick what the meeting is about and how long there is; Primer
//! builds a playlist that fits (required and due first, then unseen, then suggested),
//! and one tap saves it all for offline. A GET form, so it works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

use crate::{
    api::{Me, Role},
    components::{
        gate::signed_in,
        learner::{LearnerData, ModuleList, SaveButton, TagChips, learner_data, live_progress, with_learner_data},
        module_view::duration_label,
    },
    device::use_device,
    learning::{PREP_BUDGETS, facets, prep_playlist},
};

#[component]
pub fn PrepPage() -> impl IntoView {
    let data = learner_data();
    view! {
        <Title text="Prep for a meeting"/>
        {signed_in(&Role::EVERYONE, move |_me: Me| with_learner_data(data, |data| view! { <Prep data/> }))}
    }
}

#[component]
fn Prep(data: LearnerData) -> impl IntoView {
    let device = use_device();
    let query = use_query_map();
    let minutes = move || {
        query
            .read()
            .get("minutes")
            .and_then(|m| m.parse::<u32>().ok())
            .filter(|m| PREP_BUDGETS.contains(m))
            .unwrap_or(5)
    };
    let picked = move || query.read().get_all("tag").unwrap_or_default();
    let progress = live_progress(device, data.progress.clone());
    let catalog = StoredValue::new(data.catalog);
    // Meetings are about a product, an industry, a deal stage.
    let groups: Vec<_> = catalog
        .with_value(facets)
        .into_iter()
        .filter(|(f, _)| matches!(f.as_str(), "product" | "industry" | "stage"))
        .collect();
    view! {
        <h1>"Prep for a meeting"</h1>
        <Form action="/prep" attr:class="filters">
            <TagChips groups picked=Signal::derive(picked)/>
            <fieldset class="chips">
                <legend>"Time I have"</legend>
                {PREP_BUDGETS.into_iter().map(|m| view! {
                    <label class="chip">
                        <input type="radio" name="minutes" value=m.to_string() prop:checked=move || minutes() == m/>
                        <span>{format!("{m} min")}</span>
                    </label>
                }).collect_view()}
            </fieldset>
            <button type="submit" data-testid="prep-build">"Build my playlist"</button>
        </Form>
        {move || {
            let (tags, budget) = (picked(), minutes());
            let list: Vec<_> = catalog.with_value(|c| {
                prep_playlist(c, &progress.get(), &tags, budget * 60).into_iter().cloned().collect()
            });
            let total: u32 = list.iter().map(|m| m.estimated_seconds).sum();
            if list.is_empty() {
                view! { <p class="card muted" data-testid="playlist-empty">"Nothing fits. Pick other topics or more time."</p> }.into_any()
            } else {
                let job = format!("prep:{}:{}", budget, tags.join(","));
                view! {
                    <section class="card" data-testid="playlist" data-total-seconds=total.to_string() data-budget-seconds=(budget * 60).to_string()>
                        <h2>{format!("Your {budget}-minute playlist")}</h2>
                        <p class="muted small">{format!("{} module{} · {} of {budget} min", list.len(), if list.len() == 1 { "" } else { "s" }, duration_label(total))}</p>
                        <SaveButton job modules=list.clone() label="Save all for offline"/>
                        <ModuleList modules=list progress/>
                    </section>
                }.into_any()
            }
        }}
    }
}
