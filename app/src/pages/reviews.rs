//! Reviews: the takes waiting for the signed-in reviewer, the longest waiting first, and
//! for the one opened: its video, a score per criterion, comments at a moment of the video
//! ("Comment at 0:42" takes the player's time), a summary, and "Send review". Made for a
//! phone: one column, big targets. A manager sees their people's takes; a teammate, when
//! the module asks peers, sees no other reviewer's scores before giving their own (the
//! server never sends them).

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;

use crate::{
    api::{
        CriterionScore, Me, RequestError, ReviewInput, ReviewerRole, Role, TimedComment, WaitingReview, review_limits,
    },
    client,
    components::{ErrorMessage, gate::signed_in},
    device::ago,
    reads,
};

#[component]
pub fn ReviewsPage() -> impl IntoView {
    let waiting = Resource::new(|| (), |_| client::sendable(reads::read(reads::Reviews)));
    view! {
        <Title text="Reviews"/>
        <h1>"Reviews"</h1>
        {signed_in(&Role::EVERYONE, move |_me: Me| view! {
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match waiting.await {
                        Ok(list) => view! { <Waiting list/> }.into_any(),
                        Err(error) => view! { <ErrorMessage error/> }.into_any(),
                    }
                })}
            </Suspense>
        })}
    }
}

