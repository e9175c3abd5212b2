//! Certifications in the Studio: turn a learning path into a certification (which steps
//! are required, which quizzes make the final assessment, the passing score, how long a
//! certificate stays valid), and change one later (a new version).

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;

use super::{STUDIO_ROLES, StudioTabs};
use crate::{
    api::{
        Certification, CertificationInput, DEFAULT_MAX_ATTEMPTS, DEFAULT_PASSING_SCORE, LearningPath, Me, ModuleKind,
        RequestError,
    },
    client,
    components::{ErrorMessage, gate::signed_in},
    reads,
};

#[component]
pub fn CertificationsPage() -> impl IntoView {
    let certifications = Resource::new(|| (), |_| client::sendable(reads::read(reads::Certifications)));
    let paths = Resource::new(|| (), |_| client::sendable(reads::read(reads::Paths)));
    view! {
        <Title text="Certifications"/>
        {signed_in(STUDIO_ROLES, move |_me: Me| view! {
            <h1>"Certifications"</h1>
            <StudioTabs current="/studio/certifications"/>
            <p class="muted">"A certification is a learning path with a final assessment. Learners earn it when every required step is done and every assessment quiz reaches the passing score; Primer's server decides, from what their phones sync. The assessment's answer key never goes to phones."</p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let paths = match paths.await {
                        Ok(p) => p,
                        Err(error) => return view! { <ErrorMessage error/> }.into_any(),
                    };
                    match certifications.await {
                        Ok(list) => view! {
                            <CertificationEditor existing=None paths=paths.clone() certifications/>
                            <ul class="people" data-testid="certification-list">
                                {list.into_iter().map(|c| view! {
                                    <li><CertificationEditor existing=Some(c) paths=paths.clone() certifications/></li>
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

/// What a step of the path is for the certification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepRole {
    Required,
    Assessment,
    Optional,
}

fn validity_text(months: Option<u32>) -> String {
    match months {
        None => "never expires".into(),
        Some(12) => "valid 1 year".into(),
        Some(m) if m % 12 == 0 => format!("valid {} years", m / 12),
        Some(m) => format!("valid {m} months"),
    }
}

#[component]
fn CertificationEditor(
    existing: Option<Certification>,
    paths: Vec<LearningPath>,
    certifications: Resource<Result<Vec<Certification>, RequestError>>,
) -> impl IntoView {
    let is_new = existing.is_none();
    let open = RwSignal::new(false);
    let id = existing.as_ref().map(|c| c.id);
    let path_id = RwSignal::new(existing.as_ref().map(|c| c.path_id));
    let title = RwSignal::new(existing.as_ref().map(|c| c.title.clone()).unwrap_or_default());
    let description = RwSignal::new(existing.as_ref().map(|c| c.description.clone()).unwrap_or_default());
    let passing =
        RwSignal::new(existing.as_ref().map(|c| c.passing_score).unwrap_or(DEFAULT_PASSING_SCORE).to_string());
    let validity =
        RwSignal::new(existing.as_ref().and_then(|c| c.validity_months).map(|m| m.to_string()).unwrap_or_default());
    let attempts = RwSignal::new(existing.as_ref().map(|c| c.max_attempts).unwrap_or(DEFAULT_MAX_ATTEMPTS).to_string());
    let cooldown = RwSignal::new(existing.as_ref().map(|c| c.cooldown_minutes).unwrap_or(0).to_string());
    // Per step of the chosen path, its role (a new path: quizzes are the assessment).
    let roles: RwSignal<Vec<(i64, StepRole)>> = RwSignal::new(match &existing {
        Some(c) => paths
            .iter()
            .find(|p| p.id == c.path_id)
            .map(|p| {
                p.steps
                    .iter()
                    .map(|s| {
                        let role = if c.assessment_module_ids.contains(&s.module_id) {
                            StepRole::Assessment
                        } else if c.required_module_ids.contains(&s.module_id) {
                            StepRole::Required
                        } else {
                            StepRole::Optional
                        };
                        (s.module_id, role)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    });
    let paths = StoredValue::new(paths);
    let choose_path = move |value: String| {
        let chosen = value.parse::<i64>().ok();
        path_id.set(chosen);
        let steps = paths.with_value(|ps| ps.iter().find(|p| Some(p.id) == chosen).map(|p| p.steps.clone()));
        roles.set(
            steps
                .unwrap_or_default()
                .iter()
                .map(|s| {
                    (s.module_id, if s.kind == ModuleKind::Quiz { StepRole::Assessment } else { StepRole::Required })
                })
                .collect(),
        );
    };
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = roles.get_untracked();
        let pick = |role: StepRole| chosen.iter().filter(|(_, r)| *r == role).map(|(id, _)| *id).collect::<Vec<_>>();
        let input = CertificationInput {
            path_id: path_id.get_untracked(),
            title: title.get_untracked(),
            description: description.get_untracked(),
            required_module_ids: Some(pick(StepRole::Required)),
            assessment_module_ids: pick(StepRole::Assessment),
            passing_score: passing.get_untracked().trim().parse().ok(),
            validity_months: validity.get_untracked().trim().parse().ok(),
            // Unreadable: 0, which the server refuses with the field named.
            max_attempts: Some(attempts.get_untracked().trim().parse().unwrap_or(0)),
            cooldown_minutes: Some(cooldown.get_untracked().trim().parse().unwrap_or(u32::MAX)),
        };
        if !validity.get_untracked().trim().is_empty() && input.validity_months.is_none() {
            error.set(Some("Write the validity as a number of months, or leave it empty.".into()));
            return;
        }
        pending.set(true);
        spawn_local(async move {
            let result = match id {
                Some(id) => client::update_certification(id, input).await,
                None => client::create_certification(input).await,
            };
            pending.set(false);
            match result {
                Ok(_) => {
                    error.set(None);
                    open.set(false);
                    certifications.refetch();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let summary = existing.as_ref().map(|c| {
        format!(
            "v{} · {} required · {} assessment quiz{} at {} % · {} · {} certified",
            c.version,
            c.required_module_ids.len(),
            c.assessment_module_ids.len(),
            if c.assessment_module_ids.len() == 1 { "" } else { "zes" },
            c.passing_score,
            validity_text(c.validity_months),
            c.holders
        )
    });
    let name = existing.as_ref().map(|c| c.title.clone());
    view! {
        {name.map(|n| view! {
            <div class="line"><span class="name">{n}</span></div>
            <p class="muted small">{summary}</p>
        })}
        <div class="actions">
            <button type="button" class=if is_new { "" } else { "secondary" } on:click=move |_| open.update(|o| *o = !*o)>
                {move || match (is_new, open.get()) { (true, false) => "New certification", (_, true) => "Close", (false, false) => "Edit" }}
            </button>
        </div>
        <Show when=move || open.get()>
            <form class="card stack" on:submit=save data-testid="certification-form">
                {move || error.get().map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
                <label>"Learning path"
                    <select required on:change=move |ev| choose_path(event_target_value(&ev))
                        prop:value=move || path_id.get().map(|p| p.to_string()).unwrap_or_default()>
                        <option value="">"Choose a path…"</option>
                        {paths.with_value(|ps| ps.iter().filter(|p| !p.archived).map(|p| view! {
                            <option value=p.id.to_string()>{p.title.clone()}</option>
                        }).collect_view())}
                    </select>
                </label>
                <label>"Title (the path's, if empty)"<input type="text" bind:value=title/></label>
                <label>"Description"<textarea rows="2" bind:value=description></textarea></label>
                <fieldset>
                    <legend>"Steps"</legend>
                    {move || {
                        let chosen = path_id.get();
                        let steps = paths.with_value(|ps| ps.iter().find(|p| Some(p.id) == chosen).map(|p| p.steps.clone())).unwrap_or_default();
                        if steps.is_empty() {
                            return view! { <p class="muted small">"Choose a path to see its steps."</p> }.into_any();
                        }
                        steps.into_iter().map(|s| {
                            let module_id = s.module_id;
                            let current = move || roles.with(|r| r.iter().find(|(id, _)| *id == module_id).map(|(_, role)| *role));
                            let set = move |role: StepRole| roles.update(|r| {
                                if let Some(entry) = r.iter_mut().find(|(id, _)| *id == module_id) { entry.1 = role; }
                            });
                            let group = format!("step-{module_id}");
                            let quiz = s.kind == ModuleKind::Quiz;
                            view! {
                                <div class="step-role">
                                    <span class="step-title">{s.title.clone()}<span class="muted small">{format!(" · {}", s.kind.label())}</span></span>
                                    <span class="checks">
                                        <label><input type="radio" name=group.clone() prop:checked=move || current() == Some(StepRole::Required)
                                            on:change=move |_| set(StepRole::Required)/>"Required"</label>
                                        {quiz.then(|| view! {
                                            <label><input type="radio" name=group.clone() prop:checked=move || current() == Some(StepRole::Assessment)
                                                on:change=move |_| set(StepRole::Assessment)/>"Final assessment"</label>
                                        })}
                                        <label><input type="radio" name=group.clone() prop:checked=move || current() == Some(StepRole::Optional)
                                            on:change=move |_| set(StepRole::Optional)/>"Optional"</label>
                                    </span>
                                </div>
                            }
                        }).collect_view().into_any()
                    }}
                </fieldset>
                <div class="copy">
                    <label>"Passing score (%)"<input type="number" min="1" max="100" required bind:value=passing/></label>
                    <label>"Valid for (months; empty: never expires)"<input type="number" min="1" max="120" bind:value=validity/></label>
                    <label>"Attempts at the assessment, per certificate"<input type="number" min="1" max="20" required bind:value=attempts/></label>
                    <label>"Minutes to wait between attempts"<input type="number" min="0" max="10080" required bind:value=cooldown/></label>
                </div>
                <div><button type="submit" prop:disabled=move || pending.get()>"Save certification"</button></div>
            </form>
        </Show>
    }
}
