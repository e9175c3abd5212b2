//! Creating and editing a module: the form (checked as you type, with the same rules the
//! server applies), uploads with progress, a phone-sized preview of the saved working
//! copy exactly as learners will see it, and publishing.

use std::collections::HashMap;

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{STUDIO_ROLES, StudioTabs, status_class, status_of_module};
use crate::{
    api::{
        Audience, ErrorCode, Me, Media, MediaRef, Module, ModuleContent, ModuleInput, ModuleKind, ProcessingState,
        Quality, Question, QuizOption, RequestError, Team,
        content::{self as rules},
        media_url,
    },
    client,
    components::{
        ErrorMessage,
        gate::signed_in,
        module_view::{ModuleView, Viewable},
        upload::{MediaPicker, size_label},
    },
    reads,
};

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

/// One answer of a question being edited.
#[derive(Clone, Copy)]
struct OptionForm {
    key: usize,
    text: RwSignal<String>,
    correct: RwSignal<bool>,
    explanation: RwSignal<String>,
}

/// One question being edited.
#[derive(Clone, Copy)]
struct QuestionForm {
    key: usize,
    prompt: RwSignal<String>,
    multiple: RwSignal<bool>,
    options: RwSignal<Vec<OptionForm>>,
}

/// Gives list items stable keys, so editing one never rebuilds the others.
fn next_key() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl OptionForm {
    fn new(o: &QuizOption) -> Self {
        OptionForm {
            key: next_key(),
            text: RwSignal::new(o.text.clone()),
            correct: RwSignal::new(o.correct),
            explanation: RwSignal::new(o.explanation.clone()),
        }
    }
}

impl QuestionForm {
    fn new(q: &Question) -> Self {
        QuestionForm {
            key: next_key(),
            prompt: RwSignal::new(q.prompt.clone()),
            multiple: RwSignal::new(q.multiple),
            options: RwSignal::new(q.options.iter().map(OptionForm::new).collect()),
        }
    }

    fn blank() -> Self {
        QuestionForm::new(&Question {
            prompt: String::new(),
            multiple: false,
            options: vec![QuizOption::default(), QuizOption::default()],
        })
    }

    fn read(&self) -> Question {
        Question {
            prompt: self.prompt.get(),
            multiple: self.multiple.get(),
            options: self
                .options
                .get()
                .iter()
                .map(|o| QuizOption { text: o.text.get(), correct: o.correct.get(), explanation: o.explanation.get() })
                .collect(),
        }
    }
}

/// The form's fields.
#[derive(Clone, Copy)]
struct Form {
    kind: ModuleKind,
    title: RwSignal<String>,
    summary: RwSignal<String>,
    tags: RwSignal<String>,
    seconds: RwSignal<String>,
    language: RwSignal<String>,
    audience_roles: RwSignal<String>,
    audience_teams: RwSignal<Vec<i64>>,
    video: RwSignal<Option<MediaRef>>,
    auto_poster: RwSignal<Option<MediaRef>>,
    poster: RwSignal<Option<MediaRef>>,
    captions: RwSignal<Option<MediaRef>>,
    body: RwSignal<String>,
    questions: RwSignal<Vec<QuestionForm>>,
    pass_percent: RwSignal<String>,
    /// Questions drawn per attempt from a pool (empty: every question).
    draw: RwSignal<String>,
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',').map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect()
}

