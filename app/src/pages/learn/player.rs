//! A module, as the learner takes it: the video, tip card or quiz, "Mark complete", and
//! "Save for offline". What the learner does goes to the outbox first, so it counts the
//! same online or not.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    api::{
        COMMENT_CHARS, CatalogModule, Effect, LearnerModule, Me, ModuleKind, Payload, Progress, QuizAttemptPayload,
        QuizScore, RecordKind, RequestError, Role,
    },
    client,
    components::{
        gate::signed_in,
        learner::{LoadError, SaveButton, live_progress},
        module_view::{ModuleView, QuizOutcome, Viewable},
    },
    device::{outbox, use_device},
    reads,
};

#[component]
pub fn PlayerPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    // Not read again when a slow spell ends: that would rebuild the player mid-video.
    let data = Resource::new(id, |id| {
        client::sendable(async move {
            let Some(id) = id else {
                return Err(RequestError::new(crate::api::ErrorCode::NotFound, "There is no such module."));
            };
            futures_util::future::try_join(reads::read(reads::CatalogModule { id }), reads::read(reads::Progress)).await
        })
    });
    view! {
        {signed_in(&Role::EVERYONE, move |me: Me| view! {
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
        let payload = QuizAttemptPayload {
            answers: o.answers,
            device_score: o.score.map(|s| s.percent),
            attempt_id: o.attempt_id,
            questions: o.asked,
        };
        let effect = match o.score {
            Some(score) => Effect::QuizAttempted(QuizScore { percent: score.percent, passed: score.passed }),
            // An assessment: only the server can score it.
            None => Effect::QuizSubmitted,
        };
        let payload = serde_json::to_value(payload).unwrap_or_default();
        outbox::record(device, user_id, RecordKind::QuizAttempt, id, version, payload, effect);
    });
    let assessment = module.assessment;
    // Assessment answers still on this phone.
    let waiting = move || {
        device.outbox.with(|o| o.iter().any(|e| e.record.module_id == id && e.record.kind == RecordKind::QuizAttempt))
    };
    let practice_max = match &module.content {
        crate::api::ModuleContent::Practice { max_seconds, .. } => Some(*max_seconds),
        _ => None,
    };
    let viewable = Viewable {
        id,
        kind,
        title: module.title.clone(),
        summary: module.summary.clone(),
        estimated_seconds: module.estimated_seconds,
        language: module.language.clone(),
        content: module.content.clone(),
        assessment,
    };
    let entry = CatalogModule::from(&module);
    // The way back: the list it was opened from (Library until the phone knows).
    let back =
        move || device.trail.get().map(|t| (t.label, t.href)).unwrap_or_else(|| ("Library".into(), "/library".into()));
    view! {
        <Title text=module.title.clone()/>
        <a class="back" href=move || back().1 data-testid="back-link">{move || format!("← {}", back().0)}</a>
        <ModuleView module=viewable on_video_end on_quiz_done/>
        // Recording, the takes waiting to upload and their reviews are practice.js's (not
        // the shell's: only practice pages load it), outside what progress redraws, so a
        // take being recorded survives a sync. Parsed in place: `defer` alone would cost
        // the shell 475 B brotli.
        {practice_max.map(|max| view! {
            <div data-practice=format!("{user_id} {id} {version} {max}")></div>
            <script src="/practice.js"></script>
        })}
        <div class="module-actions">
            {move || if done() {
                let best = progress.get().module(id).and_then(|p| p.best_score);
                let text = match best {
                    Some(b) if assessment => format!("Passed · best score {b} %"),
                    _ => "Completed".to_string(),
                };
                view! { <p class="alert ok" data-testid="completed">{text}</p> }.into_any()
            } else if assessment && waiting() {
                let text = if device.online.get() {
                    "Submitted: sending your answers to be scored…"
                } else {
                    "Submitted — your result comes when you are back online."
                };
                view! { <p class="alert" role="status" data-testid="assessment-submitted">{text}</p> }.into_any()
            } else if assessment {
                let best = progress.get().module(id).and_then(|p| p.best_score);
                view! { <p class="muted small" data-testid="assessment-result">{best.map(|b| format!("Your best score so far: {b} %. Not passed yet.")).unwrap_or_else(|| "Answer every question, then submit.".into())}</p> }.into_any()
            } else if kind == ModuleKind::Quiz {
                let best = progress.get().module(id).and_then(|p| p.best_score);
                view! { <p class="muted small">{best.map(|b| format!("Best score so far: {b} %.")).unwrap_or_else(|| "Answer every question to finish.".into())}</p> }.into_any()
            } else if kind == ModuleKind::Unknown {
                // Nothing to record about a module this version can't show.
                ().into_any()
            } else if kind == ModuleKind::Practice {
                // Completed when a reviewer passes a take, never by saying so.
                view! { <p class="muted small">"Complete once a reviewer passes your take."</p> }.into_any()
            } else {
                view! {
                    <button type="button" data-testid="mark-complete" on:click=move |_| complete()>"Mark complete"</button>
                }.into_any()
            }}
            <SaveButton job=format!("module:{id}") modules=vec![entry] label="Save for offline"/>
        </div>
        <PlaylistNext module_id=id progress/>
        <Rating module_id=id version user_id progress/>
    }
}

/// Opened from a playlist: where this module is in it and "Next", or, after the last
/// one, how the prep went.
#[component]
fn PlaylistNext(module_id: i64, progress: Signal<Progress>) -> impl IntoView {
    let device = use_device();
    move || {
        let from_playlist = device.trail.get().is_some_and(|t| t.playlist);
        let playlist = device.playlist.get().filter(|_| from_playlist)?;
        let at = playlist.position(module_id)?;
        let total = playlist.items.len();
        let heading = playlist.heading();
        Some(match playlist.after(module_id) {
            Some(next) => view! {
                <section class="card playlist-next" data-testid="playlist-next">
                    <p class="small muted">{format!("{heading} · {} of {total}", at + 1)}</p>
                    <a class="button" href=format!("/modules/{}", next.module_id) data-testid="next-link">
                        {format!("Next: {}", next.title)}
                    </a>
                </section>
            }
            .into_any(),
            None => {
                let p = progress.get();
                let done = playlist.items.iter().filter(|i| p.is_completed(i.module_id)).count();
                let left: Vec<String> =
                    playlist.items.iter().filter(|i| !p.is_completed(i.module_id)).map(|i| i.title.clone()).collect();
                let wish = match &playlist.meeting_at {
                    Some(at) => format!("Good luck at {at}!"),
                    None => "Good luck in the meeting!".to_string(),
                };
                view! {
                    <section class="card playlist-next" data-testid="playlist-summary">
                        <h2>"End of your prep"</h2>
                        <p data-testid="playlist-summary-done">{format!("{done} of {total} done. {wish}")}</p>
                        {(!left.is_empty()).then(|| view! { <p class="small muted">{format!("Not done yet: {}.", left.join(", "))}</p> })}
                        <a class="button secondary" href="/">"Back to Home"</a>
                    </section>
                }
                .into_any()
            }
        })
    }
}

/// "How useful was this?": a rating from 1 to 5 and a comment, kept in the outbox like
/// any record. Changing it makes a new record; the latest counts.
#[component]
fn Rating(module_id: i64, version: i32, user_id: i64, progress: Signal<Progress>) -> impl IntoView {
    let device = use_device();
    let current = move || progress.get().module(module_id).and_then(|p| p.rating);
    let editing = RwSignal::new(false);
    let picked = RwSignal::new(None::<u8>);
    let comment = RwSignal::new(String::new());
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(rating) = picked.get_untracked() else { return };
        let text = comment.get_untracked().trim().to_string();
        let payload = serde_json::json!({"rating": rating, "comment": text});
        if Payload::parse(RecordKind::Feedback, &payload).is_err() {
            return;
        }
        outbox::record(device, user_id, RecordKind::Feedback, module_id, version, payload, Effect::Rated(rating));
        editing.set(false);
        comment.set(String::new());
    };
    view! {
        <section class="card rating" data-testid="rating">
            {move || match current() {
                Some(r) if !editing.get() => view! {
                    <p class="line">
                        <span data-testid="your-rating">{format!("Your rating: {r} of 5. Thanks!")}</span>
                        <button type="button" class="link" on:click=move |_| {
                            picked.set(Some(r));
                            editing.set(true);
                        }>"Change"</button>
                    </p>
                }.into_any(),
                _ => view! {
                    <form class="stack" on:submit=send>
                        <fieldset class="chips">
                            <legend>"How useful was this? (1 = not at all, 5 = very)"</legend>
                            {(1..=5u8).map(|n| view! {
                                <label class="chip">
                                    <input type="radio" name="rating" value=n.to_string()
                                        prop:checked=move || picked.get() == Some(n)
                                        on:change=move |_| picked.set(Some(n))/>
                                    <span>{n.to_string()}</span>
                                </label>
                            }).collect_view()}
                        </fieldset>
                        <label>"Comment (optional)"
                            <textarea rows="2" maxlength=COMMENT_CHARS bind:value=comment
                                placeholder="What would make it more useful before a meeting?"></textarea>
                        </label>
                        <div class="line">
                            <button type="submit" class="secondary" data-testid="send-rating"
                                disabled=move || picked.get().is_none()>"Send rating"</button>
                            {move || (editing.get() && current().is_some()).then(|| view! {
                                <button type="button" class="link" on:click=move |_| editing.set(false)>"Keep my rating"</button>
                            })}
                        </div>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}
