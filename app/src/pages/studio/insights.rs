//! Insights in the Studio: per module, what learners think (rating and comments, newest
//! first, with the version they refer to) and how they answer it (completion rate, and
//! per quiz question the share of each option picked, so a confusing question stands out).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{STUDIO_ROLES, StudioTabs};
use crate::{
    api::{ErrorCode, Me, ModuleInsights, ModulesReport, QuestionInsight, ago},
    client,
    components::{Bar, ErrorMessage, gate::signed_in, set_status},
    reads,
};

/// A question counts as confusing when at least this share of answers miss it.
const CONFUSING_PERCENT: f64 = 50.0;

fn percent_text(p: Option<f64>) -> String {
    p.map(|p| format!("{p} %")).unwrap_or_else(|| "–".to_string())
}

fn stars(rating: u8) -> String {
    let rating = usize::from(rating.min(5));
    format!("{}{}", "★".repeat(rating), "☆".repeat(5 - rating))
}

#[component]
pub fn InsightsPage() -> impl IntoView {
    let query = use_query_map();
    let selected = move || query.with(|q| q.get("module").and_then(|m| m.parse::<i64>().ok()));
    let report = Resource::new(|| (), |_| client::sendable(reads::read(reads::ModulesReport)));
    let insights = Resource::new(selected, |id| async move {
        match id {
            Some(id) => Some(client::sendable(reads::read(reads::ModuleInsights { id })).await),
            None => None,
        }
    });
    view! {
        <Title text="Insights"/>
        {signed_in(STUDIO_ROLES, move |_me: Me| view! {
            <h1>"Insights"</h1>
            <StudioTabs current="/studio/insights"/>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match insights.await {
                        Some(Ok(insights)) => view! { <Detail insights/> }.into_any(),
                        Some(Err(error)) => {
                            if error.code() == Some(ErrorCode::NotFound) {
                                set_status(404);
                            }
                            view! { <ErrorMessage error/> }.into_any()
                        }
                        None => ().into_any(),
                    }
                })}
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(report) => view! { <Overview report selected=selected()/> }.into_any(),
                        Err(error) => view! { <ErrorMessage error/> }.into_any(),
                    }
                })}
            </Transition>
        })}
    }
}