impl Form {
    fn new(kind: ModuleKind, m: Option<&Module>) -> Self {
        let by_id: HashMap<String, MediaRef> =
            m.map(|m| m.media.iter().map(|r| (r.id.clone(), r.clone())).collect()).unwrap_or_default();
        let find = |id: &Option<String>| id.as_ref().and_then(|id| by_id.get(id).cloned());
        let (video, poster, captions, body, questions, pass) = match m.map(|m| &m.content) {
            Some(ModuleContent::Video { video_media_id, poster_media_id, captions_media_id, .. }) => {
                (find(video_media_id), find(poster_media_id), find(captions_media_id), String::new(), vec![], 80)
            }
            Some(ModuleContent::Tip { body_markdown, .. }) => (None, None, None, body_markdown.clone(), vec![], 80),
            Some(ModuleContent::Quiz { questions, pass_percent, .. }) => {
                (None, None, None, String::new(), questions.iter().map(QuestionForm::new).collect(), *pass_percent)
            }
            Some(ModuleContent::Unknown) | None => (
                None,
                None,
                None,
                String::new(),
                if kind == ModuleKind::Quiz { vec![QuestionForm::blank()] } else { vec![] },
                80,
            ),
        };
        // A video's own poster frame is in the media list after the video.
        let auto_poster = match (&video, &poster, m) {
            (Some(v), None, Some(m)) => {
                m.media.iter().find(|r| r.id != v.id && r.content_type.starts_with("image/")).cloned()
            }
            _ => None,
        };
        Form {
            kind,
            title: RwSignal::new(m.map(|m| m.title.clone()).unwrap_or_default()),
            summary: RwSignal::new(m.map(|m| m.summary.clone()).unwrap_or_default()),
            tags: RwSignal::new(m.map(|m| m.tags.join(", ")).unwrap_or_default()),
            seconds: RwSignal::new(m.map(|m| m.estimated_seconds.to_string()).unwrap_or_default()),
            language: RwSignal::new(m.map(|m| m.language.clone()).unwrap_or_else(|| "en".into())),
            audience_roles: RwSignal::new(m.map(|m| m.audience.job_roles.join(", ")).unwrap_or_default()),
            audience_teams: RwSignal::new(m.map(|m| m.audience.team_ids.clone()).unwrap_or_default()),
            video: RwSignal::new(video),
            auto_poster: RwSignal::new(auto_poster),
            poster: RwSignal::new(poster),
            captions: RwSignal::new(captions),
            body: RwSignal::new(body),
            questions: RwSignal::new(questions),
            pass_percent: RwSignal::new(pass.to_string()),
            draw: RwSignal::new(match m.map(|m| &m.content) {
                Some(ModuleContent::Quiz { draw: Some(k), .. }) => k.to_string(),
                _ => String::new(),
            }),
        }
    }

    /// The pool's draw as typed: `Ok(None)` when empty, `Err` when it isn't a number.
    fn draw_value(&self) -> Result<Option<u8>, ()> {
        match self.draw.get().trim() {
            "" => Ok(None),
            k => k.parse().map(Some).map_err(|_| ()),
        }
    }

    fn seconds_value(&self) -> u32 {
        self.seconds.get().trim().parse().unwrap_or(0)
    }

    fn input(&self) -> ModuleInput {
        let id = |r: RwSignal<Option<MediaRef>>| r.get().map(|r| r.id);
        let content = match self.kind {
            ModuleKind::Video => ModuleContent::Video {
                video_media_id: id(self.video),
                poster_media_id: id(self.poster),
                captions_media_id: id(self.captions),
                renditions: Vec::new(),
            },
            // The server renders the HTML itself.
            ModuleKind::Tip => ModuleContent::Tip { body_markdown: self.body.get(), body_html: String::new() },
            ModuleKind::Quiz => ModuleContent::Quiz {
                questions: self.questions.get().iter().map(QuestionForm::read).collect(),
                // Unreadable: 0, which the server refuses with the field named.
                pass_percent: self.pass_percent.get().trim().parse().unwrap_or(0),
                // Unreadable: 0, which the server refuses with the field named.
                draw: self.draw_value().unwrap_or(Some(0)),
            },
            ModuleKind::Unknown => ModuleContent::Unknown,
        };
        ModuleInput {
            kind: Some(self.kind),
            title: self.title.get(),
            summary: self.summary.get(),
            tags: split_list(&self.tags.get()),
            estimated_seconds: self.seconds_value(),
            language: Some(self.language.get()),
            content: Some(content),
            audience: Audience {
                job_roles: split_list(&self.audience_roles.get()),
                team_ids: self.audience_teams.get(),
            },
            ..ModuleInput::default()
        }
    }

