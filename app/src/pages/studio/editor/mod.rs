//! Creating and editing a module: the form (checked as you type, with the same rules the
//! server applies), uploads with progress, a phone-sized preview of the saved working
//! copy exactly as learners will see it, and publishing.

mod fields;
mod form;

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{STUDIO_ROLES, StudioTabs, status_class, status_of_module};
use crate::{
    api::{ErrorCode, Me, Module, ModuleKind, RequestError, Team, module_rules as rules},
    client,
    components::{
        ErrorMessage,
        gate::signed_in,
        module_view::{ModuleView, Viewable},
        upload::size_label,
    },
    reads,
};

use fields::*;
use form::*;

#[component]
pub fn NewModulePage() -> impl IntoView {
    let params = use_params_map();
    let kind = move || params.read().get("kind").and_then(|k| ModuleKind::parse(&k));
    let teams = Resource::new(|| (), |_| client::sendable(reads::read(reads::Teams)));
    let known = known_words();
    view! {
        <Title text="New module"/>
        {signed_in(STUDIO_ROLES, move |_me: Me| view! {
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let teams = teams.await.unwrap_or_default();
                    let known = known.await;
                    match kind() {
                        Some(kind) => view! { <Editor kind initial=None teams known/> }.into_any(),
                        None => view! { <p class="alert error">"Primer has video, tip card and quiz modules."</p> }.into_any(),
                    }
                })}
            </Suspense>
        })}
    }
}

/// The working copy of the module the address names (`/studio/modules/{id}`).
fn module_of_route() -> Resource<Result<Module, RequestError>> {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok());
    Resource::new(id, |id| {
        client::sendable(async move {
            match id {
                Some(id) => reads::read(reads::Module { id }).await,
                None => Err(RequestError::new(ErrorCode::NotFound, "Module not found.")),
            }
        })
    })
}

#[component]
pub fn EditModulePage() -> impl IntoView {
    let module = module_of_route();
    let teams = Resource::new(|| (), |_| client::sendable(reads::read(reads::Teams)));
    let known = known_words();
    view! {
        <Title text="Edit module"/>
        {signed_in(STUDIO_ROLES, move |_me: Me| view! {
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let teams = teams.await.unwrap_or_default();
                    let known = known.await;
                    match module.await {
                        Ok(m) => view! { <Editor kind=m.kind initial=Some(m) teams known/> }.into_any(),
                        Err(error) => view! { <ErrorMessage error/> }.into_any(),
                    }
                })}
            </Suspense>
        })}
    }
}

/// A draft as its learners will see it, full screen on the author's phone: a private
/// preview (only authors and admins may open it).
#[component]
pub fn PreviewModulePage() -> impl IntoView {
    let module = module_of_route();
    view! {
        <Title text="Preview"/>
        {signed_in(STUDIO_ROLES, move |_me: Me| view! {
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match module.await {
                        Ok(m) => view! {
                            <p class="alert info small" data-testid="preview-banner">
                                {format!("Preview of {}: learners see it like this once it is published. ", super::status_of_module(&m))}
                                <a href=format!("/studio/modules/{}", m.id)>"Back to editing"</a>
                            </p>
                            <ModuleView module=viewable(&m)/>
                        }.into_any(),
                        Err(error) => view! { <ErrorMessage error/> }.into_any(),
                    }
                })}
            </Suspense>
        })}
    }
}

/// Tags and job roles already in use, so authors pick them rather than type variants.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Known {
    pub tags: Vec<String>,
    pub job_roles: Vec<String>,
}

/// Reads the tags of every module and the job roles assignments use.
fn known_words() -> Resource<Known> {
    Resource::new(
        || (),
        |_| {
            client::sendable(async {
                let (modules, assignments) =
                    futures_util::future::join(reads::read(reads::Modules), reads::read(reads::Assignments)).await;
                let mut tags: Vec<String> = modules.unwrap_or_default().into_iter().flat_map(|m| m.tags).collect();
                tags.sort_by_key(|t| t.to_lowercase());
                tags.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
                let mut job_roles: Vec<String> =
                    assignments.unwrap_or_default().into_iter().filter_map(|a| a.job_role).collect();
                job_roles.sort_by_key(|t| t.to_lowercase());
                job_roles.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
                Known { tags, job_roles }
            })
        },
    )
}

