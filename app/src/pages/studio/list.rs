//! The Studio's module list: every module with its status, filterable.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{STUDIO_ROLES, StudioTabs, status_class, status_of_summary};
use crate::{
    api::{Me, ModuleKind, ModuleStatus, ModuleSummary, RequestError},
    client,
    components::{ErrorMessage, gate::signed_in, module_view::duration_label},
    reads,
};

#[component]
pub fn StudioPage() -> impl IntoView {
    let modules = Resource::new(|| (), |_| client::sendable(reads::read(reads::Modules)));
    view! {
        <Title text="Studio"/>
        {signed_in(STUDIO_ROLES, move |_me: Me| view! { <Studio modules/> })}
    }
}

#[component]
fn Studio(modules: Resource<Result<Vec<ModuleSummary>, RequestError>>) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let keep = move |m: &ModuleSummary| {
        let q = search.get().trim().to_lowercase();
        let text_ok = q.is_empty()
            || m.title.to_lowercase().contains(&q)
            || m.summary.to_lowercase().contains(&q)
            || m.tags.iter().any(|t| t.to_lowercase().contains(&q));
        let status_ok = status.get().is_empty() || m.status.as_str() == status.get();
        let kind_ok = kind.get().is_empty() || m.kind.as_str() == kind.get();
        text_ok && status_ok && kind_ok
    };
    view! {
        <h1>"Studio"</h1>
        <StudioTabs current="/studio"/>
        <div class="actions">
            {ModuleKind::ALL.map(|k| view! {
                <a class="button" href=format!("/studio/new/{}", k.as_str())>{format!("New {}", k.label().to_lowercase())}</a>
            }).collect_view()}
        </div>
        <div class="form-row filters">
            <label>"Search"<input type="search" placeholder="Title, summary or tag" bind:value=search/></label>
            <label>"Status"
                <select on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    {[ModuleStatus::Draft, ModuleStatus::Published, ModuleStatus::Archived]
                        .map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Kind"
                <select on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    {ModuleKind::ALL.map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                </select>
            </label>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match modules.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="card muted">"No modules yet. Start with a short video, a tip card or a quick quiz."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="people module-list" data-testid="module-list">
                            {list.into_iter().map(|m| {
                                let shown = m.clone();
                                view! {
                                    <li prop:hidden=move || !keep(&shown)>
                                        <div class="line">
                                            <a class="name" href=format!("/studio/modules/{}", m.id)>{m.title.clone()}</a>
                                            <span class="badge">{m.kind.label()}</span>
                                            <span class=status_class(m.status)>{status_of_summary(&m)}</span>
                                        </div>
                                        <div class="muted small">
                                            {duration_label(m.estimated_seconds)}
                                            {(!m.tags.is_empty()).then(|| format!(" · {}", m.tags.join(", ")))}
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorMessage error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