    /// The shared rules, applied as the author types: field name → message.
    fn errors(&self) -> HashMap<&'static str, String> {
        let mut errors = HashMap::new();
        let mut check = |result: Result<(), rules_error::E>| {
            if let Err((field, message)) = result {
                errors.entry(field).or_insert(message);
            }
        };
        check(rules::module_title(&self.title.get()).map(|_| ()).map_err(rules_error::from));
        check(rules::module_summary(&self.summary.get()).map(|_| ()).map_err(rules_error::from));
        check(rules::tags(&split_list(&self.tags.get())).map(|_| ()).map_err(rules_error::from));
        check(rules::language(Some(&self.language.get())).map(|_| ()).map_err(rules_error::from));
        let from_video = self.kind == ModuleKind::Video && self.video.get().is_some() && self.seconds_value() == 0;
        if !from_video {
            check(rules::estimated_seconds(self.seconds_value()).map(|_| ()).map_err(rules_error::from));
        }
        match self.kind {
            ModuleKind::Tip => check(rules::markdown(&self.body.get()).map(|_| ()).map_err(rules_error::from)),
            ModuleKind::Quiz => {
                let questions: Vec<Question> = self.questions.get().iter().map(QuestionForm::read).collect();
                match self.draw_value() {
                    Ok(draw) => {
                        check(rules::draw(draw).map(|_| ()).map_err(rules_error::from));
                        check(rules::questions(&questions, draw).map(|_| ()).map_err(rules_error::from));
                    }
                    Err(()) => check(Err(("draw", "Draw 1 to 5 questions per attempt, or leave it empty.".into()))),
                }
                match self.pass_percent.get().trim().parse::<u8>() {
                    Ok(p) => check(rules::pass_percent(p).map(|_| ()).map_err(rules_error::from)),
                    Err(_) => check(Err(("pass_percent", "Set a pass mark between 1 and 100 percent.".into()))),
                }
            }
            ModuleKind::Video | ModuleKind::Unknown => {}
        }
        errors
    }
}

