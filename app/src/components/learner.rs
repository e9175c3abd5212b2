//! Pieces of the learner's screens: the catalog and progress they are built from, a
//! module's card, "Save for offline" with its progress bar, and the sync status.

use leptos::prelude::*;

use super::{ErrorMessage, module_view::duration_label};
use crate::{
    api::{Catalog, CatalogModule, ErrorCode, Progress, RequestError},
    client,
    device::{self, Device, use_device},
    learning::{facet_label, size_label, tag_label},
    reads,
};

/// What the learner's screens are built from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LearnerData {
    pub catalog: Catalog,
    /// As the server had it when the page loaded (the device adds its outbox).
    pub progress: Progress,
}

/// Loads the catalog and progress (in-process on the server, over HTTP, or from what the
/// service worker kept, in the browser).
pub fn learner_data() -> Resource<Result<LearnerData, RequestError>> {
    let device = use_device();
    Resource::new(
        // Read again when the network is back after a slow spell.
        move || device.refresh.get(),
        |_| {
            // Both at once: on one bar of signal, round trips are what a screen waits for.
            client::sendable(async {
                let (catalog, progress) =
                    futures_util::future::try_join(reads::read(reads::Catalog), reads::read(reads::Progress)).await?;
                Ok(LearnerData { catalog, progress })
            })
        },
    )
}