/// Every published module: rating and completion at a glance, each opening its insights.
#[component]
fn Overview(report: ModulesReport, selected: Option<i64>) -> impl IntoView {
    if report.modules.is_empty() {
        return view! { <p class="card muted">"Nothing published yet: insights appear once learners have modules."</p> }
            .into_any();
    }
    view! {
        <section class="card">
            <h2>"All modules"</h2>
            <div class="table-scroll">
                <table class="figures" data-testid="insights-modules">
                    <thead><tr>
                        <th scope="col">"Module"</th>
                        <th scope="col">"Rating"</th>
                        <th scope="col">"Completion rate"</th>
                        <th scope="col">"Most missed"</th>
                    </tr></thead>
                    <tbody>
                        {report.modules.into_iter().map(|m| {
                            let current = selected == Some(m.module_id);
                            view! {
                                <tr aria-current=current.then_some("true")>
                                    <th scope="row">
                                        <a href=format!("/studio/insights?module={}", m.module_id)>{m.title.clone()}</a>
                                        <span class="small muted">{format!(" · {}", m.kind.label())}</span>
                                    </th>
                                    <td>{match m.rating_average {
                                        Some(r) => format!("{r} ({})", m.ratings),
                                        None => "–".to_string(),
                                    }}</td>
                                    <td>{format!("{} ({} of {})", percent_text(m.completion_rate), m.completed, m.assigned)}</td>
                                    <td>{m.most_missed.map(|q| format!("Q{} · {} %", q.index + 1, q.missed_percent)).unwrap_or_default()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

/// One module: ratings, questions, comments.
#[component]
fn Detail(insights: ModuleInsights) -> impl IntoView {
    let f = &insights.figures;
    let now = insights.generated_at;
    let rated: u32 = insights.rating_counts.iter().sum();
    let most = insights.rating_counts.iter().copied().max().unwrap_or(0).max(1);
    let rating = match f.rating_average {
        Some(avg) => format!("{avg} out of 5 from {} rating{}", f.ratings, if f.ratings == 1 { "" } else { "s" }),
        None => "No ratings yet".to_string(),
    };
    let completion = format!(
        "{} completion rate · {} completed · {} assigned · {} started",
        percent_text(f.completion_rate),
        f.completed,
        f.assigned,
        f.started
    );
    view! {
        <section class="card insights" data-testid="module-insights" data-module-id=f.module_id.to_string()>
            <h2>{format!("{} · v{}", f.title, insights.version)}</h2>
            <p class="small"><a href="/studio/insights">"All modules"</a>" · "
                <a href=format!("/studio/modules/{}", f.module_id)>"Edit the module"</a></p>
            <p data-testid="insights-completion">{completion}</p>
            <h3>"Was this useful?"</h3>
            <p data-testid="insights-rating">{rating}</p>
            {(rated > 0).then(|| view! {
                <ul class="bars" aria-label="Ratings by stars">
                    {(1..=5u8).rev().map(|s| {
                        let n = insights.rating_counts[usize::from(s - 1)];
                        view! {
                            <li>
                                <span class="bar-label">{stars(s)}</span>
                                <Bar percent=f64::from(n * 100 / most)/>
                                <span class="bar-value">{n}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            {(!insights.questions.is_empty()).then(|| view! {
                <h3>"Answers"</h3>
                <p class="small muted">{format!("{} attempt{} on v{}; shares of each question's answers.", insights.attempts,
                    if insights.attempts == 1 { "" } else { "s" }, insights.version)}</p>
                <ol class="question-insights" data-testid="insights-questions">
                    {insights.questions.into_iter().map(|q| view! { <QuestionShares q/> }).collect_view()}
                </ol>
            })}
            {insights.practice.map(|p| {
                let scale = p.scale_max;
                view! {
                    <h3>"Takes"</h3>
                    <p data-testid="insights-practice">{format!(
                        "{} submitted · {} reviewed · {} pass rate ({} of {} decided)",
                        p.submissions, p.reviewed, percent_text(p.pass_rate), p.passed, p.decided
                    )}</p>
                    <ul class="bars" aria-label="Mean score per criterion">
                        {p.criteria.into_iter().map(|c| view! {
                            <li data-testid="criterion-insight">
                                <span class="bar-label">{c.name}</span>
                                <Bar percent=c.average.map_or(0.0, |a| a * 100.0 / f64::from(scale))/>
                                <span class="bar-value">{c.average.map_or("–".to_string(), |a| format!("{a} / {scale}"))}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }
            })}
            {insights.retention.map(|retention| view! {
                <h3>"Retention"</h3>
                <p class="small muted">"Questions answered right the first time (every question), and as boosters later: the missed ones come back, and one in four of those got right, until answered right twice in a row."</p>
                <crate::pages::team::RetentionBars retention/>
            })}
            <h3>"Comments"</h3>
            {if insights.comments.is_empty() {
                view! { <p class="muted" data-testid="insights-no-comments">"No comments yet."</p> }.into_any()
            } else {
                let more = insights.comments_total as usize > insights.comments.len();
                view! {
                    {more.then(|| view! { <p class="small muted">{format!("The newest {} of {} comments.", insights.comments.len(), insights.comments_total)}</p> })}
                    <ul class="comments" data-testid="insights-comments">
                        {insights.comments.into_iter().map(|c| view! {
                            <li data-testid="comment">
                                <p class="small muted"><span aria-label=format!("{} out of 5", c.rating)>{stars(c.rating)}</span>
                                    {format!(" · v{} · {}", c.module_version, ago(Some(c.at), now))}</p>
                                <p>{c.comment}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn QuestionShares(q: QuestionInsight) -> impl IntoView {
    let confusing = q.missed_percent.is_some_and(|m| m >= CONFUSING_PERCENT);
    let summary = format!(
        "{} answer{} · {} missed",
        q.answers,
        if q.answers == 1 { "" } else { "s" },
        percent_text(q.missed_percent)
    );
    view! {
        <li class=if confusing { "confusing" } else { "" } data-testid="question-insight">
            <p><strong>{q.prompt.clone()}</strong>
                {q.multiple.then(|| view! { <span class="small muted">" (several right)"</span> })}</p>
            <p class="small">{summary}
                {confusing.then(|| view! { <span class="badge pending">" Often missed: worth a look"</span> })}</p>
            <ul class="bars">
                {q.options.into_iter().map(|o| {
                    let width = o.percent.unwrap_or(0.0).clamp(0.0, 100.0);
                    view! {
                        <li class=if o.correct { "right" } else { "" }>
                            <span class="bar-label">{o.text}{o.correct.then_some(" ✓")}</span>
                            <Bar percent=width/>
                            <span class="bar-value">{percent_text(o.percent)}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </li>
    }
}
