//! A module as a learner sees it: the video with its poster and captions, the tip card,
//! or the quiz: a practice quiz with immediate feedback, or a certification's assessment
//! (no answer key on the phone: the answers are submitted and scored when they sync).
//! The Studio's preview shows exactly this.

use leptos::prelude::*;

use crate::{
    api::{ModuleContent, ModuleKind, Question, Rendition, media_url, rendition_to_play},
    device::{Device, saves_data},
};

/// What a module view needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Viewable {
    pub id: i64,
    pub kind: ModuleKind,
    pub title: String,
    pub summary: String,
    pub estimated_seconds: u32,
    pub language: String,
    pub content: ModuleContent,
    /// A certification's assessment: no feedback, one "Submit answers".
    pub assessment: bool,
}

/// "90 s", "2 min", "1 min 30 s".
pub fn duration_label(seconds: u32) -> String {
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// A finished quiz: per question asked the options picked (in the version's own order),
/// and for a practice quiz its score (an assessment is scored by the server).
#[derive(Debug, Clone, PartialEq)]
pub struct QuizOutcome {
    pub answers: Vec<Vec<u32>>,
    pub score: Option<crate::api::QuizScore>,
    /// The assessment attempt answered.
    pub attempt_id: Option<String>,
    /// The version's questions asked, when a practice quiz drew them from a pool.
    pub asked: Option<Vec<u32>>,
}

#[component]
pub fn ModuleView(
    module: Viewable,
    /// Called when the video plays to its end.
    #[prop(optional)]
    on_video_end: Option<Callback<()>>,
    /// Called when every question of the quiz has been checked.
    #[prop(optional)]
    on_quiz_done: Option<Callback<QuizOutcome>>,
) -> impl IntoView {
    let Viewable { id, kind, title, summary, estimated_seconds, language, content, assessment } = module;
    let body = match content {
        ModuleContent::Video { video_media_id, poster_media_id, captions_media_id, renditions } => match video_media_id
        {
            Some(video) => view! {
                <video class="player" controls playsinline preload="metadata" data-testid="module-video"
                    src=video_source(id, video, renditions) poster=poster_media_id.as_deref().map(media_url)
                    on:ended=move |_| if let Some(cb) = on_video_end { cb.run(()) }>
                    {captions_media_id.map(|c| view! {
                        <track kind="captions" src=media_url(&c) srclang=language.clone() label="Captions" default/>
                    })}
                </video>
            }
            .into_any(),
            None => view! { <div class="player empty">"No video yet"</div> }.into_any(),
        },
        ModuleContent::Tip { body_html, .. } => {
            view! { <article class="tip-card" data-testid="tip-card" inner_html=body_html></article> }.into_any()
        }
        ModuleContent::Quiz { questions, .. } if assessment => {
            view! { <AssessmentView module_id=id questions on_done=on_quiz_done/> }.into_any()
        }
        ModuleContent::Quiz { questions, pass_percent, draw } => {
            view! { <QuizView questions pass_percent draw on_done=on_quiz_done/> }.into_any()
        }
        ModuleContent::Practice { prompt, max_seconds, rubric, pass_percent, .. } => view! {
            <section class="practice" data-testid="practice">
                <p class="practice-prompt">{prompt}</p>
                <p class="muted small">{format!("Up to {}. Reviewers score it 1–{} on:", duration_label(max_seconds), rubric.scale_max)}</p>
                <ul>{rubric.criteria.into_iter().map(|c| view! { <li><b>{c.name}</b>" "{c.description}</li> }).collect_view()}</ul>
                <p class="muted small">{format!("A take passes at {pass_percent} %.")}</p>
            </section>
        }
        .into_any(),
        ModuleContent::Unknown => view! { <NeedsUpdate/> }.into_any(),
    };
    view! {
        <div class="module-view">
            <div class="module-meta">
                <span class="badge">{kind.label()}</span>
                <span class="muted small">{duration_label(estimated_seconds)}</span>
            </div>
            <h1 class="module-title">{title}</h1>
            {(!summary.is_empty()).then(|| view! { <p class="muted">{summary}</p> })}
            {body}
        </div>
    }
}

/// What the player plays: the rendition saved on this phone, or the one that suits its
/// connection (`rendition_to_play`); the file the content names when there are none.
fn video_source(
    module_id: i64,
    video: String,
    renditions: Vec<Rendition>,
) -> impl Fn() -> String + Send + Sync + 'static {
    let device = use_context::<Device>();
    let small = saves_data();
    move || {
        let saved = device.and_then(|d| d.saved_module(module_id)).map(|s| s.urls).unwrap_or_default();
        match rendition_to_play(&renditions, &saved, small.get()) {
            Some(r) => r.url.clone(),
            None => media_url(&video),
        }
    }
}

