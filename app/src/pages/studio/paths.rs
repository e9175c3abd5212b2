//! The path builder: learning paths as ordered lists of modules (add, remove, reorder).

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;

use super::{STUDIO_ROLES, StudioTabs, status_class};
use crate::{
    api::{LearningPath, Me, ModuleSummary, PathInput, RequestError},
    client,
    components::{ErrorMessage, gate::signed_in, module_view::duration_label},
    reads,
};

#[component]
pub fn PathsPage() -> impl IntoView {
    let paths = Resource::new(|| (), |_| client::sendable(reads::read(reads::Paths)));
    let modules = Resource::new(|| (), |_| client::sendable(reads::read(reads::Modules)));
    // Outside the list, which is drawn again once a save reloads it.
    let saved_note = RwSignal::new(None::<String>);
    view! {
        <Title text="Learning paths"/>
        {signed_in(STUDIO_ROLES, move |_me: Me| view! {
            <h1>"Learning paths"</h1>
            <StudioTabs current="/studio/paths"/>
            {move || saved_note.get().map(|n| view! { <p class="alert ok" role="status" data-testid="path-saved">{n}</p> })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let modules = match modules.await {
                        Ok(m) => m,
                        Err(error) => return view! { <ErrorMessage error/> }.into_any(),
                    };
                    match paths.await {
                        Ok(list) => view! {
                            <PathEditor path=None modules=modules.clone() paths saved_note/>
                            <ul class="people" data-testid="path-list">
                                {list.into_iter().map(|p| view! {
                                    <li><PathEditor path=Some(p) modules=modules.clone() paths saved_note/></li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorMessage error/> }.into_any(),
                    }
                })}
            </Transition>
        })}
    }
}

/// Edits one path, or makes a new one.
#[component]
fn PathEditor(
    path: Option<LearningPath>,
    modules: Vec<ModuleSummary>,
    paths: Resource<Result<Vec<LearningPath>, RequestError>>,
    /// "Saved …", said above the list.
    saved_note: RwSignal<Option<String>>,
) -> impl IntoView {
    let is_new = path.is_none();
    let open = RwSignal::new(false);
    let id = path.as_ref().map(|p| p.id);
    let title = RwSignal::new(path.as_ref().map(|p| p.title.clone()).unwrap_or_default());
    let description = RwSignal::new(path.as_ref().map(|p| p.description.clone()).unwrap_or_default());
    let steps: RwSignal<Vec<i64>> =
        RwSignal::new(path.as_ref().map(|p| p.steps.iter().map(|s| s.module_id).collect()).unwrap_or_default());
    let adding = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let by_id =
        StoredValue::new(modules.iter().map(|m| (m.id, m.clone())).collect::<std::collections::HashMap<_, _>>());
    let total = move || {
        steps.get().iter().filter_map(|id| by_id.with_value(|m| m.get(id).map(|m| m.estimated_seconds))).sum::<u32>()
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        let input = PathInput {
            title: title.get_untracked(),
            description: description.get_untracked(),
            module_ids: Some(steps.get_untracked()),
            steps: None,
        };
        spawn_local(async move {
            let result = match id {
                Some(id) => client::update_path(id, input).await,
                None => client::create_path(input).await,
            };
            pending.set(false);
            match result {
                Ok(p) => {
                    error.set(None);
                    saved_note.set(Some(format!("Saved “{}”.", p.title)));
                    open.set(false);
                    paths.refetch();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let move_step = move |index: usize, up: bool| {
        steps.update(|s| {
            let other = if up { index.checked_sub(1) } else { Some(index + 1).filter(|i| *i < s.len()) };
            if let Some(other) = other {
                s.swap(index, other);
            }
        })
    };
    let options = modules.clone();
    view! {
        {(!is_new).then(|| {
            let t = title;
            view! {
                <div class="line"><span class="name">{move || t.get()}</span>
                    <span class="badge">{move || format!("{} modules", steps.get().len())}</span>
                    <span class="muted small">{move || duration_label(total())}</span></div>
            }
        })}
        <div class="actions">
            <button type="button" class=if is_new { "" } else { "secondary" } on:click=move |_| { saved_note.set(None); open.update(|o| *o = !*o) }>
                {move || match (is_new, open.get()) { (true, false) => "New path", (_, true) => "Close", (false, false) => "Edit" }}
            </button>
            {id.map(|id| view! {
                <a class="button secondary" href=format!("/studio/assignments?path={id}") data-testid="assign-path">"Assign this path"</a>
            })}
        </div>
        <Show when=move || open.get()>
            <form class="card stack" on:submit=save data-testid="path-form">
                {move || error.get().map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
                <label>"Title"<input type="text" required bind:value=title/></label>
                <label>"Description"<textarea rows="2" bind:value=description></textarea></label>
                <ol class="steps" data-testid="path-steps">
                    {move || steps.get().into_iter().enumerate().map(|(i, module_id)| {
                        let module = by_id.with_value(|m| m.get(&module_id).cloned());
                        view! {
                            <li>
                                <span class="step-title">{module.as_ref().map(|m| m.title.clone()).unwrap_or_else(|| format!("Module {module_id}"))}</span>
                                {module.map(|m| view! { <span class=status_class(m.status)>{m.status.label()}</span> })}
                                <span class="step-actions">
                                    <button type="button" class="secondary" aria-label="Move up" on:click=move |_| move_step(i, true)>"↑"</button>
                                    <button type="button" class="secondary" aria-label="Move down" on:click=move |_| move_step(i, false)>"↓"</button>
                                    <button type="button" class="secondary" aria-label="Remove"
                                        on:click=move |_| steps.update(|s| { s.remove(i); })>"✕"</button>
                                </span>
                            </li>
                        }
                    }).collect_view()}
                </ol>
                <div class="copy">
                    <select aria-label="Module to add" on:change=move |ev| adding.set(event_target_value(&ev)) prop:value=move || adding.get()>
                        <option value="">"Add a module…"</option>
                        {options.iter().map(|m| view! { <option value=m.id.to_string()>{format!("{} ({})", m.title, m.kind.label())}</option> }).collect_view()}
                    </select>
                    <button type="button" class="secondary" on:click=move |_| {
                        if let Ok(id) = adding.get_untracked().parse::<i64>() {
                            steps.update(|s| if !s.contains(&id) { s.push(id) });
                        }
                        adding.set(String::new());
                    }>"Add"</button>
                </div>
                <div><button type="submit" prop:disabled=move || pending.get()>"Save path"</button></div>
            </form>
        </Show>
    }
}
