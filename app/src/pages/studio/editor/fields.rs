//! The fields of each kind of module: a video (with its renditions' progress), a tip
//! card's Markdown and images, a quiz's questions.

use leptos::prelude::*;
#[cfg(feature = "hydrate")]
use leptos::task::spawn_local;

#[cfg(feature = "hydrate")]
use crate::client;
use crate::{
    api::{Media, MediaRef, ProcessingState, Quality, QuizOption, media_url, module_rules as rules},
    components::upload::{MediaPicker, size_label},
};

use super::form::*;

/// The video, its poster and its captions.
#[component]
pub(super) fn VideoFields(form: Form) -> impl IntoView {
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
pub(super) fn RenditionStatus(video: RwSignal<Option<MediaRef>>) -> impl IntoView {
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
pub(super) fn ready_label(media: &Media) -> String {
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
pub(super) fn follow(id: String, video: RwSignal<Option<MediaRef>>, status: RwSignal<Option<Media>>) {
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
pub(super) fn TipFields(
    form: Form,
    field_error: impl Fn() -> Option<AnyView> + Send + Sync + 'static,
) -> impl IntoView {
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
pub(super) fn QuizFields(
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

/// A practice module: the prompt, the longest take, the rubric (criteria with weights, a
/// scale of 4 or 5), the pass mark and who reviews.
#[component]
pub(super) fn PracticeFields(
    form: Form,
    prompt_error: impl Fn() -> Option<AnyView> + Send + Sync + 'static,
    seconds_error: impl Fn() -> Option<AnyView> + Send + Sync + 'static,
    rubric_error: impl Fn() -> Option<AnyView> + Send + Sync + 'static,
    pass_error: impl Fn() -> Option<AnyView> + Send + Sync + 'static,
    peers_error: impl Fn() -> Option<AnyView> + Send + Sync + 'static,
) -> impl IntoView {
    use crate::api::Reviewers;
    let p = form.practice;
    let criteria = p.criteria;
    let choose = move |r: Reviewers| {
        view! {
            <label class="check"><input type="radio" name="reviewers" value=r.as_str()
                prop:checked=move || p.reviewers.get() == r on:change=move |_| p.reviewers.set(r)/>
                {match r { Reviewers::Manager => "Their manager", Reviewers::Peers => "Teammates", _ => "Both (the manager's review decides)" }}</label>
        }
    };
    view! {
        <fieldset class="card practice-editor">
            <legend>"Practice"</legend>
            <label>"Prompt (what to say, to whom)"
                <textarea rows="2" name="prompt" placeholder="Pitch Aurora to a retail store manager in 60 seconds" bind:value=p.prompt
                    maxlength=rules::limits::PRACTICE_PROMPT_CHARS></textarea>{prompt_error}</label>
            <label>"Longest take (seconds)"<input type="number" name="max_seconds" min="10" max=rules::limits::TAKE_SECONDS inputmode="numeric" bind:value=p.max_seconds/>{seconds_error}</label>
            <label>"Scale"
                <select name="scale_max" on:change=move |ev| p.scale_max.set(event_target_value(&ev).parse().unwrap_or(4))
                    prop:value=move || p.scale_max.get().to_string()>
                    <option value="4">"1 to 4"</option>
                    <option value="5">"1 to 5"</option>
                </select></label>
            <For each=move || criteria.get().into_iter().enumerate() key=|(_, c)| c.key let:item>
                {
                    let (i, c) = item;
                    view! {
                        <div class="question-editor" data-testid="criterion">
                            <label>{format!("Criterion {}", i + 1)}<input type="text" name="rubric" placeholder="Opening" bind:value=c.name
                                maxlength=rules::limits::CRITERION_NAME_CHARS/></label>
                            <label>"What a reviewer looks for"<input type="text" name="rubric" bind:value=c.description/></label>
                            <label>"Weight"<input type="number" name="rubric" min="1" max=rules::limits::WEIGHT inputmode="numeric" bind:value=c.weight/></label>
                            <button type="button" class="secondary" on:click=move |_| criteria.update(|cs| cs.retain(|x| x.key != c.key))>"Remove criterion"</button>
                        </div>
                    }
                }
            </For>
            <button type="button" class="secondary" prop:disabled=move || criteria.get().len() >= rules::limits::CRITERIA
                on:click=move |_| criteria.update(|cs| cs.push(CriterionForm::blank()))>"Add criterion"</button>
            {rubric_error}
            <label>"Pass mark (% of the weighted points)"<input type="number" name="pass_percent" min="1" max="100" bind:value=form.pass_percent/>{pass_error}</label>
            <div class="checks" role="radiogroup" aria-label="Who reviews">
                {choose(Reviewers::Manager)}{choose(Reviewers::Peers)}{choose(Reviewers::Both)}
            </div>
            {move || (p.reviewers.get() != Reviewers::Manager).then(|| view! {
                <label>"Peer reviews of each take"<input type="number" name="peer_reviews" min="1" max=rules::limits::PEER_REVIEWS inputmode="numeric" bind:value=p.peer_reviews/></label>
            })}
            {peers_error}
        </fieldset>
    }
}