/// A module of a kind this version of the app can't show (the server is newer than the
/// app on this phone): say so, and offer the reload that brings the new version.
#[component]
pub fn NeedsUpdate() -> impl IntoView {
    view! {
        <div class="alert" role="status" data-testid="needs-update">
            <p>"This module needs a newer version of Primer."</p>
            <a class="button secondary" href="" rel="external">"Reload Primer"</a>
        </div>
    }
}

/// `count` distinct question indexes out of `of`, in ascending order, drawn at random on
/// the phone (nothing is drawn during the server's render).
#[cfg_attr(not(feature = "hydrate"), allow(unused_mut))]
fn draw_at_random(of: usize, count: usize) -> Vec<u32> {
    let mut pool: Vec<u32> = (0..of as u32).collect();
    #[cfg(feature = "hydrate")]
    for i in (1..pool.len()).rev() {
        let j = (js_sys::Math::random() * (i + 1) as f64) as usize;
        pool.swap(i, j.min(i));
    }
    pool.truncate(count);
    pool.sort_unstable();
    pool
}

/// A practice quiz: every question, or, from a pool, a few drawn on the phone each time
/// it opens (after the page has loaded, so the server's render and the phone's agree).
#[component]
fn QuizView(
    questions: Vec<Question>,
    pass_percent: u8,
    draw: Option<u8>,
    on_done: Option<Callback<QuizOutcome>>,
) -> impl IntoView {
    let Some(k) = draw else { return view! { <QuizBody questions pass_percent asked=None on_done/> }.into_any() };
    let drawn = RwSignal::new(None::<Vec<u32>>);
    let count = questions.len();
    Effect::new(move |_| drawn.set(Some(draw_at_random(count, usize::from(k)))));
    let questions = StoredValue::new(questions);
    (move || match drawn.get() {
        None => view! { <p class="muted">"Drawing questions…"</p> }.into_any(),
        Some(asked) => {
            let picked = questions.with_value(|qs| asked.iter().filter_map(|&i| qs.get(i as usize).cloned()).collect());
            view! { <QuizBody questions=picked pass_percent asked=Some(asked) on_done/> }.into_any()
        }
    })
    .into_any()
}

/// A practice quiz's questions: pick, check, and see right away why each answer is right
/// or wrong.
#[component]
fn QuizBody(
    questions: Vec<Question>,
    pass_percent: u8,
    /// The version's question indexes these are (a pool's draw).
    asked: Option<Vec<u32>>,
    on_done: Option<Callback<QuizOutcome>>,
) -> impl IntoView {
    let asked = StoredValue::new(asked);
    let total = questions.len();
    let results: RwSignal<Vec<Option<bool>>> = RwSignal::new(vec![None; total]);
    let answers: RwSignal<Vec<Vec<u32>>> = RwSignal::new(vec![Vec::new(); total]);
    let report = move || {
        let r = results.get_untracked();
        if total == 0 || r.iter().any(|x| x.is_none()) {
            return;
        }
        let right = r.iter().filter(|x| **x == Some(true)).count();
        let percent = (right * 100 / total) as u8;
        if let Some(cb) = on_done {
            let score = crate::api::QuizScore { percent, passed: percent >= pass_percent };
            cb.run(QuizOutcome {
                answers: answers.get_untracked(),
                score: Some(score),
                attempt_id: None,
                asked: asked.get_value(),
            });
        }
    };
    let score = move || {
        let r = results.get();
        let answered = r.iter().filter(|x| x.is_some()).count();
        let right = r.iter().filter(|x| **x == Some(true)).count();
        (answered, right)
    };
    view! {
        <div class="quiz" data-testid="quiz">
            {questions.into_iter().enumerate().map(|(i, q)| view! {
                <QuestionView index=i name=format!("q{i}") question=q on_checked=Callback::new(move |(ok, picked)| {
                    answers.update(|a| a[i] = picked);
                    results.update(|r| r[i] = Some(ok));
                    report();
                })/>
            }).collect_view()}
            {move || {
                let (answered, right) = score();
                (answered == total && total > 0).then(|| {
                    let percent = (right * 100 / total) as u8;
                    let passed = percent >= pass_percent;
                    view! {
                        <p class=if passed { "alert ok" } else { "alert error" } role="status" data-testid="quiz-result">
                            {format!("{right} of {total} right ({percent} %). ")}
                            {if passed { "Passed.".to_string() } else { format!("The pass mark is {pass_percent} %. Try again.") }}
                        </p>
                    }
                })
            }}
        </div>
    }
}