/// The list, and the review being given.
#[component]
fn Waiting(list: Vec<WaitingReview>) -> impl IntoView {
    let list = RwSignal::new(list);
    let open = RwSignal::new(None::<String>);
    let sent = RwSignal::new(None::<String>);
    let now = crate::device::now();
    view! {
        {move || sent.get().map(|text| view! { <p class="alert ok" role="status" data-testid="review-sent">{text}</p> })}
        {move || {
            let items = list.get();
            if items.is_empty() {
                return view! { <p class="card muted" data-testid="no-reviews">"Nothing waits for your review."</p> }.into_any();
            }
            match open.get().and_then(|id| items.iter().find(|w| w.submission_id == id).cloned()) {
                Some(item) => {
                    let done = Callback::new(move |(id, text): (String, String)| {
                        list.update(|l| l.retain(|w| w.submission_id != id));
                        open.set(None);
                        sent.set(Some(text));
                    });
                    view! { <ReviewForm item done back=Callback::new(move |_| open.set(None))/> }.into_any()
                }
                None => view! {
                    <ul class="stack" data-testid="waiting-reviews">
                        {items.into_iter().map(|w| {
                            let id = w.submission_id.clone();
                            let role = if w.as_role == ReviewerRole::Peer { " · as a teammate" } else { "" };
                            view! {
                                <li class="card line" data-testid="waiting-review">
                                    <span>
                                        <strong>{w.learner_name.clone()}</strong>
                                        <span class="small muted">{format!(" · {} · sent {}{role}", w.title, ago(w.submitted_at, now))}</span>
                                    </span>
                                    <button type="button" data-testid="open-review" on:click=move |_| {
                                        sent.set(None);
                                        open.set(Some(id.clone()));
                                    }>"Review"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }
        }}
    }
}

fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// One take: watch it, score it, comment at moments of it, send.
#[component]
fn ReviewForm(item: WaitingReview, done: Callback<(String, String)>, back: Callback<()>) -> impl IntoView {
    let scale = item.rubric.scale_max;
    let scores: Vec<RwSignal<Option<u8>>> = item.rubric.criteria.iter().map(|_| RwSignal::new(None)).collect();
    let comments = RwSignal::new(Vec::<TimedComment>::new());
    let comment = RwSignal::new(String::new());
    let summary = RwSignal::new(String::new());
    let error = RwSignal::new(None::<RequestError>);
    let busy = RwSignal::new(false);
    let feature = RwSignal::new(false);
    let video = NodeRef::<leptos::html::Video>::new();
    let add_comment = move |_| {
        let text = comment.get_untracked().trim().to_string();
        if text.is_empty() {
            return;
        }
        let at = video.get_untracked().map_or(0.0, |v| v.current_time());
        comments.update(|c| {
            c.push(TimedComment { at_seconds: (at * 10.0).round() / 10.0, text });
            c.sort_by(|a, b| a.at_seconds.total_cmp(&b.at_seconds));
        });
        comment.set(String::new());
    };
    let criteria = item.rubric.criteria.clone();
    let names: Vec<String> = criteria.iter().map(|c| c.name.clone()).collect();
    let complete = {
        let scores = scores.clone();
        move || scores.iter().all(|s| s.get().is_some())
    };
    let send = {
        let scores = scores.clone();
        let (id, learner) = (item.submission_id.clone(), item.learner_name.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let picked: Option<Vec<CriterionScore>> = names
                .iter()
                .zip(&scores)
                .map(|(name, s)| s.get_untracked().map(|score| CriterionScore { criterion: name.clone(), score }))
                .collect();
            let Some(scores) = picked else { return };
            let input = ReviewInput {
                submission_id: id.clone(),
                scores,
                comments: comments.get_untracked(),
                summary: summary.get_untracked().trim().to_string(),
            };
            let (id, learner) = (id.clone(), learner.clone());
            busy.set(true);
            spawn_local(async move {
                let sent = format!("Review sent: {learner} sees it now.");
                match client::send_review(&input).await {
                    // The review is in; featuring is a step of its own, which may fail
                    // alone (the learner withdrew their consent meanwhile): said, not lost.
                    Ok(_) if feature.get_untracked() => match client::feature_take(&id, true).await {
                        Ok(_) => done.run((id, format!("{sent} Featured for the team."))),
                        Err(e) => done.run((id, format!("{sent} Not featured: {e}"))),
                    },
                    Ok(_) => done.run((id, sent)),
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        }
    };
    let jump = move |at: f64| {
        if let Some(v) = video.get_untracked() {
            v.set_current_time(at);
        }
    };
    view! {
        <section class="stack" data-testid="review-form">
            <button type="button" class="link" on:click=move |_| back.run(())>"← All reviews"</button>
            <h2>{format!("{} · {}", item.learner_name, item.title)}</h2>
            <p class="muted">{item.prompt.clone()}</p>
            <video node_ref=video controls=true playsinline=true preload="metadata" src=item.media_url.clone()
                data-testid="review-video" class="player"></video>
            <form class="stack" on:submit=send>
                {criteria.into_iter().zip(scores).map(|(c, score)| view! {
                    <fieldset class="chips" data-testid="criterion">
                        <legend>{format!("{} (×{})", c.name, c.weight)}</legend>
                        {(!c.description.is_empty()).then(|| view! { <p class="small muted">{c.description.clone()}</p> })}
                        {(1..=scale).map(|n| view! {
                            <label class="chip">
                                <input type="radio" name=format!("score-{}", c.name) value=n.to_string()
                                    prop:checked=move || score.get() == Some(n)
                                    on:change=move |_| score.set(Some(n))/>
                                <span>{n.to_string()}</span>
                            </label>
                        }).collect_view()}
                    </fieldset>
                }).collect_view()}
                <ul class="stack" data-testid="comments">
                    {move || comments.get().into_iter().enumerate().map(|(i, c)| {
                        let at = c.at_seconds;
                        view! {
                            <li class="line">
                                <button type="button" class="link" on:click=move |_| jump(at)>{clock(at)}</button>
                                <span>{c.text}</span>
                                <button type="button" class="link" on:click=move |_| comments.update(|l| { l.remove(i); })>"Remove"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <label>"A comment at this moment of the video"
                    <input type="text" maxlength=review_limits::COMMENT_CHARS bind:value=comment data-testid="comment-text"
                        placeholder="Pause where it matters, then write"/>
                </label>
                <button type="button" class="secondary" data-testid="add-comment"
                    disabled=move || comments.with(|c| c.len() >= review_limits::COMMENTS)
                    on:click=add_comment>"Comment at this moment"</button>
                <label>"Summary"
                    <textarea rows="3" maxlength=review_limits::SUMMARY_CHARS bind:value=summary data-testid="review-summary"
                        placeholder="What to keep, what to change next time"></textarea>
                </label>
                {if item.shared {
                    view! {
                        <label class="check">
                            <input type="checkbox" bind:checked=feature data-testid="feature-take"/>
                            {format!(" Feature this take for {}'s team: teammates see it on their Home", item.learner_name)}
                        </label>
                    }.into_any()
                } else {
                    view! { <p class="small muted">{format!("{} hasn't agreed to share this take, so it can't be featured for the team.", item.learner_name)}</p> }.into_any()
                }}
                {move || error.get().map(|error| view! { <ErrorMessage error/> })}
                <button type="submit" data-testid="send-review" disabled=move || busy.get() || !complete()>
                    {format!("Send review (pass mark {} %)", item.pass_percent)}
                </button>
            </form>
        </section>
    }
}