/// Chips of the words in use not yet in `list` (a comma-separated field): a tap adds one.
#[component]
fn Pick(
    list: RwSignal<String>,
    words: Vec<String>,
    #[prop(into)] label: String,
    test_id: &'static str,
) -> impl IntoView {
    let words = StoredValue::new(words);
    move || {
        let have = split_list(&list.get());
        let left: Vec<String> = words
            .with_value(|w| w.iter().filter(|w| !have.iter().any(|h| h.eq_ignore_ascii_case(w))).cloned().collect());
        (!left.is_empty()).then(|| {
            view! {
                <div class="pick" data-testid=test_id>
                    <span class="small muted">{label.clone()}</span>
                    {left.into_iter().map(|word| {
                        let add = word.clone();
                        view! {
                            <button type="button" class="chip-button" on:click=move |_| list.update(|l| {
                                let mut items = split_list(l);
                                items.push(add.clone());
                                *l = items.join(", ");
                            })>{word}</button>
                        }
                    }).collect_view()}
                </div>
            }
        })
    }
}

fn viewable(m: &Module) -> Viewable {
    Viewable {
        id: m.id,
        kind: m.kind,
        title: m.title.clone(),
        summary: m.summary.clone(),
        estimated_seconds: m.estimated_seconds,
        language: m.language.clone(),
        content: m.content.clone(),
        // Authors preview with the answer key and its feedback.
        assessment: false,
    }
}

