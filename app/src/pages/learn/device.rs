//! On this device: what is saved (each size, the total), the browser's storage estimate,
//! removing one or all, the "download due modules by themselves" setting, and, on
//! iPhones, why to add Primer to the home screen.

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;

use crate::{
    api::{Me, Quality, Role},
    client,
    components::{gate::signed_in, learner::SyncStatus},
    device::{self, saved, use_device},
    learning::size_label,
    reads,
};

#[component]
pub fn DevicePage() -> impl IntoView {
    view! {
        <Title text="On this device"/>
        {signed_in(&Role::EVERYONE, move |_me: Me| view! { <OnThisDevice/> })}
    }
}

#[component]
fn OnThisDevice() -> impl IntoView {
    let device = use_device();
    let estimate = RwSignal::new(None::<saved::StorageEstimate>);
    let (ios, standalone) = device::home_screen();
    Effect::new(move |_| {
        // Re-read whenever what is saved changes.
        let _ = device.saved.get();
        spawn_local(async move { estimate.set(saved::estimate().await) });
    });
    view! {
        <h1>"On this device"</h1>
        <SyncStatus/>
        // Filled in by practice.js, which sw-register.js loads while takes wait.
        <div data-waiting-takes=""></div>
        {move || match device.saved.get() {
            None => view! { <p class="muted">"What's saved shows once the page has loaded."</p> }.into_any(),
            Some(list) if list.is_empty() => view! {
                <p class="card muted" data-testid="nothing-saved">"Nothing is saved on this phone yet. Open a module or a meeting playlist and tap “Save for offline”."</p>
            }.into_any(),
            Some(list) => {
                let total: u64 = list.iter().map(|m| m.bytes).sum();
                view! {
                    <section class="card">
                        <div class="line">
                            <h2>"Saved modules"</h2>
                            <span class="muted small" data-testid="saved-total">{if total == 0 { "Text only".to_string() } else { format!("{} in all", size_label(total)) }}</span>
                        </div>
                        <ul class="saved-list" data-testid="saved-list">
                            {list.into_iter().map(|m| {
                                let id = m.module_id;
                                view! {
                                    <li data-testid="saved-item">
                                        <a href=format!("/modules/{id}")>{m.title.clone()}</a>
                                        <span class="muted small">{if m.bytes == 0 { "Text only".to_string() } else { size_label(m.bytes) }}</span>
                                        <button type="button" class="link" on:click=move |_| device.remove(vec![id])>"Remove"</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <button type="button" class="secondary" data-testid="remove-all"
                            on:click=move |_| device.remove_all()>"Remove everything"</button>
                    </section>
                }.into_any()
            }
        }}
        {move || device.download("auto").map(|(done, total)| view! {
            <p class="small muted" role="status">{format!("Downloading required modules: {} of {}", size_label(done as u64), size_label(total.max(done) as u64))}</p>
        })}
        <VideoQuality/>
        <section class="card">
            <h2>"Storage"</h2>
            {move || match estimate.get() {
                Some(e) => view! {
                    <p data-testid="storage-estimate">
                        {match (e.usage, e.quota) {
                            (Some(u), Some(q)) => format!("Primer uses {} of the {} this browser allows it.", size_label(u as u64), size_label(q as u64)),
                            _ => "This browser doesn't say how much space is left.".to_string(),
                        }}
                    </p>
                    <p class="small muted">{if e.persisted {
                        "The browser keeps what you saved until you remove it."
                    } else {
                        "The browser may clear saved modules if the phone runs out of space."
                    }}</p>
                }.into_any(),
                None => view! { <p class="muted small">"Checking…"</p> }.into_any(),
            }}
            <label class="check">
                <input type="checkbox" data-testid="auto-save" prop:checked=move || device.auto_save.get()
                    on:change=move |ev| saved::set_auto_save(device, event_target_checked(&ev))/>
                <span>"Download required modules due in the next 30 days by themselves"</span>
            </label>
        </section>
        {move || (ios.get() && !standalone.get()).then(|| view! {
            <section class="card" data-testid="ios-home-screen">
                <h2>"Keep your saved modules on iPhone"</h2>
                <p>"Safari deletes a website's saved data after seven days without a visit. Add Primer to your Home Screen to keep it: tap Share, then “Add to Home Screen”, and open Primer from there."</p>
            </section>
        })}
    }
}

/// The quality videos are saved in (the data saver unless changed), and, once it changes,
/// an offer to save again in it what was saved in the other.
#[component]
fn VideoQuality() -> impl IntoView {
    let device = use_device();
    let catalog = Resource::new(move || device.refresh.get(), |_| client::sendable(reads::read(reads::Catalog)));
    let choice = move |quality: Quality, text: &'static str| {
        view! {
            <label class="check">
                <input type="radio" name="quality" data-testid=format!("quality-{}", quality.as_str())
                    prop:checked=move || device.quality.get() == quality
                    on:change=move |_| saved::set_quality(device, quality)/>
                <span>{text}</span>
            </label>
        }
    };
    let job = "replace-quality";
    view! {
        <section class="card" data-testid="video-quality">
            <h2>"Video quality"</h2>
            {choice(Quality::DataSaver, "Data saver: small files, made for phones (about 2 MB a minute)")}
            {choice(Quality::Standard, "Standard: sharper, about four times the size")}
            <Suspense fallback=|| ()>
                {move || {
                    let quality = device.quality.get();
                    let saved = device.saved.get()?;
                    let catalog = catalog.get()?.ok()?;
                    let replace: Vec<_> =
                        saved::saved_in_other_quality(&saved, &catalog.modules, quality).into_iter().cloned().collect();
                    if replace.is_empty() {
                        return None;
                    }
                    let bytes: u64 = replace.iter().map(|m| m.bytes_at(quality)).sum();
                    let count = replace.len();
                    let replace = StoredValue::new(replace);
                    Some(view! {
                        <div data-testid="replace-quality">
                            <p class="small">{format!(
                                "{} saved in the other quality.",
                                if count == 1 { "1 module is".to_string() } else { format!("{count} modules are") }
                            )}</p>
                            {move || match device.download(job) {
                                Some((done, total)) => view! {
                                    <p class="small muted" role="status">{format!("Saving again: {} of {}", size_label(done as u64), size_label(total.max(done) as u64))}</p>
                                }.into_any(),
                                None => view! {
                                    <button type="button" class="secondary" data-testid="replace-quality-button"
                                        on:click=move |_| device.save(job, replace.get_value())>
                                        {format!("Replace with {} · {}", quality.label().to_lowercase(), size_label(bytes))}
                                    </button>
                                }.into_any(),
                            }}
                        </div>
                    })
                }}
            </Suspense>
            {move || device.download_note(job).map(|n| view! { <p class="small muted" data-testid="replace-note">{n}</p> })}
        </section>
    }
}
