//! Prep for a meeting: pick what the meeting is about, when it is and how long there is;
//! Primer builds a playlist that fits (see [`prep_playlist`]), one tap saves it all for
//! offline, and the phone keeps it, so Home offers to continue it and the player goes on
//! to its next item. Offline, the playlist is built from what is saved on the phone, and
//! says what isn't. A GET form, so it works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

use crate::{
    api::{CatalogModule, Me, Role},
    components::{
        gate::signed_in,
        learner::{
            LearnerData, ModuleList, SaveButton, TagChips, learner_data, live_progress, remember_trail,
            with_learner_data,
        },
        module_view::duration_label,
    },
    device::{self, use_device},
    learning::{PREP_BUDGETS, Playlist, PlaylistItem, facets, meeting_time, prep_heading, prep_playlist},
};

#[component]
pub fn PrepPage() -> impl IntoView {
    let data = learner_data();
    view! {
        <Title text="Prep for a meeting"/>
        {signed_in(&Role::EVERYONE, move |_me: Me| with_learner_data(data, |data| view! { <Prep data/> }))}
    }
}

/// What the form asks for: from the address once the person has built a playlist, else
/// the last playlist's choices (once the phone has read them), else 5 minutes on nothing.
#[derive(Clone, PartialEq)]
struct Choices {
    tags: Vec<String>,
    minutes: u32,
    meeting_at: Option<String>,
    /// The person pressed "Build my playlist" (the address carries the choices).
    built: bool,
}

#[component]
fn Prep(data: LearnerData) -> impl IntoView {
    let device = use_device();
    let query = use_query_map();
    remember_trail("Prep", true);
    let choices = Memo::new(move |_| {
        let q = query.read();
        let minutes = q.get("minutes").and_then(|m| m.parse::<u32>().ok()).filter(|m| PREP_BUDGETS.contains(m));
        match minutes {
            Some(minutes) => Choices {
                tags: q.get_all("tag").unwrap_or_default(),
                minutes,
                meeting_at: q.get("at").and_then(|t| meeting_time(&t)),
                built: true,
            },
            None => match device.playlist.get() {
                Some(last) => Choices { tags: last.tags, minutes: last.minutes, meeting_at: None, built: false },
                None => Choices { tags: vec![], minutes: 5, meeting_at: None, built: false },
            },
        }
    });
    let progress = live_progress(device, data.progress.clone());
    let catalog = StoredValue::new(data.catalog);
    // Meetings are about a product, an industry, a deal stage.
    let groups: Vec<_> = catalog
        .with_value(facets)
        .into_iter()
        .filter(|(f, _)| matches!(f.as_str(), "product" | "industry" | "stage"))
        .collect();
    // Offline, only what is saved can be played: the playlist is built from it.
    let offline_saved = move || {
        if device.online.get() {
            return None;
        }
        device.saved.get().map(|saved| saved.iter().map(|s| s.module_id).collect::<Vec<_>>())
    };
    let plan = Memo::new(move |_| {
        let Choices { tags, minutes, .. } = choices.get();
        let progress = progress.get();
        catalog.with_value(|c| {
            let full: Vec<CatalogModule> =
                prep_playlist(c, &progress, &tags, minutes * 60).into_iter().cloned().collect();
            match offline_saved() {
                None => (full, Vec::new()),
                Some(saved) => {
                    let on_phone = crate::api::Catalog {
                        modules: c.modules.iter().filter(|m| saved.contains(&m.id)).cloned().collect(),
                        paths: vec![],
                    };
                    let list: Vec<CatalogModule> =
                        prep_playlist(&on_phone, &progress, &tags, minutes * 60).into_iter().cloned().collect();
                    let missing = full.into_iter().filter(|m| !saved.contains(&m.id)).collect();
                    (list, missing)
                }
            }
        })
    });
    // A playlist the person built is kept on the phone. Coming back to the same choices
    // (the way back from a module, "Prep now") keeps the one built, with its order and
    // what is done of it; built offline, from what is saved, it isn't kept over it.
    Effect::new(move |_| {
        let choices = choices.get();
        let (list, _) = plan.get();
        if !choices.built || list.is_empty() || offline_saved().is_some() {
            return;
        }
        let items: Vec<PlaylistItem> = list.iter().map(PlaylistItem::from).collect();
        let same = device.playlist.with_untracked(|p| {
            p.as_ref().is_some_and(|p| {
                p.tags == choices.tags
                    && p.minutes == choices.minutes
                    && p.meeting_at == choices.meeting_at
                    && p.is_current(device::now())
            })
        });
        if !same {
            device.keep_playlist(Playlist {
                items,
                tags: choices.tags,
                minutes: choices.minutes,
                meeting_at: choices.meeting_at,
                built_at: device::now(),
            });
        }
    });
    let picked = Signal::derive(move || choices.get().tags);
    let minutes = move || choices.get().minutes;
    view! {
        <h1>"Prep for a meeting"</h1>
        <Form action="/prep" attr:class="filters">
            <TagChips groups picked/>
            <fieldset class="chips">
                <legend>"Time I have"</legend>
                {PREP_BUDGETS.into_iter().map(|m| view! {
                    <label class="chip">
                        <input type="radio" name="minutes" value=m.to_string() prop:checked=move || minutes() == m/>
                        <span>{format!("{m} min")}</span>
                    </label>
                }).collect_view()}
            </fieldset>
            <label class="meeting-at">"Meeting at (optional)"
                <input type="time" name="at" data-testid="prep-at"
                    prop:value=move || choices.get().meeting_at.unwrap_or_default()/>
            </label>
            <button type="submit" data-testid="prep-build">"Build my playlist"</button>
        </Form>
        {move || {
            let Choices { tags, minutes: budget, meeting_at, .. } = choices.get();
            let (list, missing) = plan.get();
            let missing_note = (!missing.is_empty()).then(|| {
                let titles: Vec<String> = missing.iter().map(|m| m.title.clone()).collect();
                view! {
                    <p class="alert small" data-testid="playlist-not-saved">
                        {format!(
                            "Offline, so only what's saved on this phone is listed. Not saved: {}.",
                            titles.join(", ")
                        )}
                    </p>
                }
            });
            if list.is_empty() {
                view! {
                    {missing_note}
                    <p class="card muted" data-testid="playlist-empty">"Nothing fits. Pick other topics or more time."</p>
                }.into_any()
            } else {
                let total: u32 = list.iter().map(|m| m.estimated_seconds).sum();
                let job = format!("prep:{}:{}", budget, tags.join(","));
                let heading = prep_heading(meeting_at.as_deref(), budget);
                view! {
                    {missing_note}
                    <section class="card" data-testid="playlist" data-total-seconds=total.to_string() data-budget-seconds=(budget * 60).to_string()>
                        <h2>{heading}</h2>
                        <p class="muted small">{format!("{} module{} · {} of {budget} min", list.len(), if list.len() == 1 { "" } else { "s" }, duration_label(total))}</p>
                        <SaveButton job modules=list.clone() label="Save all for offline"/>
                        <ModuleList modules=list progress/>
                    </section>
                }.into_any()
            }
        }}
    }
}