#[component]
fn Editor(kind: ModuleKind, initial: Option<Module>, teams: Vec<Team>, known: Known) -> impl IntoView {
    let form = Form::new(kind, initial.as_ref());
    let saved: RwSignal<Option<Module>> = RwSignal::new(initial);
    let notice: RwSignal<Option<Result<String, String>>> = RwSignal::new(None);
    let server_error: RwSignal<Option<(String, String)>> = RwSignal::new(None);
    let pending = RwSignal::new(false);
    // Changed since the last save (publishing is then offered again).
    let dirty = RwSignal::new(false);
    let tried = RwSignal::new(false);
    // Fields the author has been in (by their `name`): a blank new form is not scolded.
    let touched: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let errors = Memo::new(move |_| form.errors());

    // Shows the rule a field breaks, once the author has left it or tried to save.
    let field_error = move |field: &'static str| {
        move || {
            let server = server_error.get().filter(|(f, _)| f == field).map(|(_, m)| m);
            let seen = tried.get() || touched.with(|t| t.iter().any(|f| f == field));
            let local = errors.get().get(field).cloned().filter(|_| seen);
            server.or(local).map(|m| view! { <span class="field-error" role="alert">{m}</span> }.into_any())
        }
    };

    // Saves the working copy; `then_publish` publishes it straight after.
    let run = move |then_publish: bool| {
        tried.set(true);
        server_error.set(None);
        let problems = errors.get_untracked();
        if !problems.is_empty() {
            // All of them at once, and the first one brought up with the cursor in it.
            let mut fields: Vec<&str> =
                FIELD_ORDER.iter().filter(|f| problems.contains_key(*f)).map(|f| field_label(f)).collect();
            fields.dedup();
            notice.set(Some(Err(format!("Fix the fields marked in red first: {}.", fields.join(", ")))));
            focus_first_error();
            return;
        }
        pending.set(true);
        notice.set(None);
        spawn_local(async move {
            let input = form.input();
            let existing = saved.get_untracked().map(|m| m.id);
            let result = match existing {
                Some(id) => client::update_module(id, input).await,
                None => client::create_module(input).await,
            };
            // Saved: it has an address now, kept in the URL without reloading, even if
            // publishing is then refused (its video still being prepared, say).
            if let Ok(m) = &result {
                if existing.is_none() {
                    let _ = window().history().map(|h| {
                        h.replace_state_with_url(&wasm_bindgen_null(), "", Some(&format!("/studio/modules/{}", m.id)))
                    });
                }
                saved.set(Some(m.clone()));
                dirty.set(false);
            }
            let result = match result {
                Ok(m) if then_publish => client::publish_module(m.id).await,
                other => other,
            };
            pending.set(false);
            match result {
                Ok(m) => {
                    let text = if then_publish {
                        format!("Published version {}.", m.published_version.unwrap_or(1))
                    } else {
                        "Saved.".to_string()
                    };
                    saved.set(Some(m));
                    dirty.set(false);
                    notice.set(Some(Ok(text)));
                }
                Err(RequestError::Api(detail)) => {
                    if let Some(field) = detail.field.clone() {
                        server_error.set(Some((field, detail.message.clone())));
                    }
                    notice.set(Some(Err(detail.message)));
                }
                Err(e) => notice.set(Some(Err(e.to_string()))),
            }
        });
    };
    let archive = move |_| {
        let Some(id) = saved.get_untracked().map(|m| m.id) else { return };
        pending.set(true);
        spawn_local(async move {
            let result = client::archive_module(id).await;
            pending.set(false);
            match result {
                Ok(m) => {
                    saved.set(Some(m));
                    notice.set(Some(Ok("Archived: learners no longer get it. Publish to bring it back.".into())));
                }
                Err(e) => notice.set(Some(Err(e.to_string()))),
            }
        });
    };

    view! {
        <h1>{move || saved.get().map(|m| m.title).filter(|t| !t.is_empty()).unwrap_or_else(|| format!("New {}", kind.label().to_lowercase()))}</h1>
        <StudioTabs current="/studio"/>
        <div class="editor">
            <form class="stack editor-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); run(false); }
                on:input=move |_| dirty.set(true) on:change=move |_| dirty.set(true)
                on:focusout=move |ev| {
                    use leptos::wasm_bindgen::JsCast;
                    let name = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|e| e.get_attribute("name"));
                    if let Some(name) = name.filter(|n| !touched.with_untracked(|t| t.contains(n))) {
                        touched.update(|t| t.push(name));
                    }
                }
                data-testid="module-form">
                <div class="card status-panel">
                    {move || saved.get().map(|m| view! {
                        <p><span class=status_class(m.status) data-testid="module-status">{status_of_module(&m)}</span>
                           " " <span class="muted small">{format!("Download: {}", size_label(m.download_bytes as f64))}</span></p>
                        {(!m.problems.is_empty()).then(|| view! {
                            <div class="muted small">"Before it can be published:"
                                <ul>{m.problems.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
                            </div>
                        })}
                    })}
                    {move || saved.get().is_none().then(|| view! { <p class="muted small">"Not saved yet."</p> })}
                    {move || notice.get().map(|n| match n {
                        Ok(text) => view! { <p class="alert ok" role="status" data-testid="editor-notice">{text}</p> }.into_any(),
                        Err(text) => view! { <p class="alert error" role="alert" data-testid="editor-error">{text}</p> }.into_any(),
                    })}
                    <div class="actions">
                        <button type="submit" class="secondary" prop:disabled=move || pending.get()>"Save draft"</button>
                        {move || {
                            // Once published, publishing again is only for changes made since.
                            let label = match saved.get() {
                                Some(m) if m.status == crate::api::ModuleStatus::Archived => Some("Publish again"),
                                Some(m) if m.published_version.is_some() && !m.has_unpublished_changes && !dirty.get() => None,
                                Some(m) if m.published_version.is_some() => Some("Publish changes"),
                                _ => Some("Publish"),
                            };
                            label.map(|label| view! {
                                <button type="button" data-testid="publish" prop:disabled=move || pending.get() on:click=move |_| run(true)>{label}</button>
                            })
                        }}
                        {move || saved.get().filter(|m| m.status != crate::api::ModuleStatus::Archived).map(|_| view! {
                            <button type="button" class="secondary" prop:disabled=move || pending.get() on:click=archive>"Archive"</button>
                        })}
                    </div>
                </div>

                <label>"Title"<input type="text" name="title" bind:value=form.title required maxlength=rules::limits::TITLE_CHARS/>{field_error("title")}</label>
                <label>"Summary"<textarea rows="2" name="summary" bind:value=form.summary></textarea>{field_error("summary")}</label>
                {match kind {
                    ModuleKind::Video => view! { <VideoFields form/> }.into_any(),
                    ModuleKind::Tip => view! { <TipFields form field_error=field_error("body_markdown")/> }.into_any(),
                    ModuleKind::Quiz => view! { <QuizFields form field_error=field_error("questions") pass_error=field_error("pass_percent") draw_error=field_error("draw")/> }.into_any(),
                    ModuleKind::Practice => view! { <PracticeFields form prompt_error=field_error("prompt") seconds_error=field_error("max_seconds")
                        rubric_error=field_error("rubric") pass_error=field_error("pass_percent") peers_error=field_error("peer_reviews")/> }.into_any(),
                    ModuleKind::Unknown => view! { <crate::components::module_view::NeedsUpdate/> }.into_any(),
                }}
                <div class="form-row">
                    <div class="stack-tight">
                        <label>"Tags"<input type="text" name="tags" placeholder="product:Aurora, stage:negotiation" bind:value=form.tags/>{field_error("tags")}</label>
                        <Pick list=form.tags words=known.tags.clone() label="In use (tap to add; type only a new one):" test_id="pick-tags"/>
                    </div>
                    <label>{if kind == ModuleKind::Video { "Time (seconds; empty: the video's length)" } else { "Time to complete (seconds)" }}
                        <input type="number" name="estimated_seconds" min="1" max=rules::limits::MAX_SECONDS inputmode="numeric" bind:value=form.seconds/>{field_error("estimated_seconds")}</label>
                    <label>"Language"<input type="text" name="language" bind:value=form.language/>{field_error("language")}</label>
                </div>
                <details class="card">
                    <summary>"Who can find it"</summary>
                    <p class="muted small">"Published modules are open to every learner. Limit this one to job roles or teams (assignments reach people either way)."</p>
                    <label>"Job roles"<input type="text" placeholder="Account Executive, Solutions Engineer" bind:value=form.audience_roles/></label>
                    <Pick list=form.audience_roles words=known.job_roles.clone() label="In use:" test_id="pick-roles"/>
                    <div class="checks">
                        {teams.into_iter().map(|t| {
                            let id = t.id;
                            view! {
                                <label class="check">
                                    <input type="checkbox" prop:checked=move || form.audience_teams.get().contains(&id)
                                        on:change=move |ev| { let on = event_target_checked(&ev); form.audience_teams.update(|v| { v.retain(|x| *x != id); if on { v.push(id); } }); }/>
                                    {t.name}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                </details>
            </form>
            <aside class="preview">
                <h2>"Preview on a phone"</h2>
                <p class="muted small">"The last saved version, as learners will see it."</p>
                {move || saved.get().map(|m| view! {
                    <p class="small"><a class="tap" href=format!("/studio/modules/{}/preview", m.id) data-testid="preview-link">
                        "Open the preview on your phone"</a>" (only authors can open it)"</p>
                })}
                // It scrolls on its own, so keyboards must reach it (a focusable, named region).
                <div class="phone" data-testid="preview" tabindex="0" role="region" aria-label="Preview on a phone">
                    {move || match saved.get() {
                        Some(m) => view! { <ModuleView module=viewable(&m)/> }.into_any(),
                        None => view! { <p class="muted">"Save to see the preview."</p> }.into_any(),
                    }}
                </div>
            </aside>
        </div>
    }
}

/// Once the errors are on the page: scrolls to the first and puts the cursor in its field.
fn focus_first_error() {
    #[cfg(feature = "hydrate")]
    request_animation_frame(|| {
        use leptos::wasm_bindgen::JsCast;
        let Some(error) = document().query_selector("[data-testid=module-form] .field-error").ok().flatten() else {
            return;
        };
        let field = error
            .closest("label, fieldset")
            .ok()
            .flatten()
            .and_then(|scope| scope.query_selector("input:not([type=hidden]), textarea, select").ok().flatten());
        let target = field.unwrap_or(error);
        target.scroll_into_view();
        if let Ok(focus) = js_sys::Reflect::get(&target, &"focus".into())
            && let Some(focus) = focus.dyn_ref::<js_sys::Function>()
        {
            let _ = focus.call0(&target);
        }
    });
}

fn wasm_bindgen_null() -> leptos::wasm_bindgen::JsValue {
    leptos::wasm_bindgen::JsValue::NULL
}
