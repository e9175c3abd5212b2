//! A module, as the learner takes it: the video, tip card or quiz, "Mark complete", and
//! "Save for offline". What the learner does goes to the outbox first, so it counts the
//! same online or not.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{CatalogModule, Effect, LearnerModule, Me, ModuleKind, Progress, QuizScore, RecordKind, RequestError, Role},
    client,
    components::{
        gate::signed_in,
        learner::{LoadError, SaveButton, live_progress},
        module_view::{ModuleView, QuizOutcome, Viewable},
    },
    device::{outbox, use_device},
};

#[component]
pub fn PlayerPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let data = Resource::new(id, |id| {
        client::sendable(async move {
            let Some(id) = id else {
                return Err(RequestError::new(crate::api::ErrorCode::NotFound, "There is no such module."));
            };
            futures_util::future::try_join(client::catalog_module(id), client::progress()).await
        })
    });
    view! {
        {signed_in(&Role::ALL, move |me: Me| view! {
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((module, progress)) => view! { <Player module progress user_id=me.user.id/> }.into_any(),
                        Err(error) => {
                            if error.code() == Some(crate::api::ErrorCode::NotFound) {
                                crate::components::set_status(404);
                            }
                            view! { <Title text="Module"/> <LoadError error/> }.into_any()
                        }
                    }
                })}
            </Suspense>
        })}
    }
}

#[component]
fn Player(module: LearnerModule, progress: Progress, user_id: i64) -> impl IntoView {
    let device = use_device();
    let (id, version, kind) = (module.id, module.version, module.kind);
    let progress = live_progress(device, progress);
    let done = move || progress.get().is_completed(id);
    let complete = move || {
        if !done() {
            outbox::record(
                device,
                user_id,
                RecordKind::Completion,
                id,
                version,
                serde_json::json!({}),
                Effect::Completed,
            );
        }
    };
    let on_video_end = Callback::new(move |_| complete());
    let on_quiz_done = Callback::new(move |o: QuizOutcome| {
        let payload = serde_json::json!({"answers": o.answers, "device_score": o.percent});
        let effect = Effect::QuizAttempted(QuizScore { percent: o.percent, passed: o.passed });
        outbox::record(device, user_id, RecordKind::QuizAttempt, id, version, payload, effect);
    });
    let viewable = Viewable {
        kind,
        title: module.title.clone(),
        summary: module.summary.clone(),
        estimated_seconds: module.estimated_seconds,
        language: module.language.clone(),
        content: module.content.clone(),
    };
    let entry = CatalogModule::from(&module);
    view! {
        <Title text=module.title.clone()/>
        <a class="back small" href="/library">"← Library"</a>
        <ModuleView module=viewable on_video_end on_quiz_done/>
        <div class="module-actions">
            {move || if done() {
                view! { <p class="alert ok" data-testid="completed">"Completed"</p> }.into_any()
            } else if kind == ModuleKind::Quiz {
                let best = progress.get().module(id).and_then(|p| p.best_score);
                view! { <p class="muted small">{best.map(|b| format!("Best score so far: {b} %.")).unwrap_or_else(|| "Answer every question to finish.".into())}</p> }.into_any()
            } else {
                view! {
                    <button type="button" data-testid="mark-complete" on:click=move |_| complete()>"Mark complete"</button>
                }.into_any()
            }}
            <SaveButton job=format!("module:{id}") modules=vec![entry] label="Save for offline"/>
        </div>
    }
}