/// A certification's assessment, answered under an attempt the server issued (saved
/// with the module for offline use): its questions in the attempt's order, answered once
/// and submitted; there is nothing to check them against on the phone. The attempt is
/// fetched after the page has loaded (the server's render shows that it is coming).
#[component]
fn AssessmentView(module_id: i64, questions: Vec<Question>, on_done: Option<Callback<QuizOutcome>>) -> impl IntoView {
    let attempt = RwSignal::new(None::<Result<crate::api::AssessmentAttempt, crate::api::RequestError>>);
    let load = move || {
        leptos::task::spawn_local(async move {
            attempt.set(Some(crate::client::assessment_attempt(module_id).await));
        })
    };
    Effect::new(move |_| load());
    let questions = StoredValue::new(questions);
    move || {
        match attempt.get() {
        None => view! { <p class="muted" data-testid="assessment-loading">"Preparing your attempt…"</p> }.into_any(),
        Some(Ok(a)) if crate::device::attempt_used(&a.id) => view! {
            <div class="alert" role="status" data-testid="attempt-answered">
                <p>"You've answered this attempt. A new one can start once your answers have synced."</p>
                <button type="button" class="secondary" on:click=move |_| { attempt.set(None); load(); }>"Start a new attempt"</button>
            </div>
        }
        .into_any(),
        Some(Ok(a)) => {
            let shown: Vec<(u32, Question)> = questions
                .with_value(|qs| a.questions.iter().filter_map(|&i| qs.get(i as usize).map(|q| (i, q.clone()))).collect());
            view! { <AssessmentBody attempt=a shown on_done/> }.into_any()
        }
        Some(Err(e)) => {
            let text = match e.code() {
                Some(crate::api::ErrorCode::AttemptsUsed | crate::api::ErrorCode::CoolingDown) => e.to_string(),
                _ => "Starting an attempt needs a connection. Save this module for offline while you have one, and take it anywhere.".to_string(),
            };
            view! { <p class="alert" role="status" data-testid="attempt-unavailable">{text}</p> }.into_any()
        }
    }
    }
}