mod rules_error {
    pub type E = (&'static str, String);
    pub fn from(e: crate::api::validate::FieldError) -> E {
        (e.field, e.message)
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

/// The form's fields in the order they appear.
const FIELD_ORDER: [&str; 10] = [
    "title",
    "summary",
    "body_markdown",
    "questions",
    "pass_percent",
    "draw",
    "tags",
    "estimated_seconds",
    "language",
    "video_media_id",
];

/// A field as the form labels it.
fn field_label(field: &str) -> &'static str {
    match field {
        "title" => "Title",
        "summary" => "Summary",
        "body_markdown" => "Card",
        "questions" => "Questions",
        "pass_percent" => "Pass mark",
        "draw" => "Questions per attempt",
        "tags" => "Tags",
        "estimated_seconds" => "Time",
        "language" => "Language",
        _ => "Video",
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

/// The video, its poster and its captions.
#[component]
fn VideoFields(form: Form) -> impl IntoView {
    let on_video = Callback::new(move |m: Media| {
        form.auto_poster.set(m.poster.clone());
        form.video.set(Some(m.into()));
    });
    view! {
        <fieldset class="card">
            <legend>"Video"</legend>
            {move || form.video.get().map(|v| view! {
                <p class="small" data-testid="video-chosen">{format!("Video: {} ", size_label(v.bytes as f64))}
                    <a href=v.url.clone() target="_blank">"open"</a></p>
            })}
            <RenditionStatus video=form.video/>
            <MediaPicker label="Choose or drop a video" accept="video/mp4,video/webm,video/quicktime"
                hint="MP4, WebM or QuickTime; up to 1 GiB. Keep it short: 90 seconds is plenty." on_uploaded=on_video test_id="video-upload"/>
            <p class="small">{move || match (form.poster.get(), form.auto_poster.get()) {
                (Some(_), _) => "Poster: your image.".to_string(),
                (None, Some(_)) => "Poster: a frame taken from the video (upload an image to use your own).".to_string(),
                (None, None) => "Poster: taken from the video once it is uploaded.".to_string(),
            }}</p>
            {move || form.poster.get().or(form.auto_poster.get()).map(|p| view! { <img class="poster-thumb" src=p.url alt="Poster"/> })}
            <MediaPicker label="Choose or drop a poster image" accept="image/png,image/jpeg,image/webp"
                hint="PNG, JPEG or WebP; up to 10 MiB." on_uploaded=Callback::new(move |m: Media| form.poster.set(Some(m.into())))/>
            <p class="small">{move || if form.captions.get().is_some() { "Captions: added." } else { "Captions: none yet (recommended: many watch without sound)." }}</p>
            <MediaPicker label="Choose or drop captions" accept=".vtt,text/vtt"
                hint="WebVTT (.vtt)." on_uploaded=Callback::new(move |m: Media| form.captions.set(Some(m.into())))/>
        </fieldset>
    }
}

/// How the chosen video is being made ready for phones: followed every second while it
/// is, with a percentage that only rises; then what each rendition weighs, or why it
/// failed, in words. A module can be published once it is ready.
#[component]
fn RenditionStatus(video: RwSignal<Option<MediaRef>>) -> impl IntoView {
    let status = RwSignal::new(None::<Media>);
    // The highest percentage shown for this video (a retry starts over; the page doesn't).
    let shown = RwSignal::new(0.0_f64);
    Effect::new(move |_| {
        let Some(chosen) = video.get() else {
            status.set(None);
            return;
        };
        shown.set(0.0);
        #[cfg(feature = "hydrate")]
        follow(chosen.id, video, status);
        #[cfg(not(feature = "hydrate"))]
        let _ = chosen;
    });
    move || {
        let media = status.get()?;
        let processing = media.processing.clone()?;
        let (class, text) = match processing.state {
            ProcessingState::Ready => ("small", ready_label(&media)),
            ProcessingState::Failed => (
                "alert error",
                format!(
                    "This video couldn't be prepared for phones: {} Upload it again, or another file.",
                    processing.error.unwrap_or_default()
                ),
            ),
            ProcessingState::Running => {
                let percent = (processing.progress.unwrap_or(0.0) * 100.0).floor().max(shown.get_untracked());
                shown.set(percent);
                ("small", format!("Preparing for phones… {percent:.0} %"))
            }
            ProcessingState::Queued | ProcessingState::Unknown => {
                ("small", "Preparing for phones… waiting to start".to_string())
            }
        };
        Some(view! { <p class=class role="status" data-testid="renditions-status">{text}</p> })
    }
}

/// "90 s → 2.6 MB for phones, 9.8 MB standard": what a phone saves (the data saver and
/// its poster) and the standard rendition.
fn ready_label(media: &Media) -> String {
    let weight = |q: Quality| {
        media.renditions.iter().find(|r| r.quality == q).map(|r| r.bytes + r.poster.as_ref().map_or(0, |p| p.bytes))
    };
    let seconds = media.duration_s.unwrap_or(0.0).round();
    match (weight(Quality::DataSaver), weight(Quality::Standard)) {
        (Some(small), Some(standard)) => format!(
            "Ready for phones: {seconds:.0} s → {} for phones, {} standard",
            size_label(small as f64),
            size_label(standard as f64)
        ),
        _ => "Ready for phones.".to_string(),
    }
}

/// Reads the video's state every second until it is ready or failed, or another video
/// is chosen, or the page is gone.
#[cfg(feature = "hydrate")]
fn follow(id: String, video: RwSignal<Option<MediaRef>>, status: RwSignal<Option<Media>>) {
    spawn_local(async move {
        loop {
            if video.try_get_untracked().flatten().map(|v| v.id).as_ref() != Some(&id) {
                return;
            }
            if let Ok(media) = client::media(id.clone()).await {
                let finished = media
                    .processing
                    .as_ref()
                    .is_none_or(|p| matches!(p.state, ProcessingState::Ready | ProcessingState::Failed));
                if status.try_set(Some(media)).is_some() || finished {
                    return;
                }
            }
            crate::device::saved::pause(1_000).await;
        }
    });
}

/// The card's Markdown, and images for it.
#[component]
fn TipFields(form: Form, field_error: impl Fn() -> Option<AnyView> + Send + Sync + 'static) -> impl IntoView {
    let on_image = Callback::new(move |m: Media| {
        let name = m.original_name.clone().unwrap_or_else(|| "image".into());
        let alt = name.rsplit_once('.').map(|(stem, _)| stem.to_string()).unwrap_or(name);
        form.body.update(|b| {
            if !b.is_empty() && !b.ends_with('\n') {
                b.push('\n');
            }
            b.push_str(&format!("\n![{alt}]({})\n", media_url(&m.id)));
        });
    });
    view! {
        <label>"Card (Markdown)"
            <textarea rows="12" class="markdown" name="body_markdown" bind:value=form.body data-testid="tip-body"
                placeholder="## A heading\n\n- A point\n- Another point\n\n**Bold** and *italic* work."></textarea>
            {field_error}
        </label>
        <MediaPicker label="Add an image" accept="image/png,image/jpeg,image/webp"
            hint="It is added at the end of the card; move the line where you want it." on_uploaded=on_image/>
    }
}

/// Questions, answers, explanations, and the pass mark.
#[component]
fn QuizFields(
    form: Form,
    field_error: impl Fn() -> Option<AnyView> + Send + Sync + 'static,
    pass_error: impl Fn() -> Option<AnyView> + Send + Sync + 'static,
    draw_error: impl Fn() -> Option<AnyView> + Send + Sync + 'static,
) -> impl IntoView {
    let questions = form.questions;
    let most = move || {
        if form.draw_value().ok().flatten().is_some() {
            rules::limits::POOL_QUESTIONS
        } else {
            rules::limits::QUESTIONS
        }
    };
    view! {
        <fieldset class="card quiz-editor">
            <legend>"Questions"</legend>
            <For each=move || questions.get().into_iter().enumerate() key=|(_, q)| q.key let:item>
                {
                    let (i, q) = item;
                    view! {
                        <div class="question-editor">
                            <label>{format!("Question {}", i + 1)}<input type="text" name="questions" bind:value=q.prompt/></label>
                            <label class="check"><input type="checkbox" bind:checked=q.multiple/>"Several answers can be right"</label>
                            <For each=move || q.options.get() key=|o| o.key let:option>
                                <div class="option-editor">
                                    // One right answer: radio buttons, so picking one unpicks the other.
                                    <label class="check" title="Right answer">
                                        <input type=move || if q.multiple.get() { "checkbox" } else { "radio" }
                                            name=format!("right-{}", q.key) data-testid="right-answer"
                                            prop:checked=move || option.correct.get()
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                if !q.multiple.get_untracked() && on {
                                                    q.options.with_untracked(|os| os.iter().for_each(|o| o.correct.set(o.key == option.key)));
                                                } else {
                                                    option.correct.set(on);
                                                }
                                            }/>
                                        "Right"
                                    </label>
                                    <input type="text" name="questions" placeholder="Answer" bind:value=option.text aria-label="Answer"/>
                                    <input type="text" name="questions" placeholder="Why (shown after answering)" bind:value=option.explanation aria-label="Explanation"/>
                                    <button type="button" class="secondary" aria-label="Remove answer"
                                        on:click=move |_| q.options.update(|os| os.retain(|o| o.key != option.key))>"✕"</button>
                                </div>
                            </For>
                            <div class="actions">
                                <button type="button" class="secondary" prop:disabled=move || { q.options.get().len() >= rules::limits::OPTIONS }
                                    on:click=move |_| q.options.update(|os| os.push(OptionForm::new(&QuizOption::default())))>"Add answer"</button>
                                <button type="button" class="secondary"
                                    on:click=move |_| questions.update(|qs| qs.retain(|x| x.key != q.key))>"Remove question"</button>
                            </div>
                        </div>
                    }
                }
            </For>
            <button type="button" class="secondary" prop:disabled=move || { questions.get().len() >= most() }
                on:click=move |_| questions.update(|qs| qs.push(QuestionForm::blank()))>"Add question"</button>
            {field_error}
            <label>"Pass mark (%)"<input type="number" name="pass_percent" min="1" max="100" bind:value=form.pass_percent/>{pass_error}</label>
            <label>"Questions per attempt (a pool: up to 30 questions, this many drawn each time; empty: every question)"
                <input type="number" name="draw" min="1" max=rules::limits::QUESTIONS inputmode="numeric" bind:value=form.draw/>{draw_error}</label>
        </fieldset>
    }
}