/// Shows `page` with the learner's data once it is there, or what went wrong in words.
pub fn with_learner_data<IV, F>(data: Resource<Result<LearnerData, RequestError>>, page: F) -> impl IntoView
where
    IV: IntoView + 'static,
    F: Fn(LearnerData) -> IV + Clone + Send + Sync + 'static,
{
    view! {
        // A Transition: read again after a slow spell, the screen stays until the new data
        // is there (no "Loading…" in between).
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(data) => page(data).into_any(),
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// An error loading a screen: offline ones explained, with where to go instead.
#[component]
pub fn LoadError(error: RequestError) -> impl IntoView {
    let offline = matches!(error, RequestError::Network) || error.code() == Some(ErrorCode::Offline);
    if offline {
        view! {
            <div class="state" data-testid="offline-unavailable">
                <h1>"Not saved on this phone"</h1>
                <p class="muted">"You're offline, and this isn't saved here. What you saved still works."</p>
                <a class="button" href="/device">"See what's saved"</a>
            </div>
        }
        .into_any()
    } else {
        view! { <ErrorMessage error/> }.into_any()
    }
}

/// A module in a list: kind, title, time, download size, done and saved badges.
#[component]
pub fn ModuleCard(module: CatalogModule, progress: Signal<Progress>) -> impl IntoView {
    let device = use_device();
    let id = module.id;
    let entry = StoredValue::new(module.clone());
    let due = module.assigned.as_ref().map(|a| match (a.required, a.due_date) {
        (true, Some(d)) if a.since.is_some() => format!("Renew · due {}", crate::dates::day_month(&d)),
        (true, Some(d)) => format!("Required · due {}", crate::dates::day_month(&d)),
        (true, None) => "Required".to_string(),
        (false, _) => "Suggested".to_string(),
    });
    view! {
        <li class="module-card" data-testid="module-card" data-module-id=id.to_string()>
            <a href=format!("/modules/{id}")>
                <div class="line">
                    <span class="badge">{module.kind.label()}</span>
                    <span class="muted small">{duration_label(module.estimated_seconds)}</span>
                    <span class="muted small">{move || entry.with_value(|m| size_label(m.bytes_at(device.quality.get())))}</span>
                    {move || entry.with_value(|m| m.is_done(&progress.get())).then(|| view! { <span class="badge ok" data-testid="done">"Done"</span> })}
                    {module.assessment.then(|| view! { <span class="badge">"Assessment"</span> })}
                    {move || match (device.saved.get().is_some(), device.saved_module(id).is_some(), device.online.get()) {
                        (_, true, _) => Some(view! { <span class="badge saved" data-testid="saved-badge">"Saved"</span> }.into_any()),
                        // Offline, what won't open is marked before a tap.
                        (true, false, false) => Some(view! { <span class="badge missing" data-testid="not-saved-badge">"Not on this phone"</span> }.into_any()),
                        _ => None,
                    }}
                </div>
                <div class="title">{module.title.clone()}</div>
                {due.map(|d| view! { <div class="small muted">{d}</div> })}
            </a>
        </li>
    }
}

/// Tag filters as chips, one group per facet: checkboxes named `tag`, so the form they
/// are in works without JavaScript.
#[component]
pub fn TagChips(groups: Vec<(String, Vec<String>)>, picked: Signal<Vec<String>>) -> impl IntoView {
    groups
        .into_iter()
        .map(|(facet, tags)| {
            view! {
                <fieldset class="chips">
                    <legend>{facet_label(&facet)}</legend>
                    {tags.into_iter().map(|tag| {
                        let checked = { let tag = tag.clone(); move || picked.get().contains(&tag) };
                        view! {
                            <label class="chip">
                                <input type="checkbox" name="tag" value=tag.clone() prop:checked=checked/>
                                <span>{tag_label(&tag).to_string()}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
            }
        })
        .collect_view()
}

/// A list of module cards.
#[component]
pub fn ModuleList(modules: Vec<CatalogModule>, progress: Signal<Progress>) -> impl IntoView {
    view! {
        <ul class="module-list">
            {modules.into_iter().map(|module| view! { <ModuleCard module progress/> }).collect_view()}
        </ul>
    }
}

/// "Save for offline" for one or more modules: a progress bar while downloading, a
/// cancel button, and what happened afterwards. Needs JavaScript (it says so without).
#[component]
pub fn SaveButton(
    /// Names the download, so its progress shows wherever the same button is.
    job: String,
    modules: Vec<CatalogModule>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let device = use_device();
    let ids: Vec<i64> = modules.iter().map(|m| m.id).collect();
    let modules = StoredValue::new(modules);
    // The real bytes of the quality this phone saves in.
    let bytes = move || modules.with_value(|ms| ms.iter().map(|m| m.bytes_at(device.quality.get())).sum::<u64>());
    let job = StoredValue::new(job);
    let all_saved = move || {
        device.saved.get().is_some_and(|saved| {
            modules
                .with_value(|ms| ms.iter().all(|m| saved.iter().any(|s| s.module_id == m.id && s.version == m.version)))
        })
    };
    let known = move || device.saved.get().is_some();
    let downloading = move || job.with_value(|j| device.download(j));
    let note = move || job.with_value(|j| device.download_note(j));
    let ids = StoredValue::new(ids);
    view! {
        <div class="save-offline" data-testid="save-offline">
            {move || match downloading() {
                Some((done, total)) => {
                    // Counted against the size the button showed (media: pages and data
                    // are a few KB of text).
                    let max = total.max(done).max(1.0);
                    let text = if total < 1.0 {
                        "Saving…".to_string()
                    } else {
                        format!("{} of {}", size_label(done as u64), size_label(max as u64))
                    };
                    view! {
                        <div class="download" role="status">
                            <progress data-testid="save-progress" max=max.to_string() value=done.to_string()></progress>
                            <span class="small muted" data-testid="save-progress-text">{text}</span>
                            <button type="button" class="secondary" data-testid="save-cancel"
                                on:click=move |_| job.with_value(|j| device.cancel(j))>"Cancel"</button>
                        </div>
                    }.into_any()
                }
                None if !known() => view! {
                    <p class="small muted">"Saving for offline use needs this page fully loaded."</p>
                }.into_any(),
                None if all_saved() => view! {
                    <div class="line">
                        <span class="badge saved" data-testid="saved-state">"Saved on this phone"</span>
                        <button type="button" class="link" data-testid="save-remove"
                            on:click=move |_| device.remove(ids.get_value())>"Remove"</button>
                    </div>
                }.into_any(),
                None => view! {
                    <button type="button" class="secondary" data-testid="save-button"
                        on:click=move |_| job.with_value(|j| device.save(j, modules.get_value()))>
                        {match bytes() { 0 => label.clone(), bytes => format!("{} · {}", label, size_label(bytes)) }}
                    </button>
                }.into_any(),
            }}
            {move || note().map(|n| view! { <p class="small muted" data-testid="save-note">{n}</p> })}
        </div>
    }
}

/// Where the learner's records stand, with "Sync now".
#[component]
pub fn SyncStatus() -> impl IntoView {
    let device = use_device();
    let line = move || {
        let waiting = device.outbox.get().len();
        device::outbox::status_line(waiting, &device.sync.get(), device.online.get(), device::now())
    };
    view! {
        <div class="sync-status line" data-testid="sync-status">
            <span class="small">{line}</span>
            {move || (!device.outbox.get().is_empty() && device.online.get()).then(|| view! {
                <button type="button" class="link" on:click=move |_| device::outbox::flush(device)>"Sync now"</button>
            })}
        </div>
        {move || {
            let problems = device.problems.get();
            (!problems.is_empty()).then(|| view! {
                <div class="alert error" role="alert" data-testid="sync-problems">
                    <ul class="plain">
                        {problems.iter().map(|p| view! { <li class="small">{p.describe(device::utc_offset_minutes())}</li> }).collect_view()}
                    </ul>
                    <button type="button" class="link" on:click=move |_| device::outbox::dismiss_problems(device)>"Dismiss"</button>
                </div>
            })
        }}
    }
}

/// Notes this screen as the way back from a module opened from it ("← Prep").
/// `playlist`: its modules are the playlist, so the player offers "Next".
pub fn remember_trail(label: &'static str, playlist: bool) {
    let device = use_device();
    let location = leptos_router::hooks::use_location();
    // The address changes to the module's a moment before this screen goes: only this
    // screen's own addresses (a search typed, filters picked) are the way back.
    let own_path = location.pathname.get_untracked();
    Effect::new(move |_| {
        let path = location.pathname.get();
        if path != own_path {
            return;
        }
        let search = location.search.get();
        let search = match search.as_str() {
            "" => String::new(),
            s if s.starts_with('?') => s.to_string(),
            s => format!("?{s}"),
        };
        device.set_trail(device::Trail { label: label.into(), href: format!("{path}{search}"), playlist });
    });
}

/// The progress a screen shows: the page's, the newest the server sent, and the
/// outbox's records.
pub fn live_progress(device: Device, from_page: Progress) -> Signal<Progress> {
    Signal::derive(move || device.progress(&from_page))
}