/// One attempt's questions (the version's index, the question), answered and submitted
/// once; the answers go in the version's own order.
#[component]
fn AssessmentBody(
    attempt: crate::api::AssessmentAttempt,
    shown: Vec<(u32, Question)>,
    on_done: Option<Callback<QuizOutcome>>,
) -> impl IntoView {
    let total = shown.len();
    let order = StoredValue::new(shown.iter().map(|(i, _)| *i).collect::<Vec<u32>>());
    let answers: RwSignal<Vec<Vec<u32>>> = RwSignal::new(vec![Vec::new(); total]);
    let submitted = RwSignal::new(false);
    let complete = move || answers.with(|a| a.iter().all(|picked| !picked.is_empty()));
    let attempt_id = StoredValue::new(attempt.id.clone());
    let submit = move |_| {
        if !complete() || submitted.get_untracked() {
            return;
        }
        submitted.set(true);
        // Shown in the attempt's order; sent in the version's.
        let mut by_question: Vec<(u32, Vec<u32>)> =
            order.with_value(|o| o.iter().copied().zip(answers.get_untracked()).collect());
        by_question.sort_by_key(|(i, _)| *i);
        let attempt_id = attempt_id.get_value();
        crate::device::mark_attempt_used(&attempt_id);
        if let Some(cb) = on_done {
            cb.run(QuizOutcome {
                answers: by_question.into_iter().map(|(_, picked)| picked).collect(),
                score: None,
                attempt_id: Some(attempt_id),
                asked: None,
            });
        }
    };
    let left = attempt.attempts_allowed.saturating_sub(attempt.attempts_used);
    view! {
        <div class="quiz assessment" data-testid="assessment" data-attempt-id=attempt.id.clone()>
            <p class="muted small">"Final assessment: answer every question, then submit. Your result comes from Primer's server once your answers sync."</p>
            <p class="muted small" data-testid="attempts-left">{format!("Attempt {} of {}: only the answers you submit first count.", attempt.attempts_used + 1, attempt.attempts_allowed)}</p>
            {shown.into_iter().enumerate().map(|(i, (_, q))| {
                    let multiple = q.multiple;
                    let name = format!("a{i}");
                    view! {
                        <fieldset class="question" prop:disabled=move || submitted.get()>
                            <legend>{format!("{}. {}", i + 1, q.prompt)}</legend>
                            {multiple.then(|| view! { <p class="muted small">"Choose all that apply."</p> })}
                            {q.options.iter().enumerate().map(|(j, o)| {
                                let j = j as u32;
                                view! {
                                    <label class="option">
                                        <input type=if multiple { "checkbox" } else { "radio" } name=name.clone()
                                            prop:checked=move || answers.with(|a| a[i].contains(&j))
                                            on:change=move |_| answers.update(|a| {
                                                let picked = &mut a[i];
                                                if multiple {
                                                    if let Some(p) = picked.iter().position(|x| *x == j) { picked.remove(p); } else { picked.push(j); picked.sort_unstable(); }
                                                } else {
                                                    *picked = vec![j];
                                                }
                                            })/>
                                        <span>{o.text.clone()}</span>
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                    }
                }).collect_view()}
            {move || if submitted.get() {
                let after = if left > 1 { format!("{} more attempts are left if you need them.", left - 1) } else { "That was your last attempt.".to_string() };
                view! { <p class="muted small" data-testid="assessment-after">{after}</p> }.into_any()
            } else {
                view! {
                    <button type="button" data-testid="submit-assessment" on:click=submit prop:disabled=move || !complete()>
                        "Submit answers"
                    </button>
                }.into_any()
            }}
        </div>
    }
}

#[component]
pub(crate) fn QuestionView(
    index: usize,
    /// Its options' group name, unique on the page (two questions sharing one would be
    /// one radio group: a pick in one would clear the other).
    name: String,
    question: Question,
    /// Whether it was answered right, and the options picked. A `Callback`, so the quiz
    /// and a booster share one compiled copy (the phone pays for every byte).
    on_checked: Callback<(bool, Vec<u32>)>,
) -> impl IntoView {
    let chosen: RwSignal<Vec<usize>> = RwSignal::new(Vec::new());
    let checked = RwSignal::new(false);
    let multiple = question.multiple;
    let correct = StoredValue::new(
        question.options.iter().enumerate().filter(|(_, o)| o.correct).map(|(i, _)| i).collect::<Vec<usize>>(),
    );
    // Copy, so the button can be rendered again.
    let check = move |_| {
        let mut picked = chosen.get_untracked();
        picked.sort_unstable();
        checked.set(true);
        let ok = correct.with_value(|c| picked == *c);
        on_checked.run((ok, picked.iter().map(|&i| i as u32).collect()));
    };
    let options = question.options.clone();
    view! {
        <fieldset class="question">
            <legend>{format!("{}. {}", index + 1, question.prompt)}</legend>
            {multiple.then(|| view! { <p class="muted small">"Choose all that apply."</p> })}
            {options.into_iter().enumerate().map(|(i, o)| {
                let name = name.clone();
                let state = move || {
                    if !checked.get() { "" } else if o.correct { "right" } else if chosen.get().contains(&i) { "wrong" } else { "" }
                };
                let explanation = o.explanation.clone();
                view! {
                    <label class=move || format!("option {}", state())>
                        <input type=if multiple { "checkbox" } else { "radio" } name=name
                            prop:disabled=move || checked.get()
                            on:change=move |_| chosen.update(|c| {
                                if multiple {
                                    if let Some(p) = c.iter().position(|x| *x == i) { c.remove(p); } else { c.push(i); }
                                } else {
                                    *c = vec![i];
                                }
                            })/>
                        <span>{o.text.clone()}</span>
                        <Show when=move || checked.get() && !explanation.is_empty() && (o.correct || chosen.get().contains(&i))>
                            <span class="explanation">{o.explanation.clone()}</span>
                        </Show>
                    </label>
                }
            }).collect_view()}
            <Show when=move || !checked.get()>
                <button type="button" class="secondary" on:click=check prop:disabled=move || chosen.get().is_empty()>"Check"</button>
            </Show>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_naturally() {
        assert_eq!(super::duration_label(45), "45 s");
        assert_eq!(super::duration_label(120), "2 min");
        assert_eq!(super::duration_label(90), "1 min 30 s");
    }
}
